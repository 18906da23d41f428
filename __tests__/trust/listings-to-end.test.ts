// Trust class 2: every listing is read to its end, or the run keeps. The OCI 1.1 referrers API pages
// (`Link: <...>; rel="next"`, relative and absolute, same origin only) like tags lists and the catalog; a
// referrer on page 3 is as real as one on page 1, and a page that fails, loops or leaves the origin stops
// the image instead of ending the list.

import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { FakeRegistry, imageBody, referrerBody, startFakeRegistry } from '../../test/support/fake-registry'
import { memoryLogger } from '../../test/support/memory-logger'
import { rng } from '../../test/support/random-graph'
import { runCleanup } from '../../test/support/run-cleanup'

function run(fake: FakeRegistry, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = { api: 'registry', host: fake.origin, keep: '1', 'dry-run': 'false', retries: '0', ...extra }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

/**
 * app 1.0.0 and 2.0.0; `count` untagged referrers of 2.0.0 (pushed by digest), the last of which is signed
 * by a tagged signature: that signature follows 2.0.0 only if the referrers list was read to its end.
 */
async function seeded(link: 'relative' | 'absolute', count: number): Promise<{ fake: FakeRegistry; sigTag: string }> {
  const fake = await startFakeRegistry({ referrersPage: 2, link })
  fake.put('app', imageBody('one'), '1.0.0')
  const two = fake.put('app', imageBody('two'), '2.0.0')
  const refs = Array.from({ length: count }, (_, i) => fake.put('app', referrerBody(`sbom ${i}`, two, 'application/spdx+json')))
  const last = [...refs].sort().at(-1) as string
  const sigTag = `sha256-${last.slice(7)}.sig`
  fake.put('app', imageBody('signature of the last sbom'), sigTag)
  return { fake, sigTag }
}

describe('the referrers API is read to its end', () => {
  let fake: FakeRegistry
  afterEach(() => fake.close())

  it.each(['relative', 'absolute'] as const)('%s Links: a referrer on the last page carries its signature with the kept image', async link => {
    const s = await seeded(link, 5)
    fake = s.fake
    const r = await run(fake)
    expect(r.failures).toEqual([])
    const sig = r.images[0].outcomes.find(o => o.decision.tags.includes(s.sigTag))!
    expect(sig.status).toBe('kept')
    expect(sig.decision.reason).toBe('signature of SBOM of kept 2.0.0')
    // three pages for 2.0.0's five referrers
    expect(fake.srv.requests.filter(q => q.url.includes('/referrers/') && q.url.includes('last=')).length).toBeGreaterThanOrEqual(2)
  })

  it.each([
    [
      'a later page that fails',
      (fake: FakeRegistry) =>
        (fake.before = (_q, res, url) => (url.pathname.includes('/referrers/') && url.searchParams.has('last') ? (res.writeHead(500).end(), true) : false))
    ],
    [
      'a next page on another origin',
      (fake: FakeRegistry) =>
        (fake.before = (_q, res, url) => {
          if (!url.pathname.includes('/referrers/') || url.searchParams.has('last')) return false
          res.writeHead(200, { 'content-type': 'application/json', link: `<http://127.0.0.2:1${url.pathname}?last=x>; rel="next"` })
          res.end(JSON.stringify({ manifests: [] }))
          return true
        })
    ],
    [
      'a page that links to itself',
      (fake: FakeRegistry) =>
        (fake.before = (_q, res, url) => {
          if (!url.pathname.includes('/referrers/')) return false
          res.writeHead(200, { 'content-type': 'application/json', link: `<${url.pathname}?last=same>; rel="next"` })
          res.end(JSON.stringify({ manifests: [] }))
          return true
        })
    ]
  ])('%s stops the image: nothing of it is deleted', async (_name, lie) => {
    const s = await seeded('relative', 5)
    fake = s.fake
    lie(fake)
    const r = await run(fake)
    expect(fake.deleted).toEqual([])
    expect(r.images[0].error).toBeDefined()
    expect(r.failures.length).toBeGreaterThan(0)
    // the other origin never saw a request: nothing was sent off this server
    expect(fake.srv.requests.every(q => !q.url.includes('127.0.0.2'))).toBe(true)
  })

  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('generated: page sizes and counts (seed %i) find every referrer', async seed => {
    const r0 = rng(seed * 7907)
    const count = 1 + Math.floor(r0() * 9)
    fake = await startFakeRegistry({ referrersPage: 1 + Math.floor(r0() * 3), link: r0() < 0.5 ? 'relative' : 'absolute' })
    const two = fake.put('app', imageBody('two'), '2.0.0')
    fake.put('app', imageBody('one'), '1.0.0')
    const refs = Array.from({ length: count }, (_, i) => fake.put('app', referrerBody(`ref ${i}`, two)))
    // a tagged signature on every referrer: each follows 2.0.0 (kept), none is an orphan or "exists" by a read
    for (const d of refs) fake.put('app', imageBody(`sig ${d}`), `sha256-${d.slice(7)}.sig`)
    const r = await run(fake)
    expect(r.failures).toEqual([])
    const sigs = r.images[0].outcomes.filter(o => o.decision.tags[0]?.startsWith('sha256-'))
    expect(sigs).toHaveLength(count)
    for (const o of sigs) expect(o.decision.rule).toBe('referrer-of-kept')
  })
})
