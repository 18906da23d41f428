// The inventory's first step: the backend's preflight (reachability, credentials, repositories,
// privileges), then every image listed, and those `images` / `exclude-images` select.

import type { ImageRef } from '../backend'
import { matchesAny } from '../glob'
import type { RunContext } from './context'

export interface Listing {
  /** Every image the run lists: where a referrer's subject may live. */
  all: ImageRef[]
  /** The images the policy applies to. */
  selected: ImageRef[]
}

export function listImages(run: RunContext): Promise<Listing> {
  const { backend, cfg, log } = run
  return log.group('Inventory', async () => {
    await backend.preflight()
    const all = await backend.listImages()
    const selected = all.filter(r => matchesAny(r.name, cfg.policy.images) && !matchesAny(r.name, cfg.policy.excludeImages))
    log.info(`${all.length} images found, ${selected.length} selected by images/exclude-images`)
    for (const n of backend.notes) log.warning(n)
    run.notes.push(...backend.notes)
    return { all, selected }
  })
}
