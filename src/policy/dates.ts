// Which manifests' image config `created` the planner needs, so the inventory reads a config blob (and on
// Nexus a manifest) only where a decision depends on it. Pure. It works on the planner's own
// classification (src/policy/item.ts: families, referrers, tagged children) and follows its rules: the
// age is `created` with age-basis created, or where no push date is recorded; a date ranks where a family
// is ordered by date, or versions tie. A `created` that is not read leaves the decision's date undefined,
// which only the report's Date column shows ("—").

import type { ManifestRecord, Policy } from '../model'
import { classify, validDate, type Item } from './item'
import { compareVersions } from './version'

/**
 * The digests of one image whose `created` the plan needs: an index among them needs its children's too
 * (its `created` is its newest child's), so they are included when the index's children are known.
 * `untagged`: the image's untagged manifests, as the inventory found them (the graph needs them).
 */
export function createdNeeded(manifests: readonly ManifestRecord[], policy: Policy, untagged: readonly ManifestRecord[] = []): Set<string> {
  const { items, graph } = classify({ repository: '', name: '', manifests: [...manifests], untagged: [...untagged] }, policy.ageBasis)
  const pushedKnown = (it: Item) => validDate(it.record.pushed) !== undefined
  const need = new Set<Item>()

  // Age (older-than): ranked manifests, and referrers that may be orphans (no subject in the graph), are
  // aged on their own; a tagged child, or a referrer with its subject here, goes with what it hangs from.
  if (policy.olderThan) {
    for (const it of items) {
      if (it.dependent) continue
      if (it.refs && it.refs.some(r => r.subject !== it.record.digest && graph.has(r.subject))) continue
      if (policy.ageBasis === 'created' || !pushedKnown(it)) need.add(it)
    }
  }

  // Ranking: a date is `pushed ?? created`, so only manifests without a push date need `created`, and only
  // where the order depends on dates: a family ranked by date (the other family, or all in sort: date)
  // with more than one member, and versions that compare equal (ties broken by date).
  const ranked = items.filter(it => !it.refs && !it.dependent)
  const byDate = policy.sort === 'date' ? ranked : ranked.filter(it => !it.version)
  if (byDate.length > 1) for (const it of byDate) if (!pushedKnown(it)) need.add(it)
  if (policy.sort !== 'date') {
    const versions = ranked.filter(it => it.version).sort((a, b) => compareVersions(a.version!, b.version!))
    for (let i = 0; i < versions.length; i++) {
      const [before, here, after] = [versions[i - 1], versions[i] as Item, versions[i + 1]]
      const tied =
        (before !== undefined && compareVersions(before.version!, here.version!) === 0) ||
        (after !== undefined && compareVersions(here.version!, after.version!) === 0)
      if (tied && !pushedKnown(here)) need.add(here)
    }
  }

  const out = new Set<string>()
  for (const it of need) {
    out.add(it.record.digest)
    for (const c of it.record.children) out.add(c)
  }
  return out
}
