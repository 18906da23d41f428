// The whole run in one value, every outcome included: what tests assert on. The doors stream instead.
import type { Config } from '../../src/config'
import { runCleanupStreaming, type EngineDeps } from '../../src/engine'
import type { ImageReport, RunReport } from '../../src/model'

export async function runCleanup(cfg: Config, deps: EngineDeps): Promise<RunReport> {
  const images: ImageReport[] = []
  const summary = await runCleanupStreaming(cfg, deps, img => images.push(img))
  return { ...summary, images }
}
