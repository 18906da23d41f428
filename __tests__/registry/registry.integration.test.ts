// Against the real docker-registry (Debian package) on 127.0.0.1: the engine end to end.

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { Http } from '../../src/http/http'
import { memoryLogger } from '../../test/support/memory-logger'
import { RegistryClient } from '../../src/registry/client'
import { FaultProxy, startFaultProxy } from '../../test/support/fault-proxy'
import { listTags, pushBlob, pushImage, putManifest, retag } from '../../test/support/push'
import { registryOrSkip, RegistryServer, startRegistry } from '../../test/support/registry-server'
import { EXPECTED_LEFT_OTHER, expectedLeft, IMAGE, OTHER_IMAGE, POLICY_INPUTS, seedMixed } from '../../test/support/mixed-scenario'

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

/**
 * A proxy in front of the registry that runs `change` (a concurrent push) just before the engine re-reads
 * the image's tag list, i.e. after the image was inventoried and planned and before anything is deleted.
 */
async function changeBeforeRecheck(upstream: string, image: string, change: () => Promise<unknown>) {
  const proxy = await startFaultProxy(upstream)
  const path = new RegExp(`^/v2/${image}/tags/list`)
  proxy.setRules([{ method: 'GET', path, after: 1, times: 1, fault: { kind: 'hook', run: async () => void (await change()) } }])
  return proxy
}

