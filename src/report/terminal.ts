// Plain-text rendering for the CLI: aligned, box-free tables; ANSI colors only when asked for.

import type { OutcomeStatus, RunReport } from '../model'
import { stripControls } from './format'
import type { BoundedReport } from './collect'
import { buildView, moreText, type Table, type ViewOptions } from './view'

export interface TerminalOptions extends ViewOptions {
  color?: boolean
  /** Terminal columns; free-text columns are truncated with `…` to fit. Undefined = never truncate. */
  width?: number
}

const GAP = '  '
/** A truncated column keeps at least this many characters, even if the line then overflows. */
const MIN_FLEX = 8

type Paint = (code: string, text: string) => string

const STATUS_COLOR: Partial<Record<OutcomeStatus, string>> = {
  failed: '31',
  deleted: '32',
  'would-delete': '36',
  pending: '33',
  skipped: '2'
}

// Lengths in code points, so a surrogate pair is never split by truncation.
function len(s: string): number {
  return [...s].length
}

function truncate(s: string, width: number): string {
  const chars = [...s]
  return chars.length <= width ? s : chars.slice(0, Math.max(0, width - 1)).join('') + '…'
}

function fitWidths(table: Table, cells: string[][], width: number | undefined): number[] {
  const widths = table.columns.map((c, i) => Math.max(len(c.header), ...cells.map(r => len(r[i] ?? ''))))
  if (width === undefined || !Number.isFinite(width)) return widths
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1)
  // Shrink the widest free-text column one step at a time so the cuts are spread fairly.
  for (let excess = total() - width; excess > 0; excess--) {
    let widest = -1
    table.columns.forEach((c, i) => {
      const w = widths[i] ?? 0
      if (c.flex && w > MIN_FLEX && (widest < 0 || w > (widths[widest] ?? 0))) widest = i
    })
    if (widest < 0) break
    widths[widest] = (widths[widest] ?? 0) - 1
  }
  return widths
}

function renderTable(table: Table, opts: TerminalOptions, paint: Paint, fullList: string): string[] {
  const cells = table.rows.map(r => r.map(c => stripControls(c)))
  const widths = fitWidths(table, cells, opts.width)
  const line = (row: string[], style?: (i: number, text: string) => string) =>
    row
      .map((cell, i) => {
        const w = widths[i] ?? 0
        const text = truncate(cell, w)
        const pad = i === row.length - 1 ? '' : ' '.repeat(w - len(text))
        return (style ? style(i, text) : text) + pad
      })
      .join(GAP)
      .trimEnd()
  const statusCol = table.columns.findIndex(c => c.status)
  const out = [
    line(
      table.columns.map(c => c.header),
      (_, t) => paint('1', t)
    ),
    widths.map(w => '-'.repeat(w)).join(GAP)
  ]
  cells.forEach((row, r) => {
    const status = table.statuses?.[r]
    const color = status ? STATUS_COLOR[status] : undefined
    out.push(line(row, (i, t) => (i === statusCol && color ? paint(color, t) : t)))
  })
  if (table.more > 0) out.push(moreText(table.more, fullList))
  return out
}

/** The report as text for the CLI (no trailing newline); pure, so the caller picks color and width from the TTY. */
export function renderTerminal(report: RunReport | BoundedReport, opts: TerminalOptions = {}): string {
  const paint: Paint = opts.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_, text) => text
  const v = buildView(report, opts)
  const table = (t: Table): string[] => renderTable(t, opts, paint, v.fullList)
  const out: string[] = []
  out.push(paint(v.mode === 'DRY RUN' ? '1;33' : '1;31', stripControls(v.answer)))
  out.push(stripControls(v.context), `Policy: ${stripControls(v.policy)}`)
  if (v.rules.length > 0) out.push('Rules (an image takes the first that matches):', ...v.rules.map(r => `  ${stripControls(r)}`))
  out.push(...v.usage.map(l => stripControls(l)), '')

  out.push(paint('1', 'Images'))
  out.push(...(v.images.rows.length === 0 ? ['No image matched.'] : table(v.images)), '')

  out.push(paint('1', 'Plan'))
  out.push(...(v.plan.rows.length === 0 ? ['Nothing to delete: every tag is kept.'] : table(v.plan)), '')
  if (v.tasks) {
    out.push(paint('1', 'Reclaim space (Nexus cleanup tasks)'), ...table(v.tasks), '')
    if (v.blobStores) out.push(...table(v.blobStores), '')
  }
  if (v.kept.rows.length > 0) out.push(paint('1', 'Kept'), ...table(v.kept), '')
  if (v.failures.length > 0) {
    out.push(paint('1;31', 'Failures'), ...v.failures.map(f => `- ${stripControls(f)}`), '')
  }
  if (v.notes.length > 0) out.push(paint('1', 'Notes'), ...v.notes.map(n => `- ${stripControls(n)}`), '')
  if (v.requests !== undefined) out.push(`HTTP requests: ${stripControls(v.requests)}`, '')
  return out.join('\n').replace(/\n+$/, '')
}
