// `--config FILE.yml`: the action's inputs as keys of one YAML mapping, so a cron line or a Kubernetes
// CronJob carries one flag instead of forty. Flags on the command line win over the file. Every key is
// checked before anything runs: one that is not an input is refused naming the closest; a password is
// never in the file (it would sit on disk): `password-env: VAR` names the variable that holds it.

import { readFileSync } from 'node:fs'
import { INPUTS } from '../config/inputs'
import { didYouMean } from '../util/suggest'
import { yaml } from '../util/yaml'
import { UsageError } from './args'

/** The keys a config file may hold: every input but the password, and where the password comes from. */
const KEYS = [...INPUTS.filter(i => i.name !== 'password').map(i => i.name), 'password-env']
const LISTS = new Set(INPUTS.filter(i => i.list).map(i => i.name))

export interface ConfigFile {
  inputs: Record<string, string>
  passwordEnv?: string
}

export function readConfigFile(path: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new UsageError(`--config ${path}: not readable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  const doc = yaml().parseDocument(text, { uniqueKeys: true, prettyErrors: false })
  const first = doc.errors[0]
  if (first) throw new UsageError(`--config ${path}: not YAML (${first.message.split('\n')[0] ?? ''})`)
  const data: unknown = doc.toJS()
  if (data === null || data === undefined) return { inputs: {} }
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--config ${path}: expected a mapping of input names to values (keep: 5)`)
  const inputs: Record<string, string> = {}
  let passwordEnv: string | undefined
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key === 'password') throw new UsageError(`--config ${path}: password is never read from a file; name the variable that holds it (password-env: VAR)`)
    if (!KEYS.includes(key))
      throw new UsageError(`--config ${path}: unknown key '${key}'${didYouMean(key, KEYS) || ' (the keys are the inputs, as in --help)'}`)
    const text = valueText(path, key, value)
    if (key === 'password-env') passwordEnv = text
    else inputs[key] = text
  }
  return { inputs, ...(passwordEnv !== undefined ? { passwordEnv } : {}) }
}

/** A scalar as the action's input would read it; a list only for a list input (joined as lines). */
function valueText(path: string, key: string, value: unknown): string {
  if (Array.isArray(value)) {
    if (!LISTS.has(key)) throw new UsageError(`--config ${path}: ${key} takes one value, not a list`)
    return value.map(v => valueText(path, key, v)).join('\n')
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null) return ''
  throw new UsageError(`--config ${path}: ${key} must be a string, a number or true/false${LISTS.has(key) ? ', or a list' : ''}`)
}
