// Job summary rendering. Every piece of text goes through escapeHtml: core.summary inserts strings
// verbatim, and image/tag names and server messages are user data.

import type { Counts, RunReport } from '../model'
import { escapeHtml, plural } from './format'
import { isBoundedReport, type BoundedReport } from './collect'
import { buildView, moreText, type Table, type ViewOptions } from './view'

export interface SummaryTableCell {
  data: string
  header?: boolean
  colspan?: string
}
export type SummaryTableRow = (SummaryTableCell | string)[]

/** The subset of `@actions/core`'s `core.summary` used here; tests pass a recording fake. */
export interface SummaryWriter {
  addHeading(text: string, level?: number | string): unknown
  addRaw(text: string, addEOL?: boolean): unknown
  addTable(rows: SummaryTableRow[]): unknown
  addDetails(label: string, content: string): unknown
  addList(items: string[], ordered?: boolean): unknown
  addEOL(): unknown
}

/** A table longer than this is folded into <details>, its counts in the fold's title. */
export const FOLD_ROWS = 20

function tableRows(table: Table, fullList: string): SummaryTableRow[] {
  const rows: SummaryTableRow[] = [table.columns.map(c => ({ data: escapeHtml(c.header), header: true }))]
  for (const row of table.rows) rows.push(row.map(cell => escapeHtml(cell)))
  if (table.more > 0) rows.push([{ data: escapeHtml(moreText(table.more, fullList)), colspan: String(table.columns.length) }])
  return rows
}

/** An HTML table for places core.summary's addTable cannot reach (inside <details>). */
function htmlTable(table: Table, fullList: string): string {
  const head = `<tr>${table.columns.map(c => `<th>${escapeHtml(c.header)}</th>`).join('')}</tr>`
  const body = table.rows.map(r => `<tr>${r.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')
  const more = table.more > 0 ? `<tr><td colspan="${table.columns.length}">${escapeHtml(moreText(table.more, fullList))}</td></tr>` : ''
  return `<table>${head}${body}${more}</table>`
}

/** A table in the open when it fits a screen, else folded under `title`. */
function addTable(s: SummaryWriter, table: Table, title: string, fullList: string): void {
  if (table.rows.length + (table.more > 0 ? 1 : 0) > FOLD_ROWS) s.addDetails(escapeHtml(title), htmlTable(table, fullList))
  else s.addTable(tableRows(table, fullList))
}

function planTitle(counts: Counts, dryRun: boolean): string {
  const parts = (
    [
      [dryRun ? counts.wouldDelete : counts.deleted, dryRun ? 'would delete' : 'deleted'],
      [counts.failed, 'failed'],
      [counts.pending, 'pending'],
      [counts.skipped, 'skipped']
    ] as const
  ).filter(([n]) => n > 0)
  const total = parts.reduce((n, [c]) => n + c, 0)
  return `Plan: ${plural(total, 'manifest')} (${parts.map(([n, w]) => `${w} ${n}`).join(', ')})`
}

/** Writes the run report into `s` (typically `core.summary`); the caller decides when to `write()`. */
export function renderSummary(report: RunReport | BoundedReport, s: SummaryWriter, opts: ViewOptions = {}): void {
  const v = buildView(report, opts)
  const summary = isBoundedReport(report) ? report.summary : report
  s.addHeading(escapeHtml(v.answer), 2)
  s.addRaw(`<p><sub><strong>${escapeHtml(v.context)}</strong></sub><br><sub>Policy: ${escapeHtml(v.policy)}</sub></p>`, true)

  if (v.rules.length > 0) s.addRaw(`<p><sub>Rules (an image takes the first that matches):<br>${v.rules.map(escapeHtml).join('<br>')}</sub></p>`, true)
  if (v.usage.length > 0) s.addRaw(`<p>${v.usage.map(escapeHtml).join('<br>')}</p>`, true)

  s.addHeading('Images', 3)
  if (v.images.rows.length === 0) s.addRaw('<p>No image matched.</p>', true)
  else {
    const touched = summary.images.filter(i => (summary.dryRun ? i.manifests.wouldDelete : i.manifests.deleted) > 0).length
    addTable(s, v.images, `Images: ${summary.images.length} (${touched} with deletions)`, v.fullList)
  }

  s.addHeading('Plan', 3)
  if (v.plan.rows.length === 0) s.addRaw('<p>Nothing to delete: every tag is kept.</p>', true)
  else addTable(s, v.plan, planTitle(summary.totals.manifests, summary.dryRun), v.fullList)

  if (v.tasks) {
    s.addHeading('Reclaim space (Nexus cleanup tasks)', 3)
    addTable(s, v.tasks, `Tasks: ${v.tasks.rows.length + v.tasks.more}`, v.fullList)
    if (v.blobStores) addTable(s, v.blobStores, `Blob stores: ${v.blobStores.rows.length + v.blobStores.more}`, v.fullList)
  }

  if (v.kept.rows.length > 0) {
    s.addDetails(escapeHtml(`Kept: ${v.kept.rows.length + v.kept.more} manifests and why`), htmlTable(v.kept, v.fullList))
  }

  if (v.failures.length > 0) {
    s.addHeading('Failures', 3)
    s.addList(v.failures.map(escapeHtml))
  }
  const notes = [...v.notes, ...v.outputNotes]
  if (notes.length > 0) {
    s.addHeading('Notes', 3)
    s.addList(notes.map(escapeHtml))
  }
  if (v.requests !== undefined) s.addDetails('HTTP requests', `<p>${escapeHtml(v.requests)}</p>`)
  s.addEOL()
}
