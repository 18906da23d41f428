// Listings fail closed: a page after the first that errors, answers 404 or has no item list, a page that
// repeats what was listed, a cursor that does not advance, or a listing that never ends is an error, never
// the end of the listing. A short listing would make kept content look absent.

import http from 'node:http'
import { NexusClient } from '../../src/nexus/client'
import { RegistryClient, nextLink } from '../../src/registry/client'
import { makeHttp, startServer, TestServer } from '../../test/support/http-fixtures'

let srv: TestServer

beforeAll(async () => {
  srv = await startServer()
})
afterAll(() => srv.close())
beforeEach(() => srv.reset())

type Page = { status?: number; body: unknown; link?: string }

/** Answers page k (1-based, by request order) from `pages`; the last entry repeats. */
function pages(list: Page[]): void {
  let k = 0
  srv.handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const p = list[Math.min(k++, list.length - 1)]
    res.statusCode = p.status ?? 200
    if (p.link) res.setHeader('link', p.link)
    res.setHeader('content-type', 'application/json')
    res.end(typeof p.body === 'string' ? p.body : JSON.stringify(p.body))
  }
}

const registry = () => new RegistryClient(makeHttp({ retries: 0 }).http, srv.origin, 2)
const nexus = () => new NexusClient(makeHttp({ retries: 0 }).http, srv.origin)
const link = (last: string) => `</v2/a/tags/list?n=2&last=${last}>; rel="next"`

async function nexusListing(): Promise<string[]> {
  const ids: string[] = []
  await nexus().eachComponentPage('docker-hosted', items => ids.push(...items.map(c => c.id)))
  return ids
}

describe('registry tags and catalog listings', () => {
  it('reads every page to the end', async () => {
    pages([{ body: { tags: ['a', 'b'] }, link: link('b') }, { body: { tags: ['c'] } }])
    expect(await registry().tags('a')).toEqual(['a', 'b', 'c'])
  })

  it('an image without tags: 404 or tags null on the first page is empty', async () => {
    pages([{ status: 404, body: { errors: [{ code: 'NAME_UNKNOWN' }] } }])
    expect(await registry().tags('a')).toEqual([])
    srv.reset()
    pages([{ body: { name: 'a', tags: null } }])
    expect(await registry().tags('a')).toEqual([])
  })

  it.each<[string, Page[], RegExp]>([
    [
      'a later page answers 404',
      [
        { body: { tags: ['a', 'b'] }, link: link('b') },
        { status: 404, body: {} }
      ],
      /answered 404: page 2 of the listing is missing/
    ],
    ['a later page has tags null', [{ body: { tags: ['a', 'b'] }, link: link('b') }, { body: { tags: null } }], /page 2 has no "tags" list/],
    ['a later page is {}', [{ body: { tags: ['a', 'b'] }, link: link('b') }, { body: {} }], /page 2 has no "tags" list/],
    ['the first page is {}', [{ body: {} }], /page 1 has no "tags" list/],
    ['tags null with a next page', [{ body: { tags: null }, link: link('b') }], /page 1 has no "tags" list/],
    ['a later page is not JSON', [{ body: { tags: ['a', 'b'] }, link: link('b') }, { body: '<html>' }], /the body is not JSON/],
    [
      'a page repeats items, with a new link each time',
      [
        { body: { tags: ['a', 'b'] }, link: link('b') },
        { body: { tags: ['a', 'b'] }, link: link('c') }
      ],
      /page 2 repeats "a", listed before/
    ],
    [
      'the link does not advance last',
      [
        { body: { tags: ['a', 'b'] }, link: link('b') },
        { body: { tags: ['c', 'd'] }, link: link('b') }
      ],
      /same last=b: the listing does not advance/
    ],
    [
      'a later page fails',
      [
        { body: { tags: ['a', 'b'] }, link: link('b') },
        { status: 500, body: 'boom' }
      ],
      /answered 500/
    ]
  ])('%s: an error, not the end', async (_name, list, message) => {
    pages(list)
    await expect(registry().tags('a')).rejects.toThrow(message)
  })

  it('a listing that never ends stops at the hard bound', async () => {
    let k = 0
    srv.handler = (_req, res) => {
      k++
      res.setHeader('link', link(`t${k}`))
      res.end(JSON.stringify({ tags: [`t${k}`] }))
    }
    const { MAX_PAGES } = await import('../../src/registry/client')
    await expect(registry().tags('a')).rejects.toThrow(`more than ${MAX_PAGES} pages`)
    expect(k).toBe(MAX_PAGES)
  }, 120_000)

  it('the catalog fails closed the same way, and a 404 there is never "no images"', async () => {
    pages([{ body: { repositories: ['a', 'b'] }, link: '</v2/_catalog?n=2&last=b>; rel="next"' }, { body: { repositories: null } }])
    await expect(registry().catalog()).rejects.toThrow(/page 2 has no "repositories" list/)
    srv.reset()
    pages([{ status: 404, body: {} }])
    await expect(registry().catalog()).rejects.toThrow(/404/)
  })

  it('never follows a next page to another origin', () => {
    expect(() => nextLink('https://reg.example.com/v2/a/tags/list?n=2', '<https://evil.example.com/v2/a/tags/list?n=2&last=b>; rel="next"')).toThrow(
      /another origin/
    )
    // Nexus's connector bug (another path): our path and origin, its query
    expect(nextLink('https://reg.example.com:5000/v2/a/tags/list?n=2', '<https://nexus.example.com/repository/r/v2/a/tags/list?n=2&last=b>; rel="next"')).toBe(
      'https://reg.example.com:5000/v2/a/tags/list?n=2&last=b'
    )
  })
})

