import { testPolicy } from '../../test/support/policy'
import type { Decision, Plan, Policy } from '../../src/model'
import { plan } from '../../src/policy/planner'

import { ago, DAY, digestOf, hexOf, image, m, NOW, sigOf } from '../../test/support/manifests'

function policy(over: Partial<Policy> = {}): Policy {
  return testPolicy(over)
}

const olderThan = (days: number) => ({ ms: days * DAY, text: `${days}d` })
const name = (d: Decision) => d.tags.join('+')

/** Decisions of one image by their joined tags. */
function byName(p: Plan, img = 0): Record<string, Decision> {
  return Object.fromEntries(p.images[img].decisions.map(d => [name(d), d]))
}
function kept(p: Plan, img = 0): string[] {
  return p.images[img].decisions.filter(d => d.action === 'keep' && d.family !== 'referrer').map(name)
}
function verdicts(p: Plan, img = 0): Record<string, string> {
  return Object.fromEntries(p.images[img].decisions.map(d => [name(d), `${d.action} ${d.rule}: ${d.reason}`]))
}

describe('version ranking', () => {
  it('ranks 1.0.10 and 1.0.11 above 1.0.9 (numeric, not lexical)', () => {
    // Dates deliberately contradict the versions: semver mode must not care.
    const inv = [image([m(['1.0.9'], 1), m(['1.0.10'], 2), m(['1.0.11'], 3), m(['1.1.0'], 4)])]
    const p = plan(inv, policy({ keep: 2 }), NOW)
    expect(kept(p)).toEqual(['1.1.0', '1.0.11'])
    expect(p.images[0].decisions.map(d => [name(d), d.rank, d.action])).toEqual([
      ['1.1.0', 1, 'keep'],
      ['1.0.11', 2, 'keep'],
      ['1.0.10', 3, 'delete'],
      ['1.0.9', 4, 'delete']
    ])
    expect(byName(p)['1.0.11'].reason).toBe('keep 2 (semver) #2')
    expect(byName(p)['1.0.9'].reason).toBe('beyond keep 2')
  })

  it('treats bare integers 1..190 as "other", ordered by date', () => {
    // Tag `1` is the newest: a numeric order would keep 190, 189, 188 instead.
    const inv = [image(Array.from({ length: 190 }, (_, i) => m([String(i + 1)], i + 1)))]
    const p = plan(inv, policy({ keep: 1, keepOther: 3 }), NOW)
    const ds = p.images[0].decisions
    expect(ds.every(d => d.family === 'other' && d.version === undefined)).toBe(true)
    expect(kept(p)).toEqual(['1', '2', '3'])
    expect(ds.map(name).slice(0, 5)).toEqual(['1', '2', '3', '4', '5'])
    expect(ds.filter(d => d.action === 'delete')).toHaveLength(187)
    expect(byName(p)['3'].reason).toBe('keep 3 (other) #3')
    expect(byName(p)['190'].reason).toBe('beyond keep-other 3')
  })

  it.each(['sha-abc1234', 'pr-123', '20240101-1', '20240101', 'latest'])('%s is not a version', tag => {
    const p = plan([image([m([tag], 1)])], policy(), NOW)
    expect(p.images[0].decisions[0]).toMatchObject({ family: 'other', rank: 1 })
    expect(p.images[0].decisions[0].version).toBeUndefined()
  })

  it('ranks 1.10.0 above v1.2.0 whatever the prefix and dates', () => {
    const p = plan([image([m(['v1.2.0'], 1), m(['1.10.0'], 50)])], policy({ keep: 1 }), NOW)
    expect(kept(p)).toEqual(['1.10.0'])
    expect(byName(p)['v1.2.0']).toMatchObject({ version: 'v1.2.0', rank: 2, action: 'delete' })
  })

  it('ranks 1.0.0 above its release candidates, and rc.10 above rc.9', () => {
    const rcs = Array.from({ length: 10 }, (_, i) => m([`1.0.0-rc.${i + 1}`], 5))
    const p = plan([image([...rcs, m(['1.0.0'], 5)])], policy({ keep: 1 }), NOW)
    expect(kept(p)).toEqual(['1.0.0'])
    expect(p.images[0].decisions.map(name).slice(0, 4)).toEqual(['1.0.0', '1.0.0-rc.10', '1.0.0-rc.9', '1.0.0-rc.8'])
    expect(byName(p)['1.0.0-rc.1'].rank).toBe(11)
  })

  it('parses 5.2.6_1 as a build of 5.2.6 (build metadata does not order; date breaks the tie)', () => {
    const p = plan([image([m(['5.2.5'], 1), m(['5.2.6_1'], 2), m(['5.2.6'], 3), m(['5.2.7'], 4)])], policy(), NOW)
    expect(p.images[0].decisions.map(d => [name(d), d.version, d.rank])).toEqual([
      ['5.2.7', '5.2.7', 1],
      ['5.2.6_1', '5.2.6_1', 2],
      ['5.2.6', '5.2.6', 3],
      ['5.2.5', '5.2.5', 4]
    ])
  })

  it('uses the highest version tag of a manifest as its version', () => {
    const p = plan([image([m(['1', '1.2', '1.2.3', 'latest'], 1)])], policy(), NOW)
    expect(p.images[0].decisions[0]).toMatchObject({ family: 'version', version: '1.2.3' })
  })
})

