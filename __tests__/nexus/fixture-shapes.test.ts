// The response bodies in test/fixtures/nexus (Nexus's exact shapes) parse unchanged into what the planner needs.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NexusComponent, parseNexusDate } from '../../src/nexus/client'
import { recordsFromComponents } from '../../src/nexus/backend'

const EXAMPLES = join(__dirname, '..', '..', 'test', 'fixtures', 'nexus')
const page = (file: string) => JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { items: NexusComponent[]; continuationToken: string | null }

describe('test/fixtures/nexus', () => {
  it.each(['components-page-datastore.json', 'components-page-orientdb-3.69.json'])('%s gives digest, tag, id and dates', file => {
    const p = page(file)
    expect(p.continuationToken).toBeNull()
    const [rec] = recordsFromComponents(p.items)
    expect(rec.digest).toBe('sha256:' + 'a'.repeat(64))
    expect(rec.tags).toEqual(['1.4.2'])
    expect(rec.componentIds).toEqual({ '1.4.2': p.items[0].id })
    expect(rec.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json')
    expect(rec.pushed?.toISOString()).toBe('2025-01-10T09:15:02.123Z')
    expect(rec.lastPulled).toBeNull()
  })

  it('the OrientDB duplicate blobCreated key keeps the real date (JSON.parse keeps the last)', () => {
    const p = page('components-page-orientdb-3.69.json')
    expect(p.items[0].group).toBeNull()
    expect(p.items[0].assets[0].blobCreated).toBe('2025-01-10T09:15:02.120+00:00')
    expect(page('components-page-datastore.json').items[0].group).toBe('')
  })

  it('parses both date offset forms and rejects garbage', () => {
    expect(parseNexusDate('2022-08-29T07:11:42.914+00:00')?.toISOString()).toBe('2022-08-29T07:11:42.914Z')
    expect(parseNexusDate('2022-08-29T07:11:42.914+0000')?.toISOString()).toBe('2022-08-29T07:11:42.914Z')
    expect(parseNexusDate('2022-08-29T09:11:42.914+0200')?.toISOString()).toBe('2022-08-29T07:11:42.914Z')
    expect(parseNexusDate(null)).toBeUndefined()
    expect(parseNexusDate('not a date')).toBeUndefined()
  })

  it('groups tags sharing a digest and takes the newest dates among them', () => {
    const c = (id: string, tag: string, sha: string, modified: string, downloaded: string | null): NexusComponent => ({
      id,
      repository: 'r',
      format: 'docker',
      group: '',
      name: 'team/api',
      version: tag,
      assets: [{ path: `/v2/team/api/manifests/${tag}`, checksum: { sha256: sha }, lastModified: modified, lastDownloaded: downloaded }]
    })
    const recs = recordsFromComponents([
      c('1', '1.0.0', 'b'.repeat(64), '2024-01-01T00:00:00.000+00:00', null),
      c('2', 'latest', 'b'.repeat(64), '2024-02-01T00:00:00.000+00:00', '2024-03-01T00:00:00.000+00:00'),
      c('3', '0.9.0', 'c'.repeat(64), '2023-01-01T00:00:00.000+00:00', null)
    ])
    expect(recs.map(r => r.tags)).toEqual([['1.0.0', 'latest'], ['0.9.0']])
    expect(recs[0].pushed?.toISOString()).toBe('2024-02-01T00:00:00.000Z')
    expect(recs[0].lastPulled?.toISOString()).toBe('2024-03-01T00:00:00.000Z')
    expect(recs[0].componentIds).toEqual({ '1.0.0': '1', latest: '2' })
  })

  it('an asset from before 3.39 (no lastDownloaded field) leaves last-pulled unknown, not "never"', () => {
    const [rec] = recordsFromComponents([
      {
        id: '1',
        repository: 'r',
        format: 'docker',
        group: null,
        name: 'a',
        version: '1.0',
        assets: [{ path: 'v2/a/manifests/1.0', checksum: { sha256: 'd'.repeat(64) } }]
      }
    ])
    expect(rec.lastPulled).toBeUndefined()
    expect(rec.pushed).toBeUndefined()
  })
})
