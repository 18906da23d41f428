// A thin client for the Nexus 3 REST API (/service/rest/v1): components with continuationToken paging,
// component read and delete, repositories. Response shapes: the team's Nexus reference (API.md) sections 3, 4 and 6; test/fixtures/nexus.

import { isDigest } from '../util/digest'
import { createHash } from 'node:crypto'
import { ANSWER_LIMITS, Http, HttpError } from '../http/http'

export interface NexusAsset {
  path: string
  id?: string
  checksum?: { sha1?: string; sha256?: string }
  /** Since 3.29. */
  contentType?: string
  /** Since 3.29: when the tag's current content was stored. */
  lastModified?: string | null
  /** Since 3.39; null = never downloaded. */
  lastDownloaded?: string | null
  fileSize?: number
  blobCreated?: string | null
}

export interface NexusComponent {
  id: string
  repository: string
  format: string
  /** null on OrientDB, "" on the datastore. */
  group: string | null
  name: string
  version: string
  assets: NexusAsset[]
  /** Ours, once slimmed: the bytes of the component's assets other than its manifest. */
  otherAssetBytes?: number
}

/** What a manifest asset's content type may be (absent before 3.29): a manifest or an index, any schema. */
const MANIFEST_TYPE = /^application\/vnd\.(docker\.distribution\.manifest|oci\.image\.(manifest|index))\b/

/**
 * The asset of a component that is its manifest, found by its path (`v2/<name>/manifests/<version>`,
 * with or without the datastore's leading slash) and a manifest content type, never by its position in
 * `assets`. undefined when no asset, or more than one, qualifies: such a component is kept.
 */