describe('manifests, not tags', () => {
  it('keeps a protected manifest with every tag even beyond keep', () => {
    const inv = [image([m(['1.2.3', 'latest'], 30), m(['1.2.4'], 20), m(['1.2.5'], 10)])]
    const p = plan(inv, policy({ keep: 1, keepTags: ['stable', 'lat*'] }), NOW)
    expect(verdicts(p)).toEqual({
      '1.2.5': 'keep keep-newest: keep 1 (semver) #1',
      '1.2.4': 'delete delete: beyond keep 1',
      '1.2.3+latest': 'keep protected: protected by keep-tags: lat*'
    })
    expect(byName(p)['1.2.3+latest'].rank).toBe(3)
  })

  it('protection wins over keep-newest and the protected manifest still takes a slot', () => {
    const inv = [image([m(['2.0.0', 'latest'], 1), m(['1.0.0'], 2)])]
    const p = plan(inv, policy({ keep: 1, keepTags: ['latest'] }), NOW)
    expect(byName(p)['2.0.0+latest'].rule).toBe('protected')
    expect(byName(p)['1.0.0'].action).toBe('delete')
  })

  it('counts several tags on one digest as one slot', () => {
    const inv = [image([m(['1', '1.2', '1.2.3', 'latest'], 3), m(['1.2.2'], 4), m(['1.2.1'], 5)])]
    const p = plan(inv, policy({ keep: 2 }), NOW)
    expect(kept(p)).toEqual(['1+1.2+1.2.3+latest', '1.2.2'])
    expect(byName(p)['1.2.1'].action).toBe('delete')
  })

  it('counts the version and other families separately', () => {
    const inv = [image([m(['1.0'], 1), m(['1.1'], 2), m(['1.2'], 3), m(['a'], 4), m(['b'], 5), m(['c'], 6)])]
    const p = plan(inv, policy({ keep: 1, keepOther: 2 }), NOW)
    expect(verdicts(p)).toEqual({
      '1.2': 'keep keep-newest: keep 1 (semver) #1',
      '1.1': 'delete delete: beyond keep 1',
      '1.0': 'delete delete: beyond keep 1',
      a: 'keep keep-newest: keep 2 (other) #1',
      b: 'keep keep-newest: keep 2 (other) #2',
      c: 'delete delete: beyond keep-other 2'
    })
  })

  it('keeps a manifest with a tag outside `tags` (tags are never split from their manifest)', () => {
    const inv = [image([m(['main', 'pr-1'], 100), m(['pr-2'], 101), m(['pr-3'], 1)])]
    const p = plan(inv, policy({ tags: ['pr-*'], keepOther: 1 }), NOW)
    expect(verdicts(p)).toEqual({
      'pr-3': 'keep keep-newest: keep 1 (other) #1',
      'main+pr-1': 'keep not-selected: tag main not selected by tags',
      'pr-2': 'delete delete: beyond keep-other 1'
    })
  })

  it('orders other manifests with equal dates by their smallest tag', () => {
    const p = plan([image([m(['b'], 1), m(['a', 'z'], 1), m(['c'])])], policy(), NOW)
    expect(p.images[0].decisions.map(name)).toEqual(['a+z', 'b', 'c'])
  })
})