describe('Nexus components listing', () => {
  const comp = (id: string) => ({ id, repository: 'docker-hosted', format: 'docker', group: '', name: 'a', version: id, assets: [] })

  it('reads every page to a null token', async () => {
    pages([{ body: { items: [comp('1'), comp('2')], continuationToken: 't1' } }, { body: { items: [comp('3')], continuationToken: null } }])
    expect(await nexusListing()).toEqual(['1', '2', '3'])
  })

  it.each<[string, Page[], RegExp]>([
    [
      'a later page answers 404',
      [{ body: { items: [comp('1')], continuationToken: 't1' } }, { status: 404, body: '' }],
      /page 2 of the components of docker-hosted is missing/
    ],
    [
      'a later page has items null',
      [{ body: { items: [comp('1')], continuationToken: 't1' } }, { body: { items: null, continuationToken: null } }],
      /page 2 has no "items" list/
    ],
    ['a later page is {}', [{ body: { items: [comp('1')], continuationToken: 't1' } }, { body: {} }], /page 2 has no "items" list/],
    ['the first page has no items', [{ body: { continuationToken: null } }], /page 1 has no "items" list/],
    ['a page without a token field', [{ body: { items: [comp('1')] } }], /page 1 has no "continuationToken"/],
    [
      'new tokens, same items',
      [{ body: { items: [comp('1')], continuationToken: 't1' } }, { body: { items: [comp('1')], continuationToken: 't2' } }],
      /page 2 repeats component 1/
    ],
    [
      'a token seen before',
      [{ body: { items: [comp('1')], continuationToken: 't1' } }, { body: { items: [comp('2')], continuationToken: 't1' } }],
      /repeated continuationToken t1/
    ],
    ['a later page fails', [{ body: { items: [comp('1')], continuationToken: 't1' } }, { status: 500, body: '' }], /answered 500/]
  ])('%s: an error, not the end', async (_name, list, message) => {
    pages(list)
    await expect(nexusListing()).rejects.toThrow(message)
  })

  it('a listing that never ends stops at the hard bound', async () => {
    let k = 0
    srv.handler = (_req, res) => {
      k++
      res.end(JSON.stringify({ items: [comp(`c${k}`)], continuationToken: `t${k}` }))
    }
    const client = new NexusClient(makeHttp({ retries: 0 }).http, srv.origin, 50)
    await expect(client.eachComponentPage('docker-hosted', () => {})).rejects.toThrow('more than 50 pages')
    expect(k).toBe(50)
  })
})
