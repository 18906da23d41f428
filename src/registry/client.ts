// A thin client for the OCI Distribution (Docker Registry v2) API. It knows URLs, pagination and status
// codes; what to read and when is the inventory's business.

import { digestOfBytes, isDigest } from '../util/digest'
import { escapeName, isReference, isRepositoryName } from '../util/names'
import { ANSWER_LIMITS, Http, HttpError, HttpResponse } from '../http/http'
import { Descriptor, MANIFEST_ACCEPT, OCI_INDEX, parseManifest, ParsedManifest } from './media'

export interface ManifestHead {
  digest: string
  mediaType: string
}

export interface ManifestBody extends ManifestHead {
  manifest: ParsedManifest
  size: number
}

/** distribution/distribution caps `n` at 1000 by default and answers 400 above it. */
const PAGE = 1000
/** A hard bound on pages of one listing: a server that always links on stops. */
export const MAX_PAGES = 10_000
/**
 * Bounds of one listing besides its pages: names held (memory stays near 100 MB, not the server's choice)
 * and the time a listing may take (an endless slow catalog stops too).
 */
export const LISTING_LIMITS = { items: 1_000_000, ms: 30 * 60_000 }

export class RegistryClient {
  /** Some Nexus versions answer 404 to HEAD on manifests while GET works: after one, use GET. */
  private headBroken = false
  /** Whether the server offers the OCI referrers API, once the first call found out. */
  private referrersApi: Promise<boolean> | undefined

  /** @param base the URL under which `/v2/` is served (no trailing slash). */
  constructor(
    private readonly http: Http,
    readonly base: string,
    private readonly pageSize = PAGE
  ) {}

  /**
   * A URL under `/v2/`, built from checked parts only: a name and a reference off the OCI grammar (`..`,
   * `%2e`, `?`, `#`, a digest such as `sha256:x/../../admin`) are never requested, whoever named them.
   */
  private url(name: string, what: 'tags/list' | 'manifests' | 'referrers' | 'blobs', ref: string | undefined): string {
    if (!isRepositoryName(name)) throw new GrammarError(`repository name ${escapeName(name)} is off the OCI grammar: not requested`)
    if (ref !== undefined && !(what === 'manifests' ? isReference(ref) : isDigest(ref))) {
      throw new GrammarError(`reference ${escapeName(ref)} of ${name} is off the OCI grammar: not requested`)
    }
    return `${this.base}/v2/${name}/${what}${ref === undefined ? '' : `/${ref}`}`
  }

  /** Checks that the API answers and the credentials are accepted; returns the `Server` header. */
  async ping(): Promise<string> {
    const res = await this.http.request('GET', `${this.base}/v2/`, { kind: 'registry GET /v2/', handles: [401, 403, 404] })
    if (res.status === 401) {
      throw new Error(`The registry at ${this.base}/v2/ refused the credentials (401): check username and password`)
    }
    if (res.status === 403) throw new Error(`The registry at ${this.base}/v2/ answered 403: the user may not read it`)
    if (res.status === 404) throw new Error(`No Docker registry API at ${this.base}/v2/ (404): check the URL`)
    return header(res, 'server') ?? ''
  }

  /** Every image name; any page that fails or is malformed fails the whole listing. */
  catalog(): Promise<string[]> {
    return this.paginate(`${this.base}/v2/_catalog?n=${this.pageSize}`, 'registry GET _catalog', 'repositories', false)
  }

  /**
   * Tags of an image. An image without tags answers `tags: null` (docker-registry after its last tag
   * was deleted) or 404 NAME_UNKNOWN on the first page: []. Anything odd on a later page is an error.
   */
  tags(name: string): Promise<string[]> {
    return this.paginate(`${this.url(name, 'tags/list', undefined)}?n=${this.pageSize}`, 'registry GET tags/list', 'tags', true)
  }

  /** Digest and media type of a tag or digest; undefined when the registry does not know it. */
  async resolve(name: string, ref: string): Promise<ManifestHead | undefined> {
    if (!this.headBroken) {
      const url = this.url(name, 'manifests', ref)
      const res = await this.http.request('HEAD', url, {
        kind: 'registry HEAD manifest',
        headers: { accept: MANIFEST_ACCEPT },
        handles: [404],
        maxBytes: ANSWER_LIMITS.manifest
      })
      const digest = header(res, 'docker-content-digest')
      if (res.status === 200 && digest && isDigest(digest)) return { digest, mediaType: contentType(res) }
      if (res.status === 404) {
        // A 404 may be a real "unknown" or the HEAD quirk: GET tells them apart.
        const body = await this.manifest(name, ref)
        if (body) this.headBroken = true
        return body
      }
    }
    return this.manifest(name, ref)
  }

