/**
 * `GET /service/rest/v1/search` (API.md §5 and §15), as a deleting client must expect it:
 * - 50 items a page (SearchResource.pageSize);
 * - Elasticsearch (OrientDB, and datastore without HA): an index refreshed in the background, so a
 *   change shows after a delay (`searchRefreshMs`; SearchEventHandler batches, then the bulk write and its
 *   refresh); offset paging with token hex("<offset>:<md5(query)>") (TokenEncoder), a token of another
 *   query or a malformed one is 406; no default sort (ElasticSearchUtils), modelled as an order by a hash of
 *   the id; past the result window (10,000, ElasticSearchQueryServiceImpl) an empty page without a token;
 * - table search (HA, `nexus.datastore.table.search.enabled`): `name=` is a full-text token match, so
 *   `name=app` also returns `app-old` (ComponentSearchField, PostgresFullTextSearchQueryBuilder @3.64); token
 *   = the plain integer offset over component id order (SqlTableSearchService @3.64);
 * - problems answer an empty 200: an unknown repository, or one the user may not browse
 *   (ElasticSearchQueryServiceImpl; the permission post-filter ContentAuthPluginScript), and the content
 *   selector that `listingHides` stands for hides the same components here as in the components listing.
 */
import { createHash } from 'node:crypto'
import { Exchange, fault, nexusBase, sendJson } from './http'
import { JsonObject } from './json'
import { componentXO, page } from './render'
import type { EmulatorContext } from './http'

const PAGE = 50

/** One indexed component: what the index answers until its next refresh. */
interface Doc {
  key: string
  repository: string
  name: string
  row: number
  xo: JsonObject
}

export class SearchIndex {
  private docs: Doc[] | undefined
  private refreshedAt = 0

  constructor(private readonly refreshMs: number) {}

  /**
   * The documents as of the last refresh (every `refreshMs` of wall time). With 0, always current: only
   * the components `keep` admits are rendered (a bench's 100k components, a page at a time).
   */
  snapshot(ctx: EmulatorContext, base: string, keep: (repository: string, name: string) => boolean): Doc[] {
    const now = Date.now()
    if (this.refreshMs > 0 && this.docs && now - this.refreshedAt < this.refreshMs) return this.docs.filter(d => keep(d.repository, d.name))
    const live = this.refreshMs === 0
    const docs: Doc[] = []
    for (const repo of ctx.store.repositories.values()) {
      if (repo.config.type === 'group') continue
      for (const c of ctx.store.componentsInOrder(repo.config.name)) {
        if (c.assetRows.length === 0) continue // a component without assets is not found (§15)
        if (live && !keep(c.repository, c.name)) continue
        docs.push({ key: `${c.repository}/${c.row}`, repository: c.repository, name: c.name, row: c.row, xo: componentXO(ctx, base, c) })
      }
    }
    if (live) return docs
    this.docs = docs
    this.refreshedAt = now
    return docs.filter(d => keep(d.repository, d.name))
  }
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')
const order = (d: Doc): string => md5(d.key)

/** Table search splits criteria and names on commas, spaces, dashes and slashes (SqlSearchResource's note). */
const words = (s: string): string[] => s.split(/[,\s\-/]+/).filter(w => w !== '')

/** `browsable`: whether the caller may browse or read a repository, as the components listing checks it. */
export function handleSearch(x: Exchange, index: SearchIndex, browsable: (repository: string) => boolean): void {
  const ctx = x.ctx
  const opts = ctx.options
  const repository = x.query.get('repository')
  const name = x.query.get('name')
  const queryKey = JSON.stringify([repository, name, x.query.get('format'), x.query.get('version')])
  const table = opts.searchEngine === 'table'
  const token = x.query.get('continuationToken')
  let offset = 0
  if (token) {
    const parsed = table ? tableOffset(token) : esOffset(token, md5(queryKey))
    if (parsed === undefined) return fault(x, 406)
    offset = parsed
  }
  const repo = repository ? ctx.store.repo(repository) : undefined
  const matches = (r: string, n: string): boolean => {
    if (repository && r !== repository) return false
    if (!browsable(r) || ctx.store.listingHides.has(n)) return false
    if (name === null) return true
    if (table) return words(name).every(w => words(n).includes(w))
    return n === name
  }
  // an unknown repository is an empty page, not a 404 (§15)
  if (repository && !repo) return sendJson(x, 200, page([], null))
  const hits = index
    .snapshot(ctx, nexusBase(x), matches)
    .sort(table ? (a, b) => a.row - b.row : (a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
  if (!table && offset + PAGE > opts.searchWindow) return sendJson(x, 200, page([], null)) // silently past the window
  const items = hits.slice(offset, offset + PAGE)
  const next = offset + PAGE < hits.length ? offset + PAGE : null
  const nextToken = next === null ? null : table ? String(next) : Buffer.from(`${next}:${md5(queryKey)}`).toString('hex')
  return sendJson(
    x,
    200,
    page(
      items.map(d => d.xo),
      nextToken
    )
  )
}

function esOffset(token: string, queryHash: string): number | undefined {
  const text = /^[0-9a-f]+$/.test(token) ? Buffer.from(token, 'hex').toString('utf8') : ''
  const m = /^(\d+):([0-9a-f]{32})$/.exec(text)
  if (!m || m[2] !== queryHash) return undefined
  return Number(m[1])
}

function tableOffset(token: string): number | undefined {
  return /^\d+$/.test(token) ? Number(token) : undefined
}
