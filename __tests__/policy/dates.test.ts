import { testPolicy } from '../../test/support/policy'
import type { Decision, ManifestRecord, Policy } from '../../src/model'
import { createdNeeded } from '../../src/policy/dates'
import { plan } from '../../src/policy/planner'

const NOW = new Date('2024-06-01T00:00:00Z')
const DAY = 86_400_000
const ago = (days: number) => new Date(NOW.getTime() - days * DAY)
const hexOf = (key: string) => Buffer.from(key).toString('hex').padEnd(64, '0').slice(0, 64)
const digestOf = (key: string) => `sha256:${hexOf(key)}`
const sigOf = (key: string) => `sha256-${hexOf(key)}.sig`

function m(tags: string[], extra: Partial<ManifestRecord> & { key?: string } = {}): ManifestRecord {
  const { key, ...rest } = extra
  return { digest: digestOf(key ?? tags[0]), mediaType: 'application/vnd.oci.image.manifest.v1+json', tags, children: [], ...rest }
}

function policy(over: Partial<Policy> = {}): Policy {
  return testPolicy({ keepTags: ['latest'], keep: 2, keepOther: 2, ...over })
}

const olderThan = { ms: 30 * DAY, text: '30d' }

/** The tags (first of each manifest) whose created is needed, sorted. */
function needed(manifests: ManifestRecord[], p: Policy): string[] {
  const set = createdNeeded(manifests, p)
  return manifests
    .filter(x => set.has(x.digest))
    .map(x => x.tags[0] ?? x.digest)
    .sort()
}

describe('createdNeeded: which config dates the plan needs', () => {
  // A plain registry: no push dates.
  const registry = [m(['1.0.0']), m(['1.1.0']), m(['2.0.0', 'latest']), m(['main']), m(['develop']), m([sigOf('1.0.0')])]

  it('only versions and no older-than: no date at all', () => {
    expect(
      needed(
        registry.filter(x => x.tags[0] !== 'main' && x.tags[0] !== 'develop'),
        policy({ ageBasis: 'created' })
      )
    ).toEqual([])
  })

  it('the other family is ranked by date: its members need created when their push date is unknown', () => {
    expect(needed(registry, policy({ ageBasis: 'created' }))).toEqual(['develop', 'main'])
    // one member alone has rank 1 whatever its date
    expect(
      needed(
        registry.filter(x => x.tags[0] !== 'develop'),
        policy()
      )
    ).toEqual([])
    // with push dates (Nexus) ranking uses them
    const pushed = registry.map((x, i) => ({ ...x, pushed: ago(i) }))
    expect(needed(pushed, policy())).toEqual([])
  })

  it('sort: date ranks everything by date', () => {
    expect(needed(registry, policy({ sort: 'date' }))).toEqual(['1.0.0', '1.1.0', '2.0.0', 'develop', 'main'])
    expect(
      needed(
        registry.map(x => ({ ...x, pushed: ago(1) })),
        policy({ sort: 'date' })
      )
    ).toEqual([])
  })

  it('older-than: every non-referrer needs its age, from created with age-basis created or without a push date', () => {
    const all = ['1.0.0', '1.1.0', '2.0.0', 'develop', 'main']
    expect(needed(registry, policy({ olderThan, ageBasis: 'created' }))).toEqual(all)
    expect(needed(registry, policy({ olderThan, ageBasis: 'pushed' }))).toEqual(all)
    const pushed = registry.map(x => ({ ...x, pushed: ago(40) }))
    expect(needed(pushed, policy({ olderThan, ageBasis: 'pushed' }))).toEqual([])
    expect(needed(pushed, policy({ olderThan, ageBasis: 'last-pulled' }))).toEqual([])
    expect(needed(pushed, policy({ olderThan, ageBasis: 'created' }))).toEqual(all)
    // an invalid push date is an unknown one
    expect(needed([m(['1.0.0'], { pushed: new Date('x') })], policy({ olderThan }))).toEqual(['1.0.0'])
  })

  it('a referrer with its subject needs no date; an orphan one is aged on its own', () => {
    const orphan = m([sigOf('gone')], { key: 'orphan' })
    const p = policy({ olderThan, ageBasis: 'created' })
    expect(needed([...registry, orphan], p)).toEqual(['1.0.0', '1.1.0', '2.0.0', 'develop', 'main', orphan.tags[0]].sort())
    // a referrer naming itself has no subject either
    const self = m([`sha256-${hexOf('self')}.att`], { key: 'self' })
    expect(needed([self], p)).toEqual([self.tags[0]])
  })

  it('versions that compare equal are ranked by date', () => {
    const tied = [m(['1.0']), m(['1.0.0']), m(['1.0.0_1']), m(['1.1.0']), m(['2.0.0-rc.1']), m(['v2.0.0-rc.1'])]
    expect(needed(tied, policy())).toEqual(['1.0', '1.0.0', '1.0.0_1', '2.0.0-rc.1', 'v2.0.0-rc.1'])
    // a tie member with a push date needs nothing; the one without does
    const mixed = [m(['1.0'], { pushed: ago(3) }), m(['1.0.0'])]
    expect(needed(mixed, policy())).toEqual(['1.0.0'])
  })

  it('an index that needs a date brings its children (its created is its newest child)', () => {
    const amd = m([], { key: 'amd' })
    const arm = m(['2.0.0-arm64'], { key: 'arm' })
    const index = m(['main'], { mediaType: 'application/vnd.oci.image.index.v1+json', children: [amd.digest, arm.digest] })
    const set = createdNeeded([index, arm, m(['develop'])], policy())
    expect([...set].sort()).toEqual([index.digest, amd.digest, arm.digest, digestOf('develop')].sort())
  })
})