describe('manifest lists', () => {
  const index = (tag: string, age: number) =>
    m([tag], age, {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      children: [digestOf(`${tag}-amd64`), digestOf(`${tag}-arm64`)]
    })
  const children = (tag: string, age: number) => [m([`${tag}-amd64`], age), m([`${tag}-arm64`], age)]

  it('keeps the children of a kept index and deletes those of a deleted one', () => {
    const inv = [image([index('1.0', 20), ...children('1.0', 20), index('2.0', 10), ...children('2.0', 10)])]
    const p = plan(inv, policy({ keep: 1 }), NOW)
    expect(verdicts(p)).toEqual({
      '2.0': 'keep keep-newest: keep 1 (semver) #1',
      '2.0-arm64': 'keep child-of-kept-index: child of kept 2.0',
      '2.0-amd64': 'keep child-of-kept-index: child of kept 2.0',
      '1.0': 'delete delete: beyond keep 1',
      // tagged children rank with their index: they take no keep slot and go after it
      '1.0-arm64': 'delete child-of-deleted: child of deleted 1.0',
      '1.0-amd64': 'delete child-of-deleted: child of deleted 1.0'
    })
  })

  it('keeps the children of a protected index, and their signatures, transitively', () => {
    const inv = [image([index('1.0', 20), ...children('1.0', 20), m([sigOf('1.0-amd64')], 20, { key: 'sig' }), m(['9.9'], 1)])]
    const p = plan(inv, policy({ keep: 1, keepTags: ['1.0'] }), NOW)
    expect(verdicts(p)).toEqual({
      '9.9': 'keep keep-newest: keep 1 (semver) #1',
      '1.0': 'keep protected: protected by keep-tags: 1.0',
      '1.0-arm64': 'keep child-of-kept-index: child of kept 1.0',
      '1.0-amd64': 'keep child-of-kept-index: child of kept 1.0',
      [sigOf('1.0-amd64')]: 'keep referrer-of-kept: signature of child of kept 1.0'
    })
  })
})

