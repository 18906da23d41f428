// Nexus mode end to end against the emulator (which follows shared/nexus/API.md), through the
// engine's real HTTP code, for both the datastore and the OrientDB behaviour.

import { parseConfig } from '../src/config'
import { runCleanup } from '../src/engine'
import { memoryLogger } from '../src/log'
import { RunReport } from '../src/model'
import { NexusEmulator, startNexusEmulator } from '../test/nexus-emulator/server'
import { NEXUS_DELETED, NEXUS_LEFT, NEXUS_POLICY, nexusScenario } from '../test/support/nexus-scenario'
import { putManifest } from '../test/support/push'

const REPO = 'docker-hosted'
const IMAGE = 'team/api'

function run(emu: NexusEmulator, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = {
    host: emu.url,
    repository: REPO,
    username: 'admin',
    password: 'admin123',
    ...NEXUS_POLICY,
    ...extra
  }
  return runCleanup(
    parseConfig(n => inputs[n] ?? ''),
    { log: memoryLogger(), version: 'test' }
  )
}

const deletingRequests = (emu: NexusEmulator) => emu.requests.filter(r => r.method === 'DELETE' || (r.method === 'POST' && /\/run$/.test(r.path)))

describe.each([
  ['datastore', { dbMode: 'datastore' as const, version: '3.77.0-08' }],
  ['orient', { dbMode: 'orient' as const, version: '3.69.0-02' }]
])('nexus (%s)', (_label, opts) => {
  let emu: NexusEmulator
  beforeEach(async () => {
    emu = await startNexusEmulator({ ...opts, scenario: nexusScenario() })
  })
  afterEach(() => emu.close())

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
    expect(report.totals.freeableBytes).toBeGreaterThan(0)
    // kept tags were not made to look pulled by the cleanup
    for (const t of ['1.2.0', 'latest', '2.0.0', '2.1.0']) expect(emu.component(REPO, IMAGE, t)!.lastDownloaded).toBeNull()
  })

  it('skips a tag re-pushed between plan and delete ("changed since planned")', async () => {
    const log = memoryLogger()
    const orig = log.group
    log.group = async (name, fn) => {
      if (name === 'Delete') emu.rePushTag(REPO, IMAGE, '1.0.0')
      return orig(name, fn)
    }
    const inputs: Record<string, string> = { host: emu.url, repository: REPO, username: 'admin', password: 'admin123', ...NEXUS_POLICY, 'dry-run': 'false' }
    const report = await runCleanup(parseConfig(n => inputs[n] ?? ''), { log, version: 'test' })
    const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
    expect(o.status).toBe('skipped')
    expect(o.detail).toMatch(/changed since planned: 1.0.0 was re-pushed/)
    expect(emu.tags(REPO, IMAGE)).toContain('1.0.0')
    expect(emu.tags(REPO, IMAGE)).not.toContain('1.1.0')
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

  it('403 without browse names the privilege; without delete the deletions fail and are reported', async () => {
    emu.addUser({ username: 'viewer', password: 'pw', privileges: [] })
    await expect(run(emu, { username: 'viewer', password: 'pw', 'dry-run': 'false' })).rejects.toThrow(
      /(403|not found).*nx-repository-view-docker-docker-hosted-browse/
    )
    emu.addUser({ username: 'reader', password: 'pw', privileges: ['nx-repository-view-docker-docker-hosted-browse', 'nx-repository-view-docker-docker-hosted-read'] })
    const report = await run(emu, { username: 'reader', password: 'pw', 'dry-run': 'false' })
    expect(report.totals.tags.deleted).toBe(0)
    expect(report.totals.manifests.failed).toBe(2)
    expect(report.failures.join('\n')).toMatch(/lacks the privilege nx-repository-view-docker-docker-hosted-delete/)
    expect(emu.tags(REPO, IMAGE)).toHaveLength(8)
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
      const report = await run(emu, { keep: '5' })
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
      const report = await run(emu, { 'dry-run': 'false', 'delete-method': 'manifest' })
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
      const log = memoryLogger()
      const orig = log.group
      log.group = async (name, fn) => {
        if (name === 'Delete') {
          // roll `latest` back to the 1.0.0 build, through the registry API as docker would
          const digest = emu.digest(REPO, IMAGE, '1.0.0')!
          const r = await fetch(`${base}/v2/${IMAGE}/manifests/${digest}`, {
            headers: { authorization: 'Basic ' + Buffer.from('admin:admin123').toString('base64'), accept: 'application/vnd.docker.distribution.manifest.v2+json' }
          })
          await putManifest({ base, auth }, IMAGE, 'latest', Buffer.from(await r.arrayBuffer()), r.headers.get('content-type') as string)
        }
        return orig(name, fn)
      }
      const inputs: Record<string, string> = { host: emu.url, repository: REPO, username: 'admin', password: 'admin123', ...NEXUS_POLICY, 'dry-run': 'false', 'delete-method': 'manifest' }
      const report = await runCleanup(parseConfig(n => inputs[n] ?? ''), { log, version: 'test' })
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
