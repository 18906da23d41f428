// A thin client for the Nexus 3 REST API (/service/rest/v1): components with continuationToken paging,
// component read and delete, repositories. Response shapes: shared/nexus/API.md sections 3, 4 and 6.

import { Http, HttpError } from '../http'

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
}

export interface NexusRepository {
  name: string
  format: string
  type: string
  url?: string
}

interface Page<T> {
  items: T[]
  continuationToken: string | null
}

/** Dates are `2022-08-29T07:11:42.914+00:00` (3.26+) or `...+0000` (older Jackson). */
export function parseNexusDate(text: string | null | undefined): Date | undefined {
  if (!text) return undefined
  const d = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
  return Number.isNaN(d.getTime()) ? undefined : d
}

export class NexusClient {
  readonly rest: string

  constructor(
    private readonly http: Http,
    host: string
  ) {
    this.rest = `${host}/service/rest/v1`
  }

  /** Every repository the user may browse (a plain array, not a page). */
  async repositories(): Promise<NexusRepository[]> {
    const res = await this.http.request('GET', `${this.rest}/repositories`, { kind: 'nexus GET repositories', headers: { accept: 'application/json' }, accept: [401, 403] })
    authFailure(res.status, 'list repositories', '')
    return JSON.parse(res.body.toString('utf8')) as NexusRepository[]
  }

  /**
   * Calls `onPage` for each page of components until the token runs out. The datastore returns a
   * token whenever a page is full, so a repository of exactly 100*k components ends with an empty page.
   */
  async eachComponentPage(repository: string, onPage: (items: NexusComponent[]) => void): Promise<void> {
    const seen = new Set<string>()
    let token: string | null = null
    do {
      const url = new URL(`${this.rest}/components`)
      url.searchParams.set('repository', repository)
      if (token) url.searchParams.set('continuationToken', token)
      const res = await this.http.request('GET', url.toString(), { kind: 'nexus GET components', headers: { accept: 'application/json' }, accept: [401, 403, 404] })
      authFailure(res.status, `browse repository ${repository}`, `nx-repository-view-docker-${repository}-browse`)
      if (res.status === 404) throw new Error(`Nexus repository '${repository}' not found`)
      let page: Page<NexusComponent>
      try {
        page = JSON.parse(res.body.toString('utf8')) as Page<NexusComponent>
      } catch {
        throw new HttpError('GET', url.toString(), res.status, 'the body is not JSON')
      }
      onPage(page.items ?? [])
      token = page.continuationToken
      if (token !== null && seen.has(token)) throw new Error(`Nexus repeated continuationToken ${token} for ${repository}`)
      if (token !== null) seen.add(token)
    } while (token !== null)
  }

  /** A component, or undefined when it no longer exists. */
  async component(id: string): Promise<NexusComponent | undefined> {
    const url = `${this.rest}/components/${encodeURIComponent(id)}`
    const res = await this.http.request('GET', url, { kind: 'nexus GET component', headers: { accept: 'application/json' }, accept: [401, 403, 404] })
    authFailure(res.status, 'read components', '')
    if (res.status === 404) return undefined
    return JSON.parse(res.body.toString('utf8')) as NexusComponent
  }

  /** Deletes one tag (component): exact on every Nexus version. 'gone' when it no longer existed. */
  async deleteComponent(id: string, repository: string): Promise<'deleted' | 'gone'> {
    const url = `${this.rest}/components/${encodeURIComponent(id)}`
    const res = await this.http.request('DELETE', url, { kind: 'nexus DELETE component', accept: [401, 403, 404] })
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
