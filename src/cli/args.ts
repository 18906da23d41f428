// The CLI's flags: the action's inputs of the same names plus a few switches, read with node:util
// parseArgs (its tokens, so that booleans take a value or none, --no-X negates, and a flag given twice with
// different meanings is an error instead of last-one-wins).

import { didYouMean } from '../util/suggest'
import { parseArgs as parseTokens } from 'node:util'
import { INPUT_GROUPS, INPUTS, type InputSpec } from '../config/inputs'

export class UsageError extends Error {}

export interface CliArgs {
  inputs: Record<string, string>
  passwordStdin: boolean
  passwordEnv?: string
  /** --config FILE: inputs from a YAML file, under the flags. */
  config?: string
  json: boolean
  verbose: boolean
  /** --color / --no-color; undefined: from NO_COLOR, FORCE_COLOR and the terminal. */
  color?: boolean
  help: boolean
  version: boolean
}

interface Switch {
  name: string
  short?: string
  boolean: boolean
  help: string
  /** Shown instead of `--name VALUE`. */
  usage?: string
}

const SWITCHES: Switch[] = [
  { name: 'delete', boolean: true, help: 'Really delete: the same as --dry-run=false (or --no-dry-run).' },
  { name: 'password-stdin', boolean: true, help: 'Read the password from standard input.' },
  { name: 'password-env', boolean: false, usage: '--password-env VAR', help: 'Read the password from environment variable VAR.' },
  {
    name: 'config',
    boolean: false,
    usage: '--config FILE',
    help: 'A YAML file of inputs (keep: 5); flags on the command line win. The password only as password-env: VAR.'
  },
  { name: 'json', boolean: true, help: 'Print the JSON report instead of the table.' },
  { name: 'verbose', short: 'v', boolean: true, help: 'Debug logging on stderr, with a line per request (method, path, status, ms).' },
  { name: 'color', boolean: true, help: 'Colour on a terminal (--no-color, or NO_COLOR set, turns it off; FORCE_COLOR on).' },
  { name: 'help', short: 'h', boolean: true, help: 'This text.' },
  { name: 'version', boolean: true, help: 'The version.' }
]

/** Every input is a flag of the same name, but the password (it would show in the process list). */
const FLAG_INPUTS = INPUTS.filter(i => i.name !== 'password')
const BY_NAME = new Map<string, InputSpec | Switch>([...FLAG_INPUTS.map(i => [i.name, i] as const), ...SWITCHES.map(s => [s.name, s] as const)])

function isBoolean(spec: InputSpec | Switch): boolean {
  return spec.boolean === true
}

function booleanValue(flag: string, raw: string): string {
  const v = raw.toLowerCase()
  if (v !== 'true' && v !== 'false') throw new UsageError(`${flag} accepts true or false (got ${JSON.stringify(raw)})`)
  return v
}

export function parseArgs(argv: string[]): CliArgs {
  const options = Object.fromEntries(
    [...BY_NAME.values()].map(spec => [
      spec.name,
      { type: isBoolean(spec) ? ('boolean' as const) : ('string' as const), ...('short' in spec && spec.short ? { short: spec.short } : {}) }
    ])
  )
  const { tokens } = parseTokens({ args: argv, options, strict: false, allowPositionals: true, tokens: true })
  // What each setting was given as, to refuse a second flag that says otherwise.
  const given = new Map<string, { value: string; flag: string }>()
  const values = new Map<string, string>()
  const set = (key: string, value: string, flag: string, list = false): void => {
    const before = given.get(key)
    if (list) {
      values.set(key, values.has(key) ? `${values.get(key)}\n${value}` : value) // --images a --images b == a,b
    } else if (before && before.value !== value) {
      throw new UsageError(`${flag} conflicts with ${before.flag}: give one of them`)
    } else {
      values.set(key, value)
    }
    given.set(key, { value, flag: before && list ? before.flag : flag })
  }

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (!t || t.kind === 'option-terminator') continue
    if (t.kind === 'positional') throw new UsageError(`unknown option ${t.value} (see --help)`)
    const { rawName } = t
    const display = t.inlineValue ? `${rawName}=${t.value ?? ''}` : rawName
    if (t.name === 'password') {
      throw new UsageError('--password is not accepted (it would show in the process list): use --password-stdin or --password-env VAR')
    }
    const negated = t.name.startsWith('no-') ? BY_NAME.get(t.name.slice(3)) : undefined
    if (negated && isBoolean(negated) && rawName.startsWith('--')) {
      if (t.inlineValue) throw new UsageError(`${rawName} takes no value`)
      set(negated.name === 'delete' ? 'dry-run' : negated.name, negated.name === 'delete' ? 'true' : 'false', rawName)
      continue
    }
    const spec = BY_NAME.get(t.name) // parseArgs names a known short flag (-v) by its long name
    if (!spec) throw new UsageError(`unknown option ${rawName}${didYouMean(t.name, [...BY_NAME.keys()], '--') || ' (see --help)'}`)
    if (isBoolean(spec)) {
      let value = 'true'
      if (t.inlineValue) value = booleanValue(rawName, t.value ?? '')
      else {
        // `--run-cleanup-tasks true` reads as the action's input does; a next word other than true/false is not ours.
        const next = tokens[i + 1]
        if (next?.kind === 'positional' && /^(true|false)$/i.test(next.value)) {
          value = next.value.toLowerCase()
          i++
        }
      }
      if (spec.name === 'delete') set('dry-run', value === 'true' ? 'false' : 'true', display)
      else set(spec.name, value, display)
      continue
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))) {
      throw new UsageError(`${rawName} needs a value${t.value ? ` (got the option ${t.value}; write ${rawName}=VALUE for a value that starts with -)` : ''}`)
    }
    set(spec.name, t.value, display, 'list' in spec && spec.list === true)
  }

  const flag = (name: string): boolean => values.get(name) === 'true'
  const inputs: Record<string, string> = {}
  for (const i of FLAG_INPUTS) {
    const v = values.get(i.name)
    if (v !== undefined) inputs[i.name] = v
  }
  const passwordEnv = values.get('password-env')
  const config = values.get('config')
  return {
    inputs,
    passwordStdin: flag('password-stdin'),
    ...(passwordEnv !== undefined ? { passwordEnv } : {}),
    ...(config !== undefined ? { config } : {}),
    json: flag('json'),
    ...(values.has('color') ? { color: flag('color') } : {}),
    verbose: flag('verbose'),
    help: flag('help'),
    version: flag('version')
  }
}

