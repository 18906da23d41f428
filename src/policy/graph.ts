// The manifest graph of one image, pure: its tagged and untagged manifests, with an edge from each index to
// its children and from each subject to its referrers (signatures, attestations, SBOMs: the
// `sha256-<hex>.<suffix>` tag schema, and the OCI 1.1 `subject` field). Retention flows down these edges:
// whatever a kept manifest reaches is kept.

import type { ImageInventory } from '../model'
import { parseReferrerTag, type ReferrerNoun } from './referrers'

export type EdgeLabel = 'child' | ReferrerNoun

export interface Edge {
  from: string
  to: string
  label: EdgeLabel
}

/** A tagged manifest that `digest` hangs from, and the edges between them, from `digest` upward. */
export interface Ancestor {
  digest: string
  path: EdgeLabel[]
}

export class ManifestGraph {
  private readonly tagged = new Set<string>()
  /** Every manifest of the image, tagged or untagged. */
  private readonly nodes: Set<string>
  private readonly down = new Map<string, Edge[]>()
  private readonly up = new Map<string, Edge[]>()

  constructor(inv: ImageInventory) {
    for (const m of inv.manifests) this.tagged.add(m.digest)
    const nodes = (this.nodes = new Set([...inv.manifests, ...(inv.untagged ?? [])].map(m => m.digest)))
    for (const m of [...inv.manifests, ...(inv.untagged ?? [])]) {
      for (const c of m.children) this.add({ from: m.digest, to: c, label: 'child' })
    }
    for (const m of inv.manifests) {
      for (const tag of [...m.tags].sort()) {
        const r = parseReferrerTag(tag)
        if (r && nodes.has(r.subject)) this.add({ from: r.subject, to: m.digest, label: r.noun })
      }
      if (m.subject && nodes.has(m.subject)) this.add({ from: m.subject, to: m.digest, label: 'referrer' })
    }
    // Untagged referrers found through the OCI referrers API.
    for (const m of inv.untagged ?? []) {
      if (m.subject && nodes.has(m.subject)) this.add({ from: m.subject, to: m.digest, label: nounOfArtifact(m.artifactType) })
    }
  }

  /** Whether the image holds `digest` (tagged, or untagged as the inventory found it). */
  has(digest: string): boolean {
    return this.nodes.has(digest)
  }

  /** The edges into `digest` (from its parents and subjects). */
  parents(digest: string): Edge[] {
    return this.up.get(digest) ?? []
  }

  /**
   * Breadth first from `roots` (in order) along every edge: each manifest reached, with the edge it was
   * first reached by (null for a root). The first path found is the shortest from the earliest root.
   */
  reach(roots: string[]): Map<string, Edge | null> {
    const via = new Map<string, Edge | null>()
    const queue: string[] = []
    for (const r of roots) {
      if (via.has(r)) continue
      via.set(r, null)
      queue.push(r)
    }
    for (let i = 0; i < queue.length; i++) {
      for (const e of this.down.get(queue[i] as string) ?? []) {
        if (via.has(e.to)) continue
        via.set(e.to, e)
        queue.push(e.to)
      }
    }
    return via
  }

  /**
   * The nearest tagged manifests above `digest`: walking up its edges (only `child` edges when
   * `childOnly`) through untagged manifests, stopping at each tagged one. Sorted by digest.
   */
  taggedAncestors(digest: string, childOnly = false): Ancestor[] {
    const found = new Map<string, EdgeLabel[]>()
    const seen = new Set([digest])
    let level: Ancestor[] = [{ digest, path: [] }]
    while (level.length > 0) {
      const next: Ancestor[] = []
      for (const at of level) {
        for (const e of this.parents(at.digest)) {
          if (childOnly && e.label !== 'child') continue
          if (seen.has(e.from)) continue
          seen.add(e.from)
          const path = [...at.path, e.label]
          if (this.tagged.has(e.from)) found.set(e.from, path)
          else next.push({ digest: e.from, path })
        }
      }
      level = next
    }
    return [...found].map(([d, path]) => ({ digest: d, path })).sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
  }

  private add(e: Edge): void {
    if (e.from === e.to) return
    const down = this.down.get(e.from) ?? []
    if (down.some(x => x.to === e.to && x.label === e.label)) return
    down.push(e)
    this.down.set(e.from, down)
    this.up.set(e.to, [...(this.up.get(e.to) ?? []), e])
  }
}

/** What an OCI `artifactType` holds, as reasons name it. */
function nounOfArtifact(type: string | undefined): ReferrerNoun {
  const t = (type ?? '').toLowerCase()
  if (/sig/.test(t)) return 'signature'
  if (/sbom|spdx|cyclonedx/.test(t)) return 'SBOM'
  if (/in-toto|attest|provenance/.test(t)) return 'attestation'
  return 'referrer'
}

/** `["signature", "child"]` + `kept 2.0.0` -> `signature of child of kept 2.0.0`. */
export function pathText(path: EdgeLabel[], end: string): string {
  return [...path, end].join(' of ')
}
