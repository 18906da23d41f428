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
  /** The first line: what was (or would be) deleted in how many images, what was kept, what space came back. */
  answer: string
  /** Smaller, after it: the mode, the tool, where, how long. */
  context: string
  policy: string
  /** Community Edition's counters around the run, when read or when they could not be; the budget. */
  usage: string[]
  /** The rules, one line each (`rule 1: images prod/** · keep 20`), in order. */
  rules: string[]
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
  /** Says where the rows a table leaves out are: `full list in …`, or how to get such a list. */
  fullList: string
}

export interface ViewOptions {
  maxRows?: number
  /** Where the full list is (the JSON report a door wrote), or how to get one; see View.fullList. */
  fullList?: string
}

/** What a cut table says when the door wrote no JSON report. */
export const NO_FULL_LIST = 'set report-file for the full list'

export function moreText(n: number, fullList: string): string {
  return `… and ${n} more (${fullList})`
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

/** ✅ all went as planned, ⚠️ it finished with something failed or skipped, ❌ it stopped early. */
export function statusMark(report: RunSummary): string {
  if (report.stopped) return '❌'
  const t = report.totals.tags
  return report.failures.length > 0 || t.failed > 0 || t.skipped > 0 ? '⚠️' : '✅'
}

function answer(report: RunSummary): string {
  const stopped = report.stopped ? `Stopped (${report.stopped.reason}) · ` : ''
  return `${statusMark(report)} ${stopped}${outcome(report)}`
}

function outcome(report: RunSummary): string {
  if (report.reclaimOnly && !report.merged)
    return ['Reclaim only (no inventory, nothing deleted by this job)', spaceText(report)].filter(p => p !== '').join(' · ')
  const t = report.totals.tags
  const m = report.totals.manifests
  const removedTags = report.dryRun ? t.wouldDelete : t.deleted
  const removedManifests = report.dryRun ? m.wouldDelete : m.deleted
  const touched = report.images.filter(i => (report.dryRun ? i.manifests.wouldDelete : i.manifests.deleted) > 0).length
  const parts = [
    removedTags === 0 && removedManifests === 0
      ? report.dryRun
        ? 'Nothing to delete'
        : 'Deleted nothing'
      : `${report.dryRun ? 'Would delete' : 'Deleted'} ${countPhrase(removedTags, removedManifests)} in ${plural(touched, 'image')}`,
    `kept ${countPhrase(t.kept, m.kept)}`,
    spaceText(report)
  ]
  // What did not go as planned is part of the answer; zero needs no mention.
  for (const [n, what] of [
    [t.failed, 'failed'],
    [t.pending, 'pending (max-deletions)'],
    [t.skipped, 'skipped (changed since planned)']
  ] as const) {
    if (n > 0) parts.push(`${plural(n, 'tag')} ${what}`)
  }
  // A dry run cannot delete, and a real run cannot "would delete"; show the other only if it happened.
  if (report.dryRun && (t.deleted > 0 || m.deleted > 0)) parts.push(`deleted ${countPhrase(t.deleted, m.deleted)}`)
  if (!report.dryRun && (t.wouldDelete > 0 || m.wouldDelete > 0)) parts.push(`would delete ${countPhrase(t.wouldDelete, m.wouldDelete)}`)
  return parts.filter(p => p !== '').join(' · ')
}

/** How the space estimate is made, said wherever a figure is shown for it. */
const ESTIMATE_NOTE =
  'space estimate: the sizes of the blobs (layers, configs, child manifests) of the manifests that go which no kept manifest of the same repository uses, read from those manifests by digest (Nexus: with the other assets of their components); a blob another repository shares, or that Docker GC keeps, is not known here'

function spaceText(report: RunSummary): string {
  const bytes = report.totals.freeableBytes
  const reclaimed = report.reclaim?.reclaimedBytes
  if (reclaimed !== undefined) {
    return `${formatBytes(reclaimed)} came back (measured on the blob store${bytes === undefined ? '' : `; estimate was up to ${formatBytes(bytes)}`})`
  }
  if (bytes === undefined) return 'space to come back unknown'
  // nothing to come back is no figure to show ("up to 0 B" reads like a measurement)
  if (bytes === 0) return ''
  if (report.dryRun) return `up to ${formatBytes(bytes)} would come back (estimate)`
  const when = report.api === 'nexus' ? "once Nexus's Docker GC and compact tasks run (run-cleanup-tasks)" : "after the registry's garbage collection"
  return `up to ${formatBytes(bytes)} to come back ${when} (estimate)`
}

function contextLine(report: RunSummary): string {
  const repos = report.repositories.length > 0 ? report.repositories.join(', ') : '—'
  return [
    report.dryRun ? 'DRY RUN: nothing was deleted' : 'DELETE',
    `${report.tool.name} ${report.tool.version}`,
    `api ${report.api}`,
    `host ${redactHost(report.host)}`,
    `repositories ${repos}`,
    `${plural(report.totals.images, 'image')} scanned`,
    ...(report.shard ? [`shard ${report.shard.index}/${report.shard.count}: ${report.shard.images} of ${report.shard.of} selected images`] : []),
    ...(report.merged ? [`merged from ${plural(report.merged.reports, 'report')}`] : []),
    `duration ${formatDuration(report.durationMs)}`,
    ...concurrencyText(report)
  ].join(' · ')
}

function concurrencyText(report: RunSummary): string[] {
  const c = report.concurrency
  if (!c) return []
  if (!c.adaptive) return [`concurrency ${c.settled}`]
  const backoffs = c.backoffs > 0 ? `, backed off ${plural(c.backoffs, 'time')}` : ''
  return [`concurrency auto: settled at ${c.settled} (peak ${c.peak} of ${c.ceiling}${backoffs})`]
}

const count = (n: number): string => n.toLocaleString('en-US')

function budgetLines(report: RunSummary): string[] {
  const b = report.budget
  if (!b) return []
  const over = b.before - b.planned - b.max
  if (over <= 0)
    return [
      `max-components ${count(b.max)}: ${count(b.before)} components before, ${count(b.before - b.planned)} after the policy: within the budget, it took nothing.`
    ]
  const took = `${plural(b.tookManifests, 'manifest')} (${plural(b.tookTags, 'tag')}) beyond keep but younger than older-than`
  return [
    `max-components ${count(b.max)}: ${count(b.before)} components before; the rest of the policy leaves ${count(b.before - b.planned)}, ${count(over)} over; the budget took ${took}; ${count(b.after)} after.` +
      (b.met ? '' : ` The budget cannot be met within the keeps: still ${count(b.after - b.max)} over (keep, protections and the graph hold).`)
  ]
}

function usageLines(report: RunSummary): string[] {
  const u = report.usage
  if (!u) return budgetLines(report)
  if (u.unavailable) return [`Community Edition counters: not read: ${u.unavailable}.`, ...budgetLines(report)]
  const lines: string[] = []
  const limit = `Community Edition's limit of ${count(u.componentLimit)}`
  if (u.componentsBefore !== undefined) {
    const share = (n: number) => {
      const pct = (n / u.componentLimit) * 100
      return pct > 0 && pct < 1 ? 'under 1%' : `${Math.round(pct)}%`
    }
    const gone = report.dryRun ? report.totals.tags.wouldDelete : report.totals.tags.deleted
    if (u.componentsAfter !== undefined) {
      lines.push(
        `Components: ${count(u.componentsBefore)} before, ${count(u.componentsAfter)} after (${share(u.componentsAfter)} of ${limit}; each Docker tag is one).`
      )
    } else if (report.dryRun) {
      lines.push(
        `Components: ${count(u.componentsBefore)} (${share(u.componentsBefore)} of ${limit}; each Docker tag is one); the real run would remove ${count(gone)}.`
      )
    } else {
      lines.push(
        `Components: ${count(u.componentsBefore)} before (${share(u.componentsBefore)} of ${limit}; each Docker tag is one); this run deleted ${count(gone)}.`
      )
    }
  }
  const seen = u.requests24hBefore !== undefined ? `; Nexus had counted ${count(u.requests24hBefore)} in the 24 hours before the run` : ''
  lines.push(
    `Requests: this run sent ${count(u.runRequests)} to the Docker API (/repository/…), which Community Edition counts against its daily limit${seen}.`
  )
  return [...lines, ...budgetLines(report)]
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
  // Shown when set (older reports lack these fields)
  if (p.keepPer && p.keepPer !== 'none') parts.push(`keep-per ${p.keepPer}`)
  if (p.keepLines !== undefined) parts.push(`keep-lines ${p.keepLines}`)
  if (p.deleteTags && p.deleteTags.length > 0) parts.push(`delete-tags ${list(p.deleteTags)}`)
  if (p.references && p.references.length > 0) parts.push(`keep-references ${p.references.length}`)
  if (p.maxDeletions !== undefined) parts.push(`max-deletions ${p.maxDeletions}`)
  if (p.maxComponents !== undefined) parts.push(`max-components ${p.maxComponents}`)
  return parts.join(' · ')
}

function imagesTable(report: RunSummary): Omit<Table, 'more'> {
  const columns: Column[] = [
    { header: 'Image', flex: true },
    { header: 'Rule' },
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
      img.rule ?? '—',
      String(img.tags.kept),
      String(img.tags[removed]),
      String(img.tags.pending),
      String(img.tags.skipped),
      String(img.tags.failed),
      // "0 B" next to a failure would read as measured; nothing is known to come back there
      img.freeableBytes === undefined || (img.freeableBytes === 0 && (img.tags.failed > 0 || img.error !== undefined)) ? '—' : formatBytes(img.freeableBytes),
      note || '—'
    ]
  })
  return withoutEmptyColumns({ columns, rows }, 1)
}

