// Inputs -> validated Config. Every bad value fails here, before any request, with one line that names the
// input and what it accepts.

import type { DeleteMethod, SizeEstimate } from '../model'
import { isNexusRepository } from '../util/names'
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { ApiKind, AgeBasis, ImageReference, ImageRule, KeepPer, Policy, SortMode } from '../model'
import { DURATION_FORMS, parseDuration } from './duration'
import { GlobError, globToRegExp } from '../util/glob'
import { INPUTS } from './inputs'
import { parseRules, type FieldParsers, type PolicyFieldParsers } from './rules'
import { parseReference } from './references'
import { parseShard, type Shard } from './shard'

export type { DeleteMethod, SizeEstimate } from '../model'

export interface Config {
  api: ApiKind
  /** Base URL without trailing slash. */
  host: string
  username: string
  password: string
  /** Nexus repositories (empty for api registry). */
  repositories: string[]
  /** Docker v2 API base when it is not `<host>/repository/<repo>/` (Nexus) or `<host>` (registry). */
  registryUrl?: string
  policy: Policy
  deleteMethod: DeleteMethod
  /** Nexus: how the components are listed (search, per image in parallel, only where proven; the components listing; or auto). */
  listing: 'auto' | 'components' | 'search'
  /** Re-read each planned tag just before deleting, and skip its manifest when the tag moved. */
  verifyBeforeDelete: boolean
  /** Freed-bytes estimate: from what is read anyway, also reading deleted manifests (Nexus), or none. */
  sizeEstimate: SizeEstimate
  dryRun: boolean
  /** Requests (and images) in flight at most: the fixed number, or with concurrency auto the ceiling. */
  concurrency: number
  /** Only the images of this shard (K of N) are planned and deleted. */
  shard?: Shard
  /** No inventory and no deletion: only the reclaim step. */
  reclaimOnly: boolean
  /** Globs of JSON reports to merge into this job's report. */
  mergeReports: string[]
  /** concurrency auto: the limit starts here and adapts up to `concurrency` (max-concurrency). */
  adaptiveStart?: number
  requestTimeoutMs: number
  retries: number
  reportFile?: string
  /** PEM text of extra CAs to trust. */
  caCert?: string
  insecureSkipTlsVerify: boolean
  /** max-duration: the run stops itself after this long, with its record. */
  maxDurationMs?: number
  /** Hosts of a token realm on another origin that may receive the credentials (HTTPS only). */
  tokenRealmHosts: string[]
  runCleanupTasks: boolean
  gcTask?: string
  compactTask?: string
  createMissingTasks: boolean
  taskTimeoutMs: number
  /** deployOffset (hours) of a GC task the action creates. */
  gcDeployOffsetHours: number
  /** api registry against a server that says it is Nexus: run anyway. */
  forceRegistryApi: boolean
}

export class ConfigError extends Error {
  /** `where` places the value inside the input (a field of a rule). */
  constructor(input: string, value: string, accepted: string, where?: string) {
    const shown = value.length > 80 ? value.slice(0, 77) + '...' : value
    super(`Invalid input '${input}'${where ? ` (${where})` : ''}: ${JSON.stringify(shown)}. Expected ${accepted}.`)
    this.name = 'ConfigError'
  }

  /** Another input's validation error, placed inside `input` (a rule's field is validated as its input). */
  static within(input: string, where: string, e: Error): Error {
    if (!(e instanceof ConfigError)) return e
    const err = new ConfigError(input, '', '', where)
    err.message = e.message.replace(/^Invalid input '[^']+': /, `Invalid input '${input}' (${where}): `)
    return err
  }
}

/** Reads one input by its action.yml name; undefined when it was not given at all. */
export type InputReader = (name: string) => string | undefined

/**
 * Inputs that are lists. Given, but empty or only separators (`keep-tags: ','`, `images: ''`), one of
 * them is refused rather than read as "nothing protected" or "every image": a list is left out to get
 * its default.
 */
const LIST_INPUTS = new Set(INPUTS.filter(i => i.list).map(i => i.name))

type Get = (name: string) => string

