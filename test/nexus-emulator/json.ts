/**
 * JSON output the way Nexus writes it.
 *
 * REST responses come from Jackson with INDENT_OUTPUT and the default pretty printer (API.md §1.2):
 * `"key" : value`, 2-space indent for object members, arrays inline as `[ a, b ]` (objects inside
 * an array therefore open on the same line: `[ {` … `}, {` … `} ]`), empty containers as `[ ]` and
 * `{ }`, nulls always written. Some Orient versions write the same key twice (§4.2), which a JS
 * object cannot hold, so objects are built as ordered entry lists (`JsonObject`).
 *
 * The registry (Docker v2) side writes compact JSON (examples/registry-manifest-unknown.json).
 */

export type JsonValue = null | string | number | boolean | JsonValue[] | JsonObject | { [key: string]: JsonValue }

/** An ordered list of members; duplicate keys are allowed on purpose. */
export class JsonObject {
  readonly entries: Array<[string, JsonValue]>

  constructor(entries: Array<[string, JsonValue]> = []) {
    this.entries = entries
  }

  add(key: string, value: JsonValue): this {
    this.entries.push([key, value])
    return this
  }

  /** Last value for `key`, like JSON.parse would keep. */
  get(key: string): JsonValue | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i][0] === key) return this.entries[i][1]
    return undefined
  }

  keys(): string[] {
    return this.entries.map(e => e[0])
  }
}

/** Shorthand: `obj(['a', 1], ['b', null])`. */
export function obj(...entries: Array<[string, JsonValue]>): JsonObject {
  return new JsonObject(entries)
}

function entriesOf(value: JsonObject | { [key: string]: JsonValue }): Array<[string, JsonValue]> {
  return value instanceof JsonObject ? value.entries : Object.entries(value)
}

const indent = (level: number): string => '  '.repeat(level)

/**
 * Jackson DefaultPrettyPrinter. Object nesting drives indentation; arrays use the inline
 * "fixed space" indenter and do not add a level (that is why array elements that are objects
 * indent their members one level deeper than the enclosing object's members, not two).
 */
export function jacksonPretty(value: JsonValue, level = 0): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot serialize ${value}`)
    return String(value)
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]'
    return '[ ' + value.map(v => jacksonPretty(v, level)).join(', ') + ' ]'
  }
  const entries = entriesOf(value)
  if (entries.length === 0) return '{ }'
  const members = entries.map(([k, v]) => `${indent(level + 1)}${JSON.stringify(k)} : ${jacksonPretty(v, level + 1)}`)
  return '{\n' + members.join(',\n') + '\n' + indent(level) + '}'
}

/** Compact JSON (registry API), preserving duplicate keys if any. */
export function compactJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return jacksonPretty(value)
  if (Array.isArray(value)) return '[' + value.map(compactJson).join(',') + ']'
  return (
    '{' +
    entriesOf(value)
      .map(([k, v]) => JSON.stringify(k) + ':' + compactJson(v))
      .join(',') +
    '}'
  )
}

export type OffsetStyle = 'colon' | 'noColon'

/**
 * `java.util.Date` as Jackson writes it with WRITE_DATES_AS_TIMESTAMPS off (§1.2): UTC with
 * milliseconds, offset `+00:00` (Jackson 2.11+, Nexus 3.26+) or `+0000` (Nexus ≤ 3.25).
 */
export function formatDate(date: Date | null, style: OffsetStyle = 'colon'): string | null {
  if (date === null) return null
  const iso = date.toISOString() // always YYYY-MM-DDTHH:mm:ss.sssZ
  return iso.slice(0, -1) + (style === 'colon' ? '+00:00' : '+0000')
}

/**
 * Parse JSON keeping member order and duplicate keys (JSON.parse drops the first `blobCreated` of
 * an Orient 3.59–3.70 asset). Tests use it to compare shapes with the example files.
 */
export function parseJsonPreservingKeys(text: string): JsonValue {
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++
  }
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}`)
  }
  const parseString = (): string => {
    const start = i
    i++ // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    if (i >= text.length) fail('Unterminated string')
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  const parseValue = (): JsonValue => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const o = new JsonObject()
      ws()
      if (text[i] === '}') {
        i++
        return o
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('Expected key')
        const k = parseString()
        ws()
        if (text[i] !== ':') fail('Expected :')
        i++
        o.add(k, parseValue())
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return o
        }
        fail('Expected , or }')
      }
    }
    if (c === '[') {
      i++
      const a: JsonValue[] = []
      ws()
      if (text[i] === ']') {
        i++
        return a
      }
      for (;;) {
        a.push(parseValue())
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return a
        }
        fail('Expected , or ]')
      }
    }
    if (c === '"') return parseString()
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 40))
    if (!m) return fail('Unexpected token')
    i += m[0].length
    return JSON.parse(m[0]) as JsonValue
  }
  const v = parseValue()
  ws()
  if (i !== text.length) fail('Trailing data')
  return v
}
