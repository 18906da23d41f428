// The pure planner: inventory + policy + clock -> which manifests to keep, delete or leave pending.
// No I/O, no clock reads, no randomness: the same input always gives a deep-equal plan, and the input is
// never mutated. The unit of decision is a manifest with all its tags; tags are never split from it.
import { matchesAny } from '../glob'
import type {
  Action,
  AgeBasis,
  Decision,
  Family,
  ImageInventory,
  ImagePlan,
  ManifestRecord,
  Plan,
  Policy,
  Rule
} from '../model'
import { referrerTagsOf, type ReferrerTag } from './referrers'
import { compareVersions, highestVersion, type Version } from './version'

const DAY_MS = 86_400_000
/** Docker's first release. Image `created` dates before it are reproducible-build stamps (1970, 1980), not ages. */
const PLACEHOLDER_BEFORE = Date.UTC(2013, 2, 20)

interface Age {
  date?: Date
  basis: AgeBasis | 'none'
  /** Why the age is unknown, when `date` is undefined. */
  unknown?: string
}

/** A manifest being planned: its facts, then its verdict as the planner works it out. */
interface Item {
  m: ManifestRecord
  tags: string[]
  family: Family
  version?: Version
  /** Set (non-empty) only for referrers. */
  refs?: ReferrerTag[]
  /** `pushed ?? created`, in ms; undefined ranks after every dated manifest. */
  rankDate?: number
  age: Age
  rank?: number
  action: Action
  /** Undefined until a rule decides. */
  rule?: Rule
  reason: string
  subject?: string
  /** A deleted referrer follows this subject's action and deletion order. */
  follows?: Item
  followers: Item[]
  deleteOrder?: number
}

interface ImageWork {
  inv: ImageInventory
  items: Item[]
  /** Non-referrer deletion candidates of this image, first to delete first. */
  candidates: Item[]
  /** Orphan referrers to delete (uncounted by max-deletions, ordered after every subject). */
  orphans: Item[]
}

export function plan(inventory: ImageInventory[], policy: Policy, now: Date): Plan {
  const work = inventory.map(inv => planImage(inv, policy, now.getTime()))
  orderDeletions(work, policy.maxDeletions)
  const images = work.map(w => toImagePlan(w, policy))
  const note = ageUnknownNote(images.reduce((n, p) => n + ageUnknownCount(p), 0))
  return { images, notes: note ? [note] : [] }
}

export function ageUnknownCount(p: ImagePlan): number {
  return p.decisions.filter(d => d.rule === 'age-unknown').length
}

/** The run-wide note for manifests kept because their age is unknown (one line, however many images). */
export function ageUnknownNote(unknown: number): string | undefined {
  if (unknown === 0) return undefined
  return (
    `age unknown for ${unknown} manifest${unknown === 1 ? '' : 's'}: kept, since older-than cannot be checked ` +
    `without a date (image created dates before 2013-03-20 are reproducible-build placeholders)`
  )
}

function planImage(inv: ImageInventory, policy: Policy, now: number): ImageWork {
  const items = inv.manifests.map(m => describe(m, policy.ageBasis))
  rankItems(items, policy)
  const work: ImageWork = { inv, items, candidates: [], orphans: [] }
  const byDigest = new Map(items.map(it => [it.m.digest, it]))
  const subjectsOf = (it: Item): Item[] =>
    unique((it.refs ?? []).map(r => byDigest.get(r.subject)).filter((s): s is Item => s !== undefined && s !== it))

  for (const it of items) {
    if (it.refs) it.subject = (subjectsOf(it)[0]?.m.digest ?? it.refs[0].subject)
    if (inv.error) {
      decide(it, 'keep', 'image-failed', `image inventory failed: ${inv.error}`)
    } else {
      const base = baseRule(it, policy, now, it.refs !== undefined && subjectsOf(it).length === 0)
      if (base) decide(it, 'keep', base[0], base[1])
    }
  }
  if (inv.error) return work

  retainDerived(items, subjectsOf)

  for (const it of items) {
    if (it.rule) continue
    if (!it.refs) {
      const s = slot(it, policy)
      const older = policy.olderThan ? ` and older than ${policy.olderThan.text}` : ''
      decide(it, 'delete', 'delete', `beyond ${s.beyondName} ${s.n}${older}`)
      continue
    }
    const subject = subjectsOf(it)[0]
    if (subject) {
      // Its subject is not retained either (or the fixpoint would have kept it): it goes with the subject,
      // and takes the subject's action once max-deletions has been applied.
      it.follows = subject
      subject.followers.push(it)
    } else {
      const ref = it.refs[0]
      decide(it, 'delete', 'orphan-referrer', `orphan ${ref.noun}: subject ${shortDigest(ref.subject)} not found`)
      work.orphans.push(it)
    }
  }
  for (const it of items) it.followers.sort(byTagThenDigest)
  work.orphans.sort(byTagThenDigest)
  work.candidates = candidateOrder(items, policy)
  return work
}

