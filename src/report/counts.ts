// Tag and manifest counts by outcome: one counting rule for the engine and every report, so the numbers
// agree wherever they are shown.

import type { Counts, Outcome, OutcomeStatus } from '../model'

export function zeroCounts(): Counts {
  return { kept: 0, deleted: 0, wouldDelete: 0, pending: 0, skipped: 0, failed: 0 }
}

const COUNT_KEY: Record<OutcomeStatus, keyof Counts> = {
  kept: 'kept',
  deleted: 'deleted',
  'would-delete': 'wouldDelete',
  pending: 'pending',
  skipped: 'skipped',
  failed: 'failed'
}

/** A manifest counts once under `manifests` and once per tag under `tags` (an untagged child adds no tag). */
export function summarizeCounts(outcomes: Outcome[]): { tags: Counts; manifests: Counts } {
  const tags = zeroCounts()
  const manifests = zeroCounts()
  for (const o of outcomes) {
    const key = COUNT_KEY[o.status]
    // A manifest that failed half way (Nexus deletes tag by tag) counts its deleted tags as deleted.
    const partly = o.status === 'failed' ? (o.deletedTags?.length ?? 0) : 0
    tags[key] += o.decision.tags.length - partly
    tags.deleted += partly
    manifests[key] += 1
  }
  return { tags, manifests }
}

/** Adds `more` into `into`. */
export function addCounts(into: Counts, more: Counts): void {
  for (const k of Object.keys(into) as (keyof Counts)[]) into[k] += more[k]
}
