// The engine both doors (action and CLI) call. The stages, in the order data flows:
//   config (src/config.ts, already parsed) -> open the run -> inventory (listing) -> per image:
//   inventory -> plan -> execute -> report (src/run/images.ts) -> reclaim -> the run's summary.
// Community Edition's usage counters are read around the deleting stage.

import type { Config } from './config'
import type { RunSummary } from './model'
import { openRun, type EngineDeps } from './run/context'
import { noImages, runImages, type ImageSink } from './run/images'
import { listImages } from './run/listing'
import { reclaimSpace } from './run/reclaim-space'
import { summarizeRun } from './run/summary'
import { UsageCounters } from './run/usage'

export { createBackend, TOOL_NAME, type EngineDeps } from './run/context'
export type { ImageSink } from './run/images'

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
