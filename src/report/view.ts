// The report's content as plain-text tables and lines, built once so the job summary and the terminal
// say exactly the same thing; each renderer only escapes, pads and decorates.

import type { Counts, ImageSummary, Outcome, OutcomeStatus, RunReport, RunSummary } from '../model'
import { DEFAULT_MAX_ROWS, boundReport, isBoundedReport, type Entry, type BoundedReport, type Rows } from './collect'
import { formatBytes, formatDuration, plural, redactHost, shortDigest, ymd } from './format'

export interface Column {
  header: string
  /** May be truncated to fit a terminal width (free text such as tags and reasons). */
  flex?: boolean
  /** Holds the outcome status (colored in the terminal). */
  status?: boolean
}

export interface Table {
  columns: Column[]
  rows: string[][]
  /** Status of each row, for coloring (plan table only). */
  statuses?: OutcomeStatus[]
  /** Rows cut by maxRows; rendered as one closing line pointing at the JSON report. */
  more: number
}

export interface View {
  title: string
  mode: 'DRY RUN' | 'DELETE'
  /** One-line explanation of the mode. */
  modeNote: string
  headline: string[]
  policy: string
  images: Table
  plan: Table
  /** Every kept manifest with the rule that kept it. */
  kept: Table
  /** The Nexus cleanup tasks and the blob stores measured around them, when that step ran. */
  tasks?: Table
  blobStores?: Table
  notes: string[]
  /** About the step's outputs (cut at GitHub's size limit): the job summary's, not the terminal's. */
  outputNotes: string[]
  failures: string[]
  /** `15 (GET tags/list 12, DELETE manifest 3)`, or undefined when no request was counted. */
  requests?: string
}

export function moreText(n: number): string {
  return `… and ${n} more (full list in the JSON report)`
}

export const STATUS_LABEL: Record<OutcomeStatus, string> = {
  kept: 'kept',
  deleted: 'deleted',
  'would-delete': 'would delete',
  pending: 'pending',
  skipped: 'skipped',
  failed: 'failed'
}

function normalizeMaxRows(maxRows: number | undefined): number {
  if (maxRows === undefined || Number.isNaN(maxRows)) return DEFAULT_MAX_ROWS
  return Math.max(1, Math.floor(maxRows))
}

function cut(table: Omit<Table, 'more'>, maxRows: number): Table {
  const more = Math.max(0, table.rows.length - maxRows)
  if (more === 0) return { ...table, more }
  return {
    columns: table.columns,
    rows: table.rows.slice(0, maxRows),
    statuses: table.statuses?.slice(0, maxRows),
    more
  }
}

function countPhrase(tags: number, manifests: number): string {
  // Tags are what users see; manifests are what the registry stores. Zero needs no second number.
  return tags === 0 && manifests === 0 ? '0 tags' : `${plural(tags, 'tag')} (${plural(manifests, 'manifest')})`
}

function list(values: string[] | undefined): string {
  return values && values.length > 0 ? values.join(', ') : '—'
}

