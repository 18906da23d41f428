// One image's components through the search API (`/v1/search?repository=&name=`): a listing that can run
// for every image at once, where `/v1/components` is one repository-wide chain of pages. Search is a claim,
// not a fact (docs/performance.md, "Why search is trusted only where proven"): Elasticsearch is refreshed in
// the background, pages by offset, stops silently at its 10,000 window, and HA's table search matches words,
// not names. So this reads every page, keeps only exact names, and returns a listing only with the proof
// that it is this image's whole set of tags now: its versions are exactly the tags the registry lists (read
// after the last page), no id or version repeats, the window was not reached. Otherwise it says why not,
// and the caller reads the image from the components listing.

import { ANSWER_LIMITS, Http } from '../http/http'
import { isDigest } from '../util/digest'
import { restBase, type NexusComponent } from './client'

/** Search's page (SearchResource.pageSize). */
const PAGE = 50
/** Past this many hits Elasticsearch answers an empty last page: a stream this long proves nothing. */
export const SEARCH_WINDOW_GUARD = 10_000 - PAGE
/** A hard bound on one image's search pages (the window is 200 pages). */
const MAX_PAGES = 250

export type SearchListing = { components: NexusComponent[] } | { unproven: string }

/** Every search hit for `name` in `repository`, page after page; `unproven` on any doubt. */
export async function searchImage(http: Http, host: string, repository: string, name: string): Promise<SearchListing> {
  const hits: NexusComponent[] = []
  let token: string | null = null
  let seen = 0
  for (let page = 1; page <= MAX_PAGES; page++) {
    const url = new URL(`${restBase(host)}/search`)
    url.searchParams.set('repository', repository)
    url.searchParams.set('name', name)
    if (token) url.searchParams.set('continuationToken', token)
    const res = await http.request('GET', url.toString(), {
      kind: 'nexus GET search',
      headers: { accept: 'application/json' },
      handles: [400, 401, 403, 404, 406, 500],
      maxBytes: ANSWER_LIMITS.page
    })
    if (res.status !== 200) return { unproven: `search answered ${res.status} on page ${page}` }
    let body: { items?: unknown; continuationToken?: unknown } | null
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body
    } catch {
      return { unproven: `search page ${page} is not JSON` }
    }
    if (!Array.isArray(body?.items)) return { unproven: `search page ${page} has no items list` }
    const next = body?.continuationToken
    if (next !== null && typeof next !== 'string') return { unproven: `search page ${page} has no continuationToken` }
    seen += body.items.length
    for (const c of body.items as NexusComponent[]) if (c?.name === name && c?.repository === repository) hits.push(c)
    if (seen >= SEARCH_WINDOW_GUARD) return { unproven: `search reached ${seen} hits, the edge of its result window` }
    if (next === null) return { components: hits }
    if (next === token) return { unproven: 'search repeated its continuation token' }
    token = next
  }
  return { unproven: `search gave more than ${MAX_PAGES} pages` }
}

/**
 * Whether `hits` is the image's whole set of tags: every tag the registry lists is a version exactly once,
 * and every other version is a digest (a manifest pushed by digest, which no tags list shows). A reason
 * when not.
 */
export function provenAgainstTags(hits: NexusComponent[], tags: readonly string[]): string | undefined {
  const ids = new Set<string>()
  const versions = new Set<string>()
  for (const c of hits) {
    if (typeof c.id !== 'string' || ids.has(c.id)) return `search repeats component ${JSON.stringify(c.id)}`
    ids.add(c.id)
    if (isDigest(c.version)) continue
    if (versions.has(c.version)) return `search lists version ${JSON.stringify(c.version)} twice`
    versions.add(c.version)
  }
  const named = tags.filter(t => !isDigest(t))
  const listed = new Set(named)
  const missing = named.filter(t => !versions.has(t)).length
  const extra = [...versions].filter(v => !listed.has(v)).length
  if (missing === 0 && extra === 0) return undefined
  return `search and the tags list disagree (${missing} tags missing from search, ${extra} versions the tags list does not hold)`
}
