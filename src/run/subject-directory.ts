// Which image of the run holds a manifest: so a referrer whose subject is not in its own image (cosign's
// COSIGN_REPOSITORY keeps signatures in a repository of their own) is kept while its subject exists
// anywhere the run lists. Digests are kept as 52-bit numbers (a few MB at 100k tags): a collision can
// only find a subject that is not there, so it keeps a referrer, never deletes one.

import { digestKey } from '../util/digest'
import type { ImageInventory } from '../model'

export class SubjectDirectory {
  private readonly images: string[] = []
  private readonly where = new Map<number, number>()
  private readonly added = new Set<string>()
  /** Images whose inventory failed: what they hold is unknown. */
  private readonly unreadable: string[] = []

  /** Records every manifest of the image, tagged or untagged. */
  add(inv: ImageInventory): void {
    const label = `${inv.repository}/${inv.name}`
    if (this.added.has(label)) return
    this.added.add(label)
    if (inv.error !== undefined) this.unreadable.push(label)
    const at = this.images.push(label) - 1
    for (const m of [...inv.manifests, ...(inv.untagged ?? [])]) if (!this.where.has(digestKey(m.digest))) this.where.set(digestKey(m.digest), at)
  }

  has(repository: string, name: string): boolean {
    return this.added.has(`${repository}/${name}`)
  }

  /**
   * Where `digest` is, as the planner's reasons say it (`in docker-hosted/app`), or undefined when no
   * image holds it. While any image could not be read, nothing is proven absent.
   */
  locate(digest: string): string | undefined {
    const at = this.where.get(digestKey(digest))
    if (at !== undefined) return `in ${this.images[at]}`
    if (this.unreadable.length > 0) return `perhaps in ${this.unreadable[0]} (its inventory failed)`
    return undefined
  }
}