function headline(report: RunSummary): string[] {
  const t = report.totals.tags
  const m = report.totals.manifests
  const repos = report.repositories.length > 0 ? report.repositories.join(', ') : '—'
  const lines = [`api ${report.api} · host ${redactHost(report.host)} · repositories ${repos}`]
  const counts = [
    `${plural(report.totals.images, 'image')} scanned`,
    report.dryRun ? `would delete ${countPhrase(t.wouldDelete, m.wouldDelete)}` : `deleted ${countPhrase(t.deleted, m.deleted)}`
  ]
  // A dry run cannot delete, and a real run cannot "would delete"; show the other only if it happened.
  if (report.dryRun && (t.deleted > 0 || m.deleted > 0)) counts.push(`deleted ${countPhrase(t.deleted, m.deleted)}`)
  if (!report.dryRun && (t.wouldDelete > 0 || m.wouldDelete > 0)) counts.push(`would delete ${countPhrase(t.wouldDelete, m.wouldDelete)}`)
  counts.push(
    `kept ${countPhrase(t.kept, m.kept)}`,
    `pending ${countPhrase(t.pending, m.pending)}`,
    `skipped ${countPhrase(t.skipped, m.skipped)}`,
    `failed ${countPhrase(t.failed, m.failed)}`
  )
  lines.push(counts.join(' · '))
  const bytes = report.totals.freeableBytes
  const reclaimed = report.reclaim?.reclaimedBytes
  const when =
    report.api === 'nexus'
      ? "space returns once Nexus's Docker GC and compact tasks run (run-cleanup-tasks)"
      : "space returns after the registry's garbage collection"
  const size =
    reclaimed !== undefined
      ? `${formatBytes(reclaimed)} reclaimed, measured on the blob store${bytes === undefined ? '' : ` (estimate was up to ${formatBytes(bytes)})`}`
      : bytes === undefined
        ? 'freeable size unknown'
        : `up to ${formatBytes(bytes)} freeable (upper bound; ${when})`
  lines.push(`${size} · duration ${formatDuration(report.durationMs)}`)
  if (m.pending > 0) {
    const cap = report.policy.maxDeletions !== undefined ? ` (${report.policy.maxDeletions})` : ''
    lines.push(`pending: max-deletions${cap} reached; a later run deletes the rest`)
  }
  return lines
}

function policyLine(report: RunSummary): string {
  const p = report.policy
  const parts = [
    `keep ${p.keep}`,
    `keep-other ${p.keepOther}`,
    `older-than ${p.olderThan ?? '—'}`,
    `age-basis ${p.ageBasis}`,
    `sort ${p.sort}`,
    `keep-tags ${list(p.keepTags)}`,
    `tags ${list(p.tags)}`,
    `images ${list(p.images)}`
  ]
  if (p.excludeImages.length > 0) parts.push(`exclude-images ${list(p.excludeImages)}`)
  if (p.maxDeletions !== undefined) parts.push(`max-deletions ${p.maxDeletions}`)
  return parts.join(' · ')
}

function imagesTable(report: RunSummary): Omit<Table, 'more'> {
  const columns: Column[] = [
    { header: 'Image', flex: true },
    { header: 'Tags kept' },
    { header: report.dryRun ? 'Would delete' : 'Tags deleted' },
    { header: 'Pending' },
    { header: 'Skipped' },
    { header: 'Failed' },
    { header: 'Freeable (up to)' },
    { header: 'Note', flex: true }
  ]
  const rows = report.images.map(img => {
    const removed: keyof Counts = report.dryRun ? 'wouldDelete' : 'deleted'
    const note = img.error !== undefined ? `error: ${img.error}` : img.notes.join('; ')
    return [
      `${img.repository}/${img.image}`,
      String(img.tags.kept),
      String(img.tags[removed]),
      String(img.tags.pending),
      String(img.tags.skipped),
      String(img.tags.failed),
      img.freeableBytes === undefined ? '—' : formatBytes(img.freeableBytes),
      note || '—'
    ]
  })
  return { columns, rows }
}

function dateCell(o: Outcome): string {
  const day = ymd(o.decision.ageDate) ?? '—'
  const basis = o.decision.ageBasis
  return basis && basis !== 'none' ? `${day} (${basis})` : day
}

/** Image names alone are ambiguous once a run spans several repositories. */
function imageLabel(report: RunSummary): (e: Entry) => string {
  const multiRepo = new Set(report.images.map((i: ImageSummary) => i.repository)).size > 1
  return e => (multiRepo ? `${e.repository}/${e.image}` : e.image)
}

