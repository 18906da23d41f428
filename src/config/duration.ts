// Durations for `older-than`, `request-timeout` and `task-timeout`: `30d`, `12h`, `2w`, `90m`, `45s`,
// or ISO-8601 (`P30D`, `PT12H`, `P1W`, `P1DT12H`). Months and years are refused: their length varies.

const UNIT_MS = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000
} as const satisfies Record<string, number>

// Case-insensitive except `M`: `6M` reads as six months, and silently taking it as six minutes would make
// older-than match almost everything.
const SHORT = /^(\d+(?:\.\d+)?)\s*([smhdwSHDW])$/
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i

/** Milliseconds, or undefined when the text is not a duration we accept. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim()
  const short = SHORT.exec(t)
  if (short) return Math.round(Number(short[1]) * UNIT_MS[(short[2] ?? '').toLowerCase() as keyof typeof UNIT_MS])
  const iso = ISO.exec(t)
  if (iso && t.length > 1 && !/T$/i.test(t)) {
    const [, w = 0, d = 0, h = 0, m = 0, s = 0] = iso.map(v => (v === undefined ? 0 : Number(v)))
    return Math.round(w * UNIT_MS.w + d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * UNIT_MS.s)
  }
  return undefined
}

export const DURATION_FORMS = "a number with a unit s, m, h, d or w (e.g. '30d', '12h') or ISO-8601 like 'P30D'"

/** `3 days`, `5 hours`: for reasons such as "pulled 3 days ago". */
export function humanAge(ms: number): string {
  const abs = Math.max(0, ms)
  const days = Math.floor(abs / UNIT_MS.d)
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`
  const hours = Math.floor(abs / UNIT_MS.h)
  if (hours >= 1) return `${hours} hour${hours === 1 ? '' : 's'}`
  const minutes = Math.floor(abs / UNIT_MS.m)
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}
