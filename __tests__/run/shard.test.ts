// Sharding a cleanup (shard K/N, reclaim-only, merge-reports): the partition is stable and total, a sharded
// run leaves exactly what one unsharded run leaves, against the real docker-registry and the Nexus emulator,
// and the merged report counts the same.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli/cli'
import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { reportJson } from '../../src/report/index'
import { mergeReports, readReportFile } from '../../src/report/merge'
import { fnv1a32, shardOf } from '../../src/config/shard'
import { benchScenario, NEXUS_REPOSITORY, seedRegistry } from '../../scripts/bench-seed'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { memoryLogger } from '../../test/support/memory-logger'
import { seedMixed, POLICY_INPUTS } from '../../test/support/mixed-scenario'
import { listTags } from '../../test/support/push'
import { registryOrSkip, startRegistry } from '../../test/support/registry-server'
import { runCleanup } from '../../test/support/run-cleanup'

const FAST_RECLAIM = { pollMinMs: 5, pollMaxMs: 20, metricsFlushMs: 0 }
const run = (inputs: Record<string, string>): Promise<RunReport> =>
  runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test', reclaimTiming: FAST_RECLAIM }
  )

describe('the partition', () => {
  it('is FNV-1a 32-bit of repository/name, mod N, plus 1', () => {
    // FNV-1a test vectors (Fowler, Noll, Vo)
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
    expect(shardOf('docker-hosted', 'shop/api', 4)).toBe((fnv1a32('docker-hosted/shop/api') % 4) + 1)
    // pinned: a later version must put these images in the same shards
    expect([shardOf('docker-hosted', 'shop/api', 4), shardOf('docker-hosted', 'shop/web', 4), shardOf('docker-hosted', 'tools/migrate', 4)]).toEqual([4, 2, 2])
  })

  it('puts every image in exactly one shard, and spreads them', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `team-${i % 7}/app-${i}`)
    for (const n of [1, 2, 3, 5, 16]) {
      const sizes = new Array<number>(n).fill(0)
      for (const name of names) {
        const k = shardOf('docker-hosted', name, n)
        expect(k >= 1 && k <= n).toBe(true)
        sizes[k - 1] = (sizes[k - 1] ?? 0) + 1
      }
      for (const size of sizes) expect(size).toBeGreaterThan((names.length / n) * 0.8)
    }
  })

  it.each([
    ['0/3', 'K/N with K from 1 to N (here 1 to 3)'],
    ['4/3', 'K/N with K from 1 to N (here 1 to 3)'],
    ['3', 'K/N, such as 2/4 (this job takes shard K of N)'],
    ['a/b', 'K/N, such as 2/4 (this job takes shard K of N)'],
    ['1/0', 'K/N with N from 1 to 1000']
  ])('shard %p: one line', (value, accepted) => {
    expect(() => parseConfig(n => (({ host: 'https://nexus.example.com', repository: 'r', shard: value }) as Record<string, string>)[n])).toThrow(
      `Invalid input 'shard': ${JSON.stringify(value)}. Expected ${accepted}.`
    )
  })

  it('refuses max-components with shard, and reclaim-only with shard or api registry', () => {
    const at = (extra: Record<string, string>) => () =>
      parseConfig(n => (({ host: 'https://nexus.example.com', repository: 'r', ...extra }) as Record<string, string>)[n])
    expect(at({ shard: '1/2', 'max-components': '100' })).toThrow(/^Invalid input 'shard': "1\/2"\. Expected empty with max-components/)
    expect(at({ shard: '1/2', 'reclaim-only': 'true' })).toThrow(/Expected false with shard/)
    expect(at({ api: 'registry', repository: '', 'reclaim-only': 'true' })).toThrow(/Invalid input 'reclaim-only'/)
  })
})

/** Runs shards 1..n one after another; returns their reports. */
async function sharded(n: number, inputs: Record<string, string>): Promise<RunReport[]> {
  const out: RunReport[] = []
  for (let k = 1; k <= n; k++) out.push(await run({ ...inputs, shard: `${k}/${n}` }))
  return out
}

/** The merge as the final job does it: through report files. */
function mergedThroughFiles(reports: RunReport[]): RunReport {
  const dir = mkdtempSync(join(tmpdir(), 'nil-shards-'))
  return mergeReports(
    reports.map((r, i) => {
      const file = join(dir, `report-${i}.json`)
      writeFileSync(file, reportJson(r))
      return readReportFile(file)
    })
  )
}

function expectSameRun(shards: RunReport[], whole: RunReport): void {
  // by image name: on a plain registry the repository is the server's host:port, another for `whole`
  const names = shards.flatMap(r => r.images.map(i => i.image))
  expect(new Set(names).size).toBe(names.length) // each image in one shard only
  expect(names.sort()).toEqual(whole.images.map(i => i.image).sort())
  const merged = mergedThroughFiles(shards)
  expect(merged.totals.tags).toEqual(whole.totals.tags)
  expect(merged.totals.manifests).toEqual(whole.totals.manifests)
  expect(merged.totals.images).toBe(whole.totals.images)
  expect(merged.merged).toEqual({ reports: shards.length, duplicates: [] })
  expect(merged.failures).toEqual([])
}

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

