// The pieces that let a run stream image by image: ordered emission with a bounded window, the JSON report
// assembled from a spool (byte for byte what reportJson writes), bounded tables and output lists, and the
// freed-bytes estimate kept as numbers, and the Nexus listing spooled to disk.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { FreeableEstimate } from '../../src/report/freeable'
import { mapOrdered } from '../../src/util/concurrency'
import { ListingSpool } from '../../src/nexus/listing-spool'
import type { Decision, ImageInventory, ImageReport, Outcome, OutcomeStatus, RunReport } from '../../src/model'
import * as core from '@actions/core'
import {
  actionOutputs,
  boundReport,
  JsonReportSpool,
  ReportCollector,
  reportJson,
  renderSummary,
  renderTerminal,
  summarizeCounts
} from '../../src/report/index'
import { LIST_OUTPUT_MAX_CHARS } from '../../src/report/collect'
import { normalize } from '../../src/report/data'

const wait = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('mapOrdered', () => {
  it('emits in input order whatever order the items finish in', async () => {
    const delays = [30, 5, 20, 1, 10, 0, 15]
    const seen: number[] = []
    await mapOrdered(
      delays,
      3,
      async (ms, i) => (await wait(ms), i * 10),
      (r, i) => seen.push(r, i)
    )
    expect(seen).toEqual(delays.flatMap((_, i) => [i * 10, i]))
  })

  it('starts nothing beyond twice the concurrency past the oldest unfinished item', async () => {
    let release!: () => void
    const slow = new Promise<void>(r => (release = r))
    const started: number[] = []
    const run = mapOrdered(
      Array.from({ length: 20 }, (_, i) => i),
      2,
      async i => {
        started.push(i)
        if (i === 0) await slow
        return i
      },
      () => undefined
    )
    await wait(20)
    // item 0 is stuck: items 1..3 may finish and wait, item 4 (= 0 + 2 * 2) may not start
    expect(Math.max(...started)).toBe(3)
    release()
    await run
    expect(started.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('passes a failure on', async () => {
    await expect(
      mapOrdered(
        [1, 2, 3],
        2,
        async i => {
          if (i === 2) throw new Error('boom')
          return i
        },
        () => undefined
      )
    ).rejects.toThrow('boom')
  })
})

function decision(image: string, n: number, tags: string[], extra: Partial<Decision> = {}): Decision {
  return {
    repository: 'docker-hosted',
    image,
    digest: `sha256:${String(n).padStart(64, '0')}`,
    tags,
    action: 'delete',
    rule: 'delete',
    reason: 'beyond keep 1',
    family: 'version',
    ageDate: new Date(Date.UTC(2024, 0, n)),
    ageBasis: 'pushed',
    ...extra
  }
}

function image(name: string, outcomes: [number, string[], OutcomeStatus][]): ImageReport {
  const out: Outcome[] = outcomes.map(([n, tags, status]) => ({
    decision: decision(name, n, tags, status === 'kept' ? { action: 'keep', rule: 'keep-newest', reason: 'keep 1 (semver) #1' } : { deleteOrder: n }),
    status
  }))
  return { repository: 'docker-hosted', image: name, notes: [], outcomes: out, ...summarizeCounts(out) }
}

function report(images: ImageReport[], dryRun = false): RunReport {
  const totals = summarizeCounts(images.flatMap(i => i.outcomes))
  return {
    schemaVersion: 1,
    tool: { name: 'nexus-image-lifecycle', version: 'test' },
    api: 'nexus',
    dryRun,
    host: 'https://user:secret@nexus.example.com',
    repositories: ['docker-hosted'],
    startedAt: '2026-11-23T00:00:00.000Z',
    durationMs: 1234,
    policy: { images: ['*'], excludeImages: [], tags: ['*'], keepTags: ['latest'], keep: 1, keepOther: 1, ageBasis: 'pushed', sort: 'semver' },
    images,
    totals: { images: images.length, ...totals },
    requests: { 'nexus GET components': 3 },
    notes: ['a note'],
    failures: []
  }
}

const sample = () =>
  report([
    image('api', [
      [3, ['2.0.0', 'latest'], 'kept'],
      [2, ['1.0.0'], 'deleted'],
      [1, ['0.9.0'], 'failed']
    ]),
    image('web', [
      [5, ['1.1.0'], 'kept'],
      [4, ['1.0.0'], 'deleted']
    ]),
    image('worker', [])
  ])

describe('JSON report', () => {
  it('is the whole report with sorted keys, the host without credentials', () => {
    const r = sample()
    const reference = JSON.stringify({ ...r, host: 'https://nexus.example.com' }, normalize, 2)
    expect(reportJson(r)).toBe(reference)
    expect(reportJson(report([]))).toBe(JSON.stringify({ ...report([]), host: 'https://nexus.example.com' }, normalize, 2))
  })

  it('assembled from the spool, to a file and to a stream, is byte for byte reportJson', async () => {
    for (const r of [sample(), report([])]) {
      const spool = new JsonReportSpool()
      const dir = mkdtempSync(join(tmpdir(), 'nil-json-'))
      try {
        for (const img of r.images) spool.add(img)
        const { images, ...rest } = r
        const summary = { ...rest, images: images.map(({ outcomes: _o, ...s }) => s) }
        spool.writeFile(summary, join(dir, 'report.json'))
        expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe(reportJson(r))
        const out = new PassThrough()
        const chunks: Buffer[] = []
        out.on('data', c => chunks.push(c))
        await spool.writeStream(summary, out)
        expect(Buffer.concat(chunks).toString('utf8')).toBe(reportJson(r))
      } finally {
        spool.dispose()
        rmSync(dir, { recursive: true, force: true })
      }
    }
  })
})

describe('ReportCollector', () => {
  it('keeps the first rows of each table (failed ones first) and counts the rest, in image and plan order', () => {
    const r = sample()
    const c = new ReportCollector(2)
    for (const img of r.images) c.add(img)
    const d = c.bounded({ ...r, images: [] })
    // a cut keeps failed rows first; what is kept reads in image order, each image in its plan's order
    expect(d.plan.entries.map(e => `${e.image}:${e.outcome.decision.tags[0]}:${e.outcome.status}`)).toEqual(['api:1.0.0:deleted', 'api:0.9.0:failed'])
    expect(d.plan.total).toBe(3)
    expect(d.kept.entries.map(e => e.outcome.decision.tags[0])).toEqual(['2.0.0', '1.1.0'])
    expect(d.kept.total).toBe(2)
    expect(d.deleted).toEqual({ refs: ['api:1.0.0', 'web:1.0.0'], total: 2 })
    const text = renderTerminal(c.bounded({ ...r, images: r.images.map(({ outcomes: _o, ...s }) => s) }), { maxRows: 2 })
    expect(text).toContain('… and 1 more (set report-file for the full list)')
  })

  it("cuts the deleted output at GitHub's size limit, keeps the count, and says so", () => {
    const tags = Array.from({ length: 30_000 }, (_, i) => [i + 1, [`1.0.${i}-build-with-a-long-suffix`], 'deleted'] as [number, string[], OutcomeStatus])
    const r = report([image('big', tags)])
    const out = actionOutputs(r)
    const listed = JSON.parse(out.deleted) as string[]
    expect(out.deleted.length).toBeLessThanOrEqual(LIST_OUTPUT_MAX_CHARS)
    expect(listed.length).toBeGreaterThan(1000)
    expect(listed.length).toBeLessThan(30_000)
    expect(listed).toEqual(tags.slice(0, listed.length).map(t => `big:${t[1][0]}`))
    expect(out['deleted-count']).toBe('30000')
    // the job summary says the output was cut; the terminal, which has no outputs, does not
    core.summary.emptyBuffer()
    renderSummary(boundReport(r), core.summary)
    expect(core.summary.stringify()).toContain(`the deleted output lists the first ${listed.length} of 30000 tags`)
    core.summary.emptyBuffer()
    expect(renderTerminal(boundReport(r))).not.toContain('output lists the first')
  })
})

describe('FreeableEstimate', () => {
  const blob = (c: string, size: number) => ({ digest: `sha256:${c.repeat(64)}`, size })
  const inv = (name: string, manifests: { n: number; blobs: { digest: string; size: number }[] }[]): ImageInventory => ({
    repository: 'r',
    name,
    manifests: manifests.map(m => ({
      digest: `sha256:${String(m.n).padStart(64, '0')}`,
      mediaType: '',
      tags: [`t${m.n}`],
      children: [],
      blobs: m.blobs,
      manifestSize: 100
    }))
  })
  const outcome = (n: number, status: OutcomeStatus): Outcome => ({ decision: decision('x', n, [`t${n}`]), status })

  it('counts per image what only its deleted manifests use, and over the run each blob once unless still used', () => {
    const est = new FreeableEstimate()
    // a: deletes 1 (base + a1), keeps 2 (base + a2): frees a1 and manifest 1
    expect(
      est.add(
        inv('a', [
          { n: 1, blobs: [blob('b', 1000), blob('1', 10)] },
          { n: 2, blobs: [blob('b', 1000), blob('2', 20)] }
        ]),
        [outcome(1, 'deleted'), outcome(2, 'kept')]
      )
    ).toBe(10 + 100)
    // c: deletes 3 (shared layer s + c3) and 4 (s + c4): s counted once in the image
    expect(
      est.add(
        inv('c', [
          { n: 3, blobs: [blob('s', 500), blob('3', 30)] },
          { n: 4, blobs: [blob('s', 500), blob('4', 40)] }
        ]),
        [outcome(3, 'would-delete'), outcome(4, 'deleted')]
      )
    ).toBe(500 + 30 + 40 + 200)
    // d keeps a manifest using s: the run total no longer counts s, though image c's own estimate did
    expect(est.add(inv('d', [{ n: 5, blobs: [blob('s', 500)] }]), [outcome(5, 'kept')])).toBe(0)
    expect(est.total()).toBe(10 + 30 + 40 + 300)
  })

  it("is unknown when a deleted manifest's blobs were not read", () => {
    const est = new FreeableEstimate()
    const i = inv('a', [{ n: 1, blobs: [] }])
    delete i.manifests[0].blobs
    expect(est.add(i, [outcome(1, 'deleted')])).toBeUndefined()
    expect(est.total()).toBeUndefined()
  })
})

describe('ListingSpool', () => {
  it("gives back each image's items in listing order from its file, and removes the file on close", () => {
    const spool = new ListingSpool<{ id: string; tag: string }>()
    const listed = [
      ['r', 'b/api', '1'],
      ['r', 'a', '2'],
      ['s', 'b/api', '3'],
      ['r', 'b/api', '4'],
      ['r', 'a', 'ü-5']
    ]
    for (const [repo, image, id] of listed) spool.add(repo, image, { id, tag: `t${id}` })
    expect(spool.images('r')).toEqual(['a', 'b/api'])
    expect(spool.read('r', 'b/api')).toEqual([
      { id: '1', tag: 't1' },
      { id: '4', tag: 't4' }
    ])
    expect(spool.read('r', 'a')).toEqual([
      { id: '2', tag: 't2' },
      { id: 'ü-5', tag: 'tü-5' }
    ])
    expect(spool.read('s', 'b/api')).toEqual([{ id: '3', tag: 't3' }])
    expect(spool.read('r', 'nope')).toEqual([])
    const dir = (spool as unknown as { dir: string }).dir
    expect(readdirSync(dir)).toEqual(['components.jsonl'])
    expect(statSync(join(dir, 'components.jsonl')).mode & 0o777).toBe(0o600)
    spool.close()
    expect(existsSync(dir)).toBe(false)
    expect(spool.images('r')).toEqual([])
  })
})
