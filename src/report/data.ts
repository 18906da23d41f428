// Machine-readable views of a run: action outputs and the JSON report.

import type { ImageReport, RunReport, RunSummary } from '../model'
import { boundReport, isBoundedReport, type BoundedReport } from './collect'
import { redactHost } from './format'

/**
 * Step outputs (all strings, as GitHub requires). Counts are tags; `deleted` lists only real deletions,
 * cut at LIST_OUTPUT_MAX_CHARS (the view then says so).
 */
export function actionOutputs(run: RunReport | BoundedReport): Record<string, string> {
  const d = isBoundedReport(run) ? run : boundReport(run)
  const report = d.summary
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
    stopped: report.stopped?.reason ?? '',
    deleted: JSON.stringify(d.deleted.refs),
    'would-delete': JSON.stringify(d.wouldDelete.refs),
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
export function normalize(key: string, value: unknown): unknown {
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
  const { head, tail } = reportJsonFrame(report)
  return report.images.length === 0 ? `${head}[]${tail}` : `${head}[\n${report.images.map(imageJson).join(',\n')}\n  ]${tail}`
}

/**
 * `value` as JSON, split where its array `key` goes, so the array can be written piece by piece between
 * the two halves; `indentBy` indents the whole text first (as it sits nested in a larger document).
 */
function frameAround(value: object, key: string, indentBy = ''): { head: string; tail: string } {
  const mark = JSON.stringify(`\u0000${key}\u0000`)
  const text = indent(JSON.stringify({ ...value, [key]: JSON.parse(mark) as string }, normalize, 2), indentBy)
  const at = text.indexOf(mark)
  return { head: text.slice(0, at), tail: text.slice(at + mark.length) }
}

function indent(text: string, by: string): string {
  return by ? text.replace(/^/gm, by) : text
}

/**
 * The report's JSON around its `images` array, so a streaming run can write the images one at a time
 * between the two: head + '[' + images joined by ',\n' + '\n  ]' + tail is exactly reportJson's text.
 */
export function reportJsonFrame(report: RunReport | RunSummary): { head: string; tail: string } {
  return frameAround({ ...report, host: redactHost(report.host) }, 'images')
}

/** One element of the report's `images` array, indented as it sits inside the report. */
export function imageJson(image: ImageReport): string {
  return [...imageJsonParts(image)].join('')
}

/**
 * imageJson's text in pieces of one outcome each, so a streaming run never builds one image's text whole:
 * a large string goes straight to V8's old generation and stays there until a full GC (measured: +50 MB
 * peak RSS at 100k tags).
 */
export function* imageJsonParts(image: ImageReport): Generator<string> {
  const { head, tail } = frameAround(image, 'outcomes', '    ')
  yield head
  if (image.outcomes.length === 0) yield '[]'
  else {
    yield '['
    for (let i = 0; i < image.outcomes.length; i++) {
      yield (i === 0 ? '\n' : ',\n') + indent(JSON.stringify(image.outcomes[i], normalize, 2), '        ')
    }
    yield '\n      ]'
  }
  yield tail
}
