// Retention as code in the pure planner: rules per image group, version lines, references in use,
// deletes on demand and the component budget, each alone and combined, with the reasons they give.
import type { Decision, ImageRule, Plan, Policy } from '../../src/model'
import { plan } from '../../src/policy/planner'
import { parseReference } from '../../src/config/references'
import { DAY, digestOf, image, m, NOW, sigOf } from '../../test/support/manifests'
import { testPolicy } from '../../test/support/policy'

const olderThan = (days: number) => ({ ms: days * DAY, text: `${days}d` })
const name = (d: Decision) => d.tags.join('+') || d.digest.slice(7, 19)
function byName(p: Plan, img = 0): Record<string, Decision> {
  return Object.fromEntries((p.images[img]?.decisions ?? []).map(d => [name(d), d]))
}
function kept(p: Plan, img = 0): string[] {
  return (p.images[img]?.decisions ?? []).filter(d => d.action === 'keep' && d.family !== 'referrer').map(name)
}
const ref = (text: string) => {
  const r = parseReference(text)
  if (typeof r === 'string') throw new Error(r)
  return r
}
const rule = (index: number, images: string[], set: ImageRule['set'], excludeImages: string[] = []): ImageRule => ({ index, images, excludeImages, set })

describe('keep-per and keep-lines', () => {
  const versions = ['1.4.0', '1.4.1', '1.5.0', '1.5.1', '1.5.2', '2.0.0-rc.1', '2.0.0', '2.1.0', 'v2.1.1'].map((t, i) => m([t], 100 - i))

  it('keep-per minor, keep 1: the newest patch of each minor line', () => {
    const p = plan([image(versions)], testPolicy({ keep: 1, keepPer: 'minor' }), NOW)
    expect(kept(p).sort()).toEqual(['1.4.1', '1.5.2', '2.0.0', 'v2.1.1'])
    expect(byName(p)['1.5.2']?.reason).toBe('keep 1 per minor (1.5.x) #1')
    expect(byName(p)['v2.1.1']?.reason).toBe('keep 1 per minor (2.1.x) #1') // the v prefix is not part of the line
    expect(byName(p)['1.5.1']?.reason).toBe('beyond keep 1 per minor (1.5.x)')
    // a pre-release sits in its release's line, below the release
    expect(byName(p)['2.0.0-rc.1']?.reason).toBe('beyond keep 1 per minor (2.0.x)')
  })

  it('keep-lines 3: only the three newest lines keep slots', () => {
    const p = plan([image(versions)], testPolicy({ keep: 1, keepPer: 'minor', keepLines: 3 }), NOW)
    expect(kept(p).sort()).toEqual(['1.5.2', '2.0.0', 'v2.1.1'])
    expect(byName(p)['1.4.1']?.reason).toBe('beyond keep-lines 3 (1.4.x)')
  })

  it('keep-per major, keep 2 with older-than: lines by major, age still applies', () => {
    const p = plan([image(versions)], testPolicy({ keep: 2, keepPer: 'major', olderThan: olderThan(95) }), NOW)
    expect(kept(p).sort()).toEqual(['1.5.1', '1.5.2', '2.0.0', '2.1.0', 'v2.1.1'])
    expect(byName(p)['1.5.2']?.reason).toBe('keep 2 per major (1.x) #1')
    expect(byName(p)['2.0.0']?.reason).toBe('younger than 95d')
    expect(byName(p)['2.0.0-rc.1']?.reason).toBe('beyond keep 2 per major (2.x) and older than 95d')
    expect(byName(p)['1.4.0']?.action).toBe('delete')
  })
})

