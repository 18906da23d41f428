// Small pure formatters shared by every renderer.

export { formatBytes } from '../util/bytes'

export { shortDigest } from '../util/digest'

/** `850 ms`, `3.2 s`, `2 min 5 s`, `1 h 2 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`
  const totalS = Math.round(ms / 1000)
  const h = Math.floor(totalS / 3600)
  const m = Math.floor((totalS % 3600) / 60)
  const s = totalS % 60
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s} s`
}

/** Dates may arrive as Date or, after a JSON round trip, as ISO strings; invalid ones become undefined. */
export function toDate(v: Date | string | null | undefined): Date | undefined {
  if (v === null || v === undefined) return undefined
  const d = v instanceof Date ? v : new Date(v)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** UTC calendar day, so the summary does not depend on the runner's time zone. */
export function ymd(v: Date | string | null | undefined): string | undefined {
  return toDate(v)?.toISOString().slice(0, 10)
}

/** `1 tag`, `3 tags`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/**
 * HTML-escapes user data (image and tag names, server error text) for the job summary.
 * `|` is escaped too so a cell can never split a Markdown table; newlines become `<br>` because a
 * blank line would end the HTML block and let the rest be parsed as Markdown.
 */
export function escapeHtml(text: string): string {
  return stripControls(text, '\n')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\|/g, '&#124;')
    .replace(/\r?\n/g, '<br>')
}

/**
 * Replaces control characters (ESC included) with spaces: server error text reaches the terminal and
 * must not be able to inject escape sequences or break a table row. Characters in `keep` survive.
 */
export function stripControls(text: string, keep = ''): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, c => (keep.includes(c) ? c : ' '))
}

/** Drops `user:password@` from a URL: the host is printed everywhere and must never carry credentials. */
export function redactHost(host: string): string {
  return host.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
}
