// A scriptable OCI Distribution registry for tests of what a server may claim, on 127.0.0.1: content
// addressed (a manifest's digest is its sha256), tags lists and the catalog paged with `n`/`last` and a
// `Link` header, the OCI 1.1 referrers API computed from the manifests' `subject` and paged too, DELETE by
// digest as docker-registry does it. Hooks let a test lie: rewrite a digest header, leave an image out of
// the catalog, swap an answer. Every request is recorded (method, path, authorization).

import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startServer, TestServer } from './http-fixtures'

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const sha256 = (b: string | Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** An image manifest body (its config digest derives from `seed`, so each seed is its own digest). */
export function imageBody(seed: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(seed), size: 2 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(`layer ${seed}`), size: 1000 }],
    annotations: { seed },
    ...extra
  })
}

/** A referrer (signature, SBOM) of `subject`, pushed by digest (OCI 1.1). */
export function referrerBody(seed: string, subject: string, artifactType = 'application/vnd.dev.cosign.artifact.sig.v1+json'): string {
  return imageBody(seed, { artifactType, subject: { mediaType: OCI_MANIFEST, digest: subject, size: 100 } })
}

export interface FakeOptions {
  /** Tags per page of `tags/list` and `_catalog` when the client asks for more. */
  page?: number
  /** Descriptors per page of the referrers API (0 = no referrers API: 404). */
  referrersPage?: number
  /** How a `Link` names the next page. */
  link?: 'relative' | 'absolute'
}

export interface FakeRegistry {
  srv: TestServer
  origin: string
  /** image -> tag -> digest */
  tags: Map<string, Map<string, string>>
  /** image -> digest -> body */
  manifests: Map<string, Map<string, string>>
  /** Left out of `_catalog` (a catalog filtered by permission). */
  hidden: Set<string>
  /** DELETEs carried out, as `image@digest`. */
  deleted: string[]
  /** Answers the `Docker-Content-Digest` header gives instead of the truth (path -> claimed digest). */
  lie?: (method: string, path: string, digest: string) => string | undefined
  /** Answers a request before the registry does; return true when it answered. */
  before?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean
  /** Pushes a body under a tag (or by digest only when `tag` is undefined); returns its digest. */
  put(image: string, body: string, tag?: string): string
  close(): Promise<void>
}

export async function startFakeRegistry(opts: FakeOptions = {}): Promise<FakeRegistry> {
  const page = opts.page ?? 1000
  const srv = await startServer()
  const fake: FakeRegistry = {
    srv,
    origin: srv.origin,
    tags: new Map(),
    manifests: new Map(),
    hidden: new Set(),
    deleted: [],
    put(image, body, tag) {
      const digest = sha256(body)
      if (!fake.manifests.has(image)) fake.manifests.set(image, new Map())
      if (!fake.tags.has(image)) fake.tags.set(image, new Map())
      fake.manifests.get(image)!.set(digest, body)
      if (tag !== undefined) fake.tags.get(image)!.set(tag, digest)
      return digest
    },
    close: () => srv.close()
  }
  const linkTo = (url: URL, last: string): string => {
    const next = new URL(url.toString())
    next.searchParams.set('last', last)
    const target = opts.link === 'absolute' ? `${fake.origin}${next.pathname}${next.search}` : `${next.pathname}${next.search}`
    return `<${target}>; rel="next"`
  }
  /** One page of `items` after `last`, with a Link when more remain. */
  const paged = (url: URL, items: string[], size: number): { slice: string[]; link?: string } => {
    const last = url.searchParams.get('last')
    const n = Math.min(Number(url.searchParams.get('n') ?? size), size)
    const from = last === null ? 0 : items.findIndex(i => i > last)
    const rest = from < 0 ? [] : items.slice(from)
    const slice = rest.slice(0, n)
    return rest.length > n ? { slice, link: linkTo(url, slice[slice.length - 1]) } : { slice }
  }
  srv.handler = (req, res) => {
    const url = new URL(req.url ?? '', fake.origin)
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(value))
    }
    if (fake.before?.(req, res, url)) return
    if (url.pathname === '/v2/') return json(200, {})
    if (url.pathname === '/v2/_catalog') {
      const all = [...fake.tags.keys()].filter(n => !fake.hidden.has(n)).sort()
      const p = paged(url, all, page)
      return json(200, { repositories: p.slice }, p.link ? { link: p.link } : {})
    }
    const tl = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)
    if (tl) {
      const tags = fake.tags.get(tl[1])
      if (!tags) return json(404, { errors: [{ code: 'NAME_UNKNOWN' }] })
      const p = paged(url, [...tags.keys()].sort(), page)
      return json(200, { name: tl[1], tags: p.slice }, p.link ? { link: p.link } : {})
    }
    const rf = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/.exec(url.pathname)
    if (rf) {
      if (!opts.referrersPage) return json(404, { errors: [{ code: 'NOT_FOUND' }] })
      const bodies = fake.manifests.get(rf[1]) ?? new Map<string, string>()
      const all = [...bodies]
        .filter(([, b]) => (JSON.parse(b) as { subject?: { digest: string } }).subject?.digest === rf[2])
        .map(([digest, b]) => ({ mediaType: OCI_MANIFEST, digest, size: b.length, artifactType: (JSON.parse(b) as { artifactType?: string }).artifactType }))
        .sort((a, b) => (a.digest < b.digest ? -1 : 1))
      const p = paged(
        url,
        all.map(d => d.digest),
        opts.referrersPage
      )
      const manifests = all.filter(d => p.slice.includes(d.digest))
      return json(200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests }, { 'content-type': OCI_INDEX, ...(p.link ? { link: p.link } : {}) })
    }
    const mf = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname)
    if (mf) {
      const [image, ref] = [mf[1], decodeURIComponent(mf[2])]
      const digest = ref.includes(':') ? ref : fake.tags.get(image)?.get(ref)
      const body = digest === undefined ? undefined : fake.manifests.get(image)?.get(digest)
      if (digest === undefined || body === undefined) return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] })
      if (req.method === 'DELETE') {
        fake.deleted.push(`${image}@${digest}`)
        fake.manifests.get(image)?.delete(digest)
        for (const [t, d] of fake.tags.get(image) ?? []) if (d === digest) fake.tags.get(image)?.delete(t)
        res.writeHead(202)
        return res.end()
      }
      const claimed = fake.lie?.(req.method ?? '', url.pathname, digest) ?? digest
      const mediaType = (JSON.parse(body) as { mediaType?: string }).mediaType ?? OCI_MANIFEST
      res.writeHead(200, { 'content-type': mediaType, 'docker-content-digest': claimed, 'content-length': Buffer.byteLength(body) })
      return res.end(req.method === 'HEAD' ? undefined : body)
    }
    const bl = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname)
    if (bl) return json(200, { created: '2024-01-01T00:00:00Z' })
    json(404, { errors: [{ code: 'NOT_FOUND' }] })
  }
  return fake
}
