import { OUTPUTS } from '../../src/config/inputs'
import * as core from '@actions/core'
import type { Decision, ImageReport, Outcome, OutcomeStatus, RunReport } from '../../src/model'
import {
  actionOutputs,
  formatBytes,
  renderSummary,
  renderTerminal,
  reportJson,
  shortDigest,
  summarizeCounts,
  type SummaryTableRow,
  type SummaryWriter
} from '../../src/report/index'
import { FOLD_ROWS } from '../../src/report/summary'

const EVIL_TAG = '<script>alert(1)</script>|x'
const D = (n: number) => `sha256:${n.toString(16).padStart(4, '0')}${'ab'.repeat(30)}`

function outcome(image: string, n: number, tags: string[], status: OutcomeStatus, extra: Partial<Decision> = {}, detail?: string): Outcome {
  const keep = status === 'kept'
  return {
    status,
    detail,
    decision: {
      repository: 'docker-hosted',
      image,
      digest: D(n),
      tags,
      action: keep ? 'keep' : status === 'pending' ? 'pending' : 'delete',
      rule: keep ? 'keep-newest' : status === 'pending' ? 'max-deletions' : 'delete',
      reason: keep ? `among the 2 newest versions (rank ${n})` : `older than 30 days and beyond keep 2 (rank ${n})`,
      family: 'version',
      rank: n,
      version: tags[0],
      ageDate: new Date(Date.UTC(2024, 0, n, 12)),
      ageBasis: 'pushed',
      ...extra
    }
  }
}

function image(name: string, outcomes: Outcome[], extra: Partial<ImageReport> = {}): ImageReport {
  return { repository: 'docker-hosted', image: name, notes: [], outcomes, ...summarizeCounts(outcomes), ...extra }
}

/** Two images plus one whose inventory failed; `dryRun` switches deleted <-> would-delete. */
function makeReport(dryRun: boolean, extraOutcomes = 0): RunReport {
  const del: OutcomeStatus = dryRun ? 'would-delete' : 'deleted'
  const api = [
    outcome('shop/api', 1, ['1.3.0', 'latest'], 'kept'),
    outcome('shop/api', 2, ['1.2.0'], 'kept'),
    outcome('shop/api', 3, ['1.1.0'], del, { deleteOrder: 1 }),
    outcome('shop/api', 4, ['1.0.0', '1.0', '1'], del, { deleteOrder: 2 }),
    outcome('shop/api', 5, ['0.9.0'], 'pending', { deleteOrder: 4 }),
    outcome('shop/api', 6, ['0.8.0'], dryRun ? 'would-delete' : 'failed', { deleteOrder: 3 }, dryRun ? undefined : 'HTTP 500 from DELETE')
  ]
  for (let i = 0; i < extraOutcomes; i++) api.push(outcome('shop/api', 100 + i, [`0.0.${i}`], del))
  const web = [
    outcome('shop/web', 7, ['2.0.0'], 'kept'),
    outcome('shop/web', 8, [EVIL_TAG], del, { version: undefined, family: 'other', ageBasis: 'created' }),
    outcome('shop/web', 9, ['1.9.0'], 'skipped', {}, 'changed since planned')
  ]
  const broken = [outcome('shop/broken', 10, ['5.0.0'], 'kept', { rule: 'image-failed', reason: 'inventory failed: nothing deleted' })]
  const images = [
    image('shop/api', api, { freeableBytes: 3 * 1024 * 1024 }),
    image('shop/web', web, { notes: ['created dates unavailable & <ignored>'] }),
    image('shop/broken', broken, { error: 'GET /v2/shop/broken/tags/list: HTTP 500' })
  ]
  const all = summarizeCounts(images.flatMap(i => i.outcomes))
  return {
    schemaVersion: 1,
    tool: { name: 'nexus-image-lifecycle', version: '0.1.0' },
    api: 'nexus',
    dryRun,
    host: 'https://nexus.example.com',
    repositories: ['docker-hosted'],
    startedAt: '2024-03-01T10:00:00.000Z',
    durationMs: 3250,
    policy: {
      images: ['shop/**'],
      excludeImages: [],
      tags: ['*'],
      keepTags: ['latest'],
      keep: 2,
      keepOther: 2,
      olderThan: '30d',
      ageBasis: 'pushed',
      sort: 'semver',
      maxDeletions: 3
    },
    images,
    totals: { images: images.length, ...all, freeableBytes: 3 * 1024 * 1024 },
    requests: { 'GET tags/list': 3, 'GET manifest': 10 },
    notes: ['age unknown for 1 manifest'],
    failures: dryRun
      ? ['shop/broken: GET /v2/shop/broken/tags/list: HTTP 500']
      : ['shop/broken: GET /v2/shop/broken/tags/list: HTTP 500', 'shop/api:0.8.0: HTTP 500 from DELETE']
  }
}