function describe(m: ManifestRecord, basis: AgeBasis): Item {
  const tags = [...m.tags].sort()
  const refs = referrerTagsOf(tags)
  const version = refs ? undefined : highestVersion(tags)
  const pushed = validDate(m.pushed)
  const created = usableCreated(m.created)
  return {
    m,
    tags,
    refs,
    version,
    family: refs ? 'referrer' : version ? 'version' : 'other',
    rankDate: (pushed ?? created.date)?.getTime(),
    age: ageOf(basis, pushed, created, m.lastPulled),
    action: 'keep',
    reason: '',
    followers: []
  }
}

function validDate(d: Date | null | undefined): Date | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d : undefined
}

function usableCreated(d: Date | undefined): { date?: Date; why?: string } {
  const date = validDate(d)
  if (!date) return { why: 'no created date' }
  if (date.getTime() < PLACEHOLDER_BEFORE) {
    return { why: `created ${date.toISOString().slice(0, 10)} is a reproducible-build placeholder` }
  }
  return { date }
}

function ageOf(
  basis: AgeBasis,
  pushed: Date | undefined,
  created: { date?: Date; why?: string },
  lastPulled: Date | null | undefined
): Age {
  const fromCreated: Age = created.date
    ? { date: created.date, basis: 'created' }
    : { basis: 'none', unknown: created.why }
  if (basis === 'created') return fromCreated
  // Plain registries do not know push dates, so `pushed` falls back to `created` (the config layer warns).
  const fromPushed: Age = pushed ? { date: pushed, basis: 'pushed' } : fromCreated
  if (basis === 'pushed') return fromPushed
  const pulled = validDate(lastPulled)
  if (pulled && (!fromPushed.date || pulled > fromPushed.date)) return { date: pulled, basis: 'last-pulled' }
  return fromPushed
}

/**
 * Ranks the non-referrer manifests, newest first: in semver mode versions and others separately, in date
 * mode all together. Protected and not-selected manifests take rank slots too: `keep N` means "the N newest",
 * and one of those also being protected is fine (it does not push an older manifest into the kept set).
 */
