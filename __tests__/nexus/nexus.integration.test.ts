// Nexus mode end to end against the emulator (which follows shared/nexus/API.md), through the
// engine's real HTTP code, for both the datastore and the OrientDB behaviour.

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { startFaultProxy } from '../../test/support/fault-proxy'
import { memoryLogger } from '../../test/support/memory-logger'
import { RunReport } from '../../src/model'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { NEXUS_DELETED, NEXUS_LEFT, NEXUS_POLICY, nexusScenario } from '../../test/support/nexus-scenario'
import { putManifest } from '../../test/support/push'

const REPO = 'docker-hosted'
const IMAGE = 'team/api'

function runWith(emu: NexusEmulator, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = {
    host: emu.url,
    repository: REPO,
    username: 'admin',
    password: 'admin123',
    ...NEXUS_POLICY,
    ...extra
  }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

const deletingRequests = (emu: NexusEmulator) => emu.requests.filter(r => r.method === 'DELETE' || (r.method === 'POST' && /\/run$/.test(r.path)))

describe.each([
  ['datastore', 'search', { dbMode: 'datastore' as const, version: '3.77.0-08' }],
  ['datastore', 'components', { dbMode: 'datastore' as const, version: '3.77.0-08' }],
  ['orient', 'search', { dbMode: 'orient' as const, version: '3.69.0-02' }],
  ['orient', 'components', { dbMode: 'orient' as const, version: '3.69.0-02' }]
])('nexus (%s, listing %s)', (_label, listing, opts) => {
  let emu: NexusEmulator
  beforeEach(async () => {
    emu = await startNexusEmulator({ ...opts, scenario: nexusScenario() })
  })
  afterEach(() => emu.close())
  const run = (e: NexusEmulator, extra: Record<string, string> = {}): Promise<RunReport> => runWith(e, { listing, ...extra })
  /** The listing's own registry reads in search mode: the catalog and one tags list per image. */
  const listingRead = (path: string): boolean => listing === 'search' && (path.endsWith('/_catalog') || path.endsWith('/tags/list'))

  it('dry run plans without deleting and without marking anything pulled', async () => {
    const before = emu.tags(REPO, IMAGE).map(t => [t, emu.component(REPO, IMAGE, t)?.lastDownloaded ?? null])
    const report = await run(emu)
    expect(report.failures).toEqual([])
    const would = report.images[0].outcomes.filter(o => o.status === 'would-delete').flatMap(o => o.decision.tags)
    expect(would.sort()).toEqual(NEXUS_DELETED)
    expect(deletingRequests(emu)).toEqual([])
    const after = emu.tags(REPO, IMAGE).map(t => [t, emu.component(REPO, IMAGE, t)?.lastDownloaded ?? null])
    expect(after).toEqual(before)
    // Digests came from REST: no manifest was read by tag through the registry API.
    expect(emu.requests.filter(r => /\/manifests\/(?!sha256:)/.test(r.path) && r.method !== 'DELETE')).toEqual([])
    // The guards around a delete are not sent: no component read, no tag list (but search's proof).
    expect(emu.requests.filter(r => r.path.startsWith('/service/rest/v1/components/') || r.path.endsWith('/tags/list'))).toHaveLength(
      listing === 'search' ? 1 : 0
    )
  })

  it('deletes every tag of a manifest by component, keeps the protected and recently pulled ones, verifies', async () => {
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(emu.tags(REPO, IMAGE).sort()).toEqual(NEXUS_LEFT)
    const byTag = new Map(report.images[0].outcomes.flatMap(o => o.decision.tags.map(t => [t, o] as const)))
    expect(byTag.get('0.9.0')!.decision.reason).toBe('pulled 2 days ago')
    expect(byTag.get('1.2.0')!.decision.reason).toBe('protected by keep-tags: latest')
    expect(byTag.get('1.1')!.status).toBe('deleted')
    expect(byTag.get('1.1.0')!.decision.digest).toBe(byTag.get('1.1')!.decision.digest)
    // one component DELETE per deleted tag, nothing by digest
    const deletes = emu.requests.filter(r => r.method === 'DELETE')
    expect(deletes).toHaveLength(3)
    expect(deletes.every(r => r.path.startsWith('/service/rest/v1/components/'))).toBe(true)
    expect(report.totals.tags.deleted).toBe(3)
    expect(report.totals.manifests.deleted).toBe(2)
    // size-estimate auto: the deleted manifests were not read, so the estimate is unknown
    expect(report.totals.freeableBytes).toBeUndefined()
    // kept tags were not made to look pulled by the cleanup
    for (const t of ['1.2.0', 'latest', '2.0.0', '2.1.0']) expect(emu.component(REPO, IMAGE, t)!.lastDownloaded).toBeNull()
  })

  it('skips a tag re-pushed between plan and delete ("changed since planned")', async () => {
    // The re-push lands after the plan, just before the first component is re-read (verify-before-delete).
    const proxy = await startFaultProxy(emu.url)
    proxy.setRules([
      {
        method: 'GET',
        path: /^\/service\/rest\/v1\/components\//,
        times: 1,
        fault: { kind: 'hook', run: async () => void emu.rePushTag(REPO, IMAGE, '1.0.0') }
      }
    ])
    const report = await run(emu, { host: proxy.url, 'dry-run': 'false', 'verify-before-delete': 'true' }).finally(() => proxy.close())
    const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
    expect(o.status).toBe('skipped')
    expect(o.detail).toMatch(/changed since planned: 1.0.0 was re-pushed/)
    expect(emu.tags(REPO, IMAGE)).toContain('1.0.0')
    expect(emu.tags(REPO, IMAGE)).not.toContain('1.1.0')
  })

  it('age-basis created: each manifest and config is read once, by digest, and nothing is marked pulled', async () => {
    const before = emu.tags(REPO, IMAGE).map(t => [t, emu.component(REPO, IMAGE, t)?.lastDownloaded ?? null])
    const report = await run(emu, { 'age-basis': 'created' })
    expect(report.failures).toEqual([])
    const reads = emu.requests.filter(r => r.method === 'GET' && r.path.includes('/v2/') && !listingRead(r.path)).map(r => r.path)
    expect(reads.every(p => /\/(manifests|blobs)\/sha256:[0-9a-f]{64}$/.test(p))).toBe(true)
    expect(new Set(reads).size).toBe(reads.length)
    // 6 digests, one of them the 2.0.0 index with 2 children: 8 manifests and 7 configs
    expect(reads.filter(p => p.includes('/manifests/'))).toHaveLength(8)
    expect(reads.filter(p => p.includes('/blobs/'))).toHaveLength(7)
    expect(report.images[0].outcomes.every(o => o.decision.ageBasis === 'created')).toBe(true)
    expect(emu.tags(REPO, IMAGE).map(t => [t, emu.component(REPO, IMAGE, t)?.lastDownloaded ?? null])).toEqual(before)
  })

  it('by default reads no component before deleting (search: reads each, always): a tag re-pushed at its DELETE goes with its new content', async () => {
    // Nexus has no conditional delete and the component id survives a re-push: the documented window.
    const id = emu.component(REPO, IMAGE, '1.0.0')!.id
    const proxy = await startFaultProxy(emu.url)
    proxy.setRules([
      {
        method: 'DELETE',
        path: new RegExp(`^/service/rest/v1/components/${id}$`),
        times: 1,
        fault: { kind: 'hook', run: async () => void emu.rePushTag(REPO, IMAGE, '1.0.0') }
      }
    ])
    const report = await run(emu, { host: proxy.url, 'dry-run': 'false' }).finally(() => proxy.close())
    expect(report.failures).toEqual([])
    expect(proxy.log.some(e => e.fault === 'hook')).toBe(true)
    expect(report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!.status).toBe('deleted')
    expect(emu.tags(REPO, IMAGE).sort()).toEqual(NEXUS_LEFT)
    const reads = emu.requests.filter(r => r.method === 'GET' && r.path.startsWith('/service/rest/v1/components/'))
    expect(reads).toHaveLength(listing === 'search' ? NEXUS_DELETED.length : 0)
  })

  it.each([
    ['on', 'true', 2],
    ['auto', 'true', 2],
    ['off', 'true', 0],
    ['on', 'false', 2],
    ['auto', 'false', 0],
    ['off', 'false', 0]
  ])('size-estimate %s, dry-run %s: %i manifest reads by digest for the deleted manifests', async (estimate, dryRun, reads) => {
    const deleted = ['1.0.0', '1.1.0'].map(t => emu.digest(REPO, IMAGE, t)!)
    const report = await run(emu, { 'size-estimate': estimate, 'dry-run': dryRun })
    expect(report.failures).toEqual([])
    const read = emu.requests.filter(r => r.method === 'GET' && deleted.some(d => r.path.endsWith(`/manifests/${d}`)))
    expect(read).toHaveLength(reads)
    if (reads > 0) expect(report.totals.freeableBytes).toBeGreaterThan(0)
    else expect(report.totals.freeableBytes).toBeUndefined()
    // reads by digest mark nothing pulled (checked in the dry runs, where the three tags are all still there)
    if (dryRun === 'true') for (const t of ['1.0.0', '1.1.0', '1.1']) expect(emu.component(REPO, IMAGE, t)!.lastDownloaded).toBeNull()
  })

  it.each([
    ['401 wrong password', { password: 'nope' }, /Nexus refused the credentials \(401\).*check username and password/],
    ['unknown repository', { repository: 'nope' }, /Nexus repository 'nope' not found.*Docker repositories: docker-hosted \(hosted\), docker-proxy \(proxy\)/],
    ['proxy repository', { repository: 'docker-proxy' }, /'docker-proxy' is a proxy repository: only hosted repositories are cleaned/],
    ['maven repository', { repository: 'maven-releases' }, /'maven-releases' is a maven2 repository, not docker/]
  ])('%s: one clear error, nothing deleted', async (_name, extra, message) => {
    await expect(run(emu, { 'dry-run': 'false', ...extra })).rejects.toThrow(message)
    expect(deletingRequests(emu)).toEqual([])
    expect(emu.tags(REPO, IMAGE)).toHaveLength(8)
  })

  it.each([
    ['a repository URL', '/repository/docker-hosted'],
    ['a context path Nexus does not have', '/nexus']
  ])('host set to %s: the error says host must be the base URL and shows registry-url for connectors', async (_label, suffix) => {
    await expect(run(emu, { host: `${emu.url}${suffix}`, 'dry-run': 'false' })).rejects.toThrow(
      /answered 404: host must be Nexus's base URL .*set registry-url \(e\.g\. https:\/\/nexus\.example\.com:8082\)$/
    )
    expect(deletingRequests(emu)).toEqual([])
  })

  it('without read or browse: one clear line; without delete a real run stops before deleting, a dry run says so', async () => {
    emu.addUser({ username: 'viewer', password: 'pw', privileges: [] })
    await expect(run(emu, { username: 'viewer', password: 'pw', 'dry-run': 'false' })).rejects.toThrow(
      /(403|not found).*nx-repository-view-docker-docker-hosted-read/
    )
    emu.addUser({
      username: 'reader',
      password: 'pw',
      privileges: ['nx-repository-view-docker-docker-hosted-browse', 'nx-repository-view-docker-docker-hosted-read']
    })
    await expect(run(emu, { username: 'reader', password: 'pw', 'dry-run': 'false' })).rejects.toThrow(
      'the Nexus user lacks nx-repository-view-docker-docker-hosted-delete (to delete tags in docker-hosted): grant them to its role (docs/nexus-setup.md "Nexus privileges"). Nothing was changed.'
    )
    expect(emu.requests.filter(r => r.method === 'DELETE' || r.path.includes('/manifests/'))).toEqual([])
    expect(emu.tags(REPO, IMAGE)).toHaveLength(8)
    const dry = await run(emu, { username: 'reader', password: 'pw' })
    expect(dry.notes.join('\n')).toContain(
      'the real run would stop before changing anything: the Nexus user lacks nx-repository-view-docker-docker-hosted-delete'
    )
  })

  it('read alone lists the repository (read or browse, API.md 14.3)', async () => {
    emu.addUser({
      username: 'ci',
      password: 'pw',
      privileges: ['nx-repository-view-docker-docker-hosted-read', 'nx-repository-view-docker-docker-hosted-delete']
    })
    const report = await run(emu, { username: 'ci', password: 'pw', 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(report.totals.tags.deleted).toBe(3)
  })
})

describe('nexus pagination', () => {
  it.each([
    ['datastore', { dbMode: 'datastore' as const, version: '3.77.0-08' }, 3],
    ['orient', { dbMode: 'orient' as const, version: '3.69.0-02' }, 20]
  ])('%s: reads every page of 200 components, the empty last one included', async (_l, opts, pages) => {
    // 8 tags of team/api + 192 of team/bulk = exactly 200 components
    const emu = await startNexusEmulator({ ...opts, scenario: nexusScenario(192) })
    try {
      const report = await runWith(emu, { keep: '5', listing: 'components' })
      expect(emu.requests.filter(r => r.path === '/service/rest/v1/components' && r.method === 'GET')).toHaveLength(pages)
      const tags = report.images.reduce((n, i) => n + i.tags.kept + i.tags.wouldDelete, 0)
      expect(tags).toBe(200)
    } finally {
      await emu.close()
    }
  })
})

describe.each([
  ['before 3.89: delete by digest removes sibling tags', true],
  ['3.89+: delete by digest leaves sibling tags dangling', false]
])('delete-method manifest, %s', (_l, removes) => {
  it('every tag of a deleted manifest is gone and verified', async () => {
    const emu = await startNexusEmulator({ version: removes ? '3.77.0-08' : '3.89.1-02', deleteByDigestRemovesTags: removes, scenario: nexusScenario() })
    try {
      const report = await runWith(emu, { 'dry-run': 'false', 'delete-method': 'manifest' })
      expect(report.failures).toEqual([])
      expect(emu.tags(REPO, IMAGE).sort()).toEqual(NEXUS_LEFT)
      expect(emu.requests.filter(r => r.method === 'DELETE' && r.path.includes('/manifests/sha256:'))).toHaveLength(2)
    } finally {
      await emu.close()
    }
  })
})

describe('delete-method manifest, a kept tag re-pointed onto a doomed digest', () => {
  it('stops that delete (it would take the kept tag with it)', async () => {
    const emu = await startNexusEmulator({ version: '3.77.0-08', deleteByDigestRemovesTags: true, scenario: nexusScenario() })
    try {
      const base = `${emu.url}/repository/${REPO}`
      const auth = { username: 'admin', password: 'admin123' }
      // roll `latest` back to the 1.0.0 build, through the registry API as docker would, after the plan:
      // just before the engine re-reads the image's tag list
      const rollback = async (): Promise<void> => {
        const digest = emu.digest(REPO, IMAGE, '1.0.0')!
        const r = await fetch(`${base}/v2/${IMAGE}/manifests/${digest}`, {
          headers: {
            authorization: 'Basic ' + Buffer.from('admin:admin123').toString('base64'),
            accept: 'application/vnd.docker.distribution.manifest.v2+json'
          }
        })
        await putManifest({ base, auth }, IMAGE, 'latest', Buffer.from(await r.arrayBuffer()), r.headers.get('content-type') as string)
      }
      const proxy = await startFaultProxy(emu.url)
      proxy.setRules([{ method: 'GET', path: new RegExp(`^/repository/${REPO}/v2/${IMAGE}/tags/list`), times: 1, fault: { kind: 'hook', run: rollback } }])
      const report = await runWith(emu, { host: proxy.url, 'dry-run': 'false', 'delete-method': 'manifest' }).finally(() => proxy.close())
      const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
      expect(o.status).toBe('skipped')
      expect(o.detail).toBe('changed since planned: kept tag latest now points at it')
      expect(emu.tags(REPO, IMAGE)).toEqual(expect.arrayContaining(['1.0.0', 'latest']))
      expect(emu.tags(REPO, IMAGE)).not.toContain('1.1.0')
    } finally {
      await emu.close()
    }
  })
})

describe('api: registry pointed at a Nexus repository', () => {
  let emu: NexusEmulator
  beforeEach(async () => {
    emu = await startNexusEmulator({ scenario: nexusScenario() })
  })
  afterEach(() => emu.close())

  const registryRun = (extra: Record<string, string> = {}) => {
    const inputs: Record<string, string> = {
      api: 'registry',
      host: `${emu.url}/repository/${REPO}`,
      username: 'admin',
      password: 'admin123',
      keep: '2',
      ...extra
    }
    return runCleanup(
      parseConfig(n => inputs[n]),
      { log: memoryLogger(), version: 'test' }
    )
  }

  it('is refused before any manifest is read: reading every tag would mark every tag pulled', async () => {
    await expect(registryRun()).rejects.toThrow(
      /^api: registry, but .* is Nexus \(Server: Nexus\/3\.77\.0-08 \(COMMUNITY\)\): reading every tag .* Use api: nexus/
    )
    expect(emu.requests.filter(r => r.path.includes('/manifests/'))).toEqual([])
    expect(
      emu
        .tags(REPO, IMAGE)
        .map(t => emu.component(REPO, IMAGE, t)?.lastDownloaded ?? null)
        .filter(d => d !== null)
    ).toHaveLength(1)
  })

  it('force-registry-api runs it anyway', async () => {
    const report = await registryRun({ 'force-registry-api': 'true' })
    expect(report.failures).toEqual([])
    expect(emu.requests.filter(r => r.path.includes('/manifests/')).length).toBeGreaterThan(0)
  })
})

describe('Nexus under a context path', () => {
  it('host with /nexus: listing, reads by digest and deletes all go under it', async () => {
    const emu = await startNexusEmulator({ contextPath: '/nexus', scenario: nexusScenario() })
    try {
      const report = await runWith(emu, { host: `${emu.url}/nexus`, 'dry-run': 'false' })
      expect(report.failures).toEqual([])
      expect(emu.tags(REPO, IMAGE).sort()).toEqual(NEXUS_LEFT)
      expect(emu.requests.every(r => r.path.startsWith('/nexus/'))).toBe(true)
    } finally {
      await emu.close()
    }
  })
})