export function parseConfig(read: InputReader): Config {
  const get = inputGetter(read)
  const { api, host, repositories, registryUrl } = connectionInputs(get)
  const policy = policyInputs(get, api)
  // reclaim-only is the reclaim step alone: it implies run-cleanup-tasks
  const runCleanupTasks = bool(get('run-cleanup-tasks'), 'run-cleanup-tasks') || (api === 'nexus' && bool(get('reclaim-only'), 'reclaim-only'))
  if (runCleanupTasks && api === 'registry') {
    throw new ConfigError('run-cleanup-tasks', 'true', "false with api: registry (a plain registry's garbage collection runs on its host)")
  }
  const maxDurationMs = get('max-duration') ? durationInput(get, 'max-duration', 'empty, or at least one second') : undefined
  return {
    api,
    host,
    username: get('username'),
    password: read('password') ?? '',
    repositories,
    registryUrl,
    policy,
    deleteMethod: oneOf(get('delete-method'), 'delete-method', ['component', 'manifest'] as const),
    listing: listingOf(get('listing'), policy),
    verifyBeforeDelete: bool(get('verify-before-delete'), 'verify-before-delete'),
    sizeEstimate: oneOf(get('size-estimate'), 'size-estimate', ['auto', 'on', 'off'] as const),
    dryRun: bool(get('dry-run'), 'dry-run'),
    ...concurrencyOf(get('concurrency'), get('max-concurrency')),
    requestTimeoutMs: durationInput(get, 'request-timeout', 'at least one second'),
    retries: wholeNumber(get('retries'), 'retries', 0, 10),
    reportFile: writablePath(get('report-file')),
    caCert: readCa(get('ca-cert')),
    insecureSkipTlsVerify: bool(get('insecure-skip-tls-verify'), 'insecure-skip-tls-verify'),
    tokenRealmHosts: realmHosts(list(get('token-realm-hosts'))),
    ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
    runCleanupTasks,
    gcTask: get('gc-task') || undefined,
    compactTask: get('compact-task') || undefined,
    createMissingTasks: bool(get('create-missing-tasks'), 'create-missing-tasks'),
    taskTimeoutMs: durationInput(get, 'task-timeout', 'at least one second'),
    gcDeployOffsetHours: deployOffsetHours(get('gc-deploy-offset')),
    forceRegistryApi: bool(get('force-registry-api'), 'force-registry-api'),
    ...shardInputs(get('shard'), policy, api, bool(get('reclaim-only'), 'reclaim-only'), globs(get('merge-reports'), 'merge-reports'))
  }
}

/**
 * An input's value, trimmed, or its default. A list input given but empty (`keep-tags: ','`) is refused
 * rather than read as "nothing" or "everything": a list is left out to get its default.
 */
function inputGetter(read: InputReader): Get {
  return name => {
    const spec = INPUTS.find(i => i.name === name)
    if (!spec) throw new Error(`internal: unknown input ${name}`)
    const given = read(name)
    const v = (given ?? '').trim()
    if (given !== undefined && LIST_INPUTS.has(name) && list(v).length === 0 && (v !== '' || spec.default !== '')) {
      throw new ConfigError(
        name,
        given,
        `one or more ${name === 'repository' ? 'repository names' : 'globs'}${spec.default ? ` (leave the input out for its default, ${spec.default})` : ''}`
      )
    }
    return v === '' ? spec.default : v
  }
}

/** api, host, repository and registry-url: where the run goes. */
function connectionInputs(get: Get): Pick<Config, 'api' | 'host' | 'repositories' | 'registryUrl'> {
  const api = oneOf(get('api'), 'api', ['nexus', 'registry'] as const)
  const host = parseUrl(get('host'), 'host')
  const repositories = list(get('repository'))
  if (api === 'nexus' && repositories.length === 0) {
    throw new ConfigError('repository', '', 'one or more Nexus Docker repository names (required with api: nexus)')
  }
  for (const r of repositories) {
    if (!isNexusRepository(r)) throw new ConfigError('repository', r, 'Nexus repository names (letters, digits, . _ -, not starting with . or _)')
  }
  const registryUrlText = get('registry-url')
  const registryUrl = registryUrlText ? parseUrl(registryUrlText, 'registry-url') : undefined
  if (registryUrl && api === 'nexus' && repositories.length > 1) {
    throw new ConfigError('registry-url', registryUrlText, 'one URL for one repository (a connector serves one repository)')
  }
  return { api, host, repositories, registryUrl }
}

/**
 * One parser per policy field, for the input and for the rules' field of the same name alike: each bound
 * and each list of accepted values is written here once.
 */
const POLICY_FIELDS: PolicyFieldParsers = {
  images: t => globs(t, 'images'),
  'exclude-images': t => globs(t, 'exclude-images'),
  tags: t => globs(t, 'tags'),
  'keep-tags': t => globs(t, 'keep-tags'),
  'delete-tags': t => globs(t, 'delete-tags'),
  keep: t => wholeNumber(t, 'keep', 1, 100_000),
  'keep-other': t => wholeNumber(t, 'keep-other', 1, 100_000),
  'keep-per': t => oneOf<KeepPer>(t, 'keep-per', ['none', 'major', 'minor']),
  'keep-lines': t => wholeNumber(t, 'keep-lines', 1, 10_000),
  'older-than': t => olderThanOf(t, 'older-than'),
  'age-basis': t => oneOf<AgeBasis>(t, 'age-basis', ['pushed', 'created', 'last-pulled']),
  sort: t => oneOf<SortMode>(t, 'sort', ['semver', 'date'])
}