function rankItems(items: Item[], policy: Policy): void {
  const ranked = items.filter(it => !it.refs)
  const lists =
    policy.sort === 'date'
      ? [ranked.sort(byDateThenTag)]
      : [
          ranked.filter(it => it.version).sort(byVersionThenDate),
          ranked.filter(it => !it.version).sort(byDateThenTag)
        ]
  for (const list of lists) list.forEach((it, i) => (it.rank = i + 1))
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byDateDesc(a: Item, b: Item): number {
  if (a.rankDate === b.rankDate) return 0
  if (a.rankDate === undefined) return 1
  if (b.rankDate === undefined) return -1
  return b.rankDate - a.rankDate
}

function byVersionThenDate(a: Item, b: Item): number {
  return compareVersions(b.version!, a.version!) || byDateDesc(a, b) || cmpStr(a.m.digest, b.m.digest)
}

function byDateThenTag(a: Item, b: Item): number {
  return byDateDesc(a, b) || byTagThenDigest(a, b)
}

function byTagThenDigest(a: Item, b: Item): number {
  return cmpStr(a.tags[0] ?? '', b.tags[0] ?? '') || cmpStr(a.m.digest, b.m.digest)
}

/** The keep count that applies to a ranked manifest, and how reasons name it. */
function slot(it: Item, policy: Policy): { n: number; label: string; beyondName: string } {
  if (policy.sort === 'date') return { n: policy.keep, label: 'date', beyondName: 'keep' }
  if (it.version) return { n: policy.keep, label: 'semver', beyondName: 'keep' }
  return { n: policy.keepOther, label: 'other', beyondName: 'keep-other' }
}

/** The first of protected > not-selected > keep-newest > younger > age-unknown that applies. */
function baseRule(it: Item, policy: Policy, now: number, orphan: boolean): [Rule, string] | undefined {
  const glob = policy.keepTags.find(g => it.tags.some(t => matchesAny(t, [g])))
  if (glob !== undefined) return ['protected', `protected by keep-tags: ${glob}`]
  // A referrer with a subject belongs to it: `tags` selects subjects, and their signatures follow them.
  const outside = it.refs && !orphan ? undefined : it.tags.find(t => !matchesAny(t, policy.tags))
  if (outside !== undefined) return ['not-selected', `tag ${outside} not selected by tags`]
  if (!it.refs) {
    const s = slot(it, policy)
    if (it.rank! <= s.n) return ['keep-newest', `keep ${s.n} (${s.label}) #${it.rank}`]
  } else if (!orphan) {
    return undefined // a referrer with a subject lives and dies with it; its own age does not matter
  }
  if (!policy.olderThan) return undefined
  if (!it.age.date) return ['age-unknown', `age unknown (${it.age.unknown})`]
  const ageMs = now - it.age.date.getTime()
  if (ageMs >= policy.olderThan.ms) return undefined
  if (it.age.basis !== 'last-pulled') return ['younger', `younger than ${policy.olderThan.text}`]
  const days = Math.max(0, Math.floor(ageMs / DAY_MS))
  return ['younger', `pulled ${days} day${days === 1 ? '' : 's'} ago`]
}

/**
 * Children of a retained index and referrers of a retained manifest are retained too, transitively (a
 * signature of a kept child, the children of a kept referrer index), so iterate to a fixpoint. Reasons are
 * given afterwards, preferring child-of-kept-index over referrer-of-kept.
 */
function retainDerived(items: Item[], subjectsOf: (it: Item) => Item[]): void {
  const retained = new Set(items.filter(it => it.rule))
  const parents = new Map<string, Item[]>()
  for (const p of items) {
    for (const child of unique(p.m.children)) parents.set(child, [...(parents.get(child) ?? []), p])
  }
  const keptParent = (it: Item) => parents.get(it.m.digest)?.find(p => p !== it && retained.has(p))
  const keptSubject = (it: Item) => subjectsOf(it).find(s => retained.has(s))

  const derived: Item[] = []
  for (let grew = true; grew; ) {
    grew = false
    for (const it of items) {
      if (retained.has(it) || !(keptParent(it) || keptSubject(it))) continue
      retained.add(it)
      derived.push(it)
      grew = true
    }
  }
  for (const it of derived) {
    const parent = keptParent(it)
    if (parent) {
      decide(it, 'keep', 'child-of-kept-index', `child of kept index ${label(parent)}`)
      continue
    }
    const subject = keptSubject(it)!
    it.subject = subject.m.digest
    decide(it, 'keep', 'referrer-of-kept', `${nounFor(it, subject)} of kept ${label(subject)}`)
  }
}

/**
 * This image's non-referrer candidates, first to delete first: the lowest-ranked first. In semver mode the
 * version and other families alternate (version first), each from its bottom, so a cap trims both evenly.
 */
function candidateOrder(items: Item[], policy: Policy): Item[] {
  const bottomUp = (list: Item[]) => list.sort((a, b) => b.rank! - a.rank!)
  const candidates = items.filter(it => it.rule === 'delete')
  if (policy.sort === 'date') return bottomUp(candidates)
  const versions = bottomUp(candidates.filter(it => it.version))
  const others = bottomUp(candidates.filter(it => !it.version))
  const merged: Item[] = []
  for (let i = 0; i < Math.max(versions.length, others.length); i++) {
    if (i < versions.length) merged.push(versions[i])
    if (i < others.length) merged.push(others[i])
  }
  return merged
}

/**
 * Numbers every deletion across the images planned together: round robin over images (in name order) so a max-deletions cap
 * spreads over images; referrers come right after their subject with its action and are not counted;
 * orphan referrers come last.
 */
function orderDeletions(work: ImageWork[], cap: number | undefined): void {
  const images = [...work].sort(
    (a, b) => cmpStr(a.inv.name, b.inv.name) || cmpStr(a.inv.repository, b.inv.repository)
  )
  let order = 0
  const place = (it: Item) => {
    if (it.deleteOrder !== undefined) return
    it.deleteOrder = ++order
    for (const r of it.followers) {
      if (r.deleteOrder !== undefined) continue
      follow(r, it, cap)
      place(r)
    }
  }

  let counted = 0
  const longest = Math.max(0, ...images.map(w => w.candidates.length))
  for (let pos = 0; pos < longest; pos++) {
    for (const w of images) {
      const it = w.candidates[pos]
      if (!it) continue
      counted++
      if (cap !== undefined && counted > cap) {
        decide(it, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached`)
      }
      place(it)
    }
  }
  for (const w of images) w.orphans.forEach(place)
  // Only referrers whose subjects name each other in a cycle remain; they go with each other, last.
  for (const w of images) {
    for (const it of w.items) {
      if (it.follows && it.deleteOrder === undefined) {
        follow(it, it.follows, cap)
        place(it)
      }
    }
  }
}

function follow(r: Item, subject: Item, cap: number | undefined): void {
  const noun = nounFor(r, subject)
  if (subject.action === 'pending') {
    decide(r, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached (${noun} of ${label(subject)})`)
  } else {
    decide(r, 'delete', 'referrer-of-deleted', `${noun} of deleted ${label(subject)}`)
  }
}

function decide(it: Item, action: Action, rule: Rule, reason: string): void {
  it.action = action
  it.rule = rule
  it.reason = reason
}

function label(it: Item): string {
  return it.version?.tag ?? it.tags[0] ?? it.m.digest
}

function nounFor(referrer: Item, subject: Item): string {
  return (referrer.refs?.find(r => r.subject === subject.m.digest) ?? referrer.refs?.[0])?.noun ?? 'referrer'
}

function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 8)
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)]
}

