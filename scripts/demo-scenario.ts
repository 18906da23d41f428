// The repository `npm run demo` cleans: a small but realistic Nexus `docker-hosted` repository, with
// dates relative to now so that the policy below always decides the same way, whenever it runs.
//
// With --keep 3 --keep-other 2 --older-than 30d --age-basis last-pulled --keep-tags latest,stable:
//   shop/api       versions:  2.0.0+latest protected · 2.0.0-rc.2 #2 · 2.0.0-rc.1 #3 ·
//                             1.10.0+1.10+stable protected (shared digest: one manifest, three tags) ·
//                             1.9.0 … 1.0.0 deleted (1.10.0 ranks above 1.9.0: versions are not strings)
//                  others:    main #1 · develop #2 · pr-42 younger than 30d · pr-41, sha-3f2a1c9 deleted
//   shop/web       multi-arch (linux/amd64 + linux/arm64 OCI indexes): 3.2.0+latest, 3.1.0, 3.0.0 kept,
//                             2.9.0 and 2.8.0 deleted (index first, then its platform manifests go with GC)
//   tools/migrate  0.6.0, 0.5.0, 0.4.0 kept · 0.3.0 pushed long ago but pulled 4 days ago: kept ·
//                  0.2.0 (last pulled 90 days ago) and 0.1.0 deleted

import type { Scenario, ScenarioTag } from '../test/nexus-emulator/scenario'

export const DEMO_REPOSITORY = 'docker-hosted'

/** The CLI flags of the demo's policy (the password and dry-run/delete are added by the demo). */
export const DEMO_POLICY = ['--keep', '3', '--keep-other', '2', '--older-than', '30d', '--age-basis', 'last-pulled', '--keep-tags', 'latest,stable']

const DAY = 86_400_000
/** A layer per tag plus a base layer shared by the image's tags, of this many bytes each. */
const LAYER = 256 * 1024

export function demoScenario(now: number = Date.now()): Scenario {
  const ago = (days: number): string => new Date(now - days * DAY).toISOString()
  const tag = (name: string, pushedDaysAgo: number, extra: Partial<ScenarioTag> = {}): ScenarioTag => ({
    tag: name,
    pushed: ago(pushedDaysAgo),
    layers: 2,
    layerSize: LAYER,
    uploader: 'ci-bot',
    ...extra
  })

  // shop/api: ten minor releases a month apart, the 2.0.0 release candidates, then 2.0.0.
  const api: ScenarioTag[] = []
  for (let minor = 0; minor <= 10; minor++) api.push(tag(`1.${minor}.0`, 400 - minor * 30))
  api.push(
    { tag: '1.10', sameAs: '1.10.0' },
    { tag: 'stable', sameAs: '1.10.0' },
    tag('2.0.0-rc.1', 75),
    tag('2.0.0-rc.2', 62),
    tag('2.0.0', 48),
    { tag: 'latest', sameAs: '2.0.0' },
    tag('main', 1),
    tag('develop', 3),
    tag('pr-42', 9),
    tag('pr-41', 41),
    tag('sha-3f2a1c9', 120)
  )

  const multiArch = { platforms: ['linux/amd64', 'linux/arm64'], mediaType: 'oci' as const }
  const web: ScenarioTag[] = [
    tag('2.8.0', 210, multiArch),
    tag('2.9.0', 150, multiArch),
    tag('3.0.0', 90, multiArch),
    tag('3.1.0', 45, multiArch),
    tag('3.2.0', 12, multiArch),
    { tag: 'latest', sameAs: '3.2.0' }
  ]

  const migrate: ScenarioTag[] = [
    tag('0.1.0', 330),
    tag('0.2.0', 300, { lastDownloaded: ago(90) }),
    tag('0.3.0', 270, { lastDownloaded: ago(4) }),
    tag('0.4.0', 200),
    tag('0.5.0', 160),
    tag('0.6.0', 100)
  ]

  return {
    blobStores: [{ name: 'default', type: 'File' }],
    repositories: [
      {
        name: DEMO_REPOSITORY,
        type: 'hosted',
        format: 'docker',
        blobStore: 'default',
        images: [
          { name: 'shop/api', tags: api },
          { name: 'shop/web', tags: web },
          { name: 'tools/migrate', tags: migrate }
        ]
      }
    ]
    // No `tasks`: the emulator gets a fresh instance's tasks (Docker GC for `*`, a compact per blob store),
    // which the reclaim step finds by type.
  }
}