maybe('sharded against docker-registry', () => {
  it.each([1, 2, 3, 4, 5])(
    '%i shards leave exactly what one unsharded run leaves',
    async n => {
      const servers = [await startRegistry(bin as string), await startRegistry(bin as string)]
      try {
        for (const s of servers) {
          await seedMixed({ base: s.url })
          await seedRegistry({ base: s.url }, 6, 8)
        }
        const inputs = (url: string) => ({ host: url, api: 'registry', ...POLICY_INPUTS, 'dry-run': 'false' })
        const whole = await run(inputs(servers[0].url))
        const shards = await sharded(n, inputs(servers[1].url))
        expect(shards.flatMap(r => r.failures)).toEqual([])
        for (const img of whole.images) {
          expect({ img: img.image, left: await listTags({ base: servers[1].url }, img.image) }).toEqual({
            img: img.image,
            left: await listTags({ base: servers[0].url }, img.image)
          })
        }
        expectSameRun(shards, whole)
        for (const r of shards) expect(r.shard).toMatchObject({ count: n, of: whole.images.length })
      } finally {
        for (const s of servers) await s.stop()
      }
    },
    60_000
  )
})

describe('sharded against the Nexus emulator', () => {
  const start = (): Promise<NexusEmulator> => startNexusEmulator({ scenario: benchScenario(10, 12).scenario, tasks: { mode: 'timer', durationMs: 20 } })
  const inputs = (emu: NexusEmulator) => ({
    host: emu.url,
    repository: NEXUS_REPOSITORY,
    username: 'admin',
    password: 'admin123',
    keep: '3',
    'dry-run': 'false'
  })

  it.each([1, 2, 3, 4, 5])(
    '%i shards leave exactly what one unsharded run leaves',
    async n => {
      const [a, b] = [await start(), await start()]
      try {
        const whole = await run(inputs(a))
        const shards = await sharded(n, inputs(b))
        for (const img of whole.images)
          expect({ img: img.image, left: b.tags(NEXUS_REPOSITORY, img.image).sort() }).toEqual({
            img: img.image,
            left: a.tags(NEXUS_REPOSITORY, img.image).sort()
          })
        expectSameRun(shards, whole)
      } finally {
        await a.close()
        await b.close()
      }
    },
    60_000
  )

  it('the CLI merges report files as the action does: merge-reports FILE... --json', async () => {
    const emu = await start()
    const out: string[] = []
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => (out.push(String(chunk)), true))
    try {
      const shards = await sharded(3, inputs(emu))
      const dir = mkdtempSync(join(tmpdir(), 'nil-cli-merge-'))
      const files = shards.map((r, i) => {
        const file = join(dir, `r${i}.json`)
        writeFileSync(file, reportJson(r))
        return file
      })
      expect(await main(['merge-reports', ...files, '--json'])).toBe(0)
      const merged = JSON.parse(out.join('')) as RunReport
      expect(merged.totals).toEqual(mergedThroughFiles(shards).totals)
      expect(merged.merged).toEqual({ reports: 3, duplicates: [] })
      const errors: string[] = []
      const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(chunk => (errors.push(String(chunk)), true))
      try {
        expect(await main(['merge-reports'])).toBe(2)
        // a flag without its value, or one merge-reports does not know, is bad usage, never ignored
        expect(await main(['merge-reports', files[0], '--report-file'])).toBe(2)
        expect(await main(['merge-reports', files[0], '--bogus'])).toBe(2)
      } finally {
        errSpy.mockRestore()
      }
      expect(errors).toHaveLength(3)
      expect(errors[1]).toMatch(/^error: merge-reports: .*--report-file.*\(merge-reports FILE\.\.\. \[--json\] \[--report-file FILE\]\)\n$/)
      expect(errors[2]).toMatch(/^error: merge-reports: .*--bogus/)
    } finally {
      spy.mockRestore()
      await emu.close()
    }
  }, 60_000)

  it('reclaim-only runs the tasks and measures the blob stores without listing components', async () => {
    const emu = await start()
    try {
      await sharded(2, inputs(emu))
      emu.resetRequests()
      const r = await run({ ...inputs(emu), 'reclaim-only': 'true' })
      expect(r.failures).toEqual([])
      expect(r.reclaimOnly).toBe(true)
      expect(r.images).toEqual([])
      expect(r.reclaim?.tasks.map(t => t.result).every(x => x === 'OK')).toBe(true)
      expect(r.reclaim?.blobStores.length).toBeGreaterThan(0)
      expect(emu.requests.filter(q => q.path === '/service/rest/v1/components' || q.path.includes('/tags/list'))).toEqual([])
      expect(emu.requests.some(q => q.method === 'POST' && q.path.endsWith('/run'))).toBe(true)
      expect(emu.requests.filter(q => q.method === 'DELETE')).toEqual([])
    } finally {
      await emu.close()
    }
  }, 60_000)
})
