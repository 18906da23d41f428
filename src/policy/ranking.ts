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
  if (policy.sort !== 'date' && policy.keepPer !== 'none') rankLines(versions, policy)
  const undated = byDate.filter(it => it.rankDate === undefined).length
  if (byDate.length < 2 || undated === 0) return []
  const what = policy.sort === 'date' ? 'manifests' : 'manifests without a version tag'
  return [
    undated === byDate.length
      ? `no usable date for any of the ${byDate.length} ${what}: ranked by tag name (alphabetical order, first = newest) instead`
      : `${undated} of the ${byDate.length} ${what} have no usable date: they rank after the dated ones, by tag name`
  ]
}

/** keep-per: each version's line (by major, or major.minor), the lines newest first, the rank within each. */
function rankLines(versions: Item[], policy: Policy): void {
  const lines = new Map<string, Item[]>()
  for (const it of versions) {
    const [major = 0n, minor = 0n] = it.version!.numbers
    const key = policy.keepPer === 'major' ? `${major}.x` : `${major}.${minor}.x`
    const line = lines.get(key) ?? []
    if (line.length === 0) lines.set(key, line)
    line.push(it) // versions come newest first, so lines do too, and so does each line
  }
  let index = 0
  for (const [key, line] of lines) {
    line.forEach((it, i) => Object.assign(it, { line: key, lineIndex: index, lineRank: i + 1 }))
    index++
  }
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

/** A ranked manifest's keep slots: how many, its rank among them, and how reasons name both sides. */
export interface Slot {
  n: number
  rank: number
  /** `keep 3 (semver) #2`, `keep 1 per minor (1.5.x) #1` */
  kept: string
  /** `beyond keep 3`, `beyond keep 1 per minor (1.4.x)`, `beyond keep-lines 3 (1.2.x)` */
  beyond: string
}

/** The keep count that applies to a ranked manifest, and how reasons name it. */
export function slot(it: Item, policy: Policy): Slot {
  const rank = it.rank ?? Number.MAX_SAFE_INTEGER
  const plain = (n: number, label: string, name: string): Slot => ({ n, rank, kept: `keep ${n} (${label}) #${rank}`, beyond: `beyond ${name} ${n}` })
  if (policy.sort === 'date') return plain(policy.keep, 'date', 'keep')
  if (!it.version) return plain(policy.keepOther, 'other', 'keep-other')
  if (it.line === undefined || it.lineRank === undefined || it.lineIndex === undefined) return plain(policy.keep, 'semver', 'keep')
  const per = `per ${policy.keepPer} (${it.line})`
  if (policy.keepLines !== undefined && it.lineIndex >= policy.keepLines) {
    return { n: 0, rank: it.lineRank, kept: '', beyond: `beyond keep-lines ${policy.keepLines} (${it.line})` }
  }
  return { n: policy.keep, rank: it.lineRank, kept: `keep ${policy.keep} ${per} #${it.lineRank}`, beyond: `beyond keep ${policy.keep} ${per}` }
}

/**
 * This image's ranked candidates, first to delete first: the lowest-ranked first. In semver mode the
 * version and other families alternate (version first), each from its bottom, so a cap trims both evenly.
 */
export function candidateOrder(items: Item[], policy: Policy): Item[] {
  const bottomUp = (list: Item[]) => list.sort((a, b) => b.rank! - a.rank!)
  const candidates = items.filter(it => it.rule === 'delete' || it.rule === 'on-demand' || it.rule === 'budget')
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
