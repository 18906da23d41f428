// A thin client for the OCI Distribution (Docker Registry v2) API. It knows URLs, pagination and status
// codes; what to read and when is the inventory's business.

import { createHash } from 'node:crypto'
import { Http, HttpError, HttpResponse } from '../http'
import { MANIFEST_ACCEPT, parseManifest, ParsedManifest } from './media'

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

export class RegistryClient {
  /** Some Nexus versions answer 404 to HEAD on manifests while GET works: after one, use GET. */
  private headBroken = false

  /** @param base the URL under which `/v2/` is served (no trailing slash). */
  constructor(
    private readonly http: Http,
    readonly base: string,
    private readonly pageSize = PAGE
  ) {}

  /** Checks that the API answers and the credentials are accepted. */
  async ping(): Promise<void> {
    const res = await this.http.request('GET', `${this.base}/v2/`, { kind: 'registry GET /v2/', accept: [401, 403, 404] })
    if (res.status === 401) {
      throw new Error(`The registry at ${this.base}/v2/ refused the credentials (401): check username and password`)
    }
    if (res.status === 403) throw new Error(`The registry at ${this.base}/v2/ answered 403: the user may not read it`)
    if (res.status === 404) throw new Error(`No Docker registry API at ${this.base}/v2/ (404): check the URL`)
  }

  async catalog(): Promise<string[]> {
    const out: string[] = []
    await this.paginate(`${this.base}/v2/_catalog?n=${this.pageSize}`, 'registry GET _catalog', body => {
      const j = JSON.parse(body) as { repositories?: string[] | null }
      out.push(...(j.repositories ?? []))
    })
    return out
  }

  /** Tags of an image; an image with no tags left answers 404 NAME_UNKNOWN on some registries: []. */
  async tags(name: string): Promise<string[]> {
    const out: string[] = []
    await this.paginate(`${this.base}/v2/${name}/tags/list?n=${this.pageSize}`, 'registry GET tags/list', body => {
      const j = JSON.parse(body) as { tags?: string[] | null }
      out.push(...(j.tags ?? []))
    }, [404])
    return out
  }

  /** Digest and media type of a tag or digest; undefined when the registry does not know it. */
  async resolve(name: string, ref: string): Promise<ManifestHead | undefined> {
    if (!this.headBroken) {
      const url = `${this.base}/v2/${name}/manifests/${ref}`
      const res = await this.http.request('HEAD', url, { kind: 'registry HEAD manifest', headers: { accept: MANIFEST_ACCEPT }, accept: [404] })
      const digest = header(res, 'docker-content-digest')
      if (res.status === 200 && digest) return { digest, mediaType: contentType(res) }
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
    const url = `${this.base}/v2/${name}/manifests/${ref}`
    const res = await this.http.request('GET', url, { kind: 'registry GET manifest', headers: { accept: MANIFEST_ACCEPT }, accept: [404] })
    if (res.status === 404) return undefined
    const digest = header(res, 'docker-content-digest') ?? 'sha256:' + createHash('sha256').update(res.body).digest('hex')
    let manifest: ParsedManifest
    try {
      manifest = parseManifest(res.body, contentType(res))
    } catch {
      throw new HttpError('GET', url, res.status, 'the manifest is not JSON')
    }
    return { digest, mediaType: manifest.mediaType, manifest, size: res.body.length }
  }

  /** The image config's `created`, or undefined when absent or unparsable. */
  async configCreated(name: string, digest: string): Promise<Date | undefined> {
    const url = `${this.base}/v2/${name}/blobs/${digest}`
    const res = await this.http.request('GET', url, { kind: 'registry GET config blob', accept: [404] })
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
    const url = `${this.base}/v2/${name}/manifests/${digest}`
    const res = await this.http.request('DELETE', url, { kind: 'registry DELETE manifest', accept: [404, 405] })
    if (res.status === 405) {
      throw new HttpError('DELETE', url, 405, 'deleting is disabled on this registry (docker-registry: storage.delete.enabled: true)')
    }
    return res.status === 404 ? 'gone' : 'deleted'
  }

  /** Follows `Link: <...>; rel="next"` until exhausted. */
  private async paginate(first: string, kind: string, onPage: (body: string) => void, accept: number[] = []): Promise<void> {
    const seen = new Set<string>()
    let url: string | undefined = first
    while (url) {
      if (seen.has(url)) throw new Error(`pagination loop at ${url}`)
      seen.add(url)
      const res: HttpResponse = await this.http.request('GET', url, { kind, headers: { accept: 'application/json' }, accept: [...accept, 400] })
      if (res.status === 400 && url === first && new URL(url).searchParams.has('n')) {
        // A registry configured with a smaller page cap refuses our `n`: let it choose the page size.
        const plain: URL = new URL(url)
        plain.searchParams.delete('n')
        url = plain.toString()
        continue
      }
      if (res.status === 400) throw new HttpError('GET', url, 400, res.body.toString('utf8').slice(0, 200))
      if (res.status === 404) return
      try {
        onPage(res.body.toString('utf8'))
      } catch {
        throw new HttpError('GET', url, res.status, 'the body is not JSON')
      }
      url = nextLink(url, header(res, 'link'))
    }
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
  const next = new URL(m[1], current)
  const cur = new URL(current)
  if (next.pathname !== cur.pathname) {
    cur.search = next.search
    return cur.toString()
  }
  return next.toString()
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function contentType(res: HttpResponse): string {
  return (header(res, 'content-type') ?? '').split(';')[0].trim()
}