const MERGE_USAGE = 'merge-reports FILE... [--json] [--report-file FILE]'

export interface MergeArgs {
  files: string[]
  json: boolean
  reportFile?: string
  help?: boolean
}

/** `merge-reports --help`. */
export const MERGE_HELP = [
  `Usage: nexus-image-lifecycle ${MERGE_USAGE}`,
  '',
  "The JSON reports of one sharded run (each shard's report-file, and the reclaim-only job's) as one report,",
  'without asking any server. Each file is checked against the report schema and its schemaVersion; every',
  'count is recomputed from its outcomes, and a report whose counts disagree is refused, naming the file.',
  'An image is host + API + repository + name: the same names on two hosts are two images.',
  '',
  '  --json               print the merged report as JSON instead of the table',
  '  --report-file FILE   also write the merged report to FILE',
  '  -h, --help           this text',
  '',
  'Example: nexus-image-lifecycle merge-reports shard-*.json --report-file all.json',
  'Exit status: 0 done, 1 a report refused or a run that failed, 2 bad usage.'
].join('\n')

/** `merge-reports FILE... [--json] [--report-file FILE]`, read with node:util parseArgs (strict). */
export function parseMergeArgs(argv: string[]): MergeArgs {
  let parsed
  try {
    parsed = parseTokens({
      args: argv,
      options: { json: { type: 'boolean' }, 'report-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true
    })
  } catch (e) {
    throw new UsageError(`merge-reports: ${(e as Error).message} (${MERGE_USAGE})`)
  }
  const { values, positionals } = parsed
  if (values.help === true) return { files: [], json: false, help: true }
  if (positionals.length === 0) throw new UsageError(`merge-reports needs one or more report files (${MERGE_USAGE})`)
  const reportFile = values['report-file']
  if (reportFile === '') throw new UsageError('--report-file needs a value')
  return { files: positionals, json: values.json === true, ...(reportFile !== undefined ? { reportFile } : {}) }
}

/** `text` cut into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}

/** --help, aligned to `width` columns (the terminal's, or 100 when piped). */
/** One row of --help: the flag as typed, and its meaning. */
function inputRow(i: InputSpec): [string, string] {
  return [i.boolean ? `--${i.name}` : `--${i.name} VALUE`, i.description + (i.default ? ` [default: ${i.default}]` : '')]
}

export function helpText(version: string, width = 100): string {
  const byName = new Map(FLAG_INPUTS.map(i => [i.name, i]))
  const groups: [string, [string, string][]][] = INPUT_GROUPS.map(g => [
    g.title,
    g.inputs.flatMap(n => {
      const i = byName.get(n)
      return i ? [inputRow(i)] : []
    })
  ])
  groups.push(['The command line', SWITCHES.map(s => [s.usage ?? `${s.short ? `-${s.short}, ` : ''}--${s.name}`, s.help] as [string, string])])
  const rows = groups.flatMap(([, r]) => r)
  const left = Math.max(...rows.map(([u]) => u.length)) + 4
  const right = Math.max(24, width - left)
  const out = [
    `nexus-image-lifecycle ${version}: keep the newest Docker images in Nexus 3 or an OCI registry, delete the rest.`,
    '',
    'Usage: nexus-image-lifecycle --host URL [options]   (a dry run unless --delete or --dry-run=false)',
    'Or:    nexus-image-lifecycle merge-reports FILE... [--json] [--report-file FILE]   (the JSON reports of a sharded run as one)',
    '',
    'Options (the GitHub Action inputs of the same names). A true/false option alone means true;',
    'it also takes =true, =false or a following true/false, and --no-NAME means false.'
  ]
  for (const [title, group] of groups) {
    out.push('', `${title}:`)
    for (const [usage, text] of group) {
      const [first = '', ...rest] = wrap(text, right)
      out.push(`  ${usage.padEnd(left - 2)}${first}`, ...rest.map(l => ' '.repeat(left) + l))
    }
  }
  out.push(
    '',
    'Examples:',
    '# a dry run: what would go',
    '$ nexus-image-lifecycle --host https://nexus.example.com --repository docker-hosted --username cleanup-bot --password-env NEXUS_PASSWORD --keep 5 --older-than 30d',
    '# the same from a file (see --config), for real',
    '$ nexus-image-lifecycle --config cleanup.yml --delete --report-file report.json',
    '# the reports of a sharded run as one',
    '$ nexus-image-lifecycle merge-reports shard-*.json --report-file all.json',
    '',
    'Exit status: 0 done, 1 something failed (see the report), 2 bad usage or input, 130/143/129 stopped by SIGINT/SIGTERM/SIGHUP.'
  )
  return out.join('\n')
}
