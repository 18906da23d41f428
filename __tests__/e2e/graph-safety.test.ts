// The examples of "never delete what a kept image needs", each end to end: images built the way teams
// build them (multi-arch indexes, `cosign sign --recursive`, signatures in their own repository, per-arch
// tags beside the index), against the real docker-registry and the Nexus emulator, with faults injected
// at the HTTP boundary where the example needs one.

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { memoryLogger } from '../../test/support/memory-logger'
import type { Outcome, RunReport } from '../../src/model'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { FaultProxy, FaultRule, startFaultProxy } from '../../test/support/fault-proxy'
import { incomplete, NodeSpec, registryReader, seedGraph, Seeded, tagsNow } from '../../test/support/graph-seed'
import { createHash } from 'node:crypto'
import { PushTarget, Pushed, pushImage, putManifest, retag } from '../../test/support/push'
import { registryOrSkip, RegistryServer, startRegistry } from '../../test/support/registry-server'

const bin = registryOrSkip()
const REPO = 'docker-hosted'
const ADMIN = { username: 'admin', password: 'admin123' }

interface Server {
  /** Where the tool is pointed (a fault proxy in front of the server). */
  url: string
  proxy: FaultProxy
  /** Pushes and reads go here, past the proxy. */
  target: PushTarget
  inputs: Record<string, string>
  stop(): Promise<void>
}

async function registry(): Promise<Server> {
  const srv: RegistryServer = await startRegistry(bin as string)
  const proxy = await startFaultProxy(srv.url)
  return {
    url: proxy.url,
    proxy,
    target: { base: srv.url },
    inputs: { api: 'registry', host: proxy.url },
    stop: async () => (await proxy.close(), await srv.stop())
  }
}

async function nexus(opts: { dbMode?: 'orient' | 'datastore'; version?: string } = {}): Promise<Server & { emu: NexusEmulator }> {
  const emu = await startNexusEmulator({ ...opts, scenario: { repositories: [{ name: REPO, images: [] }] } })
  const proxy = await startFaultProxy(emu.url)
  return {
    emu,
    url: proxy.url,
    proxy,
    target: { base: `${emu.url}/repository/${REPO}`, auth: ADMIN },
    inputs: { host: proxy.url, repository: REPO, ...ADMIN },
    stop: async () => (await proxy.close(), await emu.close())
  }
}