/** Version family by rank, then other family by rank (one list in date mode), then referrers by subject. */
function toImagePlan(w: ImageWork, policy: Policy): ImagePlan {
  const familyOrder = (it: Item) => (it.refs ? 2 : policy.sort === 'date' || it.version ? 0 : 1)
  const sorted = [...w.items].sort(
    (a, b) =>
      familyOrder(a) - familyOrder(b) ||
      (a.rank ?? 0) - (b.rank ?? 0) ||
      cmpStr(a.subject ?? '', b.subject ?? '') ||
      byTagThenDigest(a, b)
  )
  return {
    repository: w.inv.repository,
    image: w.inv.name,
    decisions: sorted.map(it => toDecision(w.inv, it)),
    ...(w.inv.error !== undefined ? { error: w.inv.error } : {}),
    notes: [...(w.inv.notes ?? [])]
  }
}

function toDecision(inv: ImageInventory, it: Item): Decision {
  return {
    repository: inv.repository,
    image: inv.name,
    digest: it.m.digest,
    tags: [...it.tags],
    action: it.action,
    rule: it.rule!,
    reason: it.reason,
    family: it.family,
    ...(it.rank !== undefined ? { rank: it.rank } : {}),
    ...(it.version ? { version: it.version.tag } : {}),
    ...(it.age.date ? { ageDate: new Date(it.age.date.getTime()) } : {}),
    ageBasis: it.age.basis,
    ...(it.subject !== undefined ? { subject: it.subject } : {}),
    ...(it.deleteOrder !== undefined ? { deleteOrder: it.deleteOrder } : {})
  }
}
