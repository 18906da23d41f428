// The rules that keep a manifest on its own account (protection, selection, keep-N, age), and what a
// referrer's subject says about it.
import { matchesAny } from '../glob'
import type { Policy, Rule } from '../model'
import type { ManifestGraph } from './graph'
import { nounOf, shortDigest, unique, type Item } from './item'
import type { LocateSubject } from './planner'
import { slot } from './ranking'

export const DAY_MS = 86_400_000

export type SubjectState = { kind: 'follows' } | { kind: 'exists'; subject: string; reason: string } | { kind: 'orphan'; subject: string }

/**
 * A referrer's subject: in the graph and owned by a tagged manifest (it follows that), or known to exist
 * (untagged here, in another image of the run, or not proven gone: kept), or proven gone (an orphan).
 */
export function subjectState(it: Item, graph: ManifestGraph, missing: ReadonlySet<string>, locate: LocateSubject | undefined): SubjectState {
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
  }
  return { kind: 'orphan', subject: subjects[0] as string } // a referrer names one subject at least
}

/**
 * The first of protected > (referrers) subject exists > not-selected > keep-newest > younger > age-unknown
 * that applies. A referrer that follows its subject, and a dependent, are decided by what they hang from.
 */
export function baseRule(it: Item, policy: Policy, now: number, state: SubjectState | undefined): [Rule, string] | undefined {
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
