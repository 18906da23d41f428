// One realistic image exercised end to end: version, pre-release, `_`-build, shared-digest, multi-arch,
// signature and non-version tags. EXPECTED_LEFT is worked out by hand from the README's rules for
// POLICY (keep 2, keep-other 1, older-than 30d, keep-tags latest).

import { PushTarget, pushImage, pushIndex, retag } from './push'

export const IMAGE = 'shop/api'
export const OTHER_IMAGE = 'shop/web'

export const POLICY_INPUTS = {
  keep: '2',
  'keep-other': '1',
  'older-than': '30d',
  'age-basis': 'created'
}

const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString()

export async function seedMixed(t: PushTarget): Promise<{ indexDigest: string; oldDigest: string; allTags: string[] }> {
  const img = (tag: string, created: string | null) => pushImage(t, IMAGE, tag, { created, layers: [`${tag} base`, `${tag} app`] })
  await img('1.0.9', '2024-01-01T00:00:00Z')
  const old = await img('1.0.10', '2024-01-02T00:00:00Z')
  const v1011 = await img('1.0.11', '2024-01-03T00:00:00Z')
  await retag(t, IMAGE, '1.0', v1011) // shared digest: goes as one
  const v110 = await img('1.1.0', '2024-01-04T00:00:00Z')
  await retag(t, IMAGE, 'latest', v110) // protected, and with it 1.1.0
  await img('1.1.1_2', '2024-01-06T00:00:00Z') // `_` build: 1.1.1+2
  await img('1.2.0-rc.1', '2024-01-05T00:00:00Z')
  await img('1.0.8', daysAgo(1)) // young: kept by older-than
  await img('0.9.0', '1970-01-01T00:00:00Z') // reproducible-build stamp: age unknown, kept
  // multi-arch 2.0.0, with its amd64 child also tagged
  const amd = await pushImage(t, IMAGE, null, { created: '2024-03-01T00:00:00Z', architecture: 'amd64' })
  const arm = await pushImage(t, IMAGE, null, { created: '2024-03-02T00:00:00Z', architecture: 'arm64' })
  const index = await pushIndex(t, IMAGE, '2.0.0', [
    { pushed: amd, platform: { architecture: 'amd64', os: 'linux' } },
    { pushed: arm, platform: { architecture: 'arm64', os: 'linux' } }
  ])
  await retag(t, IMAGE, '2.0.0-amd64', amd)
  await sig(t, index.digest, '2024-03-03T00:00:00Z')
  await sig(t, old.digest, '2024-01-02T00:00:00Z') // signature of 1.0.10: goes with it
  // non-version tags
  await img('main', '2024-02-01T00:00:00Z')
  await img('sha-abc1234', '2024-01-15T00:00:00Z')
  await img('pr-12', '2023-12-01T00:00:00Z')
  // a second image with its own history
  for (const [i, tag] of ['1.0.0', '1.1.0', '1.2.0'].entries()) {
    await pushImage(t, OTHER_IMAGE, tag, { created: `2024-0${i + 1}-01T00:00:00Z` })
  }
  const allTags = [
    '1.0.9',
    '1.0.10',
    '1.0.11',
    '1.0',
    '1.1.0',
    'latest',
    '1.1.1_2',
    '1.2.0-rc.1',
    '1.0.8',
    '0.9.0',
    '2.0.0',
    '2.0.0-amd64',
    `${index.digest.replace(':', '-')}.sig`,
    `${old.digest.replace(':', '-')}.sig`,
    'main',
    'sha-abc1234',
    'pr-12'
  ]
  return { indexDigest: index.digest, oldDigest: old.digest, allTags: allTags.sort() }
}

function sig(t: PushTarget, subject: string, created: string) {
  return pushImage(t, IMAGE, `${subject.replace(':', '-')}.sig`, { created, layers: [`signature of ${subject}`] })
}

/** The tags of IMAGE the policy keeps, given the digests seedMixed returned. */
export function expectedLeft(seed: { indexDigest: string }): string[] {
  // 1.1.1_2, 1.0.11+1.0, 1.0.10 (+ its signature), 1.0.9: beyond keep 2 and older than 30d;
  // sha-abc1234, pr-12: beyond keep-other 1 and older than 30d.
  return [
    '2.0.0', // keep 2 (semver) #1
    '2.0.0-amd64', // child of kept 2.0.0: a tagged child ranks with its index and takes no slot
    '1.2.0-rc.1', // keep 2 (semver) #2
    '1.1.0',
    'latest', // protected by keep-tags
    '1.0.8', // younger than 30d
    '0.9.0', // age unknown (1970)
    'main', // keep-other 1 #1
    `${seed.indexDigest.replace(':', '-')}.sig` // signature of kept 2.0.0
  ].sort()
}

/** shop/web keeps its 2 newest versions; 1.0.0 goes. */
export const EXPECTED_LEFT_OTHER = ['1.1.0', '1.2.0']
