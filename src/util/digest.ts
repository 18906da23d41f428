// Digests in short: as a number for compact sets, and as shown everywhere (reasons, tables, logs).

import { createHash } from 'node:crypto'
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

/** The digest algorithms a manifest may be named by: the two the OCI image spec registers. */
const DIGEST_GRAMMAR = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/

/** Whether `d` is a well-formed sha256 or sha512 digest (other algorithms are refused). */
export function isDigest(d: string): boolean {
  return DIGEST_GRAMMAR.test(d)
}

/** What `body` hashes to under the algorithm of `like` (a digest such as `sha512:…`; sha256 otherwise). */
export function digestOfBytes(body: Buffer, like?: string): string {
  const algorithm = like?.startsWith('sha512:') ? 'sha512' : 'sha256'
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`
}
