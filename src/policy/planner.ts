// The pure planner: inventory + policy + clock -> which manifests to keep, delete or leave pending.
// No I/O, no clock reads, no randomness: the same input always gives a deep-equal plan, and the input is
// never mutated. The unit of decision is a manifest with all its tags; tags are never split from it.
//
// Over the image's manifest graph (src/policy/graph.ts): manifests are ranked (the tagged images of their
// own), or hang from others (a tagged child of an index, a referrer of a subject). Retention is the
// closure of what the rules keep: whatever a kept manifest reaches is kept. What hangs from deleted
// manifests goes after all of them, and with them: pending when any is pending.
import type { Decision, ImageInventory, ImagePlan, Plan, Policy } from '../model'
import { applyBudget, type Budget } from './budget'
import { retainReached } from './closure'
import { referencedHere } from './in-use'
import { policyFor, ruleLabel } from './select'
import { budgetKey, byTagThenDigest, classify, decide, nounOf, shortDigest, type ImageWork, type Item } from './item'
import { orderDeletions } from './order'
import { byPlanDate, byPlanOrder, candidateOrder, rankItems, slot } from './ranking'
import { baseRule, subjectState, type LocateSubject, type SubjectState } from './rules'

export type { LocateSubject } from './rules'

/**
 * `locate` finds a subject that this image's inventory proved absent (missingSubjects) in the other
 * images of the run; without it, such a subject counts as gone everywhere.
 */
export function plan(inventory: ImageInventory[], policy: Policy, now: Date, locate?: LocateSubject, budget?: Budget): Plan {
  const planAll = (taken?: ReadonlySet<string>) => inventory.map(inv => planImage(inv, policy, now.getTime(), locate, taken))
  // max-components plans twice: once to see what the rest of the policy removes, once with what the budget takes.
  const { work, report } =
    policy.maxComponents !== undefined && budget ? applyBudget(planAll, policy.maxComponents, budget) : { work: planAll(), report: undefined }
  orderDeletions(work, policy.maxDeletions)
  const images = work.map(w => toImagePlan(w))
  const note = ageUnknownNote(images.reduce((n, p) => n + ageUnknownCount(p), 0))
  return { images, notes: note ? [note] : [], ...(report ? { budget: report(work) } : {}) }
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

/** `taken`: the manifests max-components takes (budgetKey), which `younger` no longer keeps. */
function planImage(inv: ImageInventory, base: Policy, now: number, locate: LocateSubject | undefined, taken?: ReadonlySet<string>): ImageWork {
  const { policy, rule } = policyFor(base, inv.name)
  const { items, graph } = classify(inv, policy.ageBasis)
  const byDigest = new Map(items.map(it => [it.record.digest, it]))
  const work: ImageWork = { inv, items, candidates: [], orphans: [], notes: rankItems(items, policy), policy, ...(rule ? { rule } : {}), referencesMatched: [] }
  if (inv.error) {
    for (const it of items) decide(it, 'keep', 'image-failed', `image inventory failed: ${inv.error}`)
    return work
  }
  const inUse = referencedHere(inv, graph, items, base.references ?? [])
  work.referencesMatched = inUse.matched
  const missing = new Set(inv.missingSubjects ?? [])
  // A subject found nowhere may live in a repository no listing shows (permissions, a content selector):
  // only with delete-orphans is it gone, and then only where subjects live (an image of referrers alone
  // is a signatures repository, whose subjects' own repository is not known).
  const holdsSubjects = base.deleteOrphans === true && items.some(it => !it.refs)
  const states = new Map<Item, SubjectState>()
  for (const it of items) {
    if (it.refs) {
      const state = subjectState(it, graph, missing, locate, holdsSubjects)
      states.set(it, state)
      it.subject = state.kind === 'follows' ? it.refs[0]?.subject : state.subject
    }
    const base = baseRule(it, policy, now, states.get(it), { inUse: inUse.reasons.get(it.record.digest), taken: taken?.has(budgetKey(inv, it)) === true })
    if (base) decide(it, 'keep', base[0], base[1])
  }

  retainReached(items, graph, byDigest)

  for (const it of items) {
    if (it.rule) continue
    const state = states.get(it)
    if (!it.refs && !it.dependent) {
      const s = slot(it, policy)
      if (it.onDemand) decide(it, 'delete', 'on-demand', `deleted on demand (delete-tags: ${it.onDemand.join(', ')})`)
      else if (taken?.has(budgetKey(inv, it))) {
        decide(it, 'delete', 'budget', `${s.beyond}, younger than ${policy.olderThan?.text ?? '—'}: taken by max-components ${base.maxComponents ?? ''}`)
      } else decide(it, 'delete', 'delete', `${s.beyond}${policy.olderThan ? ` and older than ${policy.olderThan.text}` : ''}`)
    } else if (state?.kind === 'orphan') {
      decide(it, 'delete', 'orphan-referrer', `orphan ${nounOf(it, state.subject)}: subject ${shortDigest(state.subject)} not found`)
      work.orphans.push(it)
    } else {
      // Hangs from manifests none of which is retained (or the closure would have kept it): it goes after
      // them, and takes their action once max-deletions has been applied.
      it.prereqs = graph.taggedAncestors(it.record.digest).map(a => ({ item: byDigest.get(a.digest) as Item, path: a.path }))
      for (const p of it.prereqs) p.item.followers.push(it)
      const subject = it.prereqs.find(p => p.path.length === 1 && p.path[0] !== 'child')
      if (it.refs) it.subject = subject?.item.record.digest ?? it.refs[0]?.subject
    }
  }
  for (const it of items) it.followers.sort(byTagThenDigest)
  work.orphans.sort(byTagThenDigest)
  work.candidates = candidateOrder(items, policy)
  return work
}

function toImagePlan(w: ImageWork): ImagePlan {
  const { policy } = w
  const order = policy.sort === 'date' ? (a: Item, b: Item) => (a.refs ? 1 : 0) - (b.refs ? 1 : 0) || byPlanDate(a, b) : byPlanOrder
  return {
    repository: w.inv.repository,
    image: w.inv.name,
    decisions: [...w.items].sort(order).map(it => toDecision(w.inv, it)),
    ...(w.inv.error !== undefined ? { error: w.inv.error } : {}),
    notes: [...(w.inv.notes ?? []), ...w.notes],
    ...(w.rule ? { rule: ruleLabel(w.rule) } : {}),
    ...(w.referencesMatched.length > 0 ? { referencesMatched: w.referencesMatched } : {})
  }
}

function toDecision(inv: ImageInventory, it: Item): Decision {
  return {
    repository: inv.repository,
    image: inv.name,
    digest: it.record.digest,
    tags: [...it.tags],
    action: it.action,
    rule: it.rule!,
    reason: it.reason,
    ...(it.dueReason !== undefined ? { dueReason: it.dueReason } : {}),
    family: it.family,
    ...(it.rank !== undefined ? { rank: it.rank } : {}),
    ...(it.version ? { version: it.version.tag } : {}),
    ...(it.age.date ? { ageDate: new Date(it.age.date.getTime()) } : {}),
    ageBasis: it.age.basis,
    ...(it.subject !== undefined ? { subject: it.subject } : {}),
    ...(it.deleteOrder !== undefined ? { deleteOrder: it.deleteOrder } : {}),
    ...(it.prereqs.length > 0 && it.action !== 'keep' ? { after: it.prereqs.map(p => p.item.record.digest) } : {})
  }
}