describe('referrers', () => {
  it('keeps and deletes a signature with its subject, never counting it', () => {
    const inv = [
      image([m(['1.0.0'], 20), m([sigOf('1.0.0')], 1, { key: 's1' }), m(['2.0.0'], 10), m([sigOf('2.0.0'), sigOf('2.0.0', 'att')], 1, { key: 's2' })])
    ]
    const p = plan(inv, policy({ keep: 1 }), NOW)
    expect(kept(p)).toEqual(['2.0.0'])
    const s1 = byName(p)[sigOf('1.0.0')]
    const s2 = byName(p)[`${sigOf('2.0.0', 'att')}+${sigOf('2.0.0')}`]
    expect(s2).toMatchObject({ action: 'keep', rule: 'referrer-of-kept', family: 'referrer' })
    expect(s2.subject).toBe(digestOf('2.0.0'))
    expect(s2.reason).toBe('attestation of kept 2.0.0')
    expect(s2.rank).toBeUndefined()
    expect(s1).toMatchObject({ action: 'delete', rule: 'referrer-of-deleted', reason: 'signature of deleted 1.0.0' })
    expect(byName(p)['1.0.0'].deleteOrder).toBe(1)
    expect(s1.deleteOrder).toBe(2)
  })

  it('deletes an orphan signature when selected and old enough, otherwise keeps it', () => {
    const orphan = (age: number) => m([sigOf('gone')], age, { key: 'orphan' })
    const reason = `orphan signature: subject sha256:${hexOf('gone').slice(0, 12)} not found`
    const cases: Array<[Partial<Policy>, number, string]> = [
      [{}, 100, `delete orphan-referrer: ${reason}`],
      [{ olderThan: olderThan(30) }, 100, `delete orphan-referrer: ${reason}`],
      [{ olderThan: olderThan(30) }, 3, 'keep younger: younger than 30d'],
      [{ tags: ['v*'] }, 100, `keep not-selected: tag ${sigOf('gone')} not selected by tags`],
      [{ keepTags: ['sha256-*.sig'] }, 100, 'keep protected: protected by keep-tags: sha256-*.sig']
    ]
    for (const [over, age, expected] of cases) {
      // the image holds a version too: subjects live here, so a 404 here proves one gone
      const p = plan([image([orphan(age), m(['v1.0.0'], 1)], 'app', { missingSubjects: [digestOf('gone')] })], policy({ deleteOrphans: true, ...over }), NOW)
      expect(verdicts(p)[sigOf('gone')]).toBe(expected)
      expect(p.images[0].decisions.find(d => d.tags.includes(sigOf('gone')))!.subject).toBe(digestOf('gone'))
    }
  })

  it('an orphan needs its subject proven gone: not read, found untagged, or in another image, it is kept', () => {
    const sig = m([sigOf('gone')], 100, { key: 'orphan' })
    const short = `sha256:${hexOf('gone').slice(0, 12)}`
    // the inventory did not prove the subject gone (no read by digest said 404)
    expect(verdicts(plan([image([sig])], policy(), NOW))[sigOf('gone')]).toBe(`keep subject-exists: signature of ${short}, not proven gone`)
    // the read by digest found it, untagged
    const untagged = [{ digest: digestOf('gone'), mediaType: 'application/vnd.oci.image.manifest.v1+json', tags: [], children: [] }]
    expect(verdicts(plan([image([sig], 'app', { untagged })], policy(), NOW))[sigOf('gone')]).toBe(
      `keep subject-exists: signature of untagged ${short}, which exists`
    )
    // gone from this image, but another image of the run holds it (a signatures repository)
    const missing = image([sig], 'sigs/app', { missingSubjects: [digestOf('gone')] })
    const locate = (d: string) => (d === digestOf('gone') ? 'in docker-hosted/app' : undefined)
    expect(verdicts(plan([missing], policy(), NOW, locate))[sigOf('gone')]).toBe(`keep subject-exists: signature of ${short} in docker-hosted/app`)
    // found nowhere: a listing may hide its repository, so it is kept, unless delete-orphans; and even then
    // a 404 proves it gone only in an image where subjects live, not in a signatures repository
    const notProven = `keep subject-exists: signature of ${short}, not proven gone: found in no image this run lists`
    const withImages = image([sig, m(['1.0.0'], 1)], 'app', { missingSubjects: [digestOf('gone')] })
    expect(verdicts(plan([withImages], policy(), NOW, () => undefined))[sigOf('gone')]).toBe(notProven)
    expect(verdicts(plan([missing], policy({ deleteOrphans: true }), NOW, () => undefined))[sigOf('gone')]).toBe(notProven)
    expect(verdicts(plan([withImages], policy({ deleteOrphans: true }), NOW, () => undefined))[sigOf('gone')]).toBe(
      `delete orphan-referrer: orphan signature: subject ${short} not found`
    )
  })

  it('a protected signature outlives its deleted subject', () => {
    const inv = [image([m(['1.0.0'], 20), m([sigOf('1.0.0')], 1, { key: 's1' }), m(['2.0.0'], 10)])]
    const p = plan(inv, policy({ keep: 1, keepTags: ['*.sig'] }), NOW)
    expect(byName(p)['1.0.0'].action).toBe('delete')
    expect(byName(p)[sigOf('1.0.0')].rule).toBe('protected')
  })

  it('a signature follows its subject even when `tags` does not name it', () => {
    const inv = [image([m(['pr-1'], 20), m([sigOf('pr-1')], 20, { key: 's1' }), m(['pr-2'], 10), m([sigOf('pr-2')], 10, { key: 's2' })])]
    const p = plan(inv, policy({ keepOther: 1, tags: ['pr-*'] }), NOW)
    expect(verdicts(p)[sigOf('pr-1')]).toBe('delete referrer-of-deleted: signature of deleted pr-1')
    expect(verdicts(p)[sigOf('pr-2')]).toBe('keep referrer-of-kept: signature of kept pr-2')
  })
})

