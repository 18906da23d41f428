// merge-reports, for both doors: the shards' JSON reports, joined (with reclaim-only) by this job's own
// reclaim step, as one report of the whole run. Without reclaim-only nothing is asked of any server.
import type { Config } from './config'
import type { EngineDeps } from './engine'
import type { RunReport } from './model'
import { expandReportGlobs, mergeReports, readReportFile } from './report/merge'
import { runStreamed } from './streamed-run'

export async function runMerged(cfg: Config, deps: EngineDeps): Promise<RunReport> {
  const files = expandReportGlobs(cfg.mergeReports)
  deps.log.info(`merge-reports: ${files.length} report(s): ${files.join(', ')}`)
  const reports = files.map(readReportFile)
  if (!cfg.reclaimOnly) return mergeReports(reports)
  const own = await runStreamed(cfg, deps, false)
  return mergeReports(reports, own.report.summary)
}
