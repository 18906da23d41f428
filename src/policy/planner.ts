// The pure planner: inventory + policy + clock -> which manifests to keep, delete or leave pending.
// No I/O, no clock reads, no randomness: the same input always gives a deep-equal plan, and the input is
// never mutated. The unit of decision is a manifest with all its tags; tags are never split from it.
//
// Over the image's manifest graph (src/policy/graph.ts): manifests are ranked (the tagged images of their
// own), or hang from others (a tagged child of an index, a referrer of a subject). Retention is the
// closure of what the rules keep: whatever a kept manifest reaches is kept. What hangs from deleted
// manifests goes after all of them, and with them: pending when any is pending.
import { matchesAny } from '../glob'
import type { Action, AgeBasis, Decision, Family, ImageInventory, ImagePlan, ManifestRecord, Plan, Policy, Rule } from '../model'
import { ManifestGraph, pathText, type EdgeLabel } from './graph'
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
  /** Set (non-empty) only for referrers: their referrer tags and OCI subject. */
  refs?: ReferrerTag[]
  /** A tagged child (at any depth) of another tagged manifest: it ranks with that one, taking no slot. */
  dependent: boolean
  /** `pushed ?? created`, in ms; undefined ranks after every dated manifest. */
  rankDate?: number
  age: Age
  rank?: number
  action: Action
  /** Undefined until a rule decides. */
  rule?: Rule
  reason: string
  subject?: string
  /**
   * Not retained and hanging from others: the nearest tagged manifests above it (through untagged ones),
   * with the edges between. It is deleted after all of them, and only if all of them are.
   */
  prereqs: { item: Item; path: EdgeLabel[] }[]
  /** The manifests whose prereqs include this one. */
  followers: Item[]
  deleteOrder?: number
}

interface ImageWork {
  inv: ImageInventory
  items: Item[]
  /** Ranked deletion candidates of this image, first to delete first. */
  candidates: Item[]
  /** Orphan referrers to delete (uncounted by max-deletions, ordered after every subject). */
  orphans: Item[]
  notes: string[]
}

/**
 * Where a subject lives among the other images of the run, as a phrase (`in docker-hosted/app`), or
 * undefined when no image of the run holds it.
 */
export type LocateSubject = (digest: string) => string | undefined

/**
 * `locate` finds a subject that this image's inventory proved absent (missingSubjects) in the other
 * images of the run; without it, such a subject counts as gone everywhere.
 */