describe('age', () => {
  const PLACEHOLDER = 'is a reproducible-build placeholder'

  it('keeps manifests younger than older-than beyond keep', () => {
    const inv = [image([m(['1.0.0'], 100), m(['1.1.0'], 10), m(['1.2.0'], 5)])]
    const p = plan(inv, policy({ keep: 1, olderThan: olderThan(30) }), NOW)
    expect(verdicts(p)).toEqual({
      '1.2.0': 'keep keep-newest: keep 1 (semver) #1',
      '1.1.0': 'keep younger: younger than 30d',
      '1.0.0': 'delete delete: beyond keep 1 and older than 30d'
    })
    expect(byName(p)['1.0.0']).toMatchObject({ ageDate: ago(100), ageBasis: 'pushed' })
  })

  it.each<[string, Date | undefined, string]>([
    ['missing', undefined, 'age unknown (no created date)'],
    ['1970-01-01', new Date(0), `age unknown (created 1970-01-01 ${PLACEHOLDER})`],
    ['1980-01-01', new Date('1980-01-01T00:00:01Z'), `age unknown (created 1980-01-01 ${PLACEHOLDER})`]
  ])('keeps a manifest whose created date is %s when older-than is set', (_, created, reason) => {
    for (const ageBasis of ['created', 'pushed'] as const) {
      const inv = [image([m(['2.0.0'], undefined, { created: ago(1) }), m(['1.0.0'], undefined, { created })])]
      const p = plan(inv, policy({ keep: 1, olderThan: olderThan(30), ageBasis }), NOW)
      expect(byName(p)['1.0.0']).toMatchObject({ action: 'keep', rule: 'age-unknown', reason, ageBasis: 'none' })
      expect(byName(p)['1.0.0'].ageDate).toBeUndefined()
      expect(p.notes).toHaveLength(1)
      expect(p.notes[0]).toMatch(/^age unknown for 1 manifest:/)
    }
  })

  it('counts age-unknown manifests in one run-wide note, and deletes them without older-than', () => {
    const placeholders = [m(['1.0.0'], undefined, { created: new Date(0) }), m(['1.1.0'])]
    const inv = [image([m(['2.0.0'], 1), ...placeholders]), image([m(['a'], undefined)], 'other')]
    const withAge = plan(inv, policy({ keep: 1, keepOther: 1, olderThan: olderThan(30) }), NOW)
    expect(withAge.notes).toEqual([expect.stringMatching(/^age unknown for 2 manifests:/)])
    const withoutAge = plan(inv, policy({ keep: 1 }), NOW)
    expect(withoutAge.notes).toEqual([])
    expect(kept(withoutAge)).toEqual(['2.0.0'])
  })

  it('uses created when pushed is unknown, and reports the basis used', () => {
    const inv = [image([m(['1.0.0'], undefined, { created: ago(100) }), m(['1.1.0'], 50, { created: ago(100) })])]
    const p = plan(inv, policy({ keep: 1, olderThan: olderThan(30) }), NOW)
    expect(byName(p)['1.0.0']).toMatchObject({ ageBasis: 'created', ageDate: ago(100), action: 'delete' })
    expect(byName(p)['1.1.0']).toMatchObject({ ageBasis: 'pushed', ageDate: ago(50) })
  })

  it('keeps a recently pulled old manifest with age-basis last-pulled', () => {
    const inv = [
      image([
        m(['1.0.0'], 100, { lastPulled: ago(3) }),
        m(['1.1.0'], 200, { lastPulled: null }),
        m(['1.2.0'], 90, { lastPulled: ago(150) }),
        m(['1.3.0'], 10, { lastPulled: ago(1) }),
        m(['2.0.0'], 1)
      ])
    ]
    const p = plan(inv, policy({ keep: 1, olderThan: olderThan(30), ageBasis: 'last-pulled' }), NOW)
    expect(verdicts(p)).toEqual({
      '2.0.0': 'keep keep-newest: keep 1 (semver) #1',
      '1.3.0': 'keep younger: pulled 1 day ago',
      '1.2.0': 'delete delete: beyond keep 1 and older than 30d',
      '1.1.0': 'delete delete: beyond keep 1 and older than 30d',
      '1.0.0': 'keep younger: pulled 3 days ago'
    })
    expect(byName(p)['1.0.0']).toMatchObject({ ageBasis: 'last-pulled', ageDate: ago(3) })
    expect(byName(p)['1.2.0']).toMatchObject({ ageBasis: 'pushed', ageDate: ago(90) })
  })

  it('with last-pulled, a recent push alone says "younger than"', () => {
    const inv = [image([m(['2.0.0'], 1), m(['1.0.0'], 5, { lastPulled: ago(40) })])]
    const p = plan(inv, policy({ keep: 1, olderThan: olderThan(30), ageBasis: 'last-pulled' }), NOW)
    expect(byName(p)['1.0.0'].reason).toBe('younger than 30d')
  })
})