/** What to keep and delete: the inputs of the policy, its rules and the references in use. */
function policyInputs(get: Get, api: ApiKind): Policy {
  const f = POLICY_FIELDS
  const keep = f.keep(get('keep'))
  const keepOtherText = get('keep-other')
  const keepPer = f['keep-per'](get('keep-per'))
  const keepLinesText = get('keep-lines')
  const keepLines = keepLinesText ? f['keep-lines'](keepLinesText) : undefined
  if (keepLines !== undefined && keepPer === 'none') {
    throw new ConfigError('keep-lines', keepLinesText, 'keep-per major or minor with it (lines are versions grouped by major or major.minor)')
  }
  const maxComponentsText = get('max-components')
  const maxComponents = maxComponentsText ? wholeNumber(maxComponentsText, 'max-components', 1, 100_000_000) : undefined
  if (maxComponents !== undefined && api === 'registry') {
    throw new ConfigError('max-components', maxComponentsText, 'empty with api: registry (a component budget is a Nexus instance limit)')
  }
  const maxText = get('max-deletions')
  const policy: Policy = {
    images: f.images(get('images')),
    excludeImages: f['exclude-images'](get('exclude-images')),
    tags: f.tags(get('tags')),
    keepTags: f['keep-tags'](get('keep-tags')),
    keep,
    keepOther: keepOtherText ? f['keep-other'](keepOtherText) : keep,
    olderThan: f['older-than'](get('older-than')),
    ageBasis: f['age-basis'](get('age-basis')),
    sort: f.sort(get('sort')),
    maxDeletions: maxText ? wholeNumber(maxText, 'max-deletions', 1, 1_000_000) : undefined,
    keepPer,
    ...(keepLines !== undefined ? { keepLines } : {}),
    deleteTags: f['delete-tags'](get('delete-tags')),
    ...(bool(get('delete-orphans'), 'delete-orphans') ? { deleteOrphans: true } : {}),
    ...(keepOtherText ? {} : { keepOtherFollowsKeep: true }),
    ...(maxComponents !== undefined ? { maxComponents } : {})
  }
  if (policy.ageBasis === 'last-pulled' && api === 'registry') {
    throw new ConfigError('age-basis', 'last-pulled', 'pushed or created with api: registry (a plain registry does not record pulls)')
  }
  if (policy.keepPer !== 'none' && policy.sort === 'date') {
    throw new ConfigError('keep-per', policy.keepPer, 'none with sort: date (version lines need sort: semver)')
  }
  const rules = readRules(get('rules'), get('rules-file'), api, policy)
  if (rules.length > 0) policy.rules = rules
  const references = readReferences(get('keep-references'), get('keep-references-file'))
  if (references.length > 0) policy.references = references
  return policy
}

/** A duration input of at least one second, in milliseconds (one check for every duration input). */
function durationInput(get: Get, name: string, accepted: string): number {
  const text = get(name)
  const ms = parseDuration(text)
  if (ms === undefined || ms < 1000) throw new ConfigError(name, text, `${accepted}: ${DURATION_FORMS}`)
  return ms
}

/** gc-deploy-offset in whole hours; a bare 0 needs no unit (parseDuration takes 0h, 24h, 2d). */
function deployOffsetHours(text: string): number {
  const ms = /^0+$/.test(text) ? 0 : parseDuration(text)
  if (ms === undefined || ms % 3_600_000 !== 0) throw new ConfigError('gc-deploy-offset', text, 'whole hours, such as 24h or 0h')
  return ms / 3_600_000
}

/** shard, reclaim-only and merge-reports: one run of a cleanup spread over several jobs. */
function shardInputs(
  text: string,
  policy: Policy,
  api: ApiKind,
  reclaimOnly: boolean,
  mergeReports: string[]
): Pick<Config, 'shard' | 'reclaimOnly' | 'mergeReports'> {
  let shard: Shard | undefined
  if (text) {
    const s = parseShard(text)
    if (typeof s === 'string') throw new ConfigError('shard', text, s)
    shard = s
    if (policy.maxComponents !== undefined) {
      throw new ConfigError('shard', text, 'empty with max-components (a component budget needs every image planned together: run it unsharded)')
    }
  }
  if (reclaimOnly && api === 'registry')
    throw new ConfigError('reclaim-only', 'true', "false with api: registry (a plain registry's garbage collection runs on its host)")
  if (reclaimOnly && shard) throw new ConfigError('reclaim-only', 'true', 'false with shard (the reclaim step runs once, in the job after every shard)')
  return { ...(shard ? { shard } : {}), reclaimOnly, mergeReports }
}

