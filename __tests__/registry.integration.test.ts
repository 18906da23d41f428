// Against the real docker-registry (Debian package) on 127.0.0.1: the engine end to end.

import { parseConfig } from '../src/config'
import { runCleanup } from '../src/engine'
import { Http } from '../src/http'
import { memoryLogger } from '../src/log'
import { RegistryClient } from '../src/registry/client'
import { listTags, pushImage, retag } from '../test/support/push'
import { registryOrSkip, RegistryServer, startRegistry } from '../test/support/registry-server'
import { EXPECTED_LEFT_OTHER, expectedLeft, IMAGE, OTHER_IMAGE, POLICY_INPUTS, seedMixed } from '../test/support/mixed-scenario'

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

function config(host: string, extra: Record<string, string> = {}) {
  const inputs: Record<string, string> = { host, api: 'registry', ...POLICY_INPUTS, ...extra }
  return parseConfig(name => inputs[name] ?? '')
}

maybe('registry: mixed scenario', () => {
  let srv: RegistryServer
  let seed: Awaited<ReturnType<typeof seedMixed>>
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
    seed = await seedMixed({ base: srv.url })
  })
  afterAll(() => srv?.stop())

  it('dry run plans the deletions and changes nothing', async () => {
    const log = memoryLogger()
    const report = await runCleanup(config(srv.url), { log, version: 'test' })
    expect(report.failures).toEqual([])
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(seed.allTags)
    const would = report.images.find(i => i.image === IMAGE)!.outcomes.filter(o => o.status === 'would-delete').flatMap(o => o.decision.tags)
    expect(would.sort()).toEqual(seed.allTags.filter(t => !expectedLeft(seed).includes(t)).sort())
    expect(report.totals.tags.deleted).toBe(0)
    expect(report.requests['registry DELETE manifest']).toBeUndefined()
    expect(log.lines.some(l => l.includes('a plain registry does not record push dates'))).toBe(false) // basis is created
  })

  it('a real run leaves exactly the tags the rules keep, and the reasons name the rules', async () => {
    const report = await runCleanup(config(srv.url, { 'dry-run': 'false' }), { log: memoryLogger(), version: 'test' })
    expect(report.failures).toEqual([])
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
    expect(await listTags({ base: srv.url }, OTHER_IMAGE)).toEqual(EXPECTED_LEFT_OTHER)
    const byTag = new Map(report.images.flatMap(i => i.outcomes.flatMap(o => o.decision.tags.map(t => [`${i.image}:${t}`, o] as const))))
    expect(byTag.get(`${IMAGE}:latest`)!.decision.reason).toBe('protected by keep-tags: latest')
    expect(byTag.get(`${IMAGE}:1.0.8`)!.decision.reason).toBe('younger than 30d')
    expect(byTag.get(`${IMAGE}:0.9.0`)!.decision.rule).toBe('age-unknown')
    expect(byTag.get(`${IMAGE}:2.0.0-amd64`)!.status).toBe('kept')
    expect(byTag.get(`${IMAGE}:1.0`)!.status).toBe('deleted')
    expect(byTag.get(`${IMAGE}:1.0.9`)!.decision.reason).toBe('beyond keep 2 and older than 30d')
    // one DELETE per manifest: 1.2.0-rc.1, 1.1.1_2, 1.0.11(+1.0), 1.0.10, its signature, 1.0.9, sha-abc1234, pr-12, web 1.0.0
    expect(report.requests['registry DELETE manifest']).toBe(9)
    expect(report.totals.manifests.deleted).toBe(9)
    expect(report.totals.tags.deleted).toBe(10)
    expect(report.totals.freeableBytes).toBeGreaterThan(0)
  })

  it('a second run finds nothing more to delete', async () => {
    const report = await runCleanup(config(srv.url, { 'dry-run': 'false' }), { log: memoryLogger(), version: 'test' })
    expect(report.totals.tags.deleted).toBe(0)
    expect(report.failures).toEqual([])
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
  })
})

