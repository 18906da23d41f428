// merge-reports, for both doors: the shards' JSON reports, joined (with reclaim-only) by this job's own
// reclaim step, as one report of the whole run. Without reclaim-only nothing is asked of any server.
import { ConfigError, type Config } from './config'
import type { EngineDeps } from './engine'
import type { RunReport } from './model'
import { expandReportGlobs, mergeReports, NoReportMatched, readReportFile } from './report/merge'
import { runStreamed } from './streamed-run'

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
