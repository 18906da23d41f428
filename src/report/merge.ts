// merge-reports: the JSON reports of a sharded run's jobs (each shard's report-file), and the reclaim-only
// job's own run, as one report of the whole run: images once each, counts added up. Pure, apart from
// reading the files (readReportFile).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { default as AjvClass, ValidateFunction } from 'ajv'
import schema from '../../schema/report.schema.json'
import { compareStrings } from '../util/compare'
import { addCounts, summarizeCounts, zeroCounts } from './counts'
import { globToRegExp } from '../util/glob'
import { REPORT_SCHEMA_VERSION, type Counts, type ImageReport, type RunReport, type RunSummary } from '../model'

let compiled: ValidateFunction<RunReport> | undefined

/** The report schema's validator, compiled on first use (a run that merges nothing never pays for it). */
function validator(): ValidateFunction<RunReport> {
  if (!compiled) {
    // ajv loaded here, not at start-up: a run that merges nothing never evaluates it (about 25 ms of a CLI's start)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = (require('ajv') as { default: typeof AjvClass }).default
    compiled = new Ajv({ allErrors: false, strict: false }).compile<RunReport>(schema)
  }
  return compiled
}

/** Why `value` is not a report of this schema (the first problem, with its place), or undefined. */
export function schemaProblem(value: unknown): string | undefined {
  const validate = validator()
  if (validate(value)) return undefined
  const e = validate.errors?.[0]
  return `${e?.instancePath || '(top)'} ${e?.message ?? 'is invalid'}`
}

/**
 * A report as `report-file` wrote it, with its dates as Dates again. A report is a claim too: one that
 * fails the report schema, comes from another schema version, or whose totals disagree with its items is
 * refused, naming the file; the merge then counts from the items alone.
 */
export function readReportFile(path: string): RunReport {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new Error(`merge-reports: ${path} is not a readable JSON report (${(e as Error).message})`)
  }
  const version = (parsed as { schemaVersion?: unknown } | null)?.schemaVersion
  if (parsed && typeof parsed === 'object' && version !== REPORT_SCHEMA_VERSION && (parsed as { tool?: unknown }).tool) {
    throw new Error(
      `merge-reports: ${path} has report schema version ${JSON.stringify(version ?? 'none')}, this tool reads ${REPORT_SCHEMA_VERSION}: merge reports written by one version`
    )
  }
  const problem = schemaProblem(parsed)
  if (problem) throw new Error(`merge-reports: ${path} is not a nexus-image-lifecycle report: ${problem} (schema/report.schema.json)`)
  const r = parsed as RunReport
  checkTotals(r, path)
  for (const img of r.images) {
    for (const o of img.outcomes) {
      const d = o.decision as { ageDate?: Date | string }
      if (typeof d.ageDate === 'string') d.ageDate = new Date(d.ageDate)
    }
  }
  return r
}

/** Every count a report states, recomputed from its outcomes: a report that disagrees is refused. */
function checkTotals(r: RunReport, path: string): void {
  const fail = (what: string, stated: unknown, counted: unknown): never => {
    throw new Error(`merge-reports: ${path}: ${what} says ${JSON.stringify(stated)} but its items count ${JSON.stringify(counted)}: refused`)
  }
  const tags = zeroCounts()
  const manifests = zeroCounts()
  for (const img of r.images) {
    const own = summarizeCounts(img.outcomes)
    if (!sameCounts(own.tags, img.tags)) fail(`${img.repository}/${img.image} tags`, img.tags, own.tags)
    if (!sameCounts(own.manifests, img.manifests)) fail(`${img.repository}/${img.image} manifests`, img.manifests, own.manifests)
    addCounts(tags, own.tags)
    addCounts(manifests, own.manifests)
  }
  if (r.totals.images !== r.images.length) fail('totals.images', r.totals.images, r.images.length)
  if (!sameCounts(tags, r.totals.tags)) fail('totals.tags', r.totals.tags, tags)
  if (!sameCounts(manifests, r.totals.manifests)) fail('totals.manifests', r.totals.manifests, manifests)
}

function sameCounts(a: Counts, b: Counts): boolean {
  return (Object.keys(a) as (keyof Counts)[]).every(k => a[k] === b[k])
}

/** A merge-reports glob that matched no file. */
export class NoReportMatched extends Error {
  constructor(readonly glob: string) {
    super(`merge-reports: ${glob} matched no file`)
    this.name = 'NoReportMatched'
  }
}

