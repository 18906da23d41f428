// The report's content as plain-text tables and lines, built once so the job summary and the terminal
// say exactly the same thing; each renderer only escapes, pads and decorates.

import type { Counts, ImageReport, Outcome, OutcomeStatus, RunReport } from '../model'
import { formatBytes, formatDuration, plural, redactHost, shortDigest, ymd } from './format'

export const DEFAULT_MAX_ROWS = 200

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

// Failed rows come first so a cut table never hides them; then deletions, then what is left for later.
const PLAN_RANK: Record<OutcomeStatus, number> = {
  failed: 0,
  deleted: 1,
  'would-delete': 1,
  pending: 2,
  skipped: 3,
  kept: 4
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

function headline(report: RunReport): string[] {
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
  if (!report.dryRun && (t.wouldDelete > 0 || m.wouldDelete > 0))
    counts.push(`would delete ${countPhrase(t.wouldDelete, m.wouldDelete)}`)
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

function policyLine(report: RunReport): string {
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

function imagesTable(report: RunReport): Omit<Table, 'more'> {
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
function imageLabel(report: RunReport): (img: ImageReport) => string {
  const multiRepo = new Set(report.images.map(i => i.repository)).size > 1
  return img => (multiRepo ? `${img.repository}/${img.image}` : img.image)
}

/** Columns and cells shared by the plan and kept tables; the plan adds Status and the outcome detail. */
function decisionTable(entries: { o: Outcome; image: string }[], withStatus: boolean): Omit<Table, 'more'> {
  const columns: Column[] = [
    { header: 'Image', flex: true },
    { header: 'Tags', flex: true },
    { header: 'Digest' },
    { header: 'Date' },
    { header: 'Version' },
    ...(withStatus ? [{ header: 'Status', status: true }] : []),
    { header: 'Reason', flex: true }
  ]
  const rows = entries.map(({ o, image }) => [
    image,
    o.decision.tags.length > 0 ? o.decision.tags.join(', ') : '(untagged)',
    shortDigest(o.decision.digest),
    dateCell(o),
    o.decision.version ?? '—',
    ...(withStatus ? [STATUS_LABEL[o.status]] : []),
    o.detail ? `${o.decision.reason} — ${o.detail}` : o.decision.reason
  ])
  return { columns, rows, ...(withStatus ? { statuses: entries.map(e => e.o.status) } : {}) }
}

function planTable(report: RunReport): Omit<Table, 'more'> {
  const label = imageLabel(report)
  const entries: { o: Outcome; image: string; key: number[] }[] = []
  report.images.forEach((img, imageIndex) => {
    img.outcomes.forEach((o, index) => {
      if (o.status === 'kept') return
      entries.push({
        o,
        image: label(img),
        key: [PLAN_RANK[o.status], imageIndex, o.decision.deleteOrder ?? Number.MAX_SAFE_INTEGER, index]
      })
    })
  })
  entries.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i]
    return 0
  })
  return decisionTable(entries, true)
}

function keptTable(report: RunReport): Omit<Table, 'more'> {
  const label = imageLabel(report)
  return decisionTable(
    report.images.flatMap(img => img.outcomes.filter(o => o.status === 'kept').map(o => ({ o, image: label(img) }))),
    false
  )
}

function tasksTable(report: RunReport): Omit<Table, 'more'> | undefined {
  const r = report.reclaim
  if (!r || r.tasks.length === 0) return undefined
  const columns: Column[] = [{ header: 'Task', flex: true }, { header: 'Type' }, { header: 'For' }, { header: 'Result' }, { header: 'Duration' }, { header: 'Message', flex: true }]
  const rows = r.tasks.map(t => [t.name, t.type, t.target, t.result, t.durationMs === undefined ? '—' : formatDuration(t.durationMs), t.message ?? '—'])
  return { columns, rows }
}

function blobStoresTable(report: RunReport): Omit<Table, 'more'> | undefined {
  const r = report.reclaim
  if (!r || r.blobStores.length === 0) return undefined
  const b = (n: number | undefined) => (n === undefined ? '—' : formatBytes(n))
  const columns: Column[] = [{ header: 'Blob store' }, { header: 'Type' }, { header: 'Before' }, { header: 'After' }, { header: 'Freed' }, { header: 'Measured' }]
  const rows = r.blobStores.map(s => [s.name, s.type, b(s.beforeBytes), b(s.afterBytes), b(s.freedBytes), s.measuredAt ?? '—'])
  return { columns, rows }
}

function requestsLine(report: RunReport): string | undefined {
  const kinds = Object.entries(report.requests ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (kinds.length === 0) return undefined
  const total = kinds.reduce((sum, [, n]) => sum + n, 0)
  return `${total} (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})`
}

function optionalCut(table: Omit<Table, 'more'> | undefined, limit: number): Table | undefined {
  return table ? cut(table, limit) : undefined
}

export function buildView(report: RunReport, maxRows?: number): View {
  const limit = normalizeMaxRows(maxRows)
  return {
    title: `${report.tool.name} ${report.tool.version}`,
    mode: report.dryRun ? 'DRY RUN' : 'DELETE',
    modeNote: report.dryRun ? 'nothing was deleted' : 'dry-run is off',
    headline: headline(report),
    policy: policyLine(report),
    images: cut(imagesTable(report), limit),
    plan: cut(planTable(report), limit),
    kept: cut(keptTable(report), limit),
    tasks: optionalCut(tasksTable(report), limit),
    blobStores: optionalCut(blobStoresTable(report), limit),
    notes: [...report.notes, ...(report.reclaim?.notes ?? [])],
    failures: report.failures,
    requests: requestsLine(report)
  }
}