maybe('registry: pagination, changes between plan and delete', () => {
  let srv: RegistryServer
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
  })
  afterAll(() => srv?.stop())

  it('follows catalog Link pages to the end', async () => {
    const names = ['a/one', 'a/two', 'b', 'c/d/e', 'z']
    for (const n of names) await pushImage({ base: srv.url }, n, '1.0.0')
    const http = new Http({ username: '', password: '', timeoutMs: 5000, retries: 0, concurrency: 2, userAgent: 't', log: memoryLogger() })
    const client = new RegistryClient(http, srv.url, 2)
    expect((await client.catalog()).sort()).toEqual(names.sort())
    expect(http.counts['registry GET _catalog']).toBe(3)
  })

  it('skips a manifest whose tag moved after planning ("changed since planned")', async () => {
    const t = { base: srv.url }
    for (const [i, tag] of ['1.0.0', '1.1.0', '1.2.0'].entries()) await pushImage(t, 'moving', tag, { created: `2024-0${i + 1}-01T00:00:00Z` })
    const cfg = config(srv.url, { images: 'moving', keep: '1', 'older-than': '', 'dry-run': 'false' })
    // Re-push 1.0.0 with new content while the engine is between inventory and delete: the plan group
    // boundary is the hook a real concurrent push would hit.
    const log = memoryLogger()
    let pushed = false
    const origGroup = log.group
    log.group = async (name, fn) => {
      if (name === 'Delete' && !pushed) {
        pushed = true
        await pushImage(t, 'moving', '1.0.0', { created: '2024-06-01T00:00:00Z', layers: ['new content'] })
      }
      return origGroup(name, fn)
    }
    const report = await runCleanup(cfg, { log, version: 'test' })
    const outcomes = report.images[0].outcomes
    const moved = outcomes.find(o => o.decision.tags.includes('1.0.0'))!
    expect(moved.status).toBe('skipped')
    expect(moved.detail).toMatch(/changed since planned: 1.0.0 now points at sha256:/)
    expect(outcomes.find(o => o.decision.tags.includes('1.1.0'))!.status).toBe('deleted')
    expect(await listTags(t, 'moving')).toEqual(['1.0.0', '1.2.0'])
  })

  it('skips a manifest that gained a new tag after planning', async () => {
    const t = { base: srv.url }
    const old = await pushImage(t, 'gaining', '1.0.0', { created: '2024-01-01T00:00:00Z' })
    await pushImage(t, 'gaining', '2.0.0', { created: '2024-02-01T00:00:00Z' })
    const log = memoryLogger()
    const origGroup = log.group
    log.group = async (name, fn) => {
      if (name === 'Delete') await retag(t, 'gaining', 'stable', old)
      return origGroup(name, fn)
    }
    const report = await runCleanup(config(srv.url, { images: 'gaining', keep: '1', 'older-than': '', 'dry-run': 'false' }), { log, version: 'test' })
    const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
    expect(o.status).toBe('skipped')
    expect(o.detail).toContain('new tag stable now points at it')
    expect(await listTags(t, 'gaining')).toEqual(['1.0.0', '2.0.0', 'stable'])
  })
})

maybe('registry: a kept tag re-pointed onto a doomed digest', () => {
  let srv: RegistryServer
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
  })
  afterAll(() => srv?.stop())

  it('is not deleted with it (a rollback of latest to an old build during the run)', async () => {
    const t = { base: srv.url }
    const old = await pushImage(t, 'rollback', '1.0.0', { created: '2024-01-01T00:00:00Z' })
    await pushImage(t, 'rollback', '1.1.0', { created: '2024-02-01T00:00:00Z' })
    const cur = await pushImage(t, 'rollback', '2.0.0', { created: '2024-03-01T00:00:00Z' })
    await retag(t, 'rollback', 'latest', cur)
    const log = memoryLogger()
    const origGroup = log.group
    log.group = async (name, fn) => {
      if (name === 'Delete') await retag(t, 'rollback', 'latest', old) // roll latest back to 1.0.0
      return origGroup(name, fn)
    }
    const report = await runCleanup(config(srv.url, { images: 'rollback', keep: '1', 'older-than': '', 'dry-run': 'false' }), { log, version: 'test' })
    const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
    expect(o.status).toBe('skipped')
    expect(o.detail).toBe('changed since planned: kept tag latest now points at it')
    expect(report.images[0].outcomes.find(x => x.decision.tags.includes('1.1.0'))!.status).toBe('deleted')
    expect(await listTags(t, 'rollback')).toEqual(['1.0.0', '2.0.0', 'latest'])
  })
})

maybe('registry: basic auth', () => {
  let srv: RegistryServer
  const auth = { username: 'ci', password: 's3cret-Pa55' }
  beforeAll(async () => {
    srv = await startRegistry(bin as string, auth)
    await pushImage({ base: srv.url, auth }, 'private/app', '1.0.0', { created: '2024-01-01T00:00:00Z' })
    await pushImage({ base: srv.url, auth }, 'private/app', '1.1.0', { created: '2024-02-01T00:00:00Z' })
  })
  afterAll(() => srv?.stop())

  it('works with the right password', async () => {
    const report = await runCleanup(config(srv.url, { username: auth.username, password: auth.password, keep: '1', 'older-than': '' }), {
      log: memoryLogger(),
      version: 'test'
    })
    expect(report.totals.tags.wouldDelete).toBe(1)
  })

  it('a wrong password gives one clear error and deletes nothing', async () => {
    await expect(
      runCleanup(config(srv.url, { username: auth.username, password: 'wrong', keep: '1', 'dry-run': 'false' }), { log: memoryLogger(), version: 'test' })
    ).rejects.toThrow(/refused the credentials \(401\): check username and password/)
    expect(await listTags({ base: srv.url, auth }, 'private/app')).toEqual(['1.0.0', '1.1.0'])
  })
})