describe('max-deletions', () => {
  // `alpha` sorts before `zeta`, so it goes first in the round robin although it comes second in the inventory.
  const zeta = image([m(['3.0.0'], 1), m(['2.0.0'], 2), m(['1.0.0'], 3), m(['nightly-2'], 4), m(['nightly-1'], 5)], 'zeta')
  const alpha = image([m(['1.4.0'], 1), m(['1.3.0'], 2), m(['1.2.0'], 3), m([sigOf('1.2.0')], 3, { key: 's' }), m(['1.1.0'], 4)], 'alpha')
  const order = (p: Plan) =>
    p.images
      .flatMap(i => i.decisions.map(d => ({ ...d, at: `${i.image}:${name(d).slice(0, 12)}` })))
      .filter(d => d.deleteOrder !== undefined)
      .sort((a, b) => a.deleteOrder! - b.deleteOrder!)
      .map(d => `${d.deleteOrder} ${d.at} ${d.action}`)

  it('orders deletions round robin over images in name order, lowest ranked first', () => {
    const p = plan([zeta, alpha], policy({ keep: 1, keepOther: 1, maxDeletions: 3 }), NOW)
    expect(p.images.map(i => i.image)).toEqual(['zeta', 'alpha'])
    expect(order(p)).toEqual([
      '1 alpha:1.1.0 delete',
      '2 zeta:1.0.0 delete',
      '3 alpha:1.2.0 delete',
      `4 alpha:${sigOf('1.2.0').slice(0, 12)} delete`,
      '5 zeta:nightly-1 pending',
      '6 alpha:1.3.0 pending',
      '7 zeta:2.0.0 pending'
    ])
    expect(byName(p, 0)['nightly-1']).toMatchObject({
      rule: 'max-deletions',
      reason: 'pending: max-deletions 3 reached',
      // what a later run deletes it for
      dueReason: expect.stringMatching(/^beyond keep-other 1/)
    })
  })

  it('leaves a referrer pending with its pending subject', () => {
    const p = plan([zeta, alpha], policy({ keep: 1, keepOther: 1, maxDeletions: 1 }), NOW)
    expect(byName(p, 1)[sigOf('1.2.0')]).toMatchObject({
      action: 'pending',
      rule: 'max-deletions',
      reason: 'pending: max-deletions 1 reached (signature of 1.2.0)',
      deleteOrder: 4
    })
  })

  it('numbers every deletion even without a cap', () => {
    const p = plan([zeta, alpha], policy({ keep: 1, keepOther: 1 }), NOW)
    expect(order(p).every(line => line.endsWith(' delete'))).toBe(true)
    expect(order(p)).toHaveLength(7)
  })
})

