// The whole run in one value, every outcome included: what tests assert on. The doors stream instead.
import type { Config } from '../../src/config/config'
import { runCleanupStreaming, type EngineDeps } from '../../src/run/engine'
import type { ImageReport, RunReport } from '../../src/model'
import { reportJson } from '../../src/report/data'
import { schemaProblem } from '../../src/report/merge'

/** Every report a test makes is checked against schema/report.schema.json, as its JSON text. */
export async function runCleanup(cfg: Config, deps: EngineDeps): Promise<RunReport> {
  const images: ImageReport[] = []
  const summary = await runCleanupStreaming(cfg, deps, img => images.push(img))
  const report = { ...summary, images }
  const problem = schemaProblem(JSON.parse(reportJson(report)))
  if (problem) throw new Error(`the run's report fails schema/report.schema.json: ${problem}`)
  return report
}