/** Columns and cells shared by the plan and kept tables; the plan adds Status and the outcome detail. */
function decisionTable(rows: Rows, label: (e: Entry) => string, withStatus: boolean, maxRows: number): Table {
  const columns: Column[] = [
    { header: 'Image', flex: true },
    { header: 'Tags', flex: true },
    { header: 'Digest' },
    { header: 'Date' },
    { header: 'Version' },
    ...(withStatus ? [{ header: 'Status', status: true }] : []),
    { header: 'Reason', flex: true }
  ]
  const shown = rows.entries.slice(0, maxRows)
  const cells = shown.map(e => [
    label(e),
    e.outcome.decision.tags.length > 0 ? e.outcome.decision.tags.join(', ') : '(untagged)',
    shortDigest(e.outcome.decision.digest),
    dateCell(e.outcome),
    e.outcome.decision.version ?? '—',
    ...(withStatus ? [STATUS_LABEL[e.outcome.status]] : []),
    e.outcome.detail ? `${e.outcome.decision.reason} — ${e.outcome.detail}` : e.outcome.decision.reason
  ])
  return {
    columns,
    rows: cells,
    ...(withStatus ? { statuses: shown.map(e => e.outcome.status) } : {}),
    more: Math.max(0, rows.total - shown.length)
  }
}

function tasksTable(report: RunSummary): Omit<Table, 'more'> | undefined {
  const r = report.reclaim
  if (!r || r.tasks.length === 0) return undefined
  const columns: Column[] = [
    { header: 'Task', flex: true },
    { header: 'Type' },
    { header: 'For' },
    { header: 'Result' },
    { header: 'Duration' },
    { header: 'Message', flex: true }
  ]
  const rows = r.tasks.map(t => [t.name, t.type, t.target, t.result, t.durationMs === undefined ? '—' : formatDuration(t.durationMs), t.message ?? '—'])
  return { columns, rows }
}

function blobStoresTable(report: RunSummary): Omit<Table, 'more'> | undefined {
  const r = report.reclaim
  if (!r || r.blobStores.length === 0) return undefined
  const b = (n: number | undefined) => (n === undefined ? '—' : formatBytes(n))
  const columns: Column[] = [
    { header: 'Blob store' },
    { header: 'Type' },
    { header: 'Before' },
    { header: 'After' },
    { header: 'Freed' },
    { header: 'Measured' }
  ]
  const rows = r.blobStores.map(s => [s.name, s.type, b(s.beforeBytes), b(s.afterBytes), b(s.freedBytes), s.measuredAt ?? '—'])
  return { columns, rows }
}

function requestsLine(report: RunSummary): string | undefined {
  const kinds = Object.entries(report.requests ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (kinds.length === 0) return undefined
  const total = kinds.reduce((sum, [, n]) => sum + n, 0)
  return `${total} (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})`
}

function optionalCut(table: Omit<Table, 'more'> | undefined, limit: number): Table | undefined {
  return table ? cut(table, limit) : undefined
}

/** The view of a run: from the digest a streaming run collected, or from a whole report. */
export function buildView(run: RunReport | BoundedReport, maxRows?: number): View {
  const limit = normalizeMaxRows(maxRows)
  const d = isBoundedReport(run) ? run : boundReport(run, limit)
  const report = d.summary
  const label = imageLabel(report)
  const notes = [...report.notes, ...(report.reclaim?.notes ?? [])]
  const outputNotes: string[] = []
  for (const [name, list] of [
    ['deleted', d.deleted],
    ['would-delete', d.wouldDelete]
  ] as const) {
    if (list.refs.length < list.total) {
      outputNotes.push(`the ${name} output lists the first ${list.refs.length} of ${list.total} tags (GitHub limits outputs to 1 MB); report-file has them all`)
    }
  }
  return {
    title: `${report.tool.name} ${report.tool.version}`,
    mode: report.dryRun ? 'DRY RUN' : 'DELETE',
    modeNote: report.dryRun ? 'nothing was deleted' : 'dry-run is off',
    headline: headline(report),
    policy: policyLine(report),
    images: cut(imagesTable(report), limit),
    plan: decisionTable(d.plan, label, true, limit),
    kept: decisionTable(d.kept, label, false, limit),
    tasks: optionalCut(tasksTable(report), limit),
    blobStores: optionalCut(blobStoresTable(report), limit),
    notes,
    outputNotes,
    failures: report.failures,
    requests: requestsLine(report)
  }
}