type Call = { method: keyof SummaryWriter; args: unknown[] }
function recorder(): SummaryWriter & { calls: Call[] } {
  const calls: Call[] = []
  const rec =
    (method: keyof SummaryWriter) =>
    (...args: unknown[]) => {
      calls.push({ method, args })
      return w
    }
  const w = {
    calls,
    addHeading: rec('addHeading'),
    addRaw: rec('addRaw'),
    addTable: rec('addTable'),
    addDetails: rec('addDetails'),
    addList: rec('addList'),
    addEOL: rec('addEOL')
  }
  return w
}

const cellText = (c: SummaryTableRow[number]) => (typeof c === 'string' ? c : c.data)
const tables = (calls: Call[]) => calls.filter(c => c.method === 'addTable').map(c => c.args[0] as SummaryTableRow[])
const allText = (calls: Call[]) => JSON.stringify(calls.map(c => c.args))

describe('summarizeCounts', () => {
  it('counts tags per tag and manifests once', () => {
    const { tags, manifests } = summarizeCounts([
      outcome('a', 1, ['1', '1.0', '1.0.0'], 'deleted'),
      outcome('a', 2, ['2'], 'kept'),
      outcome('a', 3, ['3', 'x'], 'would-delete'),
      outcome('a', 4, [], 'kept'),
      outcome('a', 5, ['5'], 'pending'),
      outcome('a', 6, ['6'], 'skipped'),
      outcome('a', 7, ['7', '7.0'], 'failed')
    ])
    expect(tags).toEqual({ kept: 1, deleted: 3, wouldDelete: 2, pending: 1, skipped: 1, failed: 2 })
    expect(manifests).toEqual({ kept: 2, deleted: 1, wouldDelete: 1, pending: 1, skipped: 1, failed: 1 })
  })
})

describe('formatBytes / shortDigest', () => {
  it('uses binary units with one decimal at most', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1024)).toBe('1 KiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MiB')
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB')
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB')
  })
  it('keeps the algorithm and 12 hex digits', () => {
    expect(shortDigest(D(0xabc))).toBe('sha256:0abcabababab')
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('sha256:0123456789ab')
  })
})

describe('actionOutputs', () => {
  // Every output action.yml declares, except report-file (set by the action door when it writes the file).
  const KEYS = OUTPUTS.map(o => o.name)
    .filter(n => n !== 'report-file')
    .sort()

  it('real run: counts tags and lists only really deleted image:tag', () => {
    const out = actionOutputs(makeReport(false))
    expect(Object.keys(out).sort()).toEqual(KEYS)
    expect(out).toMatchObject({
      'deleted-count': '5', // 1.1.0 + 3 tags of 1.0.0 + the evil tag
      'would-delete-count': '0',
      'kept-count': '5',
      'failed-count': '1',
      'pending-count': '1',
      'skipped-count': '1',
      'manifests-deleted-count': '3',
      'freeable-bytes': String(3 * 1024 * 1024),
      'would-delete': '[]'
    })
    expect(JSON.parse(out.deleted)).toEqual(['shop/api:1.1.0', 'shop/api:1.0.0', 'shop/api:1.0', 'shop/api:1', `shop/web:${EVIL_TAG}`])
    for (const v of Object.values(out)) expect(typeof v).toBe('string')
  })

  it('dry run: nothing in deleted, the plan in would-delete', () => {
    const r = makeReport(true)
    const out = actionOutputs(r)
    expect(out['deleted-count']).toBe('0')
    expect(out['manifests-deleted-count']).toBe('0')
    expect(out.deleted).toBe('[]')
    expect(out['would-delete-count']).toBe('6')
    expect(JSON.parse(out['would-delete'])).toContain('shop/api:0.8.0')
    delete r.totals.freeableBytes
    expect(actionOutputs(r)['freeable-bytes']).toBe('')
  })
})

