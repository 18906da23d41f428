// The inventory's first step: the backend's preflight (reachability, credentials, repositories,
// privileges), then every image listed, and those `images` / `exclude-images` select (and `shard`).

import type { ImageRef } from '../backend'
import { matchesAny } from '../util/glob'
import { shardOf } from '../config/shard'
import { plural } from '../report/format'
import type { RunContext } from './context'

export interface Listing {
  /** Every image the run lists: where a referrer's subject may live. */
  all: ImageRef[]
  /** The images the policy applies to (this shard's, with shard). */
  selected: ImageRef[]
  /** With shard: how many images the inputs select over every shard. */
  selectedAllShards?: number
}

export function listImages(run: RunContext): Promise<Listing> {
  const { backend, cfg, log } = run
  return log.group('Inventory', async () => {
    await backend.preflight()
    const all = await backend.listImages()
    const chosen = all.filter(r => matchesAny(r.name, cfg.policy.images) && !matchesAny(r.name, cfg.policy.excludeImages))
    log.info(`${plural(all.length, 'image')} found, ${chosen.length} selected by images/exclude-images`)
    for (const n of backend.notes) log.warning(n)
    run.notes.push(...backend.notes)
    if (!cfg.shard) return { all, selected: chosen }
    // The whole listing stays: subjects and shared content are looked up across every shard's images.
    const { index, count } = cfg.shard
    const selected = chosen.filter(r => shardOf(r.repository, r.name, count) === index)
    log.info(`shard ${index}/${count}: ${selected.length} of the ${chosen.length} selected images`)
    return { all, selected, selectedAllShards: chosen.length }
  })
}