async function manifestExists(base: string, name: string, digest: string): Promise<boolean> {
  const r = await fetch(`${base}/v2/${name}/manifests/${digest}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' }
  })
  return r.status === 200
}

function config(host: string, extra: Record<string, string> = {}) {
  const inputs: Record<string, string> = { host, api: 'registry', ...POLICY_INPUTS, ...extra }
  return parseConfig(name => inputs[name])
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
    const would = report.images
      .find(i => i.image === IMAGE)!
      .outcomes.filter(o => o.status === 'would-delete')
      .flatMap(o => o.decision.tags)
    expect(would.sort()).toEqual(seed.allTags.filter(t => !expectedLeft(seed).includes(t)).sort())
    expect(report.totals.tags.deleted).toBe(0)
    expect(report.requests['registry DELETE manifest']).toBeUndefined()
    // a dry run sends none of the guards around a delete (resolving tags again, checking they are gone)
    expect(report.requests['registry HEAD manifest']).toBeUndefined()
    expect(report.requests['registry GET tags/list']).toBe(2)
    expect(log.lines.some(l => l.includes('a plain registry does not record push dates'))).toBe(false) // basis is created
  })

  it('a real run leaves exactly the tags the rules keep, and the reasons name the rules', async () => {
    const expectedFreeable = await freeableFromRegistry(srv.url, [
      [IMAGE, seed.allTags.filter(t => !expectedLeft(seed).includes(t))],
      [OTHER_IMAGE, ['1.0.0']]
    ])
    const report = await runCleanup(config(srv.url, { 'dry-run': 'false' }), { log: memoryLogger(), version: 'test' })
    expect(report.failures).toEqual([])
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
    expect(await listTags({ base: srv.url }, OTHER_IMAGE)).toEqual(EXPECTED_LEFT_OTHER)
    const byTag = new Map(report.images.flatMap(i => i.outcomes.flatMap(o => o.decision.tags.map(t => [`${i.image}:${t}`, o] as const))))
    expect(byTag.get(`${IMAGE}:latest`)!.decision.reason).toBe('protected by keep-tags: latest')
    expect(byTag.get(`${IMAGE}:1.0.8`)!.decision.reason).toBe('younger than 30d')
    expect(byTag.get(`${IMAGE}:0.9.0`)!.decision.rule).toBe('age-unknown')
    expect(byTag.get(`${IMAGE}:2.0.0-amd64`)!.status).toBe('kept')
    expect(byTag.get(`${IMAGE}:2.0.0-amd64`)!.decision.reason).toBe('child of kept 2.0.0')
    expect(byTag.get(`${IMAGE}:1.2.0-rc.1`)!.decision.reason).toBe('keep 2 (semver) #2')
    expect(byTag.get(`${IMAGE}:1.0`)!.status).toBe('deleted')
    expect(byTag.get(`${IMAGE}:1.0.9`)!.decision.reason).toBe('beyond keep 2 and older than 30d')
    // one DELETE per manifest: 1.1.1_2, 1.0.11(+1.0), 1.0.10, its signature, 1.0.9, sha-abc1234, pr-12, web 1.0.0
    expect(report.requests['registry DELETE manifest']).toBe(8)
    expect(report.totals.manifests.deleted).toBe(8)
    expect(report.totals.tags.deleted).toBe(9)
    expect(report.totals.freeableBytes).toBe(expectedFreeable)
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
  let proxy: FaultProxy | undefined
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
  })
  afterEach(async () => {
    await proxy?.close()
    proxy = undefined
  })
  afterAll(() => srv?.stop())

  /** A real run of `image` (keep 1) with `change` landing after its plan, before anything is deleted. */
  async function runWithChangeBeforeDelete(image: string, change: () => Promise<unknown>, extra: Record<string, string>) {
    proxy = await changeBeforeRecheck(srv.url, image, change)
    const report = await runCleanup(config(proxy.url, { images: image, keep: '1', 'older-than': '', 'dry-run': 'false', ...extra }), {
      log: memoryLogger(),
      version: 'test'
    })
    expect(proxy.log.some(e => e.fault === 'hook')).toBe(true)
    return report
  }

  it('follows catalog Link pages to the end', async () => {
    const names = ['a/one', 'a/two', 'b', 'c/d/e', 'z']
    for (const n of names) await pushImage({ base: srv.url }, n, '1.0.0')
    const http = new Http({ username: '', password: '', timeoutMs: 5000, retries: 0, concurrency: 2, userAgent: 't', log: memoryLogger() })
    const client = new RegistryClient(http, srv.url, 2)
    expect((await client.catalog()).sort()).toEqual(names.sort())
    expect(http.counts['registry GET _catalog']).toBe(3)
  })

  it('verify-before-delete: skips a manifest whose tag moved after planning ("changed since planned")', async () => {
    const t = { base: srv.url }
    for (const [i, tag] of ['1.0.0', '1.1.0', '1.2.0'].entries()) await pushImage(t, 'moving', tag, { created: `2024-0${i + 1}-01T00:00:00Z` })
    const repush = () => pushImage(t, 'moving', '1.0.0', { created: '2024-06-01T00:00:00Z', layers: ['new content'] })
    const report = await runWithChangeBeforeDelete('moving', repush, { 'verify-before-delete': 'true' })
    const outcomes = report.images[0].outcomes
    const moved = outcomes.find(o => o.decision.tags.includes('1.0.0'))!
    expect(moved.status).toBe('skipped')
    expect(moved.detail).toMatch(/changed since planned: 1.0.0 now points at sha256:/)
    expect(outcomes.find(o => o.decision.tags.includes('1.1.0'))!.status).toBe('deleted')
    expect(await listTags(t, 'moving')).toEqual(['1.0.0', '1.2.0'])
    // the old 1.0.0 build stays too: it was not deleted
    expect(await manifestExists(srv.url, 'moving', moved.decision.digest)).toBe(true)
  })

  it('by default a planned tag is not re-read: its old build is deleted, its new content stays', async () => {
    const t = { base: srv.url }
    for (const [i, tag] of ['1.0.0', '1.1.0', '1.2.0'].entries()) await pushImage(t, 'moved', tag, { created: `2024-0${i + 1}-01T00:00:00Z` })
    let repushed = ''
    const repush = async () => (repushed = (await pushImage(t, 'moved', '1.0.0', { created: '2024-06-01T00:00:00Z', layers: ['new content'] })).digest)
    const report = await runWithChangeBeforeDelete('moved', repush, {})
    const outcomes = report.images[0].outcomes
    const old = outcomes.find(o => o.decision.tags.includes('1.0.0'))!
    expect(old.status).toBe('deleted')
    expect(report.failures).toEqual([])
    expect(await manifestExists(srv.url, 'moved', old.decision.digest)).toBe(false)
    // a delete by digest never touches a tag that moved away from it
    expect(await listTags(t, 'moved')).toEqual(['1.0.0', '1.2.0'])
    expect(await manifestExists(srv.url, 'moved', repushed)).toBe(true)
    // read by GET (the body's hash, never a header, says where a tag is): the three tags while listing,
    // the kept 1.2.0 before deleting (the planned 1.0.0 is not looked at), and 1.0.0 afterwards, still
    // listed, to see it is not on the deleted digest
    expect(report.requests['registry HEAD manifest']).toBeUndefined()
    expect(report.requests['registry GET manifest']).toBe(5)
  })

  it('skips a manifest that gained a new tag after planning', async () => {
    const t = { base: srv.url }
    const old = await pushImage(t, 'gaining', '1.0.0', { created: '2024-01-01T00:00:00Z' })
    await pushImage(t, 'gaining', '2.0.0', { created: '2024-02-01T00:00:00Z' })
    const report = await runWithChangeBeforeDelete('gaining', () => retag(t, 'gaining', 'stable', old), {})
    const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
    expect(o.status).toBe('skipped')
    expect(o.detail).toContain('new tag stable now points at it')
    expect(await listTags(t, 'gaining')).toEqual(['1.0.0', '2.0.0', 'stable'])
  })

  it('a kept tag re-pointed onto a doomed digest is not deleted with it (a rollback of latest to an old build)', async () => {
    const t = { base: srv.url }
    const old = await pushImage(t, 'rollback', '1.0.0', { created: '2024-01-01T00:00:00Z' })
    await pushImage(t, 'rollback', '1.1.0', { created: '2024-02-01T00:00:00Z' })
    const cur = await pushImage(t, 'rollback', '2.0.0', { created: '2024-03-01T00:00:00Z' })
    await retag(t, 'rollback', 'latest', cur)
    // roll latest back to 1.0.0, with the default inputs
    const report = await runWithChangeBeforeDelete('rollback', () => retag(t, 'rollback', 'latest', old), {})
    const o = report.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))!
    expect(o.status).toBe('skipped')
    expect(o.detail).toBe('changed since planned: kept tag latest now points at it')
    expect(report.images[0].outcomes.find(x => x.decision.tags.includes('1.1.0'))!.status).toBe('deleted')
    expect(await listTags(t, 'rollback')).toEqual(['1.0.0', '2.0.0', 'latest'])
  })
})

maybe('registry: config dates only where the policy needs one', () => {
  let srv: RegistryServer
  const t = () => ({ base: srv.url })
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
    for (const [i, tag] of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'].entries()) {
      const p = await pushImage(t(), 'dated', tag, { created: `2024-0${i + 1}-01T00:00:00Z` })
      if (tag === '1.2.0') await retag(t(), 'dated', '1.2', p) // one manifest, one config
      if (tag === '1.3.0') {
        // 1.3.1: another manifest on the same config blob
        const other = await pushBlob(t(), 'dated', Buffer.from('1.3.1 layer'))
        const body = JSON.parse(p.body.toString('utf8'))
        body.layers = [{ ...body.layers[0], digest: other.digest, size: other.size }]
        await putManifest(t(), 'dated', '1.3.1', Buffer.from(JSON.stringify(body)), p.mediaType)
      }
    }
  })
  afterAll(() => srv?.stop())

  const runDated = (extra: Record<string, string>) =>
    runCleanup(config(srv.url, { images: 'dated', keep: '2', 'older-than': '', ...extra }), { log: memoryLogger(), version: 'test' })

  it('only version tags, keep and no older-than: no config blob is read, and no date is shown', async () => {
    const report = await runDated({})
    expect(report.failures).toEqual([])
    expect(report.totals.manifests.wouldDelete).toBe(3)
    expect(report.requests['registry GET config blob']).toBeUndefined()
    expect(report.images[0].outcomes.map(o => o.decision.ageDate)).toEqual(report.images[0].outcomes.map(() => undefined))
    // the inventory read each tag once, nothing else (a dry run resolves nothing again)
    expect(report.requests['registry GET manifest']).toBe(6)
    expect(report.requests['registry HEAD manifest']).toBeUndefined()
  })

  it('size-estimate: auto estimates from the manifests read anyway; off gives no estimate, at the same requests', async () => {
    const auto = await runDated({})
    const off = await runDated({ 'size-estimate': 'off' })
    expect(auto.totals.freeableBytes).toBeGreaterThan(0)
    expect(off.totals.freeableBytes).toBeUndefined()
    expect(off.images[0].freeableBytes).toBeUndefined()
    expect(off.requests).toEqual(auto.requests)
  })

  it('with older-than each distinct config is read once', async () => {
    const report = await runDated({ 'older-than': '1d' })
    expect(report.failures).toEqual([])
    expect(report.totals.manifests.wouldDelete).toBe(3)
    // 1.0.0, 1.1.0, 1.2.0 (= 1.2), 1.3.0 (= the config of 1.3.1)
    expect(report.requests['registry GET config blob']).toBe(4)
    expect(report.images[0].outcomes.every(o => o.decision.ageBasis === 'created')).toBe(true)
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

/**
 * What deleting `doomed` frees, read independently over the registry API before the run: the deleted
 * manifests' own bytes, and every layer and config they use that no remaining manifest (children of a
 * remaining index included) uses.
 */
async function freeableFromRegistry(base: string, doomed: [string, string[]][]): Promise<number> {
  const accept = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json'
  ].join(', ')
  type Body = { manifests?: { digest: string }[]; config?: { digest: string; size: number }; layers?: { digest: string; size: number }[] }
  const get = async (image: string, ref: string) => {
    const r = await fetch(`${base}/v2/${image}/manifests/${ref}`, { headers: { accept } })
    const text = await r.text()
    return { digest: r.headers.get('docker-content-digest') as string, size: Buffer.byteLength(text), body: JSON.parse(text) as Body }
  }
  const blobsOf = async (image: string, body: Body): Promise<{ digest: string; size: number }[]> => {
    const own = [...(body.layers ?? []), ...(body.config ? [body.config] : [])]
    const kids = await Promise.all((body.manifests ?? []).map(async c => blobsOf(image, (await get(image, c.digest)).body)))
    return [...own, ...kids.flat()]
  }
  const gone = new Map<string, number>()
  const used = new Set<string>()
  let manifestBytes = 0
  const counted = new Set<string>()
  for (const image of [IMAGE, OTHER_IMAGE]) {
    const doomedTags = new Set(doomed.find(([i]) => i === image)?.[1] ?? [])
    const doomedDigests = new Set<string>()
    for (const tag of doomedTags) doomedDigests.add((await get(image, tag)).digest)
    for (const tag of await listTags({ base }, image)) {
      const m = await get(image, tag)
      const blobs = await blobsOf(image, m.body)
      if (doomedDigests.has(m.digest)) {
        for (const b of blobs) gone.set(b.digest, b.size)
        if (!counted.has(m.digest)) manifestBytes += m.size
        counted.add(m.digest)
      } else for (const b of blobs) used.add(b.digest)
    }
  }
  let bytes = manifestBytes
  for (const [digest, size] of gone) if (!used.has(digest)) bytes += size
  return bytes
}