describe('rules', () => {
  const prod = image([m(['1.0.0'], 90), m(['1.1.0'], 80), m(['1.2.0'], 70)], 'prod/api')
  const feature = image([m(['a'], 20), m(['b'], 10), m(['c'], 2)], 'feature/x')
  const other = image([m(['1.0.0'], 90), m(['1.1.0'], 80), m(['1.2.0'], 70)], 'tools/y')
  const rules = [rule(1, ['prod/**'], { keep: 20 }), rule(2, ['feature/**'], { keep: 1, olderThan: olderThan(7) })]

  it('the first matching rule decides an image; fields it leaves out come from the inputs; no rule = the inputs', () => {
    const p = plan([prod, feature, other], testPolicy({ keep: 1, keepOther: 1, keepOtherFollowsKeep: true, rules }), NOW)
    expect(p.images.map(i => i.rule)).toEqual(['rule 1 (prod/**)', 'rule 2 (feature/**)', undefined])
    expect(kept(p, 0)).toHaveLength(3) // keep 20
    // keep-other left empty follows the rule's keep
    expect(kept(p, 1).sort()).toEqual(['c'])
    expect(byName(p, 1)['b']?.reason).toBe('beyond keep-other 1 and older than 7d')
    expect(kept(p, 2)).toEqual(['1.2.0']) // the inputs: keep 1, no age
  })

  it('a rule that narrows tags, and exclude-images passing an image to the next rule', () => {
    const narrowed = [rule(1, ['feature/**'], { keep: 1, tags: ['a', 'b'] }, ['feature/x'])]
    expect(plan([feature], testPolicy({ keep: 1, rules: narrowed }), NOW).images[0]?.rule).toBeUndefined()
    const p = plan([feature], testPolicy({ keep: 1, keepOther: 1, rules: [rule(1, ['feature/**'], { tags: ['a'] })] }), NOW)
    expect(byName(p)['b']?.reason).toBe('tag b not selected by tags')
    expect(byName(p)['a']?.action).toBe('delete')
  })
})

describe('keep-references', () => {
  const index = m(['2.0.0'], 60, { key: 'idx', children: [digestOf('amd64'), digestOf('arm64')] })
  const inv = image([m(['1.0.0'], 90), m(['1.1.0'], 80), index, m(['3.0.0'], 1)], 'shop/api', {
    untagged: [m([], 60, { key: 'amd64' }), m([], 60, { key: 'arm64' })]
  })
  const refsPolicy = (refs: string[]) => testPolicy({ keep: 1, references: refs.map(ref) })

  it('a reference by digest to a manifest beyond keep keeps it, whatever keep and older-than say', () => {
    const p = plan([inv], refsPolicy([`nexus.example.com/repository/docker-hosted/shop/api@${digestOf('1.0.0')}`]), NOW)
    expect(byName(p)['1.0.0']).toMatchObject({ action: 'keep', rule: 'in-use', reason: 'in use (keep-references)' })
    expect(p.images[0]?.referencesMatched).toHaveLength(1)
  })

  it('by tag: what the tag points at now; with host, connector port or path routing', () => {
    for (const text of ['shop/api:1.1.0', 'nexus.example.com:8082/shop/api:1.1.0', 'nexus.example.com/docker-hosted/shop/api:1.1.0']) {
      expect(byName(plan([inv], refsPolicy([text]), NOW))['1.1.0']?.rule).toBe('in-use')
    }
  })

  it('a platform manifest named by digest (a pod imageID) keeps its index, and so the index keeps both children', () => {
    const p = plan([inv, image([m(['3.0.0'], 1)], 'shop/web')], testPolicy({ keep: 1, references: [ref(`shop/api@${digestOf('arm64')}`)] }), NOW)
    expect(byName(p)['2.0.0']).toMatchObject({ action: 'keep', rule: 'in-use' })
    expect(byName(p)['2.0.0']?.reason).toMatch(/^in use \(keep-references\): reaches sha256:/)
    expect(p.images[0]?.decisions.filter(d => d.tags.length === 0).every(d => d.action === 'keep')).toBe(true)
  })

  it('another repository, or a digest this image lacks, matches nothing', () => {
    const p = plan([inv], refsPolicy([`nexus.example.com/repository/other/shop/api:1.0.0`, `shop/api@${digestOf('nope')}`]), NOW)
    expect(byName(p)['1.0.0']?.action).toBe('delete')
    expect(p.images[0]?.referencesMatched).toBeUndefined()
  })

  it('keep-tags still comes first, and a reference does not unprotect anything', () => {
    const p = plan([inv], testPolicy({ keep: 1, keepTags: ['1.0.0'], references: [ref('shop/api:1.0.0')] }), NOW)
    expect(byName(p)['1.0.0']?.rule).toBe('protected')
  })
})