function run(s: Server, extra: Record<string, string>, rules: FaultRule[] = []): Promise<RunReport> {
  s.proxy.setRules(rules)
  const inputs: Record<string, string> = { retries: '1', 'request-timeout': '2s', 'dry-run': 'false', keep: '1', ...s.inputs, ...extra }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

/** `image:tag` -> outcome. */
function outcomes(r: RunReport): Map<string, Outcome> {
  return new Map(r.images.flatMap(i => i.outcomes.flatMap(o => o.decision.tags.map(t => [`${i.image}:${t}`, o] as const))))
}

const sig = (s: Seeded, id: string, image: string, noun = 'sig') => `${image}:sha256-${s.nodes.get(id)!.digest.slice(7)}.${noun}`
const all = (s: Seeded) => [...s.tags.keys()].sort()

const backends: [string, () => Promise<Server>][] = [
  ['docker-registry', registry],
  ['nexus emulator', () => nexus()]
]

describe.each(backends)('%s', (_name, start) => {
  if (!bin && _name === 'docker-registry') return
  let s: Server
  beforeEach(async () => {
    s = await start()
  })
  afterEach(() => s.stop())

  it('cosign sign --recursive: the signatures of the untagged children of a kept index are kept', async () => {
    const nodes: NodeSpec[] = [
      { id: 'amd', image: 'app', kind: 'image', tags: [] },
      { id: 'arm', image: 'app', kind: 'image', tags: [] },
      { id: 'idx', image: 'app', kind: 'index', tags: ['2.0.0'], children: ['amd', 'arm'] },
      { id: 'old', image: 'app', kind: 'image', tags: ['1.0.0'] },
      { id: 's-idx', image: 'app', kind: 'referrer', subject: 'idx', noun: 'sig' },
      { id: 's-amd', image: 'app', kind: 'referrer', subject: 'amd', noun: 'sig' },
      { id: 's-arm', image: 'app', kind: 'referrer', subject: 'arm', noun: 'sig' },
      { id: 'a-amd', image: 'app', kind: 'referrer', subject: 'amd', noun: 'att' },
      { id: 's-old', image: 'app', kind: 'referrer', subject: 'old', noun: 'sig' }
    ]
    const seeded = await seedGraph(s.target, nodes)
    const r = await run(s, {})
    expect(r.failures).toEqual([])
    const left = await tagsNow(registryReader(s.target), seeded)
    expect(left).toEqual(all(seeded).filter(t => t !== 'app:1.0.0' && t !== sig(seeded, 'old', 'app')))
    expect(await incomplete(registryReader(s.target), seeded, left)).toEqual([])
    const by = outcomes(r)
    expect(by.get(sig(seeded, 'amd', 'app'))!.decision.reason).toBe('signature of child of kept 2.0.0')
    expect(by.get(sig(seeded, 'amd', 'app', 'att'))!.decision.reason).toBe('attestation of child of kept 2.0.0')
    expect(by.get(sig(seeded, 'old', 'app'))!.decision.reason).toBe('signature of deleted 1.0.0')
  })

  it('a kept index -> an untagged index -> a leaf with its own tag beyond keep: the leaf stays, the index stays whole', async () => {
    const nodes: NodeSpec[] = [
      { id: 'leaf', image: 'app', kind: 'image', tags: ['0.9.0'] },
      { id: 'other', image: 'app', kind: 'image', tags: [] },
      { id: 'mid', image: 'app', kind: 'index', tags: [], children: ['leaf', 'other'] },
      { id: 'top', image: 'app', kind: 'index', tags: ['2.0.0'], children: ['mid'] },
      { id: 'v1', image: 'app', kind: 'image', tags: ['1.0.0'] },
      { id: 'v15', image: 'app', kind: 'image', tags: ['1.5.0'] },
      { id: 's-leaf', image: 'app', kind: 'referrer', subject: 'leaf', noun: 'sig' }
    ]
    const seeded = await seedGraph(s.target, nodes)
    const r = await run(s, {})
    expect(r.failures).toEqual([])
    const left = await tagsNow(registryReader(s.target), seeded)
    expect(left).toEqual(['app:0.9.0', 'app:2.0.0', sig(seeded, 'leaf', 'app')].sort())
    expect(await incomplete(registryReader(s.target), seeded, left)).toEqual([])
    expect(outcomes(r).get('app:0.9.0')!.decision.reason).toBe('child of child of kept 2.0.0')
    expect(outcomes(r).get(sig(seeded, 'leaf', 'app'))!.decision.reason).toBe('signature of child of child of kept 2.0.0')
  })

  it('per-arch tags beside the index take no keep slot of their own', async () => {
    const nodes: NodeSpec[] = [
      { id: 'amd', image: 'app', kind: 'image', tags: ['2.0.0-amd64'] },
      { id: 'arm', image: 'app', kind: 'image', tags: ['2.0.0-arm64'] },
      { id: 'idx', image: 'app', kind: 'index', tags: ['2.0.0'], children: ['amd', 'arm'] },
      { id: 'v19', image: 'app', kind: 'image', tags: ['1.9.0'] },
      { id: 'v18', image: 'app', kind: 'image', tags: ['1.8.0'] }
    ]
    const seeded = await seedGraph(s.target, nodes)
    const r = await run(s, { keep: '2' })
    expect(r.failures).toEqual([])
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(['app:1.9.0', 'app:2.0.0', 'app:2.0.0-amd64', 'app:2.0.0-arm64'])
    expect(outcomes(r).get('app:1.9.0')!.decision.reason).toBe('keep 2 (semver) #2')
  })

  it('a signature in a signatures repository is kept while its subject exists in another image, and never called an orphan', async () => {
    const nodes: NodeSpec[] = [
      { id: 'stable', image: 'app', kind: 'image', tags: ['latest'] },
      { id: 'v1', image: 'app', kind: 'image', tags: ['1.0.0'] },
      { id: 'v2', image: 'app', kind: 'image', tags: ['2.0.0'] },
      { id: 's-stable', image: 'sigs/app', kind: 'referrer', subject: 'stable', noun: 'sig' },
      { id: 's-v1', image: 'sigs/app', kind: 'referrer', subject: 'v1', noun: 'sig' },
      { id: 's-gone', image: 'sigs/app', kind: 'referrer', subject: 'missing:never-pushed', noun: 'sig' }
    ]
    const seeded = await seedGraph(s.target, nodes)
    const repo = s.inputs.api === 'registry' ? new URL(s.url).host : REPO
    const goneTag = [...seeded.tags.keys()].find(
      t => t.startsWith('sigs/app:') && !t.includes(seeded.nodes.get('stable')!.digest.slice(7)) && !t.includes(seeded.nodes.get('v1')!.digest.slice(7))
    )!

    // Only the signatures repository is selected: the subjects' image is read too, to find them. A subject
    // found nowhere is not proven gone: its own repository may be one this run cannot list.
    const first = await run(s, { images: 'sigs/**' })
    expect(first.failures).toEqual([])
    let by = outcomes(first)
    expect(by.get(sig(seeded, 'stable', 'sigs/app'))!.decision.reason).toBe(`signature of ${seeded.nodes.get('stable')!.digest.slice(0, 19)} in ${repo}/app`)
    expect(by.get(goneTag)!.status).toBe('kept')
    expect(by.get(goneTag)!.decision.reason).toContain('not proven gone: found in no image this run lists')
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))

    // The whole repository: 1.0.0 goes; its signature stays, this run and the next.
    const second = await run(s, {})
    expect(second.failures).toEqual([])
    expect(outcomes(second).get('app:1.0.0')!.status).toBe('deleted')
    expect(outcomes(second).get(sig(seeded, 'v1', 'sigs/app'))!.status).toBe('kept')
    const third = await run(s, {})
    by = outcomes(third)
    expect(by.get(sig(seeded, 'v1', 'sigs/app'))!.status).toBe('kept')
    expect(by.get(sig(seeded, 'stable', 'sigs/app'))!.status).toBe('kept')
    const left = await tagsNow(registryReader(s.target), seeded)
    expect(left).toEqual(all(seeded).filter(t => t !== 'app:1.0.0'))
    expect(await incomplete(registryReader(s.target), seeded, left)).toEqual([])
  })

  it('an index whose DELETE keeps failing keeps its tagged children and signatures', async () => {
    const seeded = await seedGraph(s.target, doomedIndex())
    const idx = seeded.nodes.get('idx')!.digest
    const comp = s.inputs.api === 'registry' ? undefined : (s as Server & { emu: NexusEmulator }).emu.component(REPO, 'app', '1.0.0')!
    const path = comp ? new RegExp(`/components/${encodeURIComponent(comp.id)}`) : new RegExp(`/manifests/${idx}`)
    const r = await run(s, {}, [{ method: 'DELETE', path, fault: { kind: 'status', status: 500 } }])
    expect(r.failures.length).toBeGreaterThan(0)
    const by = outcomes(r)
    expect(by.get('app:1.0.0')!.status).toBe('failed')
    expect(by.get('app:1.0.0-amd64')).toMatchObject({ status: 'skipped', detail: '1.0.0 was not deleted (failed)' })
    expect(by.get(sig(seeded, 'idx', 'app'))).toMatchObject({ status: 'skipped', detail: '1.0.0 was not deleted (failed)' })
    const left = await tagsNow(registryReader(s.target), seeded)
    expect(left).toEqual(all(seeded))
    expect(await incomplete(registryReader(s.target), seeded, left)).toEqual([])
  })

  it('max-deletions counts an index and its tagged child as one: the child waits with its index', async () => {
    const seeded = await seedGraph(s.target, [
      ...doomedIndex(),
      { id: 'b-amd', image: 'app', kind: 'image', tags: ['1.1.0-amd64'] },
      { id: 'b', image: 'app', kind: 'index', tags: ['1.1.0'], children: ['b-amd'] }
    ])
    const r = await run(s, { 'max-deletions': '1' })
    const by = outcomes(r)
    expect(by.get('app:1.0.0')!.status).toBe('deleted')
    expect(by.get('app:1.0.0-amd64')!.status).toBe('deleted')
    expect(by.get('app:1.1.0')!.status).toBe('pending')
    expect(by.get('app:1.1.0-amd64')).toMatchObject({ status: 'pending', detail: 'pending: max-deletions 1 reached (child of 1.1.0)' })
    const left = await tagsNow(registryReader(s.target), seeded)
    expect(left).toEqual(['app:1.1.0', 'app:1.1.0-amd64', 'app:2.0.0'])
    expect(await incomplete(registryReader(s.target), seeded, left)).toEqual([])
  })
})

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

