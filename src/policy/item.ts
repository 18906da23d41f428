// A manifest as the planner works on it: its facts (family, version, dates), then its verdict. Shared by
// the planner's parts; pure.
import type { Action, AgeBasis, Family, ImageInventory, ImageRule, ManifestRecord, Policy, Rule } from '../model'
import { compareStrings as cmpStr } from '../util/compare'
import { shortDigest } from '../util/digest'
import { ManifestGraph, type EdgeLabel } from './graph'
import { referrerTagsOf, type ReferrerTag } from './referrers'
import { highestVersion, type Version } from './version'

/** Docker's first release. Image `created` dates before it are reproducible-build stamps (1970, 1980), not ages. */
export const PLACEHOLDER_BEFORE = Date.UTC(2013, 2, 20)

export interface Age {
  date?: Date
  basis: AgeBasis | 'none'
  /** Why the age is unknown, when `date` is undefined. */
  unknown?: string
}

/** A manifest being planned: its facts, then its verdict as the planner works it out. */
export interface Item {
  record: ManifestRecord
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
  /** keep-per: the version line (`1.5.x`), its place among lines (0 = newest) and the rank within it. */
  line?: string
  lineIndex?: number
  lineRank?: number
  /** delete-tags: the globs that matched every tag (it goes now, unless a protection keeps it). */
  onDemand?: string[]
  action: Action
  /** Undefined until a rule decides. */
  rule?: Rule
  reason: string
  /** See Decision.dueReason. */
  dueReason?: string
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

export interface ImageWork {
  inv: ImageInventory
  items: Item[]
  /** Ranked deletion candidates of this image, first to delete first. */
  candidates: Item[]
  /** Orphan referrers to delete (uncounted by max-deletions, ordered after every subject). */
  orphans: Item[]
  notes: string[]
  /** The image's own policy (its rule's fields over the inputs), and that rule. */
  policy: Policy
  rule?: ImageRule
  /** keep-references that named something here. */
  referencesMatched: string[]
}

/**
 * One image's manifests as the planner sees them, for the planner and for the date reader alike: each
 * one's facts, and which hang from another tagged manifest (a tagged child takes no rank of its own).
 */
export function classify(inv: ImageInventory, basis: AgeBasis): { items: Item[]; graph: ManifestGraph } {
  const graph = new ManifestGraph(inv)
  const items = inv.manifests.map(m => describe(m, basis))
  for (const it of items) it.dependent = !it.refs && graph.taggedAncestors(it.record.digest, true).length > 0
  return { items, graph }
}

export function describe(m: ManifestRecord, basis: AgeBasis): Item {
  const tags = [...m.tags].sort()
  const tagRefs = referrerTagsOf(tags)
  const oci: ReferrerTag[] = m.subject && m.subject !== m.digest ? [{ tag: '', subject: m.subject, noun: 'referrer' }] : []
  const refs = tagRefs || oci.length > 0 ? [...(tagRefs ?? []), ...oci] : undefined
  const version = refs ? undefined : highestVersion(tags)
  const pushed = validDate(m.pushed)
  const created = usableCreated(m.created)
  return {
    record: m,
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

export function validDate(d: Date | null | undefined): Date | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d : undefined
}

export function usableCreated(d: Date | undefined): { date?: Date; why?: string } {
  const date = validDate(d)
  if (!date) return { why: 'no created date' }
  if (date.getTime() < PLACEHOLDER_BEFORE) {
    return { why: `created ${date.toISOString().slice(0, 10)} is a reproducible-build placeholder` }
  }
  return { date }
}

export function ageOf(basis: AgeBasis, pushed: Date | undefined, created: { date?: Date; why?: string }, lastPulled: Date | null | undefined): Age {
  const fromCreated: Age = created.date ? { date: created.date, basis: 'created' } : { basis: 'none', unknown: created.why }
  if (basis === 'created') return fromCreated
  // Plain registries do not know push dates, so `pushed` falls back to `created` (the config layer warns).
  const fromPushed: Age = pushed ? { date: pushed, basis: 'pushed' } : fromCreated
  if (basis === 'pushed') return fromPushed
  const pulled = validDate(lastPulled)
  if (pulled && (!fromPushed.date || pulled > fromPushed.date)) return { date: pulled, basis: 'last-pulled' }
  return fromPushed
}

export function byTagThenDigest(a: Item, b: Item): number {
  return cmpStr(a.tags[0] ?? '', b.tags[0] ?? '') || cmpStr(a.record.digest, b.record.digest)
}

export function decide(it: Item, action: Action, rule: Rule, reason: string): void {
  it.action = action
  it.rule = rule
  it.reason = reason
}

/** How max-components names a manifest across images. */
export function budgetKey(inv: ImageInventory, it: Item): string {
  return `${inv.repository}/${inv.name}@${it.record.digest}`
}

export function label(it: Item): string {
  return it.version?.tag ?? it.tags[0] ?? it.record.digest
}

export function nounOf(referrer: Item, subject: string): string {
  return (referrer.refs?.find(r => r.subject === subject) ?? referrer.refs?.[0])?.noun ?? 'referrer'
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)]
}

export { cmpStr, shortDigest }