describe('renderSummary', () => {
  it('core.summary satisfies SummaryWriter and gets escaped HTML', () => {
    const w: SummaryWriter = core.summary
    core.summary.emptyBuffer()
    renderSummary(makeReport(false), w)
    const html = core.summary.stringify()
    core.summary.emptyBuffer()
    expect(html).toMatch(/^<h2>⚠️ Deleted 5 tags \(3 manifests\) in 2 images · kept 5 tags \(4 manifests\) · /)
    expect(html).toContain('<sub><strong>DELETE · nexus-image-lifecycle 0.1.0 · api nexus · host https://nexus.example.com')
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&#124;x')
    expect(html).toContain('created dates unavailable &amp; &lt;ignored&gt;')
    expect(html).toMatch(/<table>.*docker-hosted\/shop\/api.*<\/table>/)
  })

  it('dry run: the answer first, then mode, policy, per-image rows and plan rows with reasons', () => {
    const w = recorder()
    renderSummary(makeReport(true), w)
    const text = allText(w.calls)
    // the first line answers: what would go, in how many images, what stays, how much space comes back
    expect(w.calls[0]).toEqual({
      method: 'addHeading',
      args: [
        '⚠️ Would delete 6 tags (4 manifests) in 2 images · kept 5 tags (4 manifests) · up to 3 MiB would come back (estimate) · 1 tag pending (max-deletions) · 1 tag skipped (changed since planned)',
        2
      ]
    })
    // mode, tool, host and policy follow, smaller
    expect(w.calls[1]?.args[0]).toMatch(/^<p><sub><strong>DRY RUN: nothing was deleted · nexus-image-lifecycle 0\.1\.0 · api nexus · /)
    expect(text).toContain('duration 3.3 s')
    expect(text).toContain('<sub>Policy: keep 2 · keep-other 2 · older-than 30d · age-basis pushed · sort semver · keep-tags latest · tags * · images shop/**')

    const [images, plan] = tables(w.calls)
    // Failed is zero on every row: left out
    expect(images[0].map(cellText)).toEqual(['Image', 'Tags kept', 'Would delete', 'Pending', 'Skipped', 'Freeable (up to)', 'Note'])
    expect(images.slice(1).map(r => r.map(cellText))).toEqual([
      ['docker-hosted/shop/api', '3', '5', '1', '0', '3 MiB', '—'],
      ['docker-hosted/shop/web', '1', '1', '0', '1', '—', 'created dates unavailable &amp; &lt;ignored&gt;'],
      ['docker-hosted/shop/broken', '1', '0', '0', '0', '—', 'error: GET /v2/shop/broken/tags/list: HTTP 500']
    ])

    expect(plan[0].map(cellText)).toEqual(['Image', 'Tags', 'Digest', 'Date', 'Version', 'Status', 'Reason'])
    const rows = plan.slice(1).map(r => r.map(cellText))
    expect(rows).toHaveLength(6) // 4 would-delete + pending + skipped; kept rows are not in the plan
    expect(rows[0]).toEqual([
      'shop/api',
      '1.1.0',
      'sha256:0003abababab',
      '2024-01-03 (pushed)',
      '1.1.0',
      'would delete',
      'older than 30 days and beyond keep 2 (rank 3)'
    ])
    // grouped by image, in the plan's order within each (versions newest first), not in deletion order
    expect(rows.map(r => `${r[0]} ${r[1]} ${r[5]}`)).toEqual([
      'shop/api 1.1.0 would delete',
      'shop/api 1.0.0, 1.0, 1 would delete',
      'shop/api 0.9.0 pending',
      'shop/api 0.8.0 would delete',
      'shop/web &lt;script&gt;alert(1)&lt;/script&gt;&#124;x would delete',
      'shop/web 1.9.0 skipped'
    ])
    expect(rows[4]).toEqual(expect.arrayContaining(['shop/web', '&lt;script&gt;alert(1)&lt;/script&gt;&#124;x', '2024-01-08 (created)']))
    expect(rows[5][6]).toBe('older than 30 days and beyond keep 2 (rank 9) — changed since planned')
  })

  it('lists every kept manifest with the rule that kept it, folded in a details block', () => {
    const w = recorder()
    const report = makeReport(true)
    renderSummary(report, w)
    const details = w.calls.filter(c => c.method === 'addDetails' && String(c.args[0]).startsWith('Kept'))
    expect(details).toHaveLength(1)
    const kept = report.images.flatMap(i => i.outcomes.filter(o => o.status === 'kept'))
    expect(details[0].args[0]).toBe(`Kept: ${kept.length} manifests and why`)
    for (const o of kept) expect(String(details[0].args[1])).toContain(o.decision.reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
  })

  it('real run: failures and notes as lists; no "0 B" next to a failure', () => {
    const w = recorder()
    const r = makeReport(false)
    r.images[0].freeableBytes = 0
    renderSummary(r, w)
    const [images, plan] = tables(w.calls)
    expect(images[0].map(cellText)).toEqual(['Image', 'Tags kept', 'Tags deleted', 'Pending', 'Skipped', 'Failed', 'Note'])
    expect(images[1].map(cellText)[0]).toBe('docker-hosted/shop/api')
    expect(allText(w.calls)).not.toContain('0 B')
    const failed = plan
      .slice(1)
      .map(row => row.map(cellText))
      .find(row => row[5] === 'failed')
    expect(failed?.[6]).toContain('HTTP 500 from DELETE')
    const lists = w.calls.filter(c => c.method === 'addList').map(c => c.args[0])
    expect(lists).toEqual([
      ['shop/broken: GET /v2/shop/broken/tags/list: HTTP 500', 'shop/api:0.8.0: HTTP 500 from DELETE'],
      [
        'age unknown for 1 manifest',
        'pending: max-deletions (3) reached; a later run deletes the rest',
        // the figure shown is an estimate: how it is made is said with it
        expect.stringMatching(/^space estimate: the sizes of the blobs .* read from those manifests by digest/)
      ]
    ])
    expect(w.calls[0]?.args[0]).toContain('1 tag failed')
  })

  it('a held-back row keeps the reason it is due for next to the cap', () => {
    const w = recorder()
    const r = makeReport(false)
    const held = r.images[0].outcomes.find(o => o.status === 'pending')!
    held.decision = { ...held.decision, reason: 'pending: max-deletions 3 reached', dueReason: 'older than 30 days and beyond keep 2 (rank 5)' }
    held.detail = 'pending: max-deletions 3 reached'
    renderSummary(r, w)
    const row = tables(w.calls)[1]
      .map(x => x.map(cellText))
      .find(x => x[5] === 'pending')
    expect(row?.[6]).toBe('older than 30 days and beyond keep 2 (rank 5) — pending: max-deletions 3 reached')
  })

  it('a failed row is never cut from a long plan, which is folded with its counts in the title', () => {
    const w = recorder()
    renderSummary(makeReport(false, 250), w, { maxRows: 30 })
    const folds = w.calls.filter(c => c.method === 'addDetails').map(c => String(c.args[0]))
    expect(folds).toContain('Plan: 256 manifests (deleted 253, failed 1, pending 1, skipped 1)')
    const plan = w.calls.find(c => c.method === 'addDetails' && String(c.args[0]).startsWith('Plan:'))!
    expect(String(plan.args[1])).toContain('HTTP 500 from DELETE')
    expect(String(plan.args[1])).toContain('… and 226 more (set report-file for the full list)')
  })

  it('cuts long tables with an "and N more" row spanning every column, pointing at the JSON report only when there is one', () => {
    const w = recorder()
    renderSummary(makeReport(false, 250), w, { fullList: 'full list in the JSON report, report.json' })
    const plan = w.calls.find(c => c.method === 'addDetails' && String(c.args[0]).startsWith('Plan:'))!
    expect(String(plan.args[1]).match(/<tr>/g)).toHaveLength(1 + 200 + 1)
    expect(String(plan.args[1])).toContain('<tr><td colspan="7">… and 56 more (full list in the JSON report, report.json)</td></tr>')

    const small = recorder()
    renderSummary(makeReport(true), small, { maxRows: 2 })
    const [images, plan2] = tables(small.calls)
    expect(images).toHaveLength(1 + 2 + 1)
    expect(images[3]).toEqual([{ data: '… and 1 more (set report-file for the full list)', colspan: '7' }])
    expect(cellText(plan2[3][0])).toBe('… and 4 more (set report-file for the full list)')
  })

  it('folds only tables longer than a screen', () => {
    const w = recorder()
    renderSummary(makeReport(true, FOLD_ROWS - 6), w)
    expect(w.calls.filter(c => c.method === 'addDetails').map(c => String(c.args[0]).split(':')[0])).toEqual(['Kept', 'HTTP requests'])
    const long = recorder()
    renderSummary(makeReport(true, FOLD_ROWS - 5), long)
    expect(long.calls.filter(c => c.method === 'addDetails').map(c => String(c.args[0]))).toContain(
      `Plan: ${FOLD_ROWS + 1} manifests (would delete ${FOLD_ROWS - 1}, pending 1, skipped 1)`
    )
  })
})

/** Checks every table: each data row has a cell starting at each column start of its header. */
function expectAligned(text: string): number {
  const lines = text.split('\n')
  let checked = 0
  lines.forEach((dashes, i) => {
    if (!/^-+( {2}-+)*$/.test(dashes)) return
    const starts = [...dashes.matchAll(/-+/g)].map(m => m.index)
    const header = lines[i - 1]
    const rows: string[] = []
    for (let j = i + 1; j < lines.length && lines[j] !== '' && !lines[j].startsWith('…'); j++) rows.push(lines[j])
    for (const line of [header, ...rows]) {
      for (const s of starts.slice(1)) {
        expect({ line, s, before: line.slice(s - 2, s), at: line[s] }).toEqual({ line, s, before: '  ', at: expect.stringMatching(/\S/) })
      }
      expect(line.slice(0, 1)).toMatch(/\S/)
    }
    checked++
  })
  return checked
}

describe('renderTerminal', () => {
  it('renders the same content as aligned plain-text tables', () => {
    const text = renderTerminal(makeReport(true))
    expect(text).not.toMatch(/\u001b\[/)
    expect(text.split('\n')[0]).toBe(
      '⚠️ Would delete 6 tags (4 manifests) in 2 images · kept 5 tags (4 manifests) · up to 3 MiB would come back (estimate) · 1 tag pending (max-deletions) · 1 tag skipped (changed since planned)'
    )
    expect(text.split('\n')[1]).toMatch(/^DRY RUN: nothing was deleted · nexus-image-lifecycle 0\.1\.0 · api nexus · /)
    expect(text).toContain(EVIL_TAG) // plain text: no HTML escaping in a terminal
    expect(text).toMatch(/^Image {2,}Tags kept {2,}Would delete/m)
    expect(text).toContain('older than 30 days and beyond keep 2 (rank 9) — changed since planned')
    expect(text).toContain('- age unknown for 1 manifest')
    expect(expectAligned(text)).toBe(3) // images, plan, kept
  })

  it('cuts rows, truncates to a width and colors only on request', () => {
    const r = makeReport(false, 20)
    const text = renderTerminal(r, { maxRows: 5, width: 100 })
    expect(text).toContain('… and 21 more (set report-file for the full list)')
    expect(renderTerminal(r, { maxRows: 5, fullList: 'full list in out.json' })).toContain('… and 21 more (full list in out.json)')
    expect(expectAligned(text)).toBe(3) // images, plan, kept
    const planLines = text.split('\n').slice(text.split('\n').indexOf('Plan'))
    for (const l of planLines.slice(0, 8)) expect(l.length).toBeLessThanOrEqual(100)
    const colored = renderTerminal(r, { color: true })
    expect(colored).toContain('\u001b[31mfailed\u001b[0m')
    expect(expectAligned(colored.replace(/\u001b\[[0-9;]*m/g, ''))).toBe(3)
  })

  it('never lets server text inject escape sequences', () => {
    const r = makeReport(false)
    r.failures.push('boom \u001b[2J\nsecond line')
    const text = renderTerminal(r)
    expect(text).not.toContain('\u001b')
    expect(text).toContain('- boom  [2J second line')
  })
})

describe('reportJson', () => {
  it('round-trips with every outcome, ISO dates and sorted keys', () => {
    const r = makeReport(false)
    const json = reportJson(r)
    const parsed = JSON.parse(json)
    const outcomes = parsed.images.flatMap((i: { outcomes: unknown[] }) => i.outcomes)
    expect(outcomes).toHaveLength(r.images.reduce((n, i) => n + i.outcomes.length, 0))
    expect(outcomes.filter((o: Outcome) => o.status === 'kept')).toHaveLength(4)
    expect(parsed.images[0].outcomes[0].decision.ageDate).toBe('2024-01-01T12:00:00.000Z')
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort())
    expect(Object.keys(parsed.images[0].outcomes[0].decision)).toEqual([...Object.keys(parsed.images[0].outcomes[0].decision)].sort())
    expect(parsed.totals.tags).toEqual(r.totals.tags)
    expect(json).toContain(JSON.stringify(EVIL_TAG))
    expect(json.startsWith('{\n  "api": "nexus",')).toBe(true)
    // Key order does not depend on how the object was built.
    const shuffled = JSON.parse(JSON.stringify(r), (_, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v
    )
    shuffled.images.forEach((img: ImageReport, i: number) => img.outcomes.forEach((o, j) => (o.decision.ageDate = r.images[i].outcomes[j].decision.ageDate)))
    expect(reportJson(shuffled)).toBe(json)
  })

  it('carries no credential-looking field, even if one slipped in', () => {
    const r = makeReport(true) as RunReport & { password?: string; authorization?: string }
    r.password = 'hunter2'
    r.authorization = 'Basic xyz'
    r.host = 'https://admin:hunter2@nexus.example.com'
    const json = reportJson(r)
    expect(json).not.toMatch(/password|authorization|hunter2/i)
    expect(JSON.parse(json).host).toBe('https://nexus.example.com')
    expect(renderTerminal(r)).not.toContain('hunter2')
    const w = recorder()
    renderSummary(r, w)
    expect(allText(w.calls)).not.toContain('hunter2')
  })
})
