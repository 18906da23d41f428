// The rules that keep a manifest on its own account (protection, selection, keep-N, age), and what a
// referrer's subject says about it.
import { matchesAny } from '../util/glob'
import type { Policy, Rule } from '../model'
import type { ManifestGraph } from './graph'
import { nounOf, shortDigest, unique, type Item } from './item'
import { slot } from './ranking'

export const DAY_MS = 86_400_000

/**
 * Where a subject this image's inventory proved absent is held in the other images of the run, as a
 * reason says it (`in docker-hosted/app`), or undefined when no image holds it.
 */
export type LocateSubject = (digest: string) => string | undefined

export type SubjectState = { kind: 'follows' } | { kind: 'exists'; subject: string; reason: string } | { kind: 'orphan'; subject: string }

/**
 * A referrer's subject: in the graph and owned by a tagged manifest (it follows that), or known to exist
 * (untagged here, in another image of the run, or not proven gone: kept), or proven gone (an orphan).
 */
export function subjectState(
  it: Item,
  graph: ManifestGraph,
  missing: ReadonlySet<string>,
  locate: LocateSubject | undefined,
  /** delete-orphans is on and this image holds images, not only referrers: a 404 here proves absence. */
  holdsSubjects = true
): SubjectState {
  const subjects = unique((it.refs ?? []).map(r => r.subject))
  const inGraph = subjects.find(s => s !== it.record.digest && graph.has(s))
  if (inGraph !== undefined) {
    if (graph.taggedAncestors(it.record.digest).length > 0) return { kind: 'follows' }
    return { kind: 'exists', subject: inGraph, reason: `${nounOf(it, inGraph)} of untagged ${shortDigest(inGraph)}, which exists` }
  }
  for (const s of subjects) {
    const noun = nounOf(it, s)
    if (s === it.record.digest) return { kind: 'exists', subject: s, reason: `${noun} naming its own digest` }
    if (!missing.has(s)) return { kind: 'exists', subject: s, reason: `${noun} of ${shortDigest(s)}, not proven gone` }
    const where = locate?.(s)
    if (where !== undefined) return { kind: 'exists', subject: s, reason: `${noun} of ${shortDigest(s)} ${where}` }
    if (!holdsSubjects) return { kind: 'exists', subject: s, reason: `${noun} of ${shortDigest(s)}, not proven gone: found in no image this run lists` }
  }
  return { kind: 'orphan', subject: subjects[0] as string } // a referrer names one subject at least
}

/** What a base rule learns from outside the manifest: keep-references, and what max-components takes. */
export interface BaseRuleContext {
  /** The in-use reason, when keep-references names this manifest (or one it must keep reachable). */
  inUse?: string
  /** max-components takes it: `younger` no longer keeps it. */
  taken?: boolean
}

/**
 * The first of protected > in use > (referrers) subject exists > on demand > not-selected > keep-newest >
 * younger > age-unknown that applies. A referrer that follows its subject, and a dependent, are decided by
 * what they hang from. On demand (delete-tags) only marks the manifest: it goes unless the graph keeps it.
 */
export function baseRule(it: Item, policy: Policy, now: number, state: SubjectState | undefined, ctx: BaseRuleContext = {}): [Rule, string] | undefined {
  const glob = policy.keepTags.find(g => it.tags.some(t => matchesAny(t, [g])))
  if (glob !== undefined) return ['protected', `protected by keep-tags: ${glob}`]
  if (ctx.inUse !== undefined) return ['in-use', ctx.inUse]
  if (state?.kind === 'exists') return ['subject-exists', state.reason]
  // A referrer with a subject belongs to it: `tags` selects subjects, and their signatures follow them.
  if (state?.kind === 'follows') return undefined
  if (!it.refs && !it.dependent && policy.deleteTags.length > 0) {
    const matched = it.tags.filter(t => matchesAny(t, policy.deleteTags))
    if (matched.length > 0) {
      const other = it.tags.find(t => !matchesAny(t, policy.deleteTags))
      if (other !== undefined) return ['also-tagged', `also tagged ${other} (delete-tags matched ${matched.join(', ')})`]
      it.onDemand = unique(matched)
      return undefined
    }
  }
  const outside = it.tags.find(t => !matchesAny(t, policy.tags))
  if (outside !== undefined) return ['not-selected', `tag ${outside} not selected by tags`]
  if (it.dependent) return undefined
  if (!it.refs) {
    const s = slot(it, policy)
    if (s.rank <= s.n) return ['keep-newest', s.kept]
  }
  if (!policy.olderThan) return undefined
  if (!it.age.date) return ['age-unknown', `age unknown (${it.age.unknown})`]
  const ageMs = now - it.age.date.getTime()
  if (ageMs >= policy.olderThan.ms) return undefined
  if (ctx.taken) return undefined
  if (it.age.basis !== 'last-pulled') return ['younger', `younger than ${policy.olderThan.text}`]
  const days = Math.max(0, Math.floor(ageMs / DAY_MS))
  return ['younger', `pulled ${days} day${days === 1 ? '' : 's'} ago`]
}
