// Which manifests' image config `created` the planner needs, so the inventory reads a config blob (and on
// Nexus a manifest) only where a decision depends on it. Pure. It mirrors src/policy/planner.ts: describe()
// (families), ageOf() (when the age is `created`) and rankItems() (byVersionThenDate breaks version ties
// by date; byDateThenTag ranks by date), where a date is `pushed ?? created`. A `created` that is not read
// leaves the decision's date undefined, which only the report's Date column shows ("—").

import type { ManifestRecord, Policy } from '../model'
import { validDate } from './item'
import { referrerTagsOf, type ReferrerTag } from './referrers'
import { compareVersions, highestVersion, type Version } from './version'

interface Facts {
  record: ManifestRecord
  refs?: ReferrerTag[]
  version?: Version
  pushedKnown: boolean
}

/**
 * The digests of one image whose `created` the plan needs: an index among them needs its children's too
 * (its `created` is its newest child's), so they are included when the index's children are known.
 */
export function createdNeeded(manifests: readonly ManifestRecord[], policy: Policy): Set<string> {
  const facts: Facts[] = manifests.map(m => {
    const refs = referrerTagsOf([...m.tags].sort())
    return { record: m, refs, version: refs ? undefined : highestVersion(m.tags), pushedKnown: validDate(m.pushed) !== undefined }
  })
  const need = new Set<Facts>()
  const digests = new Set(manifests.map(m => m.digest))

  // Age (older-than): `created` is the age with age-basis created, and the fallback of pushed and
  // last-pulled when the push date is unknown (a plain registry). A referrer with a subject in the image
  // lives and dies with it; an orphan one is aged on its own.
  if (policy.olderThan) {
    for (const f of facts) {
      if (f.refs && f.refs.some(r => r.subject !== f.record.digest && digests.has(r.subject))) continue
      if (policy.ageBasis === 'created' || !f.pushedKnown) need.add(f)
    }
  }

  // Ranking: a date is `pushed ?? created`, so only manifests without a push date need `created`, and only
  // where the order depends on dates: a family ranked by date (the other family, or all in sort: date)
  // with more than one member, and versions that compare equal (ties broken by date).
  const ranked = facts.filter(f => !f.refs)
  const byDate = policy.sort === 'date' ? [ranked] : [ranked.filter(f => !f.version)]
  for (const list of byDate) {
    if (list.length > 1) for (const f of list) if (!f.pushedKnown) need.add(f)
  }
  if (policy.sort !== 'date') {
    const versions = ranked.filter(f => f.version).sort((a, b) => compareVersions(a.version!, b.version!))
    for (let i = 0; i < versions.length; i++) {
      const [before, here, after] = [versions[i - 1], versions[i] as Facts, versions[i + 1]]
      const tied =
        (before !== undefined && compareVersions(before.version!, here.version!) === 0) ||
        (after !== undefined && compareVersions(here.version!, after.version!) === 0)
      if (tied && !here.pushedKnown) need.add(here)
    }
  }

  const out = new Set<string>()
  for (const f of need) {
    out.add(f.record.digest)
    for (const c of f.record.children) out.add(c)
  }
  return out
}
