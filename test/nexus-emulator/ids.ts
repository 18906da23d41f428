/**
 * Component/asset ids (API.md §2).
 *
 * External id = base64url-no-padding("<repository>:<internal id>").
 * - datastore: internal id = unpadded hex of (int)(rowId * 1327217885), inverse
 *   parseUnsignedInt(hex, 16) * 828308341 (InternalIds.java).
 * - orient: 32 lowercase hex chars (an obfuscated record id; here an md5 of the row, so stable).
 */
import { createHash } from 'node:crypto'

const SCRAMBLE = 1327217885
const UNSCRAMBLE = 828308341

/** Datastore external hex for a row id, e.g. 1 → "4f1bbcdd", 2 → "9e3779ba". */
export function datastoreHex(row: number): string {
  return (Math.imul(row, SCRAMBLE) >>> 0).toString(16)
}

/** Java NumberFormatException stand-in, so callers can map it like Nexus does (422 or 500). */
export class NumberFormatError extends Error {
  constructor(input: string) {
    super(`For input string: "${input}"`)
    this.name = 'java.lang.NumberFormatException'
  }
}

/** `Integer.parseUnsignedInt(hex, 16) * 828308341` as a 32-bit row id. */
export function datastoreRowFromHex(hex: string): number {
  const digits = hex.startsWith('+') ? hex.slice(1) : hex
  if (!/^[0-9a-fA-F]+$/.test(digits)) throw new NumberFormatError(hex)
  const value = parseInt(digits, 16)
  if (value > 0xffffffff) throw new NumberFormatError(hex)
  return Math.imul(value >>> 0, UNSCRAMBLE) >>> 0
}

/** Deterministic 32-hex Orient-style id; `ns` separates the component and asset namespaces. */
export function orientHex(ns: 'component' | 'asset', row: number): string {
  return createHash('md5').update(`orient:${ns}:${row}`).digest('hex')
}

export function encodeItemId(repository: string, internal: string): string {
  return Buffer.from(`${repository}:${internal}`, 'utf8').toString('base64url')
}

export type DecodedId =
  | { ok: true; repository: string; internal: string }
  /** RepositoryItemIDXO: invalid Base64 → NotFoundException (404). */
  | { ok: false; status: 404 | 422 }

/** RepositoryItemIDXO.fromString: bad Base64 → 404; not exactly two ':'-separated parts → 422. */
export function decodeItemId(id: string): DecodedId {
  // Java's URL-safe decoder: alphabet A-Z a-z 0-9 - _, optional '=' padding, no dangling 6 bits.
  const unpadded = id.replace(/={1,2}$/, '')
  if (!/^[A-Za-z0-9_-]*$/.test(unpadded) || unpadded.length % 4 === 1) return { ok: false, status: 404 }
  if (id.length !== unpadded.length && id.length % 4 !== 0) return { ok: false, status: 404 }
  const decoded = Buffer.from(unpadded, 'base64url').toString('utf8')
  const parts = decoded.split(':')
  // Java's String.split drops trailing empty strings: "repo:" → ["repo"] → 422 as well.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  if (parts.length !== 2) return { ok: false, status: 422 }
  return { ok: true, repository: parts[0], internal: parts[1] }
}
