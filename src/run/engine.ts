// The one engine both doors (action and CLI) call. The stages, in the order data flows:
//   config (src/config/, already parsed) -> open the run -> inventory (listing) -> per image:
//   inventory -> plan -> execute -> report (src/run/images.ts) -> reclaim -> the run's summary.
// Community Edition's usage counters are read around the deleting stage. Each finished image goes to the
// bounded report tables and, when a JSON report is wanted, to its spool file: nothing here holds every
// outcome of the run. merge-reports joins the shards' JSON reports (with reclaim-only, this job's own
// reclaim step) as one report of the whole run.

import { writeFileSync } from 'node:fs'
import { ConfigError, type Config } from '../config/config'
import type { RunReport, RunSummary } from '../model'
import { JsonReportSpool, ReportCollector, type BoundedReport } from '../report/index'
import { expandReportGlobs, mergeReports, NoReportMatched, readReportFile } from '../report/merge'
import { openRun, type EngineDeps } from './context'
import { noImages, runImages, type ImageSink } from './images'
import { listImages } from './listing'
import { reclaimSpace } from './reclaim-space'
import { summarizeRun } from './summary'
import { UsageCounters } from './usage'

export { createBackend, TOOL_NAME, type EngineDeps } from './context'
export type { ImageSink } from './images'

/** Runs the cleanup, handing each image's report to `sink` and keeping only counts (RunSummary). */
export async function runCleanupStreaming(cfg: Config, deps: EngineDeps, sink: ImageSink): Promise<RunSummary> {
  const run = openRun(cfg, deps)
  const { progress } = run
  progress.start(deps.log)
  try {
    if (cfg.reclaimOnly) {
      // the job after every shard: the reclaim step alone (no listing, nothing deleted here)
      await run.backend.preflight()
      const nothing = noImages()
      return summarizeRun(run, nothing, await reclaimSpace(run, nothing, { deletedElsewhere: true }))
    }
    const listing = await listImages(run)
    const usage = new UsageCounters(run) // Community Edition's counters, before and after (Nexus)
    await usage.readBefore()
    progress.imagesTotal = listing.selected.length
    progress.enter(cfg.dryRun ? 'planning (dry run)' : 'planning and deleting')
    const images = await runImages(run, listing, sink, usage)
    // A stopped run writes its record now: no counters to wait for, no reclaim to start.
    if (run.stop.stopping) return summarizeRun(run, images, undefined, usage, listing)
    await usage.readAfter(images)
    progress.enter('reclaiming')
    const reclaimed = await reclaimSpace(run, images)
    return summarizeRun(run, images, reclaimed, usage, listing)
  } finally {
    progress.stop()
    // e.g. the spooled Nexus listing: removed however the run ends
    run.backend.close?.()
  }
}

export interface StreamedRun {
  report: BoundedReport
  /** Present when `json` was asked for; the caller writes it out, then disposes of it. */
  spool?: JsonReportSpool
}

export async function runStreamed(cfg: Config, deps: EngineDeps, json: boolean): Promise<StreamedRun> {
  const collector = new ReportCollector()
  const spool = json ? new JsonReportSpool() : undefined
  try {
    const summary = await runCleanupStreaming(cfg, deps, image => {
      collector.add(image)
      spool?.add(image)
    })
    return { report: collector.bounded(summary), ...(spool ? { spool } : {}) }
  } catch (e) {
    spool?.dispose()
    throw e
  }
}

/**
 * Writes the JSON report to `report-file`, when asked. Its directory was checked writable before the run;
 * should it fail now, the run's outputs and tables still say what was deleted. Returns the error line.
 */
export function writeReportFile(run: StreamedRun, cfg: Config): string | undefined {
  if (!run.spool || !cfg.reportFile) return undefined
  try {
    run.spool.writeFile(run.report.summary, cfg.reportFile)
    return undefined
  } catch (e) {
    return `report-file ${cfg.reportFile}: ${(e as Error).message}`
  }
}

/** A whole report's JSON text to `report-file` (a merged run); returns the error line, as writeReportFile. */
export function writeReportText(path: string, text: string): string | undefined {
  try {
    writeFileSync(path, text)
    return undefined
  } catch (e) {
    return `report-file ${path}: ${(e as Error).message}`
  }
}

export async function runMerged(cfg: Config, deps: EngineDeps): Promise<RunReport> {
  let files: string[]
  try {
    files = expandReportGlobs(cfg.mergeReports)
  } catch (e) {
    // A glob that matches nothing is bad input (exit 2), never an empty merge.
    if (e instanceof NoReportMatched) throw new ConfigError('merge-reports', e.glob, 'globs that each match at least one report file')
    throw e
  }
  deps.log.info(`merge-reports: ${files.length} report(s): ${files.join(', ')}`)
  const reports = files.map(readReportFile)
  if (!cfg.reclaimOnly) return mergeReports(reports)
  const own = await runStreamed(cfg, deps, false)
  return mergeReports(reports, own.report.summary)
}
