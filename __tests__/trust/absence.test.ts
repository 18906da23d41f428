// Trust class 3: absence is proven, never assumed. A catalog is a claim: an image named literally in
// `images` is read directly when the catalog leaves it out (filtered by permission, or switched off), and
// a signature is an orphan only where a 404 on its subject, read in this run, proves the subject gone from
// the subject's own repository: never because that repository was missing from a listing.

import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { FakeRegistry, imageBody, startFakeRegistry } from '../../test/support/fake-registry'
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

const tagsOf = (fake: FakeRegistry, image: string) => [...(fake.tags.get(image)?.keys() ?? [])].sort()

describe('a catalog is not the whole truth', () => {
  let fake: FakeRegistry
  afterEach(() => fake.close())

  async function seed(): Promise<FakeRegistry> {
    const f = await startFakeRegistry({ page: 2 })
    for (const image of ['app', 'team/api', 'web']) for (const v of ['1.0.0', '1.1.0']) f.put(image, imageBody(`${image} ${v}`), v)
    return f
  }

  it('an image named literally is read although the catalog leaves it out, and the run says so', async () => {
    fake = await seed()
    fake.hidden.add('team/api')
    const r = await run(fake, { images: 'team/api, web' })
    expect(r.failures).toEqual([])
    expect(tagsOf(fake, 'team/api')).toEqual(['1.1.0'])
    expect(tagsOf(fake, 'web')).toEqual(['1.1.0'])
    expect(tagsOf(fake, 'app')).toEqual(['1.0.0', '1.1.0'])
    expect(r.notes.join('\n')).toContain('the catalog leaves out team/api, named in images: read directly')
  })

  it('a literal name the server does not know is nothing to do, not an error', async () => {
    fake = await seed()
    const r = await run(fake, { images: 'nope, web' })
    expect(r.failures).toEqual([])
    expect(r.images.map(i => i.image)).toEqual(['web'])
  })

  it('a catalog that is switched off (404): literal names are still cleaned; a wildcard cannot be, and fails', async () => {
    fake = await seed()
    fake.before = (_q, res, url) =>
      url.pathname === '/v2/_catalog' ? (res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNSUPPORTED"}]}'), true) : false
    const r = await run(fake, { images: 'app' })
    expect(r.failures).toEqual([])
    expect(tagsOf(fake, 'app')).toEqual(['1.1.0'])
    expect(r.notes.join('\n')).toContain('the catalog could not be read')
    await expect(run(fake, { images: 'app, w*' })).rejects.toThrow(/_catalog/)
    expect(fake.deleted).toHaveLength(1)
  })
})

describe('an orphan needs its subject proven gone where the subject lives', () => {
  let fake: FakeRegistry
  afterEach(() => fake.close())

  it('a signatures repository whose subjects sit in an image the catalog hides keeps every signature', async () => {
    fake = await startFakeRegistry()
    const subject = fake.put('app', imageBody('app 1.0.0'), '1.0.0')
    fake.put('sigs/app', imageBody('sig of app 1.0.0'), `sha256-${subject.slice(7)}.sig`)
    fake.hidden.add('app')
    const r = await run(fake)
    expect(fake.deleted).toEqual([])
    const sig = r.images.find(i => i.image === 'sigs/app')!.outcomes[0]
    expect(sig.status).toBe('kept')
    expect(sig.decision.reason).toContain('not proven gone')
  })

  it('a signature beside the versions of its own image, whose subject answers 404 there, is kept, and with delete-orphans an orphan', async () => {
    fake = await startFakeRegistry()
    fake.put('app', imageBody('app 2.0.0'), '2.0.0')
    const gone = 'sha256:' + 'ab'.repeat(32)
    fake.put('app', imageBody('sig of a deleted build'), `sha256-${gone.slice(7)}.sig`)
    const kept = await run(fake)
    expect(kept.images[0].outcomes.find(o => o.decision.family === 'referrer')!.decision.reason).toContain('not proven gone: found in no image this run lists')
    expect(fake.deleted).toEqual([])
    const r = await run(fake, { 'delete-orphans': 'true' })
    const sig = r.images[0].outcomes.find(o => o.decision.family === 'referrer')!
    expect(sig.status).toBe('deleted')
    expect(sig.decision.rule).toBe('orphan-referrer')
    // proven by a read of the subject's digest in this run
    expect(fake.srv.requests.some(q => q.url === `/v2/app/manifests/${gone}`)).toBe(true)
  })

  it.each(Array.from({ length: 12 }, (_, i) => i + 1))(
    'generated: hidden images and signature layouts (seed %i) never lose a signature whose subject exists',
    async seed => {
      const r0 = rng(seed * 6151)
      fake = await startFakeRegistry({ page: 1 + Math.floor(r0() * 3) })
      const images = ['a', 'b', 'c']
      const subjects: [string, string][] = []
      for (const image of images) for (let v = 0; v < 3; v++) subjects.push([image, fake.put(image, imageBody(`${image} ${v}`), `1.${v}.0`)])
      // signatures: beside their subject, or in a signatures repository
      for (const [image, d] of subjects) if (r0() < 0.6) fake.put(r0() < 0.5 ? image : 'sigs', imageBody(`sig ${d}`), `sha256-${d.slice(7)}.sig`)
      for (const image of [...images, 'sigs']) if (r0() < 0.4) fake.hidden.add(image)
      await run(fake, { 'dry-run': r0() < 0.3 ? 'true' : 'false' })
      // every signature whose subject is still stored is still there
      for (const [image, tags] of fake.tags) {
        for (const [tag] of tags) {
          if (!tag.startsWith('sha256-')) continue
          const subject = `sha256:${tag.slice(7, 71)}`
          const exists = [...fake.manifests.values()].some(m => m.has(subject))
          if (exists) expect({ image, tag, kept: true }).toEqual({ image, tag, kept: fake.tags.get(image)!.has(tag) })
        }
      }
      const lost = fake.deleted.filter(d => {
        const [image] = d.split('@')
        return image === 'sigs'
      })
      // a signatures repository's signature goes only with its subject deleted in this very run
      for (const d of lost) expect(fake.deleted.some(x => x !== d && !x.startsWith('sigs@'))).toBe(true)
    }
  )
})
