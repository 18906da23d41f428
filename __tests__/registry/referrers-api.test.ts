// OCI 1.1 referrers pushed without a tag, found through the referrers API where a registry offers it
// (docker-registry 2.8 and Nexus 3 do not, so a small fake registry at the HTTP boundary offers it here):
// a tagged signature of an untagged SBOM then follows the image the SBOM describes, kept or deleted with it.

import { createHash } from 'node:crypto'
import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { memoryLogger } from '../../test/support/memory-logger'
import type { RunReport } from '../../src/model'
import { startServer, TestServer } from '../../test/support/http-fixtures'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`

interface Fake {
  srv: TestServer
  deleted: string[]
  digests: Record<string, string>
}

/** app: 1.0.0 and 2.0.0; an untagged SBOM of 1.0.0 (subject); a tagged signature of that SBOM. */
async function fakeRegistry(withApi: boolean): Promise<Fake> {
  const body = (extra: object) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(JSON.stringify(extra)), size: 2 },
      layers: [],
      ...extra
    })
  const v1 = body({ annotations: { v: '1' } })
  const v2 = body({ annotations: { v: '2' } })
  const sbom = body({ artifactType: 'application/spdx+json', subject: { mediaType: OCI_MANIFEST, digest: sha(v1), size: v1.length } })
  const sig = body({ annotations: { sig: 'of sbom' } })
  const manifests = new Map([v1, v2, sbom, sig].map(b => [sha(b), b]))
  const tags = new Map([
    ['1.0.0', sha(v1)],
    ['2.0.0', sha(v2)],
    [`sha256-${sha(sbom).slice(7)}.sig`, sha(sig)]
  ])
  const fake: Fake = { srv: await startServer(), deleted: [], digests: { v1: sha(v1), sbom: sha(sbom) } }
  fake.srv.handler = (req, res) => {
    const url = new URL(req.url ?? '', 'http://x')
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(value))
    }
    if (url.pathname === '/v2/') return json(200, {})
    if (url.pathname === '/v2/_catalog') return json(200, { repositories: ['app'] })
    if (url.pathname === '/v2/app/tags/list') return json(200, { name: 'app', tags: [...tags.keys()].sort() })
    const ref = /^\/v2\/app\/referrers\/(sha256:[0-9a-f]{64})$/.exec(url.pathname)
    if (ref) {
      if (!withApi) return json(404, { errors: [{ code: 'NOT_FOUND' }] })
      const list =
        ref[1] === sha(v1) && manifests.has(sha(sbom))
          ? [{ mediaType: OCI_MANIFEST, digest: sha(sbom), size: sbom.length, artifactType: 'application/spdx+json' }]
          : []
      return json(200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: list })
    }
    const m = /^\/v2\/app\/manifests\/(.+)$/.exec(url.pathname)
    if (m) {
      const digest = tags.get(m[1]) ?? m[1]
      if (req.method === 'DELETE') {
        fake.deleted.push(digest)
        for (const [t, d] of tags) if (d === digest) tags.delete(t)
        // as docker-registry: the manifest is gone too (a read by digest answers 404)
        manifests.delete(digest)
        res.writeHead(202)
        return res.end()
      }
      const b = manifests.get(digest)
      if (!b || (!m[1].startsWith('sha256:') && !tags.has(m[1]))) return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] })
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': digest })
      return res.end(req.method === 'HEAD' ? undefined : b)
    }
    json(404, { errors: [{ code: 'NOT_FOUND' }] })
  }
  return fake
}

function run(fake: Fake, keep: string): Promise<RunReport> {
  const inputs: Record<string, string> = { api: 'registry', host: fake.srv.origin, keep, 'keep-tags': 'latest', 'dry-run': 'false', retries: '0' }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

const sigDecision = (r: RunReport) => r.images[0].outcomes.find(o => o.decision.family === 'referrer')!

describe('OCI referrers API', () => {
  let fake: Fake
  afterEach(() => fake.srv.close())

  it('a tagged signature of an untagged SBOM goes after the image the SBOM describes', async () => {
    fake = await fakeRegistry(true)
    const r = await run(fake, '1')
    expect(r.failures).toEqual([])
    expect(sigDecision(r)).toMatchObject({ status: 'deleted', decision: { rule: 'referrer-of-deleted', reason: 'signature of SBOM of deleted 1.0.0' } })
    expect(fake.deleted[0]).toBe(fake.digests.v1)
    expect(r.requests['registry GET referrers']).toBeGreaterThan(1)
  })

  it('and is kept with it', async () => {
    fake = await fakeRegistry(true)
    const r = await run(fake, '2')
    expect(sigDecision(r)).toMatchObject({ status: 'kept', decision: { rule: 'referrer-of-kept', reason: 'signature of SBOM of kept 1.0.0' } })
    expect(fake.deleted).toEqual([])
  })

  it('without the API the SBOM is read by digest, exists, and its signature is kept; the API is asked once', async () => {
    fake = await fakeRegistry(false)
    const r = await run(fake, '1')
    expect(sigDecision(r)).toMatchObject({ status: 'kept', decision: { rule: 'subject-exists' } })
    expect(sigDecision(r).decision.reason).toBe(`signature of untagged ${fake.digests.sbom.slice(0, 19)}, which exists`)
    expect(r.requests['registry GET referrers']).toBe(1)
    expect(fake.deleted).toEqual([fake.digests.v1])
  })
})
