import { compareVersions, highestVersion, isVersionTag, parseVersion } from '../../src/policy/version'
import { parseReferrerTag, referrerTagsOf } from '../../src/policy/referrers'

const HEX = 'ab'.repeat(32)

function cmp(a: string, b: string): number {
  const x = parseVersion(a)
  const y = parseVersion(b)
  if (!x || !y) throw new Error(`not versions: ${a} ${b}`)
  return Math.sign(compareVersions(x, y))
}

describe('parseVersion', () => {
  it.each([
    ['1.2.3', [1n, 2n, 3n], [], undefined],
    ['v1', [1n], [], undefined],
    ['V2.0', [2n, 0n], [], undefined],
    ['1.0', [1n, 0n], [], undefined],
    ['1.2.3.4', [1n, 2n, 3n, 4n], [], undefined],
    ['1.2.3-rc.1', [1n, 2n, 3n], ['rc', '1'], undefined],
    ['v2.0.0', [2n, 0n, 0n], [], undefined],
    ['5.2.6_1', [5n, 2n, 6n], [], '1'],
    ['1.0.0-beta.2_build.7', [1n, 0n, 0n], ['beta', '2'], 'build.7'],
    ['1.0-amd64', [1n, 0n], ['amd64'], undefined],
    ['1.20240101123456789', [1n, 20240101123456789n], [], undefined]
  ])('%s is a version', (tag, numbers, prerelease, build) => {
    expect(parseVersion(tag)).toEqual({ tag, numbers, prerelease, ...(build ? { build } : {}) })
  })

  it.each([
    'latest',
    'main',
    '1',
    '190',
    '20240101',
    '20240101-1',
    'sha-abc1234',
    'sha-1a2b',
    'pr-123',
    '1.2.3.4.5',
    '1..2',
    '.1.2',
    '1.2.',
    'v',
    'v1.2.3-',
    '1.2.3-rc..1',
    '1.2.3_',
    '1.2.3_linux_amd64',
    `sha256-${HEX}.sig`
  ])('%s is not a version', tag => {
    expect(parseVersion(tag)).toBeUndefined()
    expect(isVersionTag(tag)).toBe(false)
  })
})

describe('compareVersions', () => {
  it.each([
    ['1.0.10', '1.0.9', 1],
    ['1.10.0', '1.9.0', 1],
    ['1.10.0', 'v1.2.0', 1],
    ['v1.2.0', '1.2.0', 0],
    ['V1.2', 'v1.2.0', 0],
    ['1.2', '1.2.0.0', 0],
    ['1.2.3.4', '1.2.3', 1],
    ['1.2.3.4', '1.2.4', -1],
    ['v1', '0.9.9', 1],
    ['2.0.0', '2.0.0-rc.1', 1],
    ['1.0.0-rc.10', '1.0.0-rc.9', 1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-alpha.beta', '1.0.0-beta', -1],
    ['1.0.0-beta', '1.0.0-beta.2', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-beta.11', '1.0.0-rc.1', -1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.2.3.4-rc.1', '1.2.3.4', -1],
    ['5.2.6_1', '5.2.6', 0],
    ['5.2.6_1', '5.2.6_2', 0],
    ['1.0.0-rc.1_5', '1.0.0-rc.1_4', 0]
  ])('%s vs %s = %d', (a, b, expected) => {
    expect(cmp(a, b)).toBe(expected)
    expect(cmp(b, a)).toBe(-expected || 0)
  })

  it('sorts the SemVer spec precedence example', () => {
    const tags = ['1.0.0', '1.0.0-rc.1', '1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-beta']
    tags.push('1.0.0-alpha.beta', '1.0.0-alpha.1', '1.0.0-alpha')
    const sorted = [...tags].sort((a, b) => cmp(a, b))
    expect(sorted).toEqual([...tags].reverse())
  })
})

describe('highestVersion', () => {
  it.each([
    [['1', '1.2', '1.2.3', 'latest'], '1.2.3'],
    [['latest', 'main'], undefined],
    [['1.2.3', 'v1.2.3'], '1.2.3'],
    [['2.0.0-rc.1', '1.9.9'], '2.0.0-rc.1']
  ])('%j -> %s', (tags, expected) => {
    expect(highestVersion(tags)?.tag).toBe(expected)
  })
})

describe('referrer tags', () => {
  it.each([
    [`sha256-${HEX}.sig`, 'signature'],
    [`sha256-${HEX}.att`, 'attestation'],
    [`sha256-${HEX}.sbom`, 'SBOM'],
    [`sha256-${HEX}.spdx.json`, 'referrer'],
    [`sha256-${HEX}`, 'referrer'],
    [`sha256-${HEX}.constructor`, 'referrer']
  ])('%s is a %s', (tag, noun) => {
    expect(parseReferrerTag(tag)).toEqual({ tag, subject: `sha256:${HEX}`, noun })
  })

  it.each([`sha256-${HEX.slice(1)}.sig`, `sha256-${HEX.toUpperCase()}.sig`, `sha256-${HEX}.`, 'sha256-abc.sig', 'latest'])('%s is not a referrer tag', tag =>
    expect(parseReferrerTag(tag)).toBeUndefined()
  )

  it('a manifest is a referrer only when every tag is a referrer tag', () => {
    expect(referrerTagsOf([`sha256-${HEX}.sig`])).toHaveLength(1)
    expect(referrerTagsOf([`sha256-${HEX}.sig`, 'latest'])).toBeUndefined()
    expect(referrerTagsOf([])).toBeUndefined()
  })
})

describe('highestVersion names the most specific of equal versions', () => {
  it('prefers 1.10.0 over 1.10 and 1 on one digest, whatever the order', () => {
    expect(highestVersion(['1.10', '1.10.0', 'stable'])?.tag).toBe('1.10.0')
    expect(highestVersion(['1.10.0', '1', '1.10'])?.tag).toBe('1.10.0')
  })
})