/** Leaves out the columns (after the first `keep`) that are zero or unknown on every row. */
function withoutEmptyColumns(table: Omit<Table, 'more'>, keep: number): Omit<Table, 'more'> {
  const shown = table.columns.map((_, i) => i < keep || table.rows.some(r => r[i] !== '0' && r[i] !== '—'))
  return {
    columns: table.columns.filter((_, i) => shown[i]),
    rows: table.rows.map(r => r.filter((_, i) => shown[i]))
  }
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

/** The decision's reason, then what happened when it differs (a held-back row keeps the reason it is due for). */
function reasonCell(o: Outcome): string {
  const reason = o.decision.dueReason ?? o.decision.reason
  return o.detail && o.detail !== reason ? `${reason} — ${o.detail}` : reason
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
    reasonCell(e.outcome)
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
export function buildView(run: RunReport | BoundedReport, opts: ViewOptions = {}): View {
  const limit = normalizeMaxRows(opts.maxRows)
  const d = isBoundedReport(run) ? run : boundReport(run, limit)
  const report = d.summary
  const label = imageLabel(report)
  const notes = [...report.notes, ...(report.reclaim?.notes ?? [])]
  if (report.totals.manifests.pending > 0) {
    const cap = report.policy.maxDeletions !== undefined ? ` (${report.policy.maxDeletions})` : ''
    notes.push(`pending: max-deletions${cap} reached; a later run deletes the rest`)
  }
  if ((report.totals.freeableBytes ?? 0) > 0 && report.reclaim?.reclaimedBytes === undefined) notes.push(ESTIMATE_NOTE)
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
    answer: answer(report),
    context: contextLine(report),
    policy: policyLine(report),
    usage: usageLines(report),
    rules: report.policy.rules ?? [],
    images: cut(imagesTable(report), limit),
    plan: decisionTable(d.plan, label, true, limit),
    kept: decisionTable(d.kept, label, false, limit),
    tasks: optionalCut(tasksTable(report), limit),
    blobStores: optionalCut(blobStoresTable(report), limit),
    notes,
    outputNotes,
    failures: report.failures,
    requests: requestsLine(report),
    fullList: opts.fullList ?? NO_FULL_LIST
  }
}
