// Ranking: the manifests of their own, newest first, per family; and the order candidates go in.
import type { Policy } from '../model'
import { cmpStr, byTagThenDigest, type Item } from './item'
import { compareVersions } from './version'

/**
 * Ranks the manifests of their own (not referrers, not tagged children of another tagged manifest), newest
 * first: in semver mode versions and others separately, in date mode all together. Protected and
 * not-selected manifests take rank slots too: `keep N` means "the N newest", and one of those also being
 * protected is fine (it does not push an older manifest into the kept set). Returns notes on the order
 * used where dates were missing.
 */
export function rankItems(items: Item[], policy: Policy): string[] {
  const ranked = items.filter(it => !it.refs && !it.dependent)
  const versions = ranked.filter(it => it.version).sort(byVersionThenDate)
  const byDate = policy.sort === 'date' ? ranked.sort(byDateThenTag) : ranked.filter(it => !it.version).sort(byDateThenTag)
  const lists = policy.sort === 'date' ? [byDate] : [versions, byDate]
  for (const list of lists) list.forEach((it, i) => (it.rank = i + 1))
  const undated = byDate.filter(it => it.rankDate === undefined).length
  if (byDate.length < 2 || undated === 0) return []
  const what = policy.sort === 'date' ? 'manifests' : 'manifests without a version tag'
  return [
    undated === byDate.length
      ? `no usable date for any of the ${byDate.length} ${what}: ranked by tag name (alphabetical order, first = newest) instead`
      : `${undated} of the ${byDate.length} ${what} have no usable date: they rank after the dated ones, by tag name`
  ]
}

export function byDateDesc(a: Item, b: Item): number {
  if (a.rankDate === b.rankDate) return 0
  if (a.rankDate === undefined) return 1
  if (b.rankDate === undefined) return -1
  return b.rankDate - a.rankDate
}

export function byVersionThenDate(a: Item, b: Item): number {
  return compareVersions(b.version!, a.version!) || byDateDesc(a, b) || cmpStr(a.record.digest, b.record.digest)
}

export function byDateThenTag(a: Item, b: Item): number {
  return byDateDesc(a, b) || byTagThenDigest(a, b)
}

/** The keep count that applies to a ranked manifest, and how reasons name it. */
export function slot(it: Item, policy: Policy): { n: number; label: string; beyondName: string } {
  if (policy.sort === 'date') return { n: policy.keep, label: 'date', beyondName: 'keep' }
  if (it.version) return { n: policy.keep, label: 'semver', beyondName: 'keep' }
  return { n: policy.keepOther, label: 'other', beyondName: 'keep-other' }
}

/**
 * This image's ranked candidates, first to delete first: the lowest-ranked first. In semver mode the
 * version and other families alternate (version first), each from its bottom, so a cap trims both evenly.
 */
export function candidateOrder(items: Item[], policy: Policy): Item[] {
  const bottomUp = (list: Item[]) => list.sort((a, b) => b.rank! - a.rank!)
  const candidates = items.filter(it => it.rule === 'delete')
  if (policy.sort === 'date') return bottomUp(candidates)
  const versions = bottomUp(candidates.filter(it => it.version))
  const others = bottomUp(candidates.filter(it => !it.version))
  const merged: Item[] = []
  for (let i = 0; i < Math.max(versions.length, others.length); i++) {
    const [v, o] = [versions[i], others[i]]
    if (v) merged.push(v)
    if (o) merged.push(o)
  }
  return merged
}

/** Version family, then other family (one list in date mode), each by rank, unranked after; then referrers. */
export function byPlanOrder(a: Item, b: Item): number {
  const familyOrder = (it: Item) => (it.refs ? 2 : it.family === 'version' ? 0 : 1)
  return (
    familyOrder(a) - familyOrder(b) ||
    (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
    cmpStr(a.subject ?? '', b.subject ?? '') ||
    byTagThenDigest(a, b)
  )
}

/** Date mode: one ranked list, unranked after, then as byPlanOrder. */
export function byPlanDate(a: Item, b: Item): number {
  return (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) || byPlanOrder(a, b)
}
