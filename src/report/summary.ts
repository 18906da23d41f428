// Job summary rendering. Every piece of text goes through escapeHtml: core.summary inserts strings
// verbatim, and image/tag names and server messages are user data.

import type { RunReport } from '../model'
import { escapeHtml } from './format'
import type { BoundedReport } from './collect'
import { buildView, moreText, type Table } from './view'

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

function tableRows(table: Table): SummaryTableRow[] {
  const rows: SummaryTableRow[] = [table.columns.map(c => ({ data: escapeHtml(c.header), header: true }))]
  for (const row of table.rows) rows.push(row.map(cell => escapeHtml(cell)))
  if (table.more > 0) rows.push([{ data: escapeHtml(moreText(table.more)), colspan: String(table.columns.length) }])
  return rows
}

/** An HTML table for places core.summary's addTable cannot reach (inside <details>). */
function htmlTable(table: Table): string {
  const head = `<tr>${table.columns.map(c => `<th>${escapeHtml(c.header)}</th>`).join('')}</tr>`
  const body = table.rows.map(r => `<tr>${r.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')
  const more = table.more > 0 ? `<tr><td colspan="${table.columns.length}">${escapeHtml(moreText(table.more))}</td></tr>` : ''
  return `<table>${head}${body}${more}</table>`
}

/** Writes the run report into `s` (typically `core.summary`); the caller decides when to `write()`. */
export function renderSummary(report: RunReport | BoundedReport, s: SummaryWriter, opts: { maxRows?: number } = {}): void {
  const v = buildView(report, opts.maxRows)
  s.addHeading(escapeHtml(`${v.title} — ${v.mode}`), 2)
  const lines = [`<strong>${escapeHtml(v.mode)}</strong>: ${escapeHtml(v.modeNote)}`, ...v.headline.map(escapeHtml)]
  s.addRaw(`<p>${lines.join('<br>')}</p>`, true)
  s.addRaw(`<p><strong>Policy</strong>: ${escapeHtml(v.policy)}</p>`, true)

  s.addHeading('Images', 3)
  if (v.images.rows.length === 0) s.addRaw('<p>No image matched.</p>', true)
  else s.addTable(tableRows(v.images))

  s.addHeading('Plan', 3)
  if (v.plan.rows.length === 0) s.addRaw('<p>Nothing to delete: every tag is kept.</p>', true)
  else s.addTable(tableRows(v.plan))

  if (v.tasks) {
    s.addHeading('Reclaim space (Nexus cleanup tasks)', 3)
    s.addTable(tableRows(v.tasks))
    if (v.blobStores) s.addTable(tableRows(v.blobStores))
  }

  if (v.kept.rows.length > 0) {
    s.addDetails(escapeHtml(`Kept: ${v.kept.rows.length + v.kept.more} manifests and why`), htmlTable(v.kept))
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
