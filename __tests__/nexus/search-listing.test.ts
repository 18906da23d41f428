// listing: search, against the emulator's search API (Elasticsearch and table search). Search is trusted
// for an image only with its proof (its versions are exactly the tags the registry lists, no repeats, the
// window not reached); otherwise that image comes from the components listing. Generated cases: twin
// emulators seeded alike, a stale index on one, the same random changes (deletes, pushes, re-pushes) on
// both; a search run may only keep more than a components run, and reports exactly what it removed.

import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { NexusEmulator, startNexusEmulator, type EmulatorOptions } from '../../test/nexus-emulator/server'
import { startFaultProxy } from '../../test/support/fault-proxy'
import { memoryLogger } from '../../test/support/memory-logger'
import { rng } from '../../test/support/random-graph'
import { runCleanup } from '../../test/support/run-cleanup'

const REPO = 'docker-hosted'
const AUTH = { authorization: `Basic ${Buffer.from('admin:admin123').toString('base64')}` }
const NOW = '2026-06-01T00:00:00Z'

const emulators: NexusEmulator[] = []
afterEach(async () => {
  for (const e of emulators.splice(0)) await e.close()
})

async function emulator(opts: EmulatorOptions, images: Record<string, number>): Promise<NexusEmulator> {
  const emu = await startNexusEmulator({ now: NOW, ...opts, scenario: { repositories: [{ name: REPO, images: [] }] } })
  emulators.push(emu)
  for (const [image, count] of Object.entries(images)) for (let i = 0; i < count; i++) push(emu, image, `1.0.${i}`, i)
  return emu
}

function push(emu: NexusEmulator, image: string, tag: string, hour: number): void {
  const when = new Date(Date.parse('2026-01-01T00:00:00Z') + hour * 3600_000).toISOString()
  emu.pushImage(REPO, image, { tag, pushed: when, created: when })
}

