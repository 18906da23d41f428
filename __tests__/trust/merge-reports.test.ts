// Trust class 5: merged reports are counted, not believed. An image is host + API + repository + name;
// every total is recomputed from the items; a report whose totals disagree with its items, that fails the
// report schema, or that another schema version wrote is refused naming the file; an absolute glob works
// like a relative one; a glob that matches nothing is bad input (exit 2).

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, parseConfig } from '../../src/config/config'
import { runMerged } from '../../src/run/engine'
import type { RunReport } from '../../src/model'
import { reportJson } from '../../src/report/data'
import { expandReportGlobs, mergeReports, readReportFile } from '../../src/report/merge'
import { FakeRegistry, imageBody, startFakeRegistry } from '../../test/support/fake-registry'
import { memoryLogger } from '../../test/support/memory-logger'
import { rng } from '../../test/support/random-graph'
import { runCleanup } from '../../test/support/run-cleanup'

async function reportOf(fake: FakeRegistry): Promise<RunReport> {
  const inputs: Record<string, string> = { api: 'registry', host: fake.origin, keep: '1', 'dry-run': 'true', retries: '0' }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

/** One fake registry with images `names`, each of `n` versions. */
async function server(names: string[], n: number): Promise<FakeRegistry> {
  const fake = await startFakeRegistry()
  for (const image of names) for (let v = 0; v < n; v++) fake.put(image, imageBody(`${fake.origin} ${image} ${v}`), `1.${v}.0`)
  return fake
}

function write(dir: string, name: string, value: unknown): string {
  const file = join(dir, name)
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value))
  return file
}

let fakes: FakeRegistry[] = []
afterEach(async () => {
  for (const f of fakes) await f.close()
  fakes = []
})

describe('merge-reports counts, never believes', () => {
  it('two hosts with the same image names are two sets of images, each counted', async () => {
    fakes = [await server(['app', 'web'], 3), await server(['app', 'web'], 4)]
    const [a, b] = await Promise.all(fakes.map(reportOf))
    const dir = mkdtempSync(join(tmpdir(), 'nil-merge-'))
    const merged = mergeReports([readReportFile(write(dir, 'a.json', reportJson(a))), readReportFile(write(dir, 'b.json', reportJson(b)))])
    expect(merged.totals.images).toBe(4)
    expect(merged.totals.tags.wouldDelete).toBe(2 * 2 + 2 * 3)
    expect(merged.merged!.duplicates).toEqual([])
    expect(new Set(merged.images.map(i => i.host)).size).toBe(2)
    expect(merged.host).toBe([a.host, b.host].join(', '))
  })

  it('the same report twice: its images once, named as duplicates', async () => {
    fakes = [await server(['app'], 3)]
    const a = await reportOf(fakes[0])
    const dir = mkdtempSync(join(tmpdir(), 'nil-merge-'))
    const file = write(dir, 'a.json', reportJson(a))
    const merged = mergeReports([readReportFile(file), readReportFile(file)])
    expect(merged.totals.images).toBe(1)
    expect(merged.merged!.duplicates).toEqual([`${a.images[0].repository}/app`])
  })

  it.each(Array.from({ length: 16 }, (_, i) => i + 1))('generated: a report with one count changed (seed %i) is refused, naming the file', async seed => {
    const r0 = rng(seed * 3571)
    fakes = [await server(['app', 'web', 'db'].slice(0, 1 + Math.floor(r0() * 3)), 2 + Math.floor(r0() * 3))]
    const good = await reportOf(fakes[0])
    const forged = JSON.parse(reportJson(good)) as RunReport
    const where = Math.floor(r0() * 3)
    const key = (['kept', 'wouldDelete', 'deleted'] as const)[Math.floor(r0() * 3)]
    const counts = where === 0 ? forged.totals.tags : where === 1 ? forged.images[0].manifests : forged.totals.manifests
    counts[key] += 1 + Math.floor(r0() * 5)
    const dir = mkdtempSync(join(tmpdir(), 'nil-merge-'))
    const file = write(dir, 'forged.json', forged)
    expect(() => readReportFile(file)).toThrow(
      new RegExp(`merge-reports: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .* says .* but its items count .*: refused`)
    )
    expect(() => readReportFile(write(dir, 'good.json', reportJson(good)))).not.toThrow()
  })

  it('a report that fails the schema, or comes from another schema version, is refused naming the file', async () => {
    fakes = [await server(['app'], 2)]
    const good = JSON.parse(reportJson(await reportOf(fakes[0]))) as Record<string, unknown>
    const dir = mkdtempSync(join(tmpdir(), 'nil-merge-'))
    const older = write(dir, 'v0.json', { ...good, schemaVersion: 0 })
    expect(() => readReportFile(older)).toThrow(`merge-reports: ${older} has report schema version 0, this tool reads 1`)
    const none = write(dir, 'none.json', { ...good, schemaVersion: undefined })
    expect(() => readReportFile(none)).toThrow(`${none} has report schema version "none"`)
    const broken = write(dir, 'broken.json', { ...good, images: [{ repository: 'x' }] })
    expect(() => readReportFile(broken)).toThrow(
      new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a nexus-image-lifecycle report: /images/0 must have required property`)
    )
    const notOurs = write(dir, 'other.json', { hello: 'world' })
    expect(() => readReportFile(notOurs)).toThrow('is not a nexus-image-lifecycle report')
  })

  it('an absolute glob works like a relative one; a glob that matches nothing is bad input', async () => {
    fakes = [await server(['app'], 2)]
    const a = await reportOf(fakes[0])
    const dir = mkdtempSync(join(tmpdir(), 'nil-merge-'))
    write(dir, 'shard-1.json', reportJson(a))
    expect(expandReportGlobs([`${dir}/*.json`])).toEqual([join(dir, 'shard-1.json')])
    expect(expandReportGlobs(['*.json'], dir)).toEqual(['shard-1.json'])
    const cfg = parseConfig(n => ({ host: fakes[0].origin, api: 'registry', 'merge-reports': `${dir}/nothing-*.json` })[n])
    await expect(runMerged(cfg, { log: memoryLogger(), version: 'test' })).rejects.toThrow(ConfigError)
    await expect(runMerged(cfg, { log: memoryLogger(), version: 'test' })).rejects.toThrow("Invalid input 'merge-reports'")
  })
})
