// How a digest is shown everywhere (reasons, tables, logs): `sha256:` and the first 12 hex digits, enough
// to find the manifest, short enough for a table cell.
export function shortDigest(d: string): string {
  const colon = d.indexOf(':')
  if (colon < 0) return d.slice(0, 12)
  return d.slice(0, colon + 1 + 12)
}
