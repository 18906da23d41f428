// Version tags: `[v]N(.N){0,3}(-PRERELEASE)?([+_]BUILD)?`, ordered like SemVer 2.0 but with up to four
// numeric parts. Tags are parsed strictly: nothing is coerced, so `sha-1a2b` or `pr-123` never become versions.
import { compareIdentifiers } from 'semver'

export interface Version {
  /** The tag exactly as written. */
  tag: string
  /** The 1 to 4 numeric parts; bigint so long date-like parts (`1.20240101123456`) compare exactly. */
  numbers: bigint[]
  /** Pre-release identifiers (`rc.1` -> ['rc', '1']); empty for a release. */
  prerelease: string[]
  /** Build metadata (after `+` or `_`); never affects ordering. */
  build?: string
}

const IDENTS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*'
// Docker tags cannot contain `+`, so `_` stands in for it (`5.2.6_1` is `5.2.6+1`).
const VERSION_RE = new RegExp(`^([vV])?(\\d+(?:\\.\\d+){0,3})(?:-(${IDENTS}))?(?:[+_](${IDENTS}))?$`)

/**
 * Parses a version tag, or returns undefined for any other tag.
 *
 * A bare integer (`1`, `190`, `20240101`, `20240101-1`) is NOT a version even though it fits the pattern:
 * in practice such tags are build numbers or dates, and ranking them as versions would mix them with real
 * releases. A tag needs a `.` in its numeric part or a `v`/`V` prefix (`v1`, `1.0`) to count as a version.
 */
export function parseVersion(tag: string): Version | undefined {
  const m = VERSION_RE.exec(tag)
  if (!m) return undefined
  const [, prefix, core = '', pre, build] = m
  if (!prefix && !core.includes('.')) return undefined
  return {
    tag,
    numbers: core.split('.').map(n => BigInt(n)),
    prerelease: pre ? pre.split('.') : [],
    ...(build !== undefined ? { build } : {})
  }
}

export function isVersionTag(tag: string): boolean {
  return parseVersion(tag) !== undefined
}

/** SemVer precedence: numeric parts left to right (missing = 0), then pre-release; build metadata ignored. */
export function compareVersions(a: Version, b: Version): number {
  const len = Math.max(a.numbers.length, b.numbers.length)
  for (let i = 0; i < len; i++) {
    const x = a.numbers[i] ?? 0n
    const y = b.numbers[i] ?? 0n
    if (x !== y) return x < y ? -1 : 1
  }
  return comparePrerelease(a.prerelease, b.prerelease)
}

function comparePrerelease(a: string[], b: string[]): number {
  // A release is higher than any of its pre-releases.
  if (a.length === 0 || b.length === 0) return Math.sign(b.length - a.length)
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareIdentifiers(a[i], b[i])
    if (c !== 0) return c
  }
  // All shared identifiers equal: the longer list is higher (`alpha` < `alpha.1`).
  return Math.sign(a.length - b.length)
}

/** The highest version among `tags` (the first such tag on a tie), or undefined when none is a version. */
export function highestVersion(tags: readonly string[]): Version | undefined {
  let best: Version | undefined
  for (const tag of tags) {
    const v = parseVersion(tag)
    if (!v) continue
    const c = best ? compareVersions(v, best) : 1
    // Among equal versions (`1.10` and `1.10.0` on one digest) name the most specific tag.
    if (c > 0 || (c === 0 && best && v.numbers.length > best.numbers.length)) best = v
  }
  return best
}
