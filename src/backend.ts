// The seam between the engine and a kind of server. A backend lists, reads and deletes; it never decides.
// Only execute.ts calls `delete`, `recheck` and `confirm`, and never in a dry run.

import { Decision, ImageInventory } from './model'

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
  /** After deleting: digest -> problem, for manifests whose tags are still there. Read-only. */
  confirm(image: ImageInventory, deleted: Decision[]): Promise<Map<string, string>>
  /** Releases what the run held (e.g. a spooled listing); called once, however the run ends. */
  close?(): void
}