  async manifest(name: string, ref: string): Promise<ManifestBody | undefined> {
    const url = this.url(name, 'manifests', ref)
    const res = await this.http.request('GET', url, {
      kind: 'registry GET manifest',
      headers: { accept: MANIFEST_ACCEPT },
      handles: [404],
      maxBytes: ANSWER_LIMITS.manifest
    })
    if (res.status === 404) return undefined
    const digest = verifiedDigest(name, ref, res.body, header(res, 'docker-content-digest'))
    let manifest: ParsedManifest
    try {
      manifest = parseManifest(res.body, contentType(res))
    } catch {
      throw new HttpError('GET', url, res.status, 'the manifest is not JSON')
    }
    return { digest, mediaType: manifest.mediaType, manifest, size: res.body.length }
  }

  /**
   * OCI 1.1 referrers of a manifest (`GET /v2/<name>/referrers/<digest>`), untagged ones included; undefined
   * when the server does not offer the API (404, 400, 405). The first call finds that out; calls made
   * meanwhile wait for its answer, so a registry without the API is asked once.
   */
  async referrers(name: string, digest: string): Promise<Descriptor[] | undefined> {
    if (this.referrersApi) {
      if (!(await this.referrersApi)) return undefined
      return this.fetchReferrers(name, digest)
    }
    let settle: (offered: boolean) => void = () => {}
    this.referrersApi = new Promise(resolve => (settle = resolve))
    try {
      const list = await this.fetchReferrers(name, digest)
      settle(list !== undefined)
      return list
    } catch (e) {
      // Not an answer about the API: the next call asks again.
      this.referrersApi = undefined
      settle(true)
      throw e
    }
  }

  /**
   * Every page of a referrers list, to its end (`Link: <...>; rel="next"`, relative or absolute, to this
   * origin only): a referrer on page 2 is as real as one on page 1. Fails closed as the listings do.
   */
  private async fetchReferrers(name: string, digest: string): Promise<Descriptor[] | undefined> {
    const found: Descriptor[] = []
    const walk = new PageWalk(`referrers of ${name}@${digest}`)
    let url: string | undefined = this.url(name, 'referrers', digest)
    while (url) {
      const page = walk.ask(url)
      const res = await this.http.request('GET', url, {
        kind: 'registry GET referrers',
        headers: { accept: OCI_INDEX },
        handles: [400, 404, 405],
        maxBytes: ANSWER_LIMITS.page
      })
      if (res.status !== 200) {
        if (page === 1) return undefined
        throw new HttpError('GET', url, res.status, `page ${page} of the referrers list is missing: the list is incomplete`)
      }
      let list: Descriptor[]
      try {
        const j = JSON.parse(res.body.toString('utf8')) as { manifests?: Descriptor[] }
        if (!Array.isArray(j.manifests) || j.manifests.some(d => typeof d?.digest !== 'string' || !isDigest(d.digest))) throw new Error('no manifests list')
        list = j.manifests
      } catch {
        throw new HttpError('GET', url, res.status, `page ${page} of the referrers answer is not an index of well-formed digests`)
      }
      for (const d of list) {
        walk.take(url, res.status, d.digest)
        found.push(d)
      }
      url = nextLink(url, header(res, 'link'))
    }
    return found
  }

  /** The image config's `created`, or undefined when absent or unparsable. */
  async configCreated(name: string, digest: string): Promise<Date | undefined> {
    const url = this.url(name, 'blobs', digest)
    const res = await this.http.request('GET', url, { kind: 'registry GET config blob', handles: [404] })
    if (res.status === 404) return undefined
    try {
      const created = (JSON.parse(res.body.toString('utf8')) as { created?: string }).created
      const d = created ? new Date(created) : undefined
      return d && !Number.isNaN(d.getTime()) ? d : undefined
    } catch {
      return undefined
    }
  }

  /** Deletes a manifest by digest: 'deleted', or 'gone' when the registry no longer has it. */
  async deleteManifest(name: string, digest: string): Promise<'deleted' | 'gone'> {
    const url = this.url(name, 'manifests', digest)
    const res = await this.http.request('DELETE', url, { kind: 'registry DELETE manifest', handles: [404, 405] })
    if (res.status === 405) {
      throw new HttpError('DELETE', url, 405, 'deleting is disabled on this registry (docker-registry: storage.delete.enabled: true)')
    }
    return res.status === 404 ? 'gone' : 'deleted'
  }

