// The last stage, with run-cleanup-tasks: Nexus's own tasks free the disk (src/nexus/reclaim.ts), given what the
// run deleted and what it must leave standing. A failure here fails the run; what was deleted stays reported.

import type { ReclaimReport } from '../model'
import { registryBase } from '../nexus/client'
import { reclaim } from '../nexus/reclaim'
import type { RunContext } from './context'
import type { ImagesDone } from './images'

/** `deletedElsewhere`: reclaim-only, after shards that deleted (the tasks run whatever this job deleted). */
export async function reclaimSpace(run: RunContext, images: ImagesDone, opts: { deletedElsewhere?: boolean } = {}): Promise<ReclaimReport | undefined> {
  const { cfg, http, log } = run
  if (!cfg.runCleanupTasks) return undefined
  const kept = images.kept
  if (opts.deletedElsewhere) run.notes.push('reclaim-only: no inventory, so kept tags are not re-read after the Docker GC task (the shards listed them)')
  const reclaimed = await log.group('Reclaim space (Nexus cleanup tasks)', async () => {
    try {
      return await reclaim(cfg, http, log, opts.deletedElsewhere === true || images.tags.deleted > 0, {
        expectedBytes: images.freeableBytes,
        ...run.deps.reclaimTiming,
        ociRepositories: [...(kept?.ociRepositories ?? [])],
        ...(kept && !cfg.dryRun ? { verifyKept: () => kept.verify(http, repo => registryBase(cfg.host, repo, cfg.registryUrl), cfg.concurrency) } : {})
      })
    } catch (e) {
      run.failures.push(`reclaim: ${(e as Error).message}`)
      log.error(`reclaim: ${(e as Error).message}`)
      return undefined
    }
  })
  for (const n of reclaimed?.notes ?? []) log.info(n)
  return reclaimed
}
