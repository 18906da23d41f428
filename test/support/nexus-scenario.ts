// A Nexus repository worked out by hand for keep 2, older-than 30d, age-basis last-pulled:
//   2.1.0 keep #1 · 2.0.0 (multi-arch) keep #2 · 1.2.0+latest protected · 1.1.0+1.1 and 1.0.0 deleted ·
//   0.9.0 pushed long ago but pulled 2 days ago: kept.

import type { Scenario } from '../nexus-emulator/scenario'

const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString()

export const NEXUS_POLICY = { keep: '2', 'older-than': '30d', 'age-basis': 'last-pulled' }
export const NEXUS_LEFT = ['0.9.0', '1.2.0', '2.0.0', '2.1.0', 'latest']
export const NEXUS_DELETED = ['1.0.0', '1.1', '1.1.0']

export function nexusScenario(extraTags = 0): Scenario {
  const bulk = Array.from({ length: extraTags }, (_, i) => ({ tag: `build-${i + 1}`, pushed: daysAgo(400 - (i % 300)) }))
  return {
    repositories: [
      {
        name: 'docker-hosted',
        images: [
          {
            name: 'team/api',
            tags: [
              { tag: '0.9.0', pushed: '2023-01-01T00:00:00Z', lastDownloaded: daysAgo(2) },
              { tag: '1.0.0', pushed: '2024-01-01T00:00:00Z' },
              { tag: '1.1.0', pushed: '2024-02-01T00:00:00Z' },
              { tag: '1.1', sameAs: '1.1.0' },
              { tag: '1.2.0', pushed: '2024-03-01T00:00:00Z' },
              { tag: 'latest', sameAs: '1.2.0' },
              { tag: '2.0.0', pushed: '2024-04-01T00:00:00Z', platforms: ['linux/amd64', 'linux/arm64'] },
              { tag: '2.1.0', pushed: '2024-05-01T00:00:00Z' }
            ]
          },
          ...(extraTags > 0 ? [{ name: 'team/bulk', tags: bulk }] : [])
        ]
      },
      { name: 'docker-proxy', type: 'proxy', remoteUrl: 'https://registry-1.docker.io' },
      { name: 'maven-releases', format: 'maven2' }
    ]
  }
}