/** An OCI index body over `children`. */
function indexOver(children: Pushed[]): Buffer {
  return Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map(c => ({ mediaType: c.mediaType, digest: c.digest, size: c.size })) })
  )
}

/** 2.0.0 kept; 1.0.0 an index with a tagged child and a signature, all three due to go (keep 1). */
function doomedIndex(): NodeSpec[] {
  return [
    { id: 'v2', image: 'app', kind: 'image', tags: ['2.0.0'] },
    { id: 'amd', image: 'app', kind: 'image', tags: ['1.0.0-amd64'] },
    { id: 'arm', image: 'app', kind: 'image', tags: [] },
    { id: 'idx', image: 'app', kind: 'index', tags: ['1.0.0'], children: ['amd', 'arm'] },
    { id: 's-idx', image: 'app', kind: 'referrer', subject: 'idx', noun: 'sig' }
  ]
}

describe('docker-registry: graph order, as the registry sees the DELETEs', () => {
  if (!bin) return
  let s: Server
  beforeEach(async () => {
    s = await registry()
  })
  afterEach(() => s.stop())

  it('each manifest is deleted only after everything it hangs from: index, then its tagged children, then referrers', async () => {
    const seeded = await seedGraph(s.target, [
      { id: 'v2', image: 'app', kind: 'image', tags: ['2.0.0'] },
      { id: 'leaf', image: 'app', kind: 'image', tags: ['1.0.0-amd64'] },
      { id: 'mid', image: 'app', kind: 'index', tags: ['1.0.0-all'], children: ['leaf'] },
      { id: 'top', image: 'app', kind: 'index', tags: ['1.0.0'], children: ['mid'] },
      { id: 's-top', image: 'app', kind: 'referrer', subject: 'top', noun: 'sig' },
      { id: 's-leaf', image: 'app', kind: 'referrer', subject: 'leaf', noun: 'sig' },
      { id: 's-s-leaf', image: 'app', kind: 'referrer', subject: 's-leaf', noun: 'sig' },
      { id: 'v0', image: 'app', kind: 'image', tags: ['0.9.0'] }
    ])
    const r = await run(s, { concurrency: '8' })
    expect(r.failures).toEqual([])
    const order = s.proxy.log.filter(l => l.method === 'DELETE').map(l => l.path.split('/manifests/')[1])
    const at = (id: string) => order.indexOf(seeded.nodes.get(id)!.digest)
    for (const id of ['top', 'mid', 'leaf', 's-top', 's-leaf', 's-s-leaf', 'v0']) expect(at(id)).toBeGreaterThanOrEqual(0)
    expect(at('top')).toBeLessThan(at('mid')) // a tagged child index after its parent
    expect(at('mid')).toBeLessThan(at('leaf')) // and its own tagged child after it
    expect(at('top')).toBeLessThan(at('s-top')) // a signature after its subject
    expect(at('leaf')).toBeLessThan(at('s-leaf'))
    expect(at('s-leaf')).toBeLessThan(at('s-s-leaf')) // a signature of a signature after that
    // each names the nearest tagged manifest it went with
    expect(outcomes(r).get('app:1.0.0-all')!.decision.reason).toBe('child of deleted 1.0.0')
    expect(outcomes(r).get('app:1.0.0-amd64')!.decision.reason).toBe('child of deleted 1.0.0-all')
    expect(outcomes(r).get(sig(seeded, 'leaf', 'app'))!.decision.reason).toBe('signature of deleted 1.0.0-amd64')
    expect(outcomes(r).get(sig(seeded, 's-leaf', 'app'))!.decision.reason).toBe(`signature of deleted ${sig(seeded, 'leaf', 'app').split(':')[1]}`)
  })
})

