// The `rules` input (or `rules-file`): YAML, a list of rules, each with `images` and any of the policy
// inputs it may set. Every error names the rule (its index and images), the field and the line.

import { yaml } from '../util/yaml'
import { didYouMean } from '../util/suggest'
import type { Node } from 'yaml'
import type { AgeBasis, ImageRule, KeepPer, Policy, RuleFields, SortMode } from '../model'

/** The validators of the inputs of the same names (src/config/config.ts), each throwing a ConfigError. */
/** The parser of each policy field: the same for the input and for a rule's field of that name. */
export interface PolicyFieldParsers {
  images(text: string): string[]
  'exclude-images'(text: string): string[]
  tags(text: string): string[]
  'keep-tags'(text: string): string[]
  'delete-tags'(text: string): string[]
  keep(text: string): number
  'keep-other'(text: string): number
  'keep-per'(text: string): KeepPer
  'keep-lines'(text: string): number
  'older-than'(text: string): Policy['olderThan']
  'age-basis'(text: string): AgeBasis
  sort(text: string): SortMode
}

export interface FieldParsers {
  fields: PolicyFieldParsers
  /** An error of the rules input, placed (`rule 2 (images: a/**), line 5, field keep`). */
  error(where: string, value: string, accepted: string): Error
  /** A field validator's error, placed the same way. */
  within(where: string, e: Error): Error
}

export const RULE_FIELDS = [
  'images',
  'exclude-images',
  'keep',
  'keep-other',
  'keep-per',
  'keep-lines',
  'older-than',
  'age-basis',
  'sort',
  'tags',
  'keep-tags',
  'delete-tags'
] as const
const LIST_FIELDS = new Set(['images', 'exclude-images', 'tags', 'keep-tags', 'delete-tags'])

/** A list field as the input's own form: a YAML list becomes lines, a string stays as written (comma form). */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
}

function fieldText(node: unknown, list: boolean): string | undefined {
  if (yaml().isScalar(node)) return scalarText(node.value)
  if (!list || !yaml().isSeq(node)) return undefined
  const items = node.items.map(i => (yaml().isScalar(i) ? scalarText(i.value) : undefined))
  return items.every(i => i !== undefined) ? items.join('\n') : undefined
}

type Lines = (node: { range?: [number, number, number] | null } | null | undefined) => number
type Values = Map<string, { text: string; line: number }>

export function parseRules(text: string, p: FieldParsers): ImageRule[] {
  const lines = new (yaml().LineCounter)()
  const doc = yaml().parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })
  const lineOf: Lines = node => lines.linePos(node?.range?.[0] ?? 0).line
  const first = doc.errors[0]
  if (first) {
    const line = lines.linePos(first.pos[0]).line
    throw p.error(`line ${line}`, text.split('\n')[line - 1]?.trim() ?? '', `YAML: ${first.message.split('\n')[0] ?? ''}`)
  }
  const root = doc.contents as Node | null
  if (root === null || (yaml().isScalar(root) && root.value === null)) return []
  if (!yaml().isSeq(root)) throw p.error(`line ${lineOf(root)}`, String(doc.toJS() as string).slice(0, 60), 'a YAML list of rules (- images: …)')
  return root.items.map((item, i) => parseRule(item as Node, i + 1, lineOf, p))
}

/** The fields of one rule as written, each with its line; a field that is not a rule's is refused. */
function ruleValues(node: Node, index: number, lineOf: Lines, p: FieldParsers): Values {
  if (!yaml().isMap(node))
    throw p.error(`rule ${index}, line ${lineOf(node)}`, String(yaml().isScalar(node) ? node.value : ''), 'a map of fields (images, keep, …)')
  const values: Values = new Map()
  for (const pair of node.items) {
    const key = yaml().isScalar(pair.key) ? String(pair.key.value) : ''
    const line = lineOf(pair.key as Node)
    if (!(RULE_FIELDS as readonly string[]).includes(key)) {
      throw p.error(`rule ${index}, line ${line}`, key, `one of the fields ${RULE_FIELDS.join(', ')}${didYouMean(key, RULE_FIELDS)}`)
    }
    const value = fieldText(pair.value, LIST_FIELDS.has(key))
    if (value === undefined)
      throw p.error(`rule ${index}, line ${line}, field ${key}`, '', LIST_FIELDS.has(key) ? 'a list or a comma-separated string' : 'a value')
    values.set(key, { text: value, line })
  }
  return values
}

/** One rule: each field through the parser of the input of the same name, its error placed in the rule. */
function parseRule(node: Node, index: number, lineOf: Lines, p: FieldParsers): ImageRule {
  const values = ruleValues(node, index, lineOf, p)
  const images = values.get('images')
  const label = images ? `rule ${index} (images: ${images.text.split('\n').join(', ')})` : `rule ${index}`
  if (!images) throw p.error(`${label}, line ${lineOf(node)}`, '', 'an images field: the globs of the images the rule is for')
  const field = <T>(key: string, parse: (text: string) => T): T | undefined => {
    const v = values.get(key)
    if (!v) return undefined
    try {
      return parse(v.text)
    } catch (e) {
      throw p.within(`${label}, line ${v.line}, field ${key}`, e as Error)
    }
  }
  const f = p.fields
  const parsed: RuleFields = {
    keep: field('keep', t => f.keep(t)),
    keepOther: field('keep-other', t => f['keep-other'](t)),
    keepPer: field('keep-per', t => f['keep-per'](t)),
    keepLines: field('keep-lines', t => f['keep-lines'](t)),
    olderThan: field('older-than', t => f['older-than'](t)),
    ageBasis: field('age-basis', t => f['age-basis'](t)),
    sort: field('sort', t => f.sort(t)),
    tags: field('tags', t => f.tags(t)),
    keepTags: field('keep-tags', t => f['keep-tags'](t)),
    deleteTags: field('delete-tags', t => f['delete-tags'](t))
  }
  // only the fields the rule sets: one left out comes from the input of the same name
  const set = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as RuleFields
  const imageGlobs = field('images', t => f.images(t)) ?? []
  if (imageGlobs.length === 0) throw p.error(`${label}, line ${images.line}, field images`, images.text, 'one or more globs')
  return { index, images: imageGlobs, excludeImages: field('exclude-images', t => f['exclude-images'](t)) ?? [], set }
}