/** The files the globs match, relative to `cwd`, sorted; a glob that matches nothing is an error. */
export function expandReportGlobs(globs: readonly string[], cwd = process.cwd()): string[] {
  const out = new Set<string>()
  for (const glob of globs) {
    // An absolute glob (`/reports/*.json`) is rooted at `/`, a relative one at `cwd`.
    const parts = glob.split('/')
    const fixed: string[] = []
    while (parts.length > 1 && !/[*?[{]/.test(parts[0] ?? '')) fixed.push(parts.shift() as string)
    const root = isAbsolute(glob) ? resolve('/', ...fixed) : join(cwd, ...fixed)
    const re = globToRegExp(parts.join('/'))
    const walk = (dir: string): string[] => {
      let names: string[] = []
      try {
        names = readdirSync(dir)
      } catch {
        return []
      }
      return names.flatMap(n => {
        const p = join(dir, n)
        return statSync(p).isDirectory() ? walk(p) : [p]
      })
    }
    const matched = walk(root).filter(p => re.test(relative(root, p).split(sep).join('/')))
    if (matched.length === 0) throw new NoReportMatched(glob)
    for (const p of matched) out.add(isAbsolute(glob) ? p : relative(cwd, p))
  }
  return [...out].sort()
}

/**
 * One report of the whole run. `own`: this job's own run (reclaim-only), whose reclaim step, requests,
 * notes and failures join the shards'. Reports must agree on api and dry-run.
 */
export function mergeReports(reports: RunReport[], own?: RunSummary): RunReport {
  const first = reports[0]
  if (!first) throw new Error('merge-reports: no report to merge')
  for (const r of reports) {
    if (r.api !== first.api || r.dryRun !== first.dryRun) {
      throw new Error(`merge-reports: the reports disagree (api ${first.api} / ${r.api}, dry-run ${first.dryRun} / ${r.dryRun}): merge the reports of one run`)
    }
  }
  // An image is host + API + repository + name: two hosts (or two Nexus repositories) with the same
  // names are different images, never counted once.
  const hosts = [...new Set(reports.map(r => r.host))]
  const seen = new Set<string>()
  const duplicates: string[] = []
  const images: ImageReport[] = []
  for (const r of reports) {
    for (const img of r.images) {
      const key = `${r.host} ${r.api} ${img.repository}/${img.image}`
      const label = `${hosts.length > 1 ? `${r.host} ` : ''}${img.repository}/${img.image}`
      if (seen.has(key)) duplicates.push(label)
      else {
        seen.add(key)
        images.push(hosts.length > 1 ? { ...img, host: r.host } : img)
      }
    }
  }
  const order = (i: ImageReport): string => `${i.host ?? ''}\u0000${i.repository}/${i.image}`
  images.sort((a, b) => compareStrings(order(a), order(b)))
  // Counted from the items, never taken from a report's totals.
  const tags = zeroCounts()
  const manifests = zeroCounts()
  for (const img of images) {
    const own = summarizeCounts(img.outcomes)
    addCounts(tags, own.tags)
    addCounts(manifests, own.manifests)
  }
  const all = [...reports, ...(own ? [own] : [])]
  const requests: Record<string, number> = {}
  for (const r of all) for (const [k, n] of Object.entries(r.requests)) requests[k] = (requests[k] ?? 0) + n
  const starts = all.map(r => Date.parse(r.startedAt))
  const ends = all.map(r => Date.parse(r.startedAt) + r.durationMs)
  const bytes = reports.map(r => r.totals.freeableBytes)
  const notes = [...new Set(all.flatMap(r => r.notes))]
  if (duplicates.length > 0) notes.push(`merge-reports: ${duplicates.length} image(s) in more than one report, counted once: ${duplicates.join(', ')}`)
  const reclaim = own?.reclaim ?? reports.find(r => r.reclaim)?.reclaim
  const { shard: _shard, reclaimOnly: _reclaimOnly, ...base } = first
  return {
    ...base,
    host: hosts.join(', '),
    repositories: [...new Set(all.flatMap(r => r.repositories))],
    startedAt: new Date(Math.min(...starts)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
    images,
    totals: {
      images: images.length,
      tags,
      manifests,
      // each shard counts its own blobs: shared layers across shards may be counted twice (an upper bound still)
      ...(bytes.every(b => b !== undefined) ? { freeableBytes: bytes.reduce((n: number, b) => n + (b ?? 0), 0) } : {})
    },
    requests,
    notes,
    failures: all.flatMap(r => r.failures),
    ...(reclaim ? { reclaim } : {}),
    merged: { reports: reports.length, duplicates }
  }
}