describe('delete-tags', () => {
  const inv = image([m(['2.0.0-rc.1'], 3), m(['2.0.0-rc.2', 'main'], 2), m(['2.0.0'], 1), m(['pr-123'], 1), m(['latest', 'pr-124'], 1, { key: 'l' })], 'app')

  it('deletes now whatever keep and older-than say, with the reason', () => {
    const p = plan([inv], testPolicy({ keep: 10, olderThan: olderThan(30), deleteTags: ['2.0.0-rc.*', 'pr-123'] }), NOW)
    expect(byName(p)['2.0.0-rc.1']).toMatchObject({ action: 'delete', rule: 'on-demand', reason: 'deleted on demand (delete-tags: 2.0.0-rc.1)' })
    expect(byName(p)['pr-123']?.reason).toBe('deleted on demand (delete-tags: pr-123)')
    expect(byName(p)['2.0.0']?.action).toBe('keep')
  })

  it('a manifest with another tag that does not match is kept, and says so', () => {
    const p = plan([inv], testPolicy({ keep: 1, deleteTags: ['2.0.0-rc.*'] }), NOW)
    expect(byName(p)['2.0.0-rc.2+main']).toMatchObject({ action: 'keep', rule: 'also-tagged', reason: 'also tagged main (delete-tags matched 2.0.0-rc.2)' })
  })

  it('never deletes what keep-tags, keep-references or the graph protects', () => {
    const signed = image([m(['1.0.0'], 9), m([sigOf('1.0.0')], 9, { key: 'sig' }), m(['pr-9'], 9)], 'app')
    const p = plan([inv], testPolicy({ keep: 1, keepTags: ['latest'], deleteTags: ['pr-*'], references: [ref('app:pr-123')] }), NOW)
    expect(byName(p)['latest+pr-124']?.rule).toBe('protected')
    expect(byName(p)['pr-123']?.rule).toBe('in-use')
    // the signature of a manifest deleted on demand goes with it, after it
    const q = plan([signed], testPolicy({ keep: 5, deleteTags: ['1.0.0'] }), NOW)
    expect(byName(q)['1.0.0']?.rule).toBe('on-demand')
    expect(q.images[0]?.decisions.find(d => d.family === 'referrer')).toMatchObject({ action: 'delete', rule: 'referrer-of-deleted' })
  })

  it('counts against max-deletions like any deletion', () => {
    const p = plan([inv], testPolicy({ keep: 10, deleteTags: ['2.0.0-rc.1', 'pr-123'], maxDeletions: 1 }), NOW)
    expect(Object.values(byName(p)).filter(d => d.action === 'pending')).toHaveLength(1)
    expect(Object.values(byName(p)).filter(d => d.action === 'delete')).toHaveLength(1)
  })
})

describe('max-components', () => {
  // 2 images x 6 versions, keep 2, older-than 30d: 1.0.0 and 1.1.0 are old (deleted anyway), the rest young
  const versions = (n: string) =>
    image(
      ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0'].map((t, i) => m([t], [90, 80, 20, 15, 10, 5][i])),
      n
    )
  const pol = (max: number, over: Partial<Policy> = {}) => testPolicy({ keep: 2, olderThan: olderThan(30), maxComponents: max, ...over })

  it('over the budget: beyond keep but younger goes too, lowest-ranked first across images, until at most the budget', () => {
    const p = plan([versions('a'), versions('b')], pol(100), NOW, undefined, { components: 103 })
    // the policy removes 4 (two per image); 103 - 4 = 99 <= 100: the budget takes nothing
    expect(p.budget).toMatchObject({ before: 103, planned: 4, tookManifests: 0, after: 99, met: true })
    const q = plan([versions('a'), versions('b')], pol(97), NOW, undefined, { components: 103 })
    // 103 - 4 = 99, 2 over: the two lowest-ranked young ones (1.2.0 of each image) go
    expect(q.budget).toMatchObject({ planned: 4, tookManifests: 2, tookTags: 2, after: 97, met: true })
    for (const img of [0, 1]) {
      expect(byName(q, img)['1.2.0']).toMatchObject({ action: 'delete', rule: 'budget' })
      expect(byName(q, img)['1.2.0']?.reason).toBe('beyond keep 2, younger than 30d: taken by max-components 97')
      expect(byName(q, img)['1.3.0']?.rule).toBe('younger')
    }
  })

  it('keep, protections and references hold: a budget that cannot be met says so', () => {
    const p = plan([versions('a')], pol(1, { keepTags: ['1.3.0'], references: [ref('a:1.4.0')] }), NOW, undefined, { components: 10 })
    expect(p.budget).toMatchObject({ met: false, tookManifests: 1 })
    expect(byName(p)['1.2.0']?.rule).toBe('budget')
    expect(byName(p)['1.3.0']?.rule).toBe('protected')
    expect(byName(p)['1.4.0']?.rule).toBe('in-use')
    expect(byName(p)['1.5.0']?.rule).toBe('keep-newest')
  })

  it('without the instance count, no budget is applied', () => {
    const p = plan([versions('a')], pol(1), NOW)
    expect(p.budget).toBeUndefined()
    expect(byName(p)['1.2.0']?.rule).toBe('younger')
  })
})
