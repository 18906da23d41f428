// The seam between the engine and a kind of server. A backend lists, reads and deletes; it never decides.
// Only execute.ts calls `delete`, `recheck` and `confirm`, and never in a dry run.

import { Decision, ImageInventory } from './model'

/** Tags a confirmed delete left behind, and why they count as still there. */
export interface StillThere {
  tags: string[]
  problem: string
}

/** A per-tag delete (Nexus components) that removed some tags of a manifest, then failed. */
export class PartialDeleteError extends Error {
  constructor(
    message: string,
    readonly deletedTags: string[]
  ) {
    super(message)
    this.name = 'PartialDeleteError'
  }
}

export interface ImageRef {
  repository: string
  name: string
}

export interface Backend {
  /** Run-wide facts found while listing (e.g. a date basis this server version lacks), said once. */
  readonly notes: string[]
  /** Checks reachability, credentials and repositories; throws one clear line. Read-only. */
  preflight(): Promise<void>
  listImages(): Promise<ImageRef[]>
  /** Never throws: a failure lands in `error`, so the image is kept whole (fail closed). */
  inventory(ref: ImageRef): Promise<ImageInventory>
  /**
   * After planning, before executing: read what the freed-bytes estimate needs for these manifests, as
   * size-estimate allows (by digest, so nothing is marked pulled). Read-only; a failure only loses the estimate.
   */
  readSizes(image: ImageInventory, digests: string[]): Promise<void>
  /**
   * Read-only check just before deleting: for each planned manifest that must not go any more, digest ->
   * why. A delete by digest always looks for a kept or new tag now on a doomed digest; a planned tag that
   * moved to other content is looked for only with verify-before-delete.
   */
  recheck(image: ImageInventory, doomed: Decision[]): Promise<Map<string, string>>
  /** The deleting request(s) for one manifest. Returns 'gone' when it had already disappeared. */
  delete(image: ImageInventory, decision: Decision): Promise<'deleted' | 'gone'>
  /**
   * Whether a manifest the server said it deleted is really gone: asked before deleting what hangs from
   * it (its children, its referrers), so a server that answers a delete and keeps the manifest never
   * leaves it without them. Read-only.
   */
  gone(image: ImageInventory, decision: Decision): Promise<boolean>
  /**
   * After deleting: digest -> the tags still there, for manifests the server said it deleted. Read-only.
   * The guard of "never report what did not happen": a server answering 2xx to a delete it never carried
   * out (a mirror, a proxy in front of one) gets those tags reported failed, not deleted.
   */
  confirm(image: ImageInventory, deleted: Decision[]): Promise<Map<string, StillThere>>
  /** Releases what the run held (e.g. a spooled listing); called once, however the run ends. */
  close?(): void
}
