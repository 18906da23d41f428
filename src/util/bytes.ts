// Byte counts as people read them (1024-based units): the report, the logs and the reclaim notes.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

/** Binary units with at most one decimal: `512 B`, `1.5 MiB`, `2 GiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (n < 0) return `-${formatBytes(-n)}`
  let value = n
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${Math.round(value)} B`
  let text = value.toFixed(1)
  // 1023.96 KiB rounds to "1024.0": show it as the next unit instead.
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    unit++
    text = (Number(text) / 1024).toFixed(1)
  }
  return `${text.replace(/\.0$/, '')} ${UNITS[unit]}`
}
