// Machine-readable views of a run: action outputs, the JSON report, and the counting rule shared with
// the engine (so the numbers in every report agree).

import type { Counts, Outcome, OutcomeStatus, RunReport } from '../model'
import { redactHost } from './format'

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

function tagRefs(report: RunReport, status: OutcomeStatus): string[] {
  const refs: string[] = []
  for (const img of report.images)
    for (const o of img.outcomes) {
      if (o.status === status) for (const tag of o.decision.tags) refs.push(`${img.image}:${tag}`)
      else if (status === 'deleted' && o.status === 'failed') for (const tag of o.deletedTags ?? []) refs.push(`${img.image}:${tag}`)
    }
  return refs
}

/** Step outputs (all strings, as GitHub requires). Counts are tags; `deleted` lists only real deletions. */
export function actionOutputs(report: RunReport): Record<string, string> {
  const t = report.totals.tags
  const bytes = report.totals.freeableBytes
  return {
    'deleted-count': String(t.deleted),
    'would-delete-count': String(t.wouldDelete),
    'kept-count': String(t.kept),
    'failed-count': String(t.failed),
    'pending-count': String(t.pending),
    'skipped-count': String(t.skipped),
    'manifests-deleted-count': String(report.totals.manifests.deleted),
    deleted: JSON.stringify(tagRefs(report, 'deleted')),
    'would-delete': JSON.stringify(tagRefs(report, 'would-delete')),
    'freeable-bytes': bytes === undefined || !Number.isFinite(bytes) ? '' : String(Math.round(bytes)),
    'reclaimed-bytes': report.reclaim?.reclaimedBytes === undefined ? '' : String(report.reclaim.reclaimedBytes),
    tasks: JSON.stringify(
      (report.reclaim?.tasks ?? []).map(t => ({ name: t.name, type: t.type, target: t.target, result: t.result, durationMs: t.durationMs ?? null }))
    )
  }
}

// Defense in depth: the model never carries credentials, but the JSON file may be uploaded as an artifact.
const SECRET_KEY = /^(password|passwd|authorization|token|secret|cookie)$/i

/**
 * Sorted keys (so two runs' reports diff cleanly) and no credential-looking key. Applied node by node
 * while stringifying, so a large report is never copied whole. Dates arrive as ISO strings (toJSON runs
 * first; an invalid date becomes null), undefined and functions are dropped, non-finite numbers are null.
 */
function normalize(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key)) return undefined
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) out[k] = (value as Record<string, unknown>)[k]
    return out
  }
  return value
}

/** The full report (every outcome, kept included, with its decision), never cut; no trailing newline. */
export function reportJson(report: RunReport): string {
  return JSON.stringify({ ...report, host: redactHost(report.host) }, normalize, 2)
}