describe('docker-registry: the run fails closed', () => {
  if (!bin) return
  let s: Server
  let seeded: Seeded
  beforeEach(async () => {
    s = await registry()
    // latest shares 1.0.0's digest and is protected; 1.0.0 alone would be beyond keep 1
    seeded = await seedGraph(s.target, [
      { id: 'v1', image: 'app', kind: 'image', tags: ['1.0.0', 'latest'] },
      { id: 'v2', image: 'app', kind: 'image', tags: ['2.0.0'] },
      { id: 'v0', image: 'app', kind: 'image', tags: ['0.9.0'] }
    ])
  })
  afterEach(() => s.stop())

  const page1 = (tags: string[], last: string) => ({
    status: 200,
    headers: { link: `</v2/app/tags/list?n=1000&last=${last}>; rel="next"` },
    body: JSON.stringify({ name: 'app', tags })
  })
  const shortFirstPage: FaultRule = {
    path: /\/v2\/app\/tags\/list\?n=/,
    times: 1,
    fault: { kind: 'respond', answer: () => page1(['0.9.0', '1.0.0'], '1.0.0') }
  }

  it.each<[string, { status: number; body: string }]>([
    ['answers 404', { status: 404, body: '{"errors":[{"code":"NAME_UNKNOWN"}]}' }],
    ['answers tags: null', { status: 200, body: '{"name":"app","tags":null}' }],
    ['answers {}', { status: 200, body: '{}' }]
  ])('a second tags page that %s is an error for the image, not the end: the protected tag on a shared digest stays', async (_n, answer) => {
    const r = await run(s, {}, [shortFirstPage, { path: /last=1\.0\.0/, fault: { kind: 'respond', answer: () => answer } }])
    expect(r.images[0].error).toMatch(/page 2/)
    expect(r.failures.length).toBeGreaterThan(0)
    expect(r.totals.tags.deleted).toBe(0)
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))
  })

  it('a listed tag whose manifest answers 404 fails its image; a rerun finishes the job', async () => {
    const r = await run(s, {}, [
      { method: 'GET', path: /\/manifests\/latest$/, fault: { kind: 'status', status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' } }
    ])
    expect(r.images[0].error).toContain('tag latest is listed but its manifest answers 404')
    expect(r.totals.tags.deleted).toBe(0)
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))
    const rerun = await run(s, {})
    expect(rerun.failures).toEqual([])
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(['app:1.0.0', 'app:2.0.0', 'app:latest'])
  })

  it('a tags listing that never ends (a new Link, the same items) stops with an error and deletes nothing', async () => {
    const r = await run(s, {}, [{ path: /\/v2\/app\/tags\/list/, fault: { kind: 'respond', answer: (_p, n) => page1(['0.9.0', '1.0.0'], `x${n}`) } }])
    expect(r.images[0].error).toContain('repeats "0.9.0", listed before')
    expect(r.totals.tags.deleted).toBe(0)
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))
  })

  it('an index skipped as changed since planned keeps its tagged children and signatures', async () => {
    const more = await seedGraph(
      s.target,
      doomedIndex().map(n => ({ ...n, image: 'multi' })),
      'multi'
    )
    const idx = more.nodes.get('idx')!
    // between the plan and the first delete (the recheck's tag listing), a new tag lands on the doomed index
    const hook: FaultRule = {
      path: /\/v2\/multi\/tags\/list/,
      after: 1,
      times: 1,
      fault: { kind: 'hook', run: () => retag(s.target, 'multi', 'hotfix', idx.pushed).then(() => undefined) }
    }
    const r = await run(s, { images: 'multi' }, [hook])
    const by = outcomes(r)
    expect(by.get('multi:1.0.0')).toMatchObject({ status: 'skipped', detail: 'changed since planned: new tag hotfix now points at it' })
    expect(by.get('multi:1.0.0-amd64')).toMatchObject({ status: 'skipped', detail: '1.0.0 was not deleted (skipped)' })
    expect(by.get(sig(more, 'idx', 'multi'))!.status).toBe('skipped')
    const left = await tagsNow(registryReader(s.target), more)
    expect(left).toEqual([...all(more), 'multi:hotfix'].sort())
    expect(await incomplete(registryReader(s.target), more, left)).toEqual([])
  })

  it('a new tag on a new index that reaches a doomed tagged manifest stops that delete', async () => {
    // 0.9.0 is due to go; meanwhile someone pushes an index tagged `bundle` over 0.9.0's manifest
    const v0 = seeded.nodes.get('v0')!
    const bundle = async () => {
      await putManifest(s.target, 'app', 'bundle', indexOver([v0.pushed]), OCI_INDEX)
    }
    const r = await run(s, {}, [{ path: /\/v2\/app\/tags\/list/, after: 1, times: 1, fault: { kind: 'hook', run: bundle } }])
    expect(outcomes(r).get('app:0.9.0')!.detail).toMatch(/^changed since planned: new tag bundle now reaches it through index/)
    expect(await registryReader(s.target).resolve('app', v0.digest)).toBe(v0.digest)
  })

  it('a new index over a new inner index that cannot be read stops every delete of the image', async () => {
    // bundle -> inner -> 0.9.0, pushed mid-run; the inner index then answers 404: what it reaches is unknown
    const v0 = seeded.nodes.get('v0')!
    const inner = indexOver([v0.pushed])
    const innerDigest = `sha256:${createHash('sha256').update(inner).digest('hex')}`
    const push = async () => {
      await putManifest(s.target, 'app', innerDigest, inner, OCI_INDEX)
      const innerPushed = { digest: innerDigest, body: inner, mediaType: OCI_INDEX, size: inner.length }
      await putManifest(s.target, 'app', 'bundle', indexOver([innerPushed]), OCI_INDEX)
    }
    const r = await run(s, {}, [
      { path: /\/v2\/app\/tags\/list/, after: 1, times: 1, fault: { kind: 'hook', run: push } },
      {
        method: 'GET',
        path: new RegExp(`/manifests/${innerDigest}$`),
        fault: { kind: 'status', status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' }
      }
    ])
    expect(outcomes(r).get('app:0.9.0')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/^not deleted: recheck before deleting failed: manifest sha256:/)
    })
    expect(r.totals.tags.deleted).toBe(0)
    expect(await registryReader(s.target).resolve('app', v0.digest)).toBe(v0.digest)
  })

  it('a catalog that never ends fails the run before anything is deleted', async () => {
    const r = run(s, {}, [
      {
        path: /\/v2\/_catalog/,
        fault: {
          kind: 'respond',
          answer: (_p, n) => ({ status: 200, headers: { link: `</v2/_catalog?n=1000&last=z${n}>; rel="next"` }, body: '{"repositories":["app"]}' })
        }
      }
    ])
    await expect(r).rejects.toThrow(/repeats "app", listed before/)
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))
  })

  it('where no date is usable, the report says which order ranked the other tags', async () => {
    for (const tag of ['build-b', 'build-a', 'build-c']) await pushImage(s.target, 'dated', tag, { created: '1970-01-01T00:00:00Z' })
    const r = await run(s, { images: 'dated', 'dry-run': 'true' })
    expect(r.images[0].notes).toContain(
      'no usable date for any of the 3 manifests without a version tag: ranked by tag name (alphabetical order, first = newest) instead'
    )
    expect(outcomes(r).get('dated:build-a')!.decision.reason).toBe('keep 1 (other) #1')
  })
})

