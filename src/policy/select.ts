// Which rule decides an image: the first whose images match (and whose exclude-images do not); its fields
// over the inputs. Pure, so the inventory (which dates to read) and the planner agree.
import { matchesAny } from '../util/glob'
import type { ImageRule, Policy, RuleFields } from '../model'

export interface ImagePolicy {
  policy: Policy
  /** The rule that decided the image; undefined = the inputs alone. */
  rule?: ImageRule
}

export function policyFor(base: Policy, image: string): ImagePolicy {
  const rule = base.rules?.find(r => matchesAny(image, r.images) && !matchesAny(image, r.excludeImages))
  if (!rule) return { policy: base }
  const policy: Policy = { ...base, ...rule.set }
  // keep-other left empty follows keep, the rule's keep included
  if (rule.set.keepOther === undefined && base.keepOtherFollowsKeep) policy.keepOther = policy.keep
  // keep-per none in a rule drops the keep-lines it would inherit (lines need keep-per)
  if (rule.set.keepPer === 'none' && rule.set.keepLines === undefined) delete policy.keepLines
  return { policy, rule }
}

const FIELD_TEXT: { [K in keyof Required<RuleFields>]: (v: Required<RuleFields>[K]) => string } = {
  keep: v => `keep ${v}`,
  keepOther: v => `keep-other ${v}`,
  keepPer: v => `keep-per ${v}`,
  keepLines: v => `keep-lines ${v}`,
  olderThan: v => `older-than ${v.text}`,
  ageBasis: v => `age-basis ${v}`,
  sort: v => `sort ${v}`,
  tags: v => `tags ${v.join(', ')}`,
  keepTags: v => `keep-tags ${v.join(', ')}`,
  deleteTags: v => `delete-tags ${v.join(', ')}`
}

/** `rule 1: images prod/** · keep 20 · keep-per minor`: how the report names and lists a rule. */
export function ruleText(rule: ImageRule): string {
  const parts = [`images ${rule.images.join(', ')}`]
  if (rule.excludeImages.length > 0) parts.push(`exclude-images ${rule.excludeImages.join(', ')}`)
  for (const key of Object.keys(FIELD_TEXT) as (keyof RuleFields)[]) {
    const v = rule.set[key]
    if (v !== undefined) parts.push((FIELD_TEXT[key] as (x: unknown) => string)(v))
  }
  return `rule ${rule.index}: ${parts.join(' · ')}`
}

/** How an image's row names the rule that decided it. */
export function ruleLabel(rule: ImageRule | undefined): string | undefined {
  return rule ? `rule ${rule.index} (${rule.images.join(', ')})` : undefined
}