export function manifestAssetOf(c: NexusComponent): NexusAsset | undefined {
  const path = `v2/${c.name}/manifests/${c.version}`
  const found = (c.assets ?? []).filter(
    a => typeof a?.path === 'string' && a.path.replace(/^\//, '') === path && (a.contentType === undefined || MANIFEST_TYPE.test(a.contentType))
  )
  return found.length === 1 ? found[0] : undefined
}

/** The digest an asset's sha256 checksum names; undefined when it has none, or one off the digest grammar. */
export function checksumDigest(asset: NexusAsset | undefined): string | undefined {
  const sha = asset?.checksum?.sha256
  const digest = typeof sha === 'string' ? `sha256:${sha}` : ''
  return isDigest(digest) ? digest : undefined
}

/** The digest of a component's manifest, from its manifest asset's checksum. */
export function componentDigest(c: NexusComponent): string | undefined {
  return checksumDigest(manifestAssetOf(c))
}

export interface NexusRepository {
  name: string
  format: string
  type: string
  url?: string
}

/** A hard bound on pages of one repository's components (10M components at 100 a page). */
export const MAX_COMPONENT_PAGES = 100_000
/** The time one repository's components listing may take (OrientDB pages 10: 100k tags is 10k pages). */
export const COMPONENT_LISTING_MS = 3 * 3600_000

function idKey(id: string): number {
  return parseInt(createHash('sha1').update(id).digest('hex').slice(0, 12), 16)
}

interface Page<T> {
  items: T[]
  continuationToken: string | null
}

/** A checked page of the components listing, with where it came from (for the errors it may lead to). */
export interface ComponentPage extends Page<NexusComponent> {
  url: string
  status: number
}

/** Dates are `2022-08-29T07:11:42.914+00:00` (3.26+) or `...+0000` (older Jackson). */
export function parseNexusDate(text: string | null | undefined): Date | undefined {
  if (!text) return undefined
  const d = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
  return Number.isNaN(d.getTime()) ? undefined : d
}

/**
 * Where a Nexus repository's Docker v2 API is served: `registry-url` when given (a connector port, another
 * host), else `<host>/repository/<repository>` on the main port.
 */
export function registryBase(host: string, repository: string, registryUrl: string | undefined): string {
  return registryUrl ?? `${host}/repository/${repository}`
}

/** The REST API's base under a Nexus base URL (a context path such as `/nexus` included). */
export function restBase(host: string): string {
  return `${host}/service/rest/v1`
}

export class NexusClient {
  readonly rest: string

  constructor(
    private readonly http: Http,
    host: string,
    private readonly maxPages = MAX_COMPONENT_PAGES
  ) {
    this.rest = restBase(host)
  }

  /** Every repository the user may browse (a plain array, not a page). */
  async repositories(): Promise<NexusRepository[]> {
    const url = `${this.rest}/repositories`
    const res = await this.http.request('GET', url, {
      kind: 'nexus GET repositories',
      headers: { accept: 'application/json' },
      handles: [401, 403, 404]
    })
    if (res.status === 404) {
      // The usual cause: host set to a repository or connector URL, or missing Nexus's context path.
      throw new Error(
        `GET ${url} answered 404: host must be Nexus's base URL (e.g. https://nexus.example.com, with its context path such as /nexus if it has one), ` +
          `not a repository's. Where the Docker API is on a connector port or another host, keep host on Nexus and set registry-url (e.g. https://nexus.example.com:8082)`
      )
    }
    authFailure(res.status, 'list repositories', '')
    return JSON.parse(res.body.toString('utf8')) as NexusRepository[]
  }

  /**
   * Calls `onPage` for each page of components until the token runs out. The datastore returns a
   * token whenever a page is full, so a repository of exactly 100*k components ends with an empty page.
   * Fails closed: a page without an `items` list, a page repeating a component already listed, a token
   * seen before, or more than MAX_COMPONENT_PAGES pages is an error, never the end of the listing.
   * `first`: page 1 as firstComponentPage read it, so it is not asked for twice.
   */
  async eachComponentPage(repository: string, onPage: (items: NexusComponent[]) => void, first?: ComponentPage): Promise<void> {
    const tokens = new Set<string>()
    // Component ids as 48-bit numbers: a few MB at a million components, and a collision only stops a run.
    const ids = new Set<number>()
    let token: string | null = null
    const started = Date.now()
    for (let page = 1; ; page++) {
      if (page > this.maxPages) throw new Error(`Nexus components of ${repository}: more than ${this.maxPages} pages, stopped (a listing that never ends)`)
      if (Date.now() - started > COMPONENT_LISTING_MS)
        throw new Error(`Nexus components of ${repository}: still listing after ${COMPONENT_LISTING_MS / 3600_000} hours, stopped`)
      const read: ComponentPage = page === 1 && first ? first : await this.componentPage(repository, token, page)
      const { items, continuationToken: next } = read
      for (const c of items) {
        const key = idKey(String(c?.id))
        if (ids.has(key)) throw new HttpError('GET', read.url, read.status, `page ${page} repeats component ${String(c?.id)}, listed before`)
        ids.add(key)
      }
      onPage(items)
      if (next === null) return
      if (tokens.has(next) || next === token) throw new Error(`Nexus repeated continuationToken ${next} for ${repository}: the listing does not advance`)
      tokens.add(next)
      token = next
    }
  }

  /** The first page of a repository's components: its size tells the database (10: OrientDB, 100: datastore). */
  firstComponentPage(repository: string): Promise<ComponentPage> {
    return this.componentPage(repository, null, 1)
  }

  /** One page of the components listing, checked: an `items` list and a token that is a string or null. */
  private async componentPage(repository: string, token: string | null, page: number): Promise<ComponentPage> {
    const url = new URL(`${this.rest}/components`)
    url.searchParams.set('repository', repository)
    if (token) url.searchParams.set('continuationToken', token)
    const res = await this.http.request('GET', url.toString(), {
      kind: 'nexus GET components',
      headers: { accept: 'application/json' },
      handles: [401, 403, 404],
      maxBytes: ANSWER_LIMITS.page
    })
    authFailure(res.status, `list repository ${repository}`, `nx-repository-view-docker-${repository}-read (or -browse)`)
    if (res.status === 404) {
      if (page === 1) throw new Error(`Nexus repository '${repository}' not found`)
      throw new HttpError('GET', url.toString(), 404, `page ${page} of the components of ${repository} is missing: the listing is incomplete`)
    }
    let body: Partial<Page<NexusComponent>> | null
    try {
      body = JSON.parse(res.body.toString('utf8')) as Partial<Page<NexusComponent>> | null
    } catch {
      throw new HttpError('GET', url.toString(), res.status, 'the body is not JSON')
    }
    const items = body?.items
    if (!Array.isArray(items)) throw new HttpError('GET', url.toString(), res.status, `page ${page} has no "items" list: the listing is incomplete`)
    const next = body?.continuationToken
    if (next !== null && typeof next !== 'string') {
      throw new HttpError('GET', url.toString(), res.status, `page ${page} has no "continuationToken" (string or null): the listing is incomplete`)
    }
    return { items, continuationToken: next, url: url.toString(), status: res.status }
  }

  /** A component, or undefined when it no longer exists. */
  async component(id: string): Promise<NexusComponent | undefined> {
    const url = `${this.rest}/components/${encodeURIComponent(id)}`
    const res = await this.http.request('GET', url, { kind: 'nexus GET component', headers: { accept: 'application/json' }, handles: [401, 403, 404] })
    authFailure(res.status, 'read components', '')
    if (res.status === 404) return undefined
    return JSON.parse(res.body.toString('utf8')) as NexusComponent
  }

  /** Deletes one tag (component): exact on every Nexus version. 'gone' when it no longer existed. */
  async deleteComponent(id: string, repository: string): Promise<'deleted' | 'gone'> {
    const url = `${this.rest}/components/${encodeURIComponent(id)}`
    const res = await this.http.request('DELETE', url, { kind: 'nexus DELETE component', handles: [401, 403, 404] })
    authFailure(res.status, `delete from ${repository}`, `nx-repository-view-docker-${repository}-delete`)
    return res.status === 404 ? 'gone' : 'deleted'
  }
}

/** 401 and 403 become one clear line naming what was refused and the privilege that allows it. */
export function authFailure(status: number, what: string, privilege: string): void {
  if (status === 401) throw new Error(`Nexus refused the credentials (401) trying to ${what}: check username and password`)
  if (status === 403) {
    throw new Error(`Nexus answered 403 trying to ${what}: the user lacks the privilege${privilege ? ` ${privilege}` : ''}`)
  }
}