function run(host: string, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = {
    host,
    repository: REPO,
    username: 'admin',
    password: 'admin123',
    keep: '2',
    'dry-run': 'false',
    retries: '0',
    ...extra
  }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

const everyTag = (emu: NexusEmulator): string[] =>
  emu
    .images(REPO)
    .flatMap(i => emu.tags(REPO, i).map(t => `${i}:${t}`))
    .sort()
const reportedGone = (r: RunReport): string[] =>
  r.images
    .flatMap(i =>
      i.outcomes
        .filter(o => o.status === 'deleted')
        .flatMap(o => o.deletedTags ?? o.decision.tags)
        .map(t => `${i.image}:${t}`)
    )
    .sort()
const listingPages = (emu: NexusEmulator) => emu.requests.filter(r => r.method === 'GET' && r.path === '/service/rest/v1/components').length

async function deleteTag(emu: NexusEmulator, image: string, tag: string): Promise<void> {
  const id = emu.component(REPO, image, tag)?.id
  if (id) await fetch(`${emu.url}/service/rest/v1/components/${id}`, { method: 'DELETE', headers: AUTH })
}

describe('listing search, where the index agrees with the store', () => {
  it.each(['orient', 'datastore'] as const)('%s: every image from search, none from the components listing; the same outcome', async dbMode => {
    const version = dbMode === 'orient' ? '3.69.0-02' : '3.77.0-08'
    const images = { app: 7, 'app-old': 3, 'team/web': 12 }
    const a = await emulator({ dbMode, version }, images)
    const b = await emulator({ dbMode, version }, images)
    const bySearch = await run(a.url, { listing: 'search' })
    const byComponents = await run(b.url, { listing: 'components' })
    expect(bySearch.failures).toEqual([])
    expect(everyTag(a)).toEqual(everyTag(b))
    expect(reportedGone(bySearch)).toEqual(reportedGone(byComponents))
    expect(listingPages(a)).toBe(0)
    expect(listingPages(b)).toBeGreaterThan(0)
    expect(a.requests.filter(r => r.path === '/service/rest/v1/search')).toHaveLength(3)
  })

  it.each([
    ['orient', '3.69.0-02', 'search'],
    ['datastore', '3.77.0-08', 'components']
  ] as const)('listing auto in a real run on %s (one page tells): %s', async (dbMode, version, expected) => {
    const a = await emulator({ dbMode, version }, { app: 30 })
    const r = await run(a.url)
    expect(r.failures).toEqual([])
    expect(a.tags(REPO, 'app')).toEqual(['1.0.28', '1.0.29'])
    const searches = a.requests.filter(q => q.path === '/service/rest/v1/search').length
    // one components page either way: the probe on OrientDB; on the datastore the whole listing, page 1 read once
    expect(listingPages(a)).toBe(1)
    expect(expected === 'search' ? searches > 0 : searches === 0).toBe(true)
  })

  it('listing auto in a dry run is search; with delete-orphans or max-components it is the components listing', async () => {
    const a = await emulator({}, { app: 4 })
    await run(a.url, { 'dry-run': 'true' })
    expect(listingPages(a)).toBe(0)
    a.resetRequests()
    await run(a.url, { 'dry-run': 'true', 'delete-orphans': 'true' })
    expect(listingPages(a)).toBeGreaterThan(0)
    expect(() => parseConfig(n => ({ host: a.url, repository: REPO, listing: 'search', 'max-components': '100' })[n])).toThrow(
      /'listing'.*auto or components with max-components/
    )
  })
})

describe('listing search, where it cannot be proven', () => {
  it('table search returns other names for name=app: only app is taken, and its proof holds', async () => {
    const a = await emulator({ searchEngine: 'table' }, { app: 5, 'app-old': 4, 'old-app': 2 })
    const r = await run(a.url, { listing: 'search', images: 'app' })
    expect(r.failures).toEqual([])
    expect(a.tags(REPO, 'app')).toEqual(['1.0.3', '1.0.4'])
    expect(a.tags(REPO, 'app-old')).toHaveLength(4)
    expect(listingPages(a)).toBe(0)
  })

  it('past the result window (here 100), search ends early, silently: the tags list disagrees, so the components listing decides', async () => {
    const a = await emulator({ searchWindow: 100 }, { big: 120, small: 3 })
    const r = await run(a.url, { listing: 'search' })
    expect(r.failures).toEqual([])
    expect(a.tags(REPO, 'big')).toEqual(['1.0.118', '1.0.119'])
    expect(r.images.find(i => i.image === 'big')!.notes.join(' ')).toMatch(
      /listed through the components API: search and the tags list disagree \(20 tags missing/
    )
    expect(r.images.find(i => i.image === 'small')!.notes.join(' ')).not.toMatch(/components API/)
  })

  it('a stream that reaches the edge of the 10,000 window proves nothing, whatever it holds', async () => {
    const a = await emulator({}, { app: 3 })
    // table search's superset: 50 other names a page, 200 pages
    const other = { id: 'x', repository: REPO, format: 'docker', group: '', name: 'app-other', version: '1', assets: [] }
    const answer = (_path: string, n: number) => ({
      status: 200,
      body: JSON.stringify({ items: Array(50).fill(other), continuationToken: n < 200 ? `t${n}` : null })
    })
    const proxy = await startFaultProxy(a.url)
    proxy.setRules([{ method: 'GET', path: /\/service\/rest\/v1\/search\?/, fault: { kind: 'respond', answer } }])
    const r = await run(proxy.url, { listing: 'search' }).finally(() => proxy.close())
    expect(r.failures).toEqual([])
    expect(r.images[0].notes.join(' ')).toContain('search reached 9950 hits, the edge of its result window')
    expect(a.tags(REPO, 'app')).toEqual(['1.0.1', '1.0.2'])
  })

  it.each([
    ['a repeated component', (items: { id: string }[]) => [...items, items[0]]],
    ['a phantom version', (items: { id: string; version: string }[]) => [...items, { ...items[0], id: 'cGhhbnRvbQ', version: '9.9.9' }]],
    ['a missing component', (items: unknown[]) => items.slice(1)]
  ])('%s in a search page: not proven, and the run keeps exactly what the components listing says', async (_what, edit) => {
    const a = await emulator({}, { app: 6 })
    const page = (await (await fetch(`${a.url}/service/rest/v1/search?repository=${REPO}&name=app`, { headers: AUTH })).json()) as {
      items: { id: string; version: string }[]
    }
    const body = JSON.stringify({ items: edit(page.items), continuationToken: null })
    const proxy = await startFaultProxy(a.url)
    proxy.setRules([{ method: 'GET', path: /\/service\/rest\/v1\/search\?/, fault: { kind: 'respond', answer: () => ({ status: 200, body }) } }])
    const r = await run(proxy.url, { listing: 'search' }).finally(() => proxy.close())
    expect(r.failures).toEqual([])
    expect(a.tags(REPO, 'app')).toEqual(['1.0.4', '1.0.5'])
    expect(r.images[0].notes.join(' ')).toMatch(/listed through the components API: search (repeats|and the tags list disagree)/)
  })

  it('a search that fails (500) or refuses its token (406) falls back to the components listing', async () => {
    for (const status of [500, 406]) {
      const a = await emulator({}, { app: 4 })
      const proxy = await startFaultProxy(a.url)
      proxy.setRules([{ method: 'GET', path: /\/service\/rest\/v1\/search\?/, fault: { kind: 'status', status } }])
      const r = await run(proxy.url, { listing: 'search' }).finally(() => proxy.close())
      expect(r.failures).toEqual([])
      expect(a.tags(REPO, 'app')).toEqual(['1.0.2', '1.0.3'])
      expect(r.images[0].notes.join(' ')).toContain(`search answered ${status}`)
    }
  })

  it('a stale index whose dates lag a re-push (same version, same id): the delete is skipped, not done on old facts', async () => {
    const a = await emulator({ searchRefreshMs: 3_600_000 }, { app: 4 })
    await fetch(`${a.url}/service/rest/v1/search?repository=${REPO}&name=app`, { headers: AUTH }) // the index's snapshot
    a.advance(3_600_000)
    a.rePushTag(REPO, 'app', '1.0.0')
    const r = await run(a.url, { listing: 'search' })
    // 1.0.0 now holds new content: its old digest cannot be read, or its recheck finds it moved
    expect(a.tags(REPO, 'app')).toContain('1.0.0')
    expect(a.tags(REPO, 'app')).not.toContain('1.0.1')
    const o = r.images[0].outcomes.find(x => x.decision.tags.includes('1.0.0'))
    expect(o === undefined || o.status !== 'deleted').toBe(true)
  })
})

describe('generated: a stale index and random changes; search only ever keeps more', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => i + 1)
  it.each(seeds)('seed %i', async seed => {
    const r = rng(seed * 7919)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
    const dbMode = r() < 0.5 ? 'orient' : 'datastore'
    const opts: EmulatorOptions = {
      dbMode,
      version: dbMode === 'orient' ? '3.69.0-02' : '3.77.0-08',
      searchEngine: r() < 0.3 ? 'table' : 'elasticsearch',
      searchWindow: r() < 0.3 ? 50 + Math.floor(r() * 100) : 10_000
    }
    const names = ['app', 'app-old', 'team/app', 'web', 'web-ui'].filter(() => r() < 0.7)
    if (names.length === 0) names.push('app')
    const images = Object.fromEntries(names.map(n => [n, 1 + Math.floor(r() * 30)]))
    const keep = String(1 + Math.floor(r() * 4))
    const a = await emulator({ ...opts, searchRefreshMs: 3_600_000 }, images)
    const b = await emulator(opts, images)
    await fetch(`${a.url}/service/rest/v1/search?repository=${REPO}`, { headers: AUTH }) // the index's snapshot
    // the same changes on both, after a's index was taken: deletes, pushes, re-pushes
    const changes: string[] = []
    for (let i = 0, n = Math.floor(r() * 6); i < n; i++) {
      const image = pick(names)
      const kind = pick(['delete', 'push', 'repush'] as const)
      const tags = a.tags(REPO, image)
      if (kind === 'push') {
        const tag = `1.0.${100 + i}`
        for (const e of [a, b]) push(e, image, tag, 1000 + i)
        changes.push(`push ${image}:${tag}`)
      } else if (tags.length > 0) {
        const tag = pick(tags)
        if (kind === 'delete') for (const e of [a, b]) await deleteTag(e, image, tag)
        else for (const e of [a, b]) e.rePushTag(REPO, image, tag)
        changes.push(`${kind} ${image}:${tag}`)
      }
    }
    const context = `seed ${seed}: ${JSON.stringify(opts)}, images ${JSON.stringify(images)}, keep ${keep}, changes: ${changes.join(', ') || 'none'}`
    const before = everyTag(a)
    expect(everyTag(b)).toEqual(before)
    const bySearch = await run(a.url, { listing: 'search', keep })
    const byComponents = await run(b.url, { listing: 'components', keep })
    const goneA = before.filter(t => !everyTag(a).includes(t))
    const goneB = before.filter(t => !everyTag(b).includes(t))
    // only ever keeps more; and says exactly what it removed
    expect({ context, extra: goneA.filter(t => !goneB.includes(t)) }).toEqual({ context, extra: [] })
    expect({ context, reported: reportedGone(bySearch) }).toEqual({ context, reported: goneA })
    expect({ context, reported: reportedGone(byComponents) }).toEqual({ context, reported: goneB })
    // with nothing changed and no window reached, search does the whole job alone
    if (changes.length === 0 && opts.searchWindow === 10_000) {
      expect({ context, goneA }).toEqual({ context, goneA: goneB })
      expect({ context, pages: listingPages(a) }).toEqual({ context, pages: 0 })
    }
  })
})
