// Digests in short: as a number for compact sets, and as shown everywhere (reasons, tables, logs).
/**
 * A digest as a number: 52 bits of its hex (exact in a double), to keep hundreds of thousands of digests
 * in a few MB. Two different digests colliding among a million has odds around 1e-4; callers use it only
 * where a collision errs on the safe side.
 */
export function digestKey(digest: string): number {
  const at = digest.indexOf(':') + 1
  const n = parseInt(digest.slice(at, at + 13), 16)
  return Number.isNaN(n) ? -1 : n
}

/** `sha256:` and the first 12 hex digits: enough to find the manifest, short enough for a table cell. */
export function shortDigest(d: string): string {
  const colon = d.indexOf(':')
  if (colon < 0) return d.slice(0, 12)
  return d.slice(0, colon + 1 + 12)
}
