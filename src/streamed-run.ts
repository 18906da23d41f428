// What both doors run: the engine, with each finished image going to the bounded report tables and, when
// a JSON report is wanted, to its spool file. Nothing here holds every outcome of the run.

import type { Config } from './config'
import { EngineDeps, runCleanupStreaming } from './engine'
import { JsonReportSpool, ReportCollector, type BoundedReport } from './report'

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
