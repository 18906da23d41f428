// Referrer tags name another manifest (their subject) by digest: cosign's `sha256-<hex>.sig` / `.att` /
// `.sbom`, any other `sha256-<hex>.<suffix>`, and the bare `sha256-<hex>` of the OCI referrers tag schema.
// They are not images of their own: they live and die with their subject.

export type ReferrerNoun = 'signature' | 'attestation' | 'SBOM' | 'referrer'

export interface ReferrerTag {
  tag: string
  /** The subject digest, `sha256:<hex>`. */
  subject: string
  /** What the tag holds, for reasons such as "signature of kept 1.2.3". */
  noun: ReferrerNoun
}

// Digests are lowercase hex by spec, so an uppercase "digest" is not one.
const REFERRER_RE = /^sha256-([0-9a-f]{64})(?:\.([0-9A-Za-z_.-]+))?$/

const NOUNS = new Map<string, ReferrerNoun>([
  ['sig', 'signature'],
  ['att', 'attestation'],
  ['sbom', 'SBOM']
])

export function parseReferrerTag(tag: string): ReferrerTag | undefined {
  const m = REFERRER_RE.exec(tag)
  if (!m) return undefined
  return { tag, subject: `sha256:${m[1]}`, noun: NOUNS.get(m[2] ?? '') ?? 'referrer' }
}

/**
 * The parsed tags when a manifest is a referrer (it has tags and every one is a referrer tag),
 * otherwise undefined: one ordinary tag makes it an image in its own right.
 */
export function referrerTagsOf(tags: readonly string[]): ReferrerTag[] | undefined {
  if (tags.length === 0) return undefined
  const parsed: ReferrerTag[] = []
  for (const tag of tags) {
    const r = parseReferrerTag(tag)
    if (!r) return undefined
    parsed.push(r)
  }
  return parsed
}