  /**
   * Follows `Link: <...>; rel="next"` to the end. Fails closed: a later page that errors, answers 404 or
   * has no list, a page repeating an item already seen, a `last` that does not advance, or more than
   * MAX_PAGES pages is an error, never the end of the listing (a short listing would make kept content
   * look absent).
   */
  private async paginate(first: string, kind: string, key: 'tags' | 'repositories', emptyOn404: boolean): Promise<string[]> {
    const items: string[] = []
    const walk = new PageWalk(kind)
    let url: string | undefined = first
    while (url) {
      const page = walk.ask(url)
      const res: HttpResponse = await this.http.request('GET', url, {
        kind,
        headers: { accept: 'application/json' },
        handles: [400, 404],
        maxBytes: ANSWER_LIMITS.page
      })
      if (res.status === 400 && url === first && new URL(url).searchParams.has('n')) {
        // A registry configured with a smaller page cap refuses our `n`: let it choose the page size.
        const plain: URL = new URL(url)
        plain.searchParams.delete('n')
        url = plain.toString()
        walk.again()
        continue
      }
      if (res.status === 400) throw new HttpError('GET', url, 400, res.body.toString('utf8').slice(0, 200))
      if (res.status === 404) {
        if (page === 1 && emptyOn404) return []
        throw new HttpError('GET', url, 404, `page ${page} of the listing is missing: the listing is incomplete`)
      }
      let list: unknown
      try {
        list = (JSON.parse(res.body.toString('utf8')) as Record<string, unknown> | null)?.[key]
      } catch {
        throw new HttpError('GET', url, res.status, 'the body is not JSON')
      }
      const next = nextLink(url, header(res, 'link'))
      if (list === null && page === 1 && !next) return []
      if (!Array.isArray(list) || list.some(v => typeof v !== 'string')) {
        throw new HttpError('GET', url, res.status, `page ${page} has no "${key}" list: the listing is incomplete`)
      }
      for (const item of list as string[]) {
        walk.take(url, res.status, item)
        items.push(item)
      }
      if (next) {
        const last = new URL(next).searchParams.get('last')
        if (last !== null && last === new URL(url).searchParams.get('last')) {
          throw new HttpError('GET', url, res.status, `page ${page} links to the same last=${last}: the listing does not advance`)
        }
      }
      url = next
    }
    return items
  }
}

/**
 * The bounds every paged listing shares, so a server can neither end one early nor keep it going: pages,
 * names held (memory stays near 100 MB, not the server's choice), time, a page asked twice (a loop), an
 * item listed twice.
 */
class PageWalk {
  private page = 0
  private readonly urls = new Set<string>()
  private readonly seen = new Set<string>()
  private readonly started = Date.now()

  constructor(private readonly kind: string) {}

  /** Before asking `url`: its page number, or an error past a bound. */
  ask(url: string): number {
    const page = ++this.page
    if (page > MAX_PAGES) throw new Error(`${this.kind}: more than ${MAX_PAGES} pages, stopped (a listing that never ends)`)
    if (this.seen.size > LISTING_LIMITS.items) throw new Error(`${this.kind}: more than ${LISTING_LIMITS.items} names, stopped (a listing that never ends)`)
    if (Date.now() - this.started > LISTING_LIMITS.ms) throw new Error(`${this.kind}: still listing after ${LISTING_LIMITS.ms / 60_000} minutes, stopped`)
    if (this.urls.has(url)) throw new Error(`${this.kind}: page ${page} repeats ${url} (pagination loop)`)
    this.urls.add(url)
    return page
  }

  /** The first page asked again in another form (without `n`): it is still page 1. */
  again(): void {
    this.page--
  }

  /** One item of the page at `url`: an error when it was listed before. */
  take(url: string, status: number, item: string): void {
    if (this.seen.has(item)) throw new HttpError('GET', url, status, `page ${this.page} repeats ${JSON.stringify(item)}, listed before`)
    this.seen.add(item)
  }
}

/**
 * The next page from a Link header, resolved against the current URL. Nexus behind a connector port
 * answers a path with `/repository/<repo>/` that 400s if followed: when the link's path is not the one we
 * asked, keep our path and take only its query (`n`, `last`).
 */
export function nextLink(current: string, link: string | undefined): string | undefined {
  if (!link) return undefined
  const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)
  if (!m) return undefined
  const next = new URL(m[1] ?? '', current)
  const cur = new URL(current)
  // Credentials go with every request: a next page elsewhere would hand them to another server.
  if (next.pathname === cur.pathname && next.origin !== cur.origin) {
    throw new Error(`the next-page link points at another origin (${next.origin}, not ${cur.origin}): refused`)
  }
  if (next.pathname !== cur.pathname) {
    cur.search = next.search
    return cur.toString()
  }
  return next.toString()
}

/** A name or reference off the OCI grammar, refused before any request. */
export class GrammarError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GrammarError'
  }
}

/** A body that is not what its name or its header says it is: the image it belongs to fails closed. */
export class DigestMismatchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DigestMismatchError'
  }
}

/**
 * A manifest is what its bytes hash to: read by digest, the body must hash to that digest; a
 * `Docker-Content-Digest` header (a claim a caching proxy may rewrite) must name the body's own digest.
 * Returns the body's digest, under the algorithm the reference or the header names (sha256 otherwise).
 */
export function verifiedDigest(name: string, ref: string, body: Buffer, claimed: string | undefined): string {
  const byDigest = ref.includes(':')
  if (byDigest && !isDigest(ref)) throw new DigestMismatchError(`${name}@${ref}: not a sha256 or sha512 digest, not read`)
  const own = digestOfBytes(body, byDigest ? ref : claimed)
  if (byDigest && own !== ref) throw new DigestMismatchError(`${name}@${ref}: the body read by that digest hashes to ${own}`)
  if (claimed !== undefined && claimed !== own) {
    throw new DigestMismatchError(`${name}:${ref}: Docker-Content-Digest ${claimed} disagrees with the body, which hashes to ${own}`)
  }
  return own
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function contentType(res: HttpResponse): string {
  return (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? ''
}
