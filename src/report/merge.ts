// merge-reports: the JSON reports of a sharded run's jobs (each shard's report-file), and the reclaim-only
// job's own run, as one report of the whole run: images once each, counts added up. Pure, apart from
// reading the files (readReportFile).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { compareStrings } from '../compare'
import { addCounts, zeroCounts } from '../counts'
import { globToRegExp } from '../glob'
import type { ImageReport, RunReport, RunSummary } from '../model'

/** A report as `report-file` wrote it, with its dates as Dates again. */
export function readReportFile(path: string): RunReport {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new Error(`merge-reports: ${path} is not a readable JSON report (${(e as Error).message})`)
  }
  const r = parsed as RunReport
  if (!r || typeof r !== 'object' || !Array.isArray(r.images) || !r.totals || !r.tool) {
    throw new Error(`merge-reports: ${path} is not a nexus-image-lifecycle report (no tool, totals and images)`)
  }
  for (const img of r.images) {
    for (const o of img.outcomes) {
      const d = o.decision as { ageDate?: Date | string }
      if (typeof d.ageDate === 'string') d.ageDate = new Date(d.ageDate)
    }
  }
  return r
}

/** The files the globs match, relative to `cwd`, sorted; a glob that matches nothing is an error. */
export function expandReportGlobs(globs: readonly string[], cwd = process.cwd()): string[] {
  const out = new Set<string>()
  for (const glob of globs) {
    const parts = glob.split('/')
    const fixed: string[] = []
    while (parts.length > 1 && !/[*?[{]/.test(parts[0] ?? '')) fixed.push(parts.shift() as string)
    const root = join(cwd, ...fixed)
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
    if (matched.length === 0) throw new Error(`merge-reports: ${glob} matched no file`)
    for (const p of matched) out.add(relative(cwd, p))
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
  const seen = new Set<string>()
  const duplicates: string[] = []
  const images: ImageReport[] = []
  for (const r of reports) {
    for (const img of r.images) {
      const key = `${img.repository}/${img.image}`
      if (seen.has(key)) duplicates.push(key)
      else {
        seen.add(key)
        images.push(img)
      }
    }
  }
  images.sort((a, b) => compareStrings(`${a.repository}/${a.image}`, `${b.repository}/${b.image}`))
  const tags = zeroCounts()
  const manifests = zeroCounts()
  for (const img of images) {
    addCounts(tags, img.tags)
    addCounts(manifests, img.manifests)
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
