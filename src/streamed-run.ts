// What both doors run: the engine, with each finished image going to the bounded report tables and, when
// a JSON report is wanted, to its spool file. Nothing here holds every outcome of the run.

import { writeFileSync } from 'node:fs'
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
