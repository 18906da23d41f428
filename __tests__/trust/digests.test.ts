// Trust class 1: a manifest is what its bytes hash to. A Docker-Content-Digest header that disagrees with
// the body, or a body read by digest that hashes to something else, stops that image: nothing of it is
// deleted, the run fails, and the report names the image and both digests. Generated cases lie on a
// random manifest read of a random image.

import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { DigestMismatchError, verifiedDigest } from '../../src/registry/client'
import { digestOfBytes } from '../../src/util/digest'
import { FakeRegistry, imageBody, sha256, startFakeRegistry } from '../../test/support/fake-registry'
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

/** Two images of three versions each; keep 1 deletes two of each. */
async function twoImages(): Promise<FakeRegistry> {
  const fake = await startFakeRegistry()
  for (const image of ['app', 'web']) for (const v of ['1.0.0', '1.1.0', '1.2.0']) fake.put(image, imageBody(`${image} ${v}`), v)
  return fake
}

const deletedOf = (fake: FakeRegistry, image: string) => fake.deleted.filter(d => d.startsWith(`${image}@`))

describe('verifiedDigest', () => {
  const body = Buffer.from(imageBody('x'))
  it('returns the body’s own digest, and agrees with a truthful header', () => {
    expect(verifiedDigest('app', '1.0', body, undefined)).toBe(sha256(body))
    expect(verifiedDigest('app', '1.0', body, sha256(body))).toBe(sha256(body))
    expect(verifiedDigest('app', sha256(body), body, undefined)).toBe(sha256(body))
  })
  it('hashes with the algorithm a sha512 reference names', () => {
    const d512 = digestOfBytes(body, 'sha512:')
    expect(d512).toMatch(/^sha512:[a-f0-9]{128}$/)
    expect(verifiedDigest('app', d512, body, d512)).toBe(d512)
  })
  it('refuses a header that names another digest, a body that does not hash to its digest, and other algorithms', () => {
    const other = sha256('other')
    expect(() => verifiedDigest('app', '1.0', body, other)).toThrow(DigestMismatchError)
    expect(() => verifiedDigest('app', '1.0', body, other)).toThrow(`Docker-Content-Digest ${other} disagrees with the body, which hashes to ${sha256(body)}`)
    expect(() => verifiedDigest('app', other, body, undefined)).toThrow(`app@${other}: the body read by that digest hashes to ${sha256(body)}`)
    expect(() => verifiedDigest('app', 'md5:0123', body, undefined)).toThrow('not a sha256 or sha512 digest')
    expect(() => verifiedDigest('app', '1.0', body, 'sha384:' + 'a'.repeat(96))).toThrow(DigestMismatchError)
  })
})

describe('a lying digest header stops its image, never deletes through it', () => {
  let fake: FakeRegistry
  afterEach(() => fake.close())

  it('while listing: the image fails closed with both digests named; the other image is cleaned', async () => {
    fake = await twoImages()
    const truth = fake.tags.get('app')!.get('1.2.0')!
    const claimed = fake.tags.get('app')!.get('1.0.0')!
    fake.lie = (method, path) => (method === 'GET' && path === '/v2/app/manifests/1.2.0' ? claimed : undefined)
    const r = await run(fake)
    expect(deletedOf(fake, 'app')).toEqual([])
    expect(deletedOf(fake, 'web')).toHaveLength(2)
    const app = r.images.find(i => i.image === 'app')!
    expect(app.error).toContain(`Docker-Content-Digest ${claimed} disagrees with the body, which hashes to ${truth}`)
    expect(r.failures.join('\n')).toContain('app: inventory failed')
  })

  it('a body served for a digest that it does not hash to fails the image (an index child read by digest)', async () => {
    fake = await startFakeRegistry()
    const child = imageBody('child')
    const childDigest = fake.put('app', child)
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: childDigest, size: child.length }]
    })
    fake.put('app', index, '1.0.0')
    fake.put('app', imageBody('two'), '2.0.0')
    fake.before = (req, res, url) => {
      if (url.pathname !== `/v2/app/manifests/${childDigest}`) return false
      const swapped = imageBody('not the child')
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': childDigest })
      res.end(req.method === 'HEAD' ? undefined : swapped)
      return true
    }
    const r = await run(fake)
    expect(fake.deleted).toEqual([])
    expect(r.images[0].error).toContain(`app@${childDigest}: the body read by that digest hashes to ${sha256(imageBody('not the child'))}`)
  })

  it('between plan and delete: a kept tag read with a lying header stops the image’s deletes', async () => {
    fake = await twoImages()
    let reads = 0
    const doomed = fake.tags.get('app')!.get('1.0.0')!
    // The kept 1.2.0 is read once while listing; its second read is the recheck's, just before deleting.
    fake.lie = (method, path) => (method === 'GET' && path === '/v2/app/manifests/1.2.0' && ++reads === 2 ? sha256('elsewhere') : undefined)
    const r = await run(fake)
    expect(reads).toBe(2)
    expect(deletedOf(fake, 'app')).toEqual([])
    const app = r.images.find(i => i.image === 'app')!
    expect(app.outcomes.filter(o => o.status === 'failed').map(o => o.decision.digest)).toContain(doomed)
    expect(app.outcomes.find(o => o.status === 'failed')!.detail).toContain('recheck before deleting failed')
    expect(r.failures.length).toBeGreaterThan(0)
  })

  it.each(Array.from({ length: 24 }, (_, i) => i + 1))('generated: a lie on a random manifest read (seed %i) only keeps more', async seed => {
    const r0 = rng(seed * 104729)
    fake = await startFakeRegistry({ page: 2 })
    const images = ['a', 'b', 'c/d'].slice(0, 1 + Math.floor(r0() * 3))
    for (const image of images) {
      const n = 2 + Math.floor(r0() * 4)
      for (let v = 0; v < n; v++) fake.put(image, imageBody(`${image} ${v}`), `1.${v}.0`)
      if (r0() < 0.5) fake.put(image, imageBody(`${image} 0`), 'stable')
    }
    const victim = images[Math.floor(r0() * images.length)]
    const at = 1 + Math.floor(r0() * 6)
    let seen = 0
    let lied = false
    fake.lie = (method, path, digest) => {
      if (method !== 'GET' || !path.startsWith(`/v2/${victim}/manifests/`) || ++seen !== at) return undefined
      lied = true
      return digest.slice(0, -4) + 'beef'
    }
    const before = new Map([...fake.tags].map(([i, t]) => [i, new Map(t)]))
    const r = await run(fake, { 'keep-tags': 'stable' })
    // the lie fired or not; when it did, nothing of the victim went and the run failed
    if (lied) {
      expect(deletedOf(fake, victim)).toEqual([])
      expect(r.failures.length).toBeGreaterThan(0)
    }
    // whatever happened, what keep 1 (and keep-tags stable) keeps is still there
    for (const [image, tags] of before) {
      const newest = [...tags.keys()]
        .filter(t => t !== 'stable')
        .sort()
        .at(-1) as string
      expect(fake.tags.get(image)?.get(newest)).toBe(tags.get(newest))
      if (tags.has('stable')) expect(fake.tags.get(image)?.get('stable')).toBe(tags.get('stable'))
    }
  })
})