describe('nexus emulator: the listing fails closed', () => {
  let s: Server & { emu: NexusEmulator }
  let seeded: Seeded
  beforeEach(async () => {
    // OrientDB pages 10 components: 12 tags make two pages, latest (pushed last) on the second
    s = await nexus({ dbMode: 'orient', version: '3.69.0-02' })
    const nodes: NodeSpec[] = Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, image: 'app', kind: 'image' as const, tags: [`1.${i}.0`] }))
    nodes.push({ id: 'top', image: 'app', kind: 'image', tags: ['2.0.0'] })
    seeded = await seedGraph(s.target, nodes)
    await retag(s.target, 'app', 'latest', seeded.nodes.get('v0')!.pushed)
    seeded.tags.set('app:latest', seeded.nodes.get('v0')!.digest)
  })
  afterEach(() => s.stop())

  it.each<[string, { status: number; body: string }]>([
    ['answers 404', { status: 404, body: '' }],
    ['answers items: null', { status: 200, body: '{"items":null,"continuationToken":null}' }],
    ['answers {}', { status: 200, body: '{}' }]
  ])('a second components page that %s fails the run: the protected tag on a shared digest stays', async (_n, answer) => {
    // the components listing (search's own faults fall back to it: __tests__/nexus/search-listing.test.ts)
    const r = run(s, { listing: 'components' }, [{ path: /continuationToken=/, fault: { kind: 'respond', answer: () => answer } }])
    await expect(r).rejects.toThrow(/page 2/)
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))
  })

  it('a components listing that never ends (a new token, the same items) stops with an error', async () => {
    const first = await fetch(`${s.emu.url}/service/rest/v1/components?repository=${REPO}`, {
      headers: { authorization: 'Basic ' + Buffer.from('admin:admin123').toString('base64') }
    })
    const page = (await first.json()) as { items: unknown[] }
    const r = run(s, { listing: 'components' }, [
      {
        path: /continuationToken=/,
        fault: { kind: 'respond', answer: (_p, n) => ({ status: 200, body: JSON.stringify({ items: page.items, continuationToken: `t${n}` }) }) }
      }
    ])
    await expect(r).rejects.toThrow(/repeats component/)
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(all(seeded))
  })

  it('without faults: the two pages are read and only the tags beyond keep go', async () => {
    const r = await run(s, {})
    expect(r.failures).toEqual([])
    expect(await tagsNow(registryReader(s.target), seeded)).toEqual(['app:1.0.0', 'app:2.0.0', 'app:latest'])
  })
})
