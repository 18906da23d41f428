// keep-references in one image: what each names here (a tag's manifest, a digest), kept as "in use". An
// untagged manifest named by digest (a platform manifest from a pod's imageID) exists only while a tagged
// manifest reaches it (Docker GC removes what no tag reaches), so the tagged manifests above it are in use too.
import type { ImageInventory, ImageReference } from '../model'
import { referenceNames } from '../config/references'
import type { ManifestGraph } from './graph'
import { shortDigest, type Item } from './item'

export const IN_USE = 'in use (keep-references)'

export function referencedHere(
  inv: ImageInventory,
  graph: ManifestGraph,
  items: readonly Item[],
  references: readonly ImageReference[]
): { reasons: Map<string, string>; matched: string[] } {
  const reasons = new Map<string, string>()
  const matched: string[] = []
  for (const ref of references) {
    if (!referenceNames(ref, inv.repository).includes(inv.name)) continue
    const named: string[] = []
    // A digest protects that content even after its tag moved; the tag protects what it points at now.
    if (ref.digest && graph.has(ref.digest)) named.push(ref.digest)
    const tagged = ref.tag === undefined ? undefined : items.find(it => it.tags.includes(ref.tag as string))
    if (tagged) named.push(tagged.record.digest)
    if (named.length === 0) continue
    matched.push(ref.text)
    for (const digest of named) {
      reasons.set(digest, IN_USE)
      if (items.some(it => it.record.digest === digest && it.tags.length > 0)) continue
      for (const a of graph.taggedAncestors(digest)) if (!reasons.has(a.digest)) reasons.set(a.digest, `${IN_USE}: reaches ${shortDigest(digest)}`)
    }
  }
  return { reasons, matched }
}
