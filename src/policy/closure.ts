// Retention is a closure: whatever a retained manifest reaches is retained, with the path in its reason.
import { pathText, type EdgeLabel, type ManifestGraph } from './graph'
import { decide, label, type Item } from './item'
import { byPlanOrder } from './ranking'

/**
 * Whatever a retained manifest reaches (children at any depth, their referrers, referrers of referrers)
 * is retained, with the path in its reason: "signature of child of kept 2.0.0". Roots go in plan order,
 * so the path named is the shortest from the highest-ranked kept manifest.
 */
export function retainReached(items: Item[], graph: ManifestGraph, byDigest: Map<string, Item>): void {
  const roots = items.filter(it => it.rule).sort(byPlanOrder)
  const via = graph.reach(roots.map(it => it.record.digest))
  for (const it of items) {
    if (it.rule) continue
    const into = via.get(it.record.digest)
    if (!into) continue
    const path: EdgeLabel[] = []
    let at = it.record.digest
    for (let e: typeof into | null | undefined = into; e; e = via.get(at)) {
      path.push(e.label)
      at = e.from
    }
    const root = byDigest.get(at) as Item
    if (into.label !== 'child') it.subject = into.from
    decide(it, 'keep', into.label === 'child' ? 'child-of-kept-index' : 'referrer-of-kept', pathText(path, `kept ${label(root)}`))
  }
}