// The claim that matters: planning with only the dates createdNeeded names gives the same decisions as
// planning with every date. A seeded generator covers families, ties, referrers, indexes, placeholders
// and each policy switch; only the display date (ageDate, ageBasis) may differ.
describe('createdNeeded: no decision changes', () => {
  function rng(seed: number): () => number {
    let s = seed >>> 0
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return s / 2 ** 32
    }
  }
  const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]

  function inventory(r: () => number): ManifestRecord[] {
    const n = 2 + Math.floor(r() * 10)
    const out: ManifestRecord[] = []
    const pushedKnown = pick(r, ['all', 'none', 'some'] as const)
    for (let i = 0; i < n; i++) {
      const kind = pick(r, ['version', 'version', 'tie', 'other', 'other', 'ref', 'orphan', 'index', 'latest'] as const)
      const tags =
        kind === 'version'
          ? [`1.${Math.floor(r() * 4)}.${i}`]
          : kind === 'tie'
            ? [pick(r, ['1.0', '1.0.0', 'v1.0.0', '1.0.0_2', '2.0.0-rc.1'])]
            : kind === 'other'
              ? [pick(r, ['main', 'develop', 'pr-1', 'sha-abc', `build-${i}`])]
              : kind === 'ref' && out.length > 0
                ? [`sha256-${pick(r, out).digest.slice(7)}.sig`]
                : kind === 'orphan'
                  ? [sigOf(`missing-${i}`)]
                  : kind === 'latest'
                    ? ['latest', `3.${i}.0`]
                    : [`idx-${i}`]
      const created = pick(r, [ago(Math.floor(r() * 90)), ago(Math.floor(r() * 90)), new Date('1970-01-01T00:00:00Z'), undefined])
      const rec = m(tags, { key: `m${i}`, ...(created ? { created } : {}) })
      if (pushedKnown === 'all' || (pushedKnown === 'some' && r() < 0.5)) rec.pushed = ago(Math.floor(r() * 90))
      if (r() < 0.3) rec.lastPulled = r() < 0.5 ? null : ago(Math.floor(r() * 60))
      if (kind === 'index' && out.length > 0) {
        rec.mediaType = 'application/vnd.oci.image.index.v1+json'
        rec.children = [pick(r, out).digest, digestOf(`untagged-${i}`)]
      }
      // tags are unique within an image
      if (out.some(o => o.tags.some(t => tags.includes(t)))) continue
      out.push(rec)
    }
    return out
  }

  function randomPolicy(r: () => number): Policy {
    return policy({
      keep: 1 + Math.floor(r() * 3),
      keepOther: 1 + Math.floor(r() * 3),
      sort: pick(r, ['semver', 'semver', 'date'] as const),
      ageBasis: pick(r, ['pushed', 'created', 'last-pulled'] as const),
      olderThan: r() < 0.5 ? olderThan : undefined,
      tags: r() < 0.2 ? ['1.*', 'main', 'sha256-*'] : ['*'],
      maxDeletions: r() < 0.2 ? 2 : undefined
    })
  }

  const decisionOnly = ({ ageDate: _d, ageBasis: _b, ...rest }: Decision) => rest

  it.each(Array.from({ length: 300 }, (_, i) => i + 1))('seed %i', seed => {
    const r = rng(seed)
    const manifests = inventory(r)
    const p = randomPolicy(r)
    const set = createdNeeded(manifests, p)
    const only = manifests.map(x => {
      const { created, ...rest } = x
      return set.has(x.digest) && created ? { ...rest, created } : rest
    })
    const full = plan([{ repository: 'r', name: 'app', manifests }], p, NOW)
    const lean = plan([{ repository: 'r', name: 'app', manifests: only }], p, NOW)
    expect(lean.images[0].decisions.map(decisionOnly)).toEqual(full.images[0].decisions.map(decisionOnly))
    expect(lean.notes).toEqual(full.notes)
  })
})
