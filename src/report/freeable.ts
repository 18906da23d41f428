// The freed-bytes estimate, kept while the run streams image by image: per image at once (from that
// image alone), and for the run at the end (deduplicated over each repository). Only digests and sizes
// are remembered, as numbers, so a run over 100k tags holds a few MB here, not its inventories.

import { digestKey } from '../util/digest'
import type { ImageInventory, Outcome } from '../model'

const gone = (o: Outcome): boolean => o.status === 'deleted' || o.status === 'would-delete'

export class FreeableEstimate {
  private known = true
  private readonly repos = new Map<string, { goneBlobs: Map<number, number>; used: Set<number>; manifestBytes: number }>()

  /**
   * Adds one image's outcomes; returns its own estimate: the manifests it deletes and the blobs only they
   * use within the image (undefined when a deleted manifest's blobs were not read).
   */
  add(inv: ImageInventory, outcomes: Outcome[]): number | undefined {
    const repo = this.repos.get(inv.repository) ?? { goneBlobs: new Map(), used: new Set(), manifestBytes: 0 }
    this.repos.set(inv.repository, repo)
    const byDigest = new Map(inv.manifests.map(m => [m.digest, m]))
    const usedHere = new Set<string>()
    let unknown = false
    for (const o of outcomes) {
      const m = byDigest.get(o.decision.digest)
      if (!m) continue
      if (gone(o) && !m.blobs) unknown = true
      // Kept manifests whose blobs were read (plain registry) shrink the estimate; on Nexus they are not
      // read (that would mark them pulled), so the bound is looser there.
      if (!gone(o))
        for (const b of m.blobs ?? []) {
          usedHere.add(b.digest)
          repo.used.add(digestKey(b.digest))
        }
    }
    if (unknown) {
      this.known = false
      return undefined
    }
    let bytes = 0
    const counted = new Set<string>()
    for (const o of outcomes) {
      if (!gone(o)) continue
      const m = byDigest.get(o.decision.digest)
      if (!m) continue
      for (const b of m.blobs ?? []) {
        repo.goneBlobs.set(digestKey(b.digest), b.size)
        if (usedHere.has(b.digest) || counted.has(b.digest)) continue
        counted.add(b.digest)
        bytes += b.size
      }
      bytes += (m.manifestSize ?? 0) + (m.extraBytes ?? 0)
      repo.manifestBytes += (m.manifestSize ?? 0) + (m.extraBytes ?? 0)
    }
    return bytes
  }

  /** Blobs of deleted manifests that no remaining manifest of the same repository uses, each once. */
  total(): number | undefined {
    if (!this.known) return undefined
    let bytes = 0
    for (const repo of this.repos.values()) {
      bytes += repo.manifestBytes
      for (const [key, size] of repo.goneBlobs) if (!repo.used.has(key)) bytes += size
    }
    return bytes
  }
}