/** Where adaptive concurrency starts: moderate, as a shared Nexus expects of a client it does not know. */
const ADAPTIVE_START = 8

function concurrencyOf(text: string, maxText: string): { concurrency: number; adaptiveStart?: number } {
  const max = wholeNumber(maxText, 'max-concurrency', 1, 64)
  if (text.toLowerCase() === 'auto') return { concurrency: max, ...(max > 1 ? { adaptiveStart: Math.min(ADAPTIVE_START, max) } : {}) }
  if (!/^\d+$/.test(text)) throw new ConfigError('concurrency', text, 'auto, or a whole number from 1 to 64')
  return { concurrency: wholeNumber(text, 'concurrency', 1, 64) }
}

function olderThanOf(text: string, input: string): Policy['olderThan'] {
  if (!text) return undefined
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) throw new ConfigError(input, text, DURATION_FORMS)
  return { ms, text }
}

/** The rules, from `rules` or `rules-file` (one of the two), each checked against the inputs it leaves to them. */
function readRules(text: string, file: string, api: ApiKind, base: Policy): ImageRule[] {
  if (text && file) throw new ConfigError('rules-file', file, 'rules or rules-file, not both')
  const source = file ? 'rules-file' : 'rules'
  let yaml = text
  if (file) {
    try {
      yaml = readFileSync(file, 'utf8')
    } catch {
      throw new ConfigError('rules-file', file, 'a readable YAML file')
    }
  }
  if (!yaml) return []
  const parsers: FieldParsers = {
    fields: POLICY_FIELDS,
    error: (where, value, accepted) => new ConfigError(source, value, accepted, where),
    within: (where, e) => ConfigError.within(source, where, e)
  }
  const rules = parseRules(yaml, parsers)
  for (const r of rules) {
    const where = `rule ${r.index} (images: ${r.images.join(', ')})`
    const keepPer = r.set.keepPer ?? base.keepPer
    // An inherited keep-lines goes with a rule's keep-per none (src/policy/select.ts); one the rule sets needs lines.
    if (r.set.keepLines !== undefined && keepPer === 'none') {
      throw new ConfigError(source, String(r.set.keepLines), 'keep-per major or minor with keep-lines', `${where}, field keep-lines`)
    }
    if (keepPer !== 'none' && (r.set.sort ?? base.sort) === 'date') {
      throw new ConfigError(source, keepPer, 'keep-per none with sort: date (version lines need sort: semver)', `${where}, field keep-per`)
    }
    if (r.set.ageBasis === 'last-pulled' && api === 'registry') {
      throw new ConfigError(source, 'last-pulled', 'pushed or created with api: registry (a plain registry does not record pulls)', `${where}, field age-basis`)
    }
  }
  return rules
}

/** keep-references and the lines of keep-references-file, each reduced to what it names. */
function readReferences(text: string, file: string): ImageReference[] {
  const out: ImageReference[] = []
  const add = (all: string, input: string): void => {
    for (const line of all.split(/\r?\n/)) {
      if (line.trim().startsWith('#')) continue
      for (const item of list(line)) {
        const ref = parseReference(item)
        if (typeof ref === 'string') throw new ConfigError(input, item, ref)
        out.push(ref)
      }
    }
  }
  add(text, 'keep-references')
  if (file) {
    let content: string
    try {
      content = readFileSync(file, 'utf8')
    } catch {
      throw new ConfigError('keep-references-file', file, 'a readable file of image references, one per line')
    }
    add(content, 'keep-references-file')
  }
  return out
}

/** `ca-cert` is PEM text or a path to a PEM file. */
/** Checked before the run, so a report that cannot be written fails the run before anything is deleted. */
function writablePath(value: string): string | undefined {
  if (!value) return undefined
  const expected = 'a file path in an existing, writable directory'
  try {
    if (statSync(value, { throwIfNoEntry: false })?.isDirectory()) throw new Error('a directory')
    accessSync(dirname(value), constants.W_OK)
  } catch {
    throw new ConfigError('report-file', value, expected)
  }
  return value
}