export function plan(inventory: ImageInventory[], policy: Policy, now: Date, locate?: LocateSubject): Plan {
  const work = inventory.map(inv => planImage(inv, policy, now.getTime(), locate))
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

type SubjectState = { kind: 'follows' } | { kind: 'exists'; subject: string; reason: string } | { kind: 'orphan'; subject: string }

function planImage(inv: ImageInventory, policy: Policy, now: number, locate: LocateSubject | undefined): ImageWork {
  const graph = new ManifestGraph(inv)
  const items = inv.manifests.map(m => describe(m, policy.ageBasis))
  const byDigest = new Map(items.map(it => [it.m.digest, it]))
  for (const it of items) it.dependent = !it.refs && graph.taggedAncestors(it.m.digest, true).length > 0
  const work: ImageWork = { inv, items, candidates: [], orphans: [], notes: rankItems(items, policy) }
  if (inv.error) {
    for (const it of items) decide(it, 'keep', 'image-failed', `image inventory failed: ${inv.error}`)
    return work
  }
  const nodes = new Set([...inv.manifests, ...(inv.untagged ?? [])].map(m => m.digest))
  const missing = new Set(inv.missingSubjects ?? [])
  const states = new Map<Item, SubjectState>()
  for (const it of items) {
    if (it.refs) {
      const state = subjectState(it, graph, nodes, missing, locate)
      states.set(it, state)
      it.subject = state.kind === 'follows' ? it.refs[0].subject : state.subject
    }
    const base = baseRule(it, policy, now, states.get(it))
    if (base) decide(it, 'keep', base[0], base[1])
  }

  retainReached(items, graph, byDigest)

  for (const it of items) {
    if (it.rule) continue
    const state = states.get(it)
    if (!it.refs && !it.dependent) {
      const s = slot(it, policy)
      const older = policy.olderThan ? ` and older than ${policy.olderThan.text}` : ''
      decide(it, 'delete', 'delete', `beyond ${s.beyondName} ${s.n}${older}`)
    } else if (state?.kind === 'orphan') {
      decide(it, 'delete', 'orphan-referrer', `orphan ${nounOf(it, state.subject)}: subject ${shortDigest(state.subject)} not found`)
      work.orphans.push(it)
    } else {
      // Hangs from manifests none of which is retained (or the closure would have kept it): it goes after
      // them, and takes their action once max-deletions has been applied.
      it.prereqs = graph.taggedAncestors(it.m.digest).map(a => ({ item: byDigest.get(a.digest) as Item, path: a.path }))
      for (const p of it.prereqs) p.item.followers.push(it)
      const subject = it.prereqs.find(p => p.path.length === 1 && p.path[0] !== 'child')
      if (it.refs) it.subject = subject?.item.m.digest ?? it.refs[0].subject
    }
  }
  for (const it of items) it.followers.sort(byTagThenDigest)
  work.orphans.sort(byTagThenDigest)
  work.candidates = candidateOrder(items, policy)
  return work
}

/**
 * A referrer's subject: in the graph and owned by a tagged manifest (it follows that), or known to exist
 * (untagged here, in another image of the run, or not proven gone: kept), or proven gone (an orphan).
 */
function subjectState(
  it: Item,
  graph: ManifestGraph,
  nodes: ReadonlySet<string>,
  missing: ReadonlySet<string>,
  locate: LocateSubject | undefined
): SubjectState {
  const subjects = unique((it.refs ?? []).map(r => r.subject))
  const inGraph = subjects.find(s => s !== it.m.digest && nodes.has(s))
  if (inGraph !== undefined) {
    if (graph.taggedAncestors(it.m.digest).length > 0) return { kind: 'follows' }
    return { kind: 'exists', subject: inGraph, reason: `${nounOf(it, inGraph)} of untagged ${shortDigest(inGraph)}, which exists` }
  }
  for (const s of subjects) {
    const noun = nounOf(it, s)
    if (s === it.m.digest) return { kind: 'exists', subject: s, reason: `${noun} naming its own digest` }
    if (!missing.has(s)) return { kind: 'exists', subject: s, reason: `${noun} of ${shortDigest(s)}, not proven gone` }
    const where = locate?.(s)
    if (where !== undefined) return { kind: 'exists', subject: s, reason: `${noun} of ${shortDigest(s)} ${where}` }
  }
  return { kind: 'orphan', subject: subjects[0] }
}

function describe(m: ManifestRecord, basis: AgeBasis): Item {
  const tags = [...m.tags].sort()
  const tagRefs = referrerTagsOf(tags)
  const oci: ReferrerTag[] = m.subject && m.subject !== m.digest ? [{ tag: '', subject: m.subject, noun: 'referrer' }] : []
  const refs = tagRefs || oci.length > 0 ? [...(tagRefs ?? []), ...oci] : undefined
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
    dependent: false,
    action: 'keep',
    reason: '',
    prereqs: [],
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

function ageOf(basis: AgeBasis, pushed: Date | undefined, created: { date?: Date; why?: string }, lastPulled: Date | null | undefined): Age {
  const fromCreated: Age = created.date ? { date: created.date, basis: 'created' } : { basis: 'none', unknown: created.why }
  if (basis === 'created') return fromCreated
  // Plain registries do not know push dates, so `pushed` falls back to `created` (the config layer warns).
  const fromPushed: Age = pushed ? { date: pushed, basis: 'pushed' } : fromCreated
  if (basis === 'pushed') return fromPushed
  const pulled = validDate(lastPulled)
  if (pulled && (!fromPushed.date || pulled > fromPushed.date)) return { date: pulled, basis: 'last-pulled' }
  return fromPushed
}

/**
 * Ranks the manifests of their own (not referrers, not tagged children of another tagged manifest), newest
 * first: in semver mode versions and others separately, in date mode all together. Protected and
 * not-selected manifests take rank slots too: `keep N` means "the N newest", and one of those also being
 * protected is fine (it does not push an older manifest into the kept set). Returns notes on the order
 * used where dates were missing.
 */
function rankItems(items: Item[], policy: Policy): string[] {
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

/**
 * The first of protected > (referrers) subject exists > not-selected > keep-newest > younger > age-unknown
 * that applies. A referrer that follows its subject, and a dependent, are decided by what they hang from.
 */
function baseRule(it: Item, policy: Policy, now: number, state: SubjectState | undefined): [Rule, string] | undefined {
  const glob = policy.keepTags.find(g => it.tags.some(t => matchesAny(t, [g])))
  if (glob !== undefined) return ['protected', `protected by keep-tags: ${glob}`]
  if (state?.kind === 'exists') return ['subject-exists', state.reason]
  // A referrer with a subject belongs to it: `tags` selects subjects, and their signatures follow them.
  if (state?.kind === 'follows') return undefined
  const outside = it.tags.find(t => !matchesAny(t, policy.tags))
  if (outside !== undefined) return ['not-selected', `tag ${outside} not selected by tags`]
  if (it.dependent) return undefined
  if (!it.refs) {
    const s = slot(it, policy)
    if (it.rank! <= s.n) return ['keep-newest', `keep ${s.n} (${s.label}) #${it.rank}`]
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
 * Whatever a retained manifest reaches (children at any depth, their referrers, referrers of referrers)
 * is retained, with the path in its reason: "signature of child of kept 2.0.0". Roots go in plan order,
 * so the path named is the shortest from the highest-ranked kept manifest.
 */
function retainReached(items: Item[], graph: ManifestGraph, byDigest: Map<string, Item>): void {
  const roots = items.filter(it => it.rule).sort(byPlanOrder)
  const via = graph.reach(roots.map(it => it.m.digest))
  for (const it of items) {
    if (it.rule) continue
    const into = via.get(it.m.digest)
    if (!into) continue
    const path: EdgeLabel[] = []
    let at = it.m.digest
    for (let e: typeof into | null | undefined = into; e; e = via.get(at)) {
      path.push(e.label)
      at = e.from
    }
    const root = byDigest.get(at) as Item
    if (into.label !== 'child') it.subject = into.from
    decide(it, 'keep', into.label === 'child' ? 'child-of-kept-index' : 'referrer-of-kept', pathText(path, `kept ${label(root)}`))
  }
}

/**
 * This image's ranked candidates, first to delete first: the lowest-ranked first. In semver mode the
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
 * Numbers every deletion across the images planned together: round robin over images (in name order) so a
 * max-deletions cap spreads over images. What hangs from deleted manifests comes right after the last of
 * them, with their action, uncounted (a parent and its exclusive children are one unit); orphan referrers
 * come last. Anything left unplaced hangs from a cycle of referrers: it is kept.
 */
function orderDeletions(work: ImageWork[], cap: number | undefined): void {
  const images = [...work].sort((a, b) => cmpStr(a.inv.name, b.inv.name) || cmpStr(a.inv.repository, b.inv.repository))
  let order = 0
  const place = (it: Item) => {
    if (it.deleteOrder !== undefined) return
    it.deleteOrder = ++order
    for (const f of it.followers) {
      if (f.deleteOrder !== undefined || f.rule !== undefined) continue
      if (!f.prereqs.every(p => p.item.deleteOrder !== undefined)) continue
      follow(f, cap)
      place(f)
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
  for (const w of images) {
    for (const it of w.items) {
      if (it.rule !== undefined) continue
      const p = it.prereqs[0]
      decide(it, 'keep', 'subject-exists', `${pathText(p?.path ?? [], label(p?.item ?? it))}, which is part of a reference cycle`)
    }
  }
}

/** Decides a manifest hanging from others once all of them are placed: pending if any is. */
function follow(f: Item, cap: number | undefined): void {
  const pending = f.prereqs.find(p => p.item.action === 'pending')
  if (pending) {
    decide(f, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached (${pathText(pending.path, label(pending.item))})`)
    return
  }
  const last = f.prereqs.reduce((a, b) => ((b.item.deleteOrder ?? 0) > (a.item.deleteOrder ?? 0) ? b : a))
  decide(f, 'delete', f.refs ? 'referrer-of-deleted' : 'child-of-deleted', pathText(last.path, `deleted ${label(last.item)}`))
}

function decide(it: Item, action: Action, rule: Rule, reason: string): void {
  it.action = action
  it.rule = rule
  it.reason = reason
}

function label(it: Item): string {
  return it.version?.tag ?? it.tags[0] ?? it.m.digest
}

function nounOf(referrer: Item, subject: string): string {
  return (referrer.refs?.find(r => r.subject === subject) ?? referrer.refs?.[0])?.noun ?? 'referrer'
}

function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 8)
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)]
}

/** Version family, then other family (one list in date mode), each by rank, unranked after; then referrers. */
function byPlanOrder(a: Item, b: Item): number {
  const familyOrder = (it: Item) => (it.refs ? 2 : it.family === 'version' ? 0 : 1)
  return (
    familyOrder(a) - familyOrder(b) ||
    (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
    cmpStr(a.subject ?? '', b.subject ?? '') ||
    byTagThenDigest(a, b)
  )
}

function toImagePlan(w: ImageWork, policy: Policy): ImagePlan {
  const order = policy.sort === 'date' ? (a: Item, b: Item) => (a.refs ? 1 : 0) - (b.refs ? 1 : 0) || byPlanDate(a, b) : byPlanOrder
  return {
    repository: w.inv.repository,
    image: w.inv.name,
    decisions: [...w.items].sort(order).map(it => toDecision(w.inv, it)),
    ...(w.inv.error !== undefined ? { error: w.inv.error } : {}),
    notes: [...(w.inv.notes ?? []), ...w.notes]
  }
}

/** Date mode: one ranked list, unranked after, then as byPlanOrder. */
function byPlanDate(a: Item, b: Item): number {
  return (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) || byPlanOrder(a, b)
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
    ...(it.deleteOrder !== undefined ? { deleteOrder: it.deleteOrder } : {}),
    ...(it.prereqs.length > 0 && it.action !== 'keep' ? { after: it.prereqs.map(p => p.item.m.digest) } : {})
  }
}