describe('sort: date', () => {
  it('ranks every non-referrer manifest together by date and ignores keep-other', () => {
    const inv = [image([m(['1.0.0'], 1), m(['nightly'], 2), m(['2.0.0'], 3), m(['dev'], 4), m(['0.1.0'])])]
    const p = plan(inv, policy({ sort: 'date', keep: 2, keepOther: 10 }), NOW)
    expect(p.images[0].decisions.map(d => [name(d), d.family, d.rank, d.action, d.reason])).toEqual([
      ['1.0.0', 'version', 1, 'keep', 'keep 2 (date) #1'],
      ['nightly', 'other', 2, 'keep', 'keep 2 (date) #2'],
      ['2.0.0', 'version', 3, 'delete', 'beyond keep 2'],
      ['dev', 'other', 4, 'delete', 'beyond keep 2'],
      ['0.1.0', 'version', 5, 'delete', 'beyond keep 2']
    ])
  })
})

describe('images', () => {
  it('keeps everything of an image whose inventory failed', () => {
    const inv = [image([m(['1.0.0'], 100), m(['0.9.0'], 200)], 'broken', { error: 'HTTP 500', notes: ['n1'] })]
    const p = plan(inv, policy({ keep: 1 }), NOW)
    expect(p.images[0]).toMatchObject({ error: 'HTTP 500', notes: ['n1'] })
    for (const d of p.images[0].decisions) {
      expect(d).toMatchObject({ action: 'keep', rule: 'image-failed', reason: 'image inventory failed: HTTP 500' })
      expect(d.deleteOrder).toBeUndefined()
    }
  })

  it('copies image notes and orders decisions: versions, others, then referrers', () => {
    const inv = [
      image([m([sigOf('x')], 1, { key: 's' }), m(['b'], 2), m(['1.0'], 3), m(['a'], 1), m(['2.0'], 4), m(['x'], 9)], 'app', {
        notes: ['pushed dates unavailable']
      })
    ]
    const p = plan(inv, policy(), NOW)
    expect(p.images[0].notes).toEqual(['pushed dates unavailable'])
    expect(p.images[0].decisions.map(name)).toEqual(['2.0', '1.0', 'a', 'b', 'x', sigOf('x')])
    const first = p.images[0].decisions[0]
    expect(first).toMatchObject({ repository: 'docker-hosted', image: 'app', digest: digestOf('2.0') })
  })

  it('is deterministic and does not mutate its input', () => {
    const inv = [
      image([
        m(['1.0.0', 'latest'], 100, { created: new Date(0), lastPulled: ago(2) }),
        m(['2.0.0'], 50, { children: [digestOf('c')] }),
        m(['c'], 50),
        m([sigOf('2.0.0')], 1, { key: 's' }),
        m(['unsorted-b', 'unsorted-a'].sort().reverse(), 40, { key: 'u' })
      ]),
      image([m(['1'], 1), m(['2'], 2)], 'b', { error: 'boom' })
    ]
    const before = structuredClone(inv)
    const pol = policy({ keep: 1, keepOther: 1, olderThan: olderThan(30), maxDeletions: 1 })
    const polBefore = structuredClone(pol)
    const a = plan(inv, pol, NOW)
    const b = plan(inv, pol, NOW)
    expect(a).toEqual(b)
    expect(inv).toEqual(before)
    expect(pol).toEqual(polBefore)
    expect(NOW.toISOString()).toBe('2024-06-01T00:00:00.000Z')
    expect(a.images[0].decisions.find(d => d.digest === digestOf('u'))!.tags).toEqual(['unsorted-a', 'unsorted-b'])
  })

  it('plans an empty inventory', () => {
    expect(plan([], policy(), NOW)).toEqual({ images: [], notes: [] })
  })
})