function readCa(value: string): string | undefined {
  if (!value) return undefined
  if (value.includes('-----BEGIN CERTIFICATE-----')) return value
  let text: string
  try {
    text = readFileSync(value, 'utf8')
  } catch {
    throw new ConfigError('ca-cert', value, 'a readable PEM file path, or PEM text starting with -----BEGIN CERTIFICATE-----')
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('ca-cert', value, 'a file holding PEM certificates')
  return text
}

/** Warnings worth a loud line before anything runs. */
export function securityWarnings(cfg: Config): string[] {
  const out: string[] = []
  const urls = [cfg.host, ...(cfg.registryUrl ? [cfg.registryUrl] : [])]
  const plain = urls.map(u => new URL(u)).filter(u => u.protocol === 'http:' && !isLoopback(u.hostname))
  if ((cfg.username || cfg.password) && plain.length > 0) {
    out.push(`credentials are sent over plain http:// to ${plain.map(u => u.host).join(', ')}: anyone on the network path can read them; use https://`)
  }
  if (cfg.insecureSkipTlsVerify) {
    out.push('insecure-skip-tls-verify is on: TLS certificates are NOT verified, so the server is not authenticated; use ca-cert for a private CA')
  }
  return out
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127\./.test(hostname) || hostname === '[::1]' || hostname === '::1'
}

/**
 * Comma- or newline-separated list, trimmed, empties dropped. A comma inside braces belongs to the glob
 * (`{latest,stable}` is one glob).
 */
export function list(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let item = ''
  for (const c of text) {
    if (c === '{') depth++
    else if (c === '}' && depth > 0) depth--
    if (c === '\n' || (c === ',' && depth === 0)) {
      out.push(item)
      item = ''
    } else item += c
  }
  out.push(item)
  return out.map(s => s.trim()).filter(s => s.length > 0)
}

export function globs(text: string, input: string): string[] {
  const out = list(text)
  for (const g of out) {
    try {
      globToRegExp(g)
    } catch (e) {
      if (e instanceof GlobError) throw new ConfigError(input, g, `globs using * ** ? [abc] {a,b} (${e.message})`)
      throw e
    }
  }
  return out
}

export function oneOf<T extends string>(value: string, input: string, allowed: readonly T[]): T {
  const v = value.toLowerCase()
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(input, value, `one of ${allowed.join(', ')}`)
  return v as T
}

export function wholeNumber(value: string, input: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(input, value, `a whole number from ${min} to ${max}`)
  const n = Number(value)
  if (n < min || n > max) throw new ConfigError(input, value, `a whole number from ${min} to ${max}`)
  return n
}

function bool(value: string, input: string): boolean {
  if (/^(true|yes|on)$/i.test(value)) return true
  if (/^(false|no|off)$/i.test(value)) return false
  throw new ConfigError(input, value, 'true or false')
}

function parseUrl(value: string, input: string): string {
  // Never echo credentials written into the URL, whatever else is wrong with it (ftp://user:pw@x, user:pw@host):
  // everything up to the last @ goes, even when that over-redacts a path.
  const shown = value.replace(/^([^/@\s]*\/\/)?[\s\S]*@/, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`)
  if (!value) throw new ConfigError(input, value, 'a URL such as https://nexus.example.com (required)')
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new ConfigError(input, shown, 'a URL with http:// or https:// such as https://nexus.example.com')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ConfigError(input, shown, 'a URL with http:// or https:// such as https://nexus.example.com')
  }
  if (u.username || u.password) {
    throw new ConfigError(input, `${u.protocol}//***@${u.host}`, 'a URL without credentials (use the username and password inputs)')
  }
  if (u.search || u.hash) throw new ConfigError(input, shown, 'a base URL without query or fragment')
  return u.toString().replace(/\/+$/, '')
}

/** `host` or `host:port`, lowercased: where a token realm on another origin may get the credentials. */
function realmHosts(hosts: string[]): string[] {
  for (const h of hosts) {
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(h))
      throw new ConfigError('token-realm-hosts', h, 'host names or host:port, without a scheme or path (e.g. auth.example.com)')
  }
  return hosts.map(h => h.toLowerCase())
}

/** auto (decided per repository by the backend) is components when the policy needs the whole repository listed (orphans, a component budget). */
function listingOf(text: string, policy: Policy): 'auto' | 'components' | 'search' {
  const chosen = oneOf(text, 'listing', ['auto', 'search', 'components'] as const)
  const whole = policy.deleteOrphans ? 'delete-orphans' : policy.maxComponents !== undefined ? 'max-components' : undefined
  if (chosen === 'search' && whole) throw new ConfigError('listing', text, `auto or components with ${whole} (it needs the whole repository listed)`)
  return chosen === 'auto' && whole ? 'components' : chosen
}
