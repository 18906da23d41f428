import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { JsonObject, JsonValue, parseJsonPreservingKeys } from '../../test/nexus-emulator/json'
import { datastoreHex, datastoreRowFromHex } from '../../test/nexus-emulator/ids'
import { EmulatorOptions, NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { Scenario } from '../../test/nexus-emulator/scenario'

const EXAMPLES = join(__dirname, '..', '..', 'test', 'fixtures', 'nexus')
const example = (name: string): string => readFileSync(`${EXAMPLES}/${name}`, 'utf8').trim()

const basic = (user: string, pass: string): string => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')
const ADMIN = { authorization: basic('admin', 'admin123') }

const running: NexusEmulator[] = []
async function start(opts: EmulatorOptions = {}): Promise<NexusEmulator> {
  const e = await startNexusEmulator(opts)
  running.push(e)
  return e
}
afterEach(async () => {
  await Promise.all(running.splice(0).map(e => e.close()))
})

async function get(e: NexusEmulator, path: string, headers: Record<string, string> = ADMIN, method = 'GET'): Promise<Response> {
  return fetch(e.url + path, { method, headers })
}
async function getJson<T = JsonValue>(e: NexusEmulator, path: string, headers: Record<string, string> = ADMIN): Promise<T> {
  const r = await get(e, path, headers)
  expect(r.status).toBe(200)
  return (await r.json()) as T
}

/** Structure of a JSON text: member keys in order (duplicates kept), first array element, value kinds. */
function skeleton(v: JsonValue): unknown {
  if (v instanceof JsonObject) return v.entries.map(([k, x]) => [k, skeleton(x)])
  if (Array.isArray(v)) return v.length === 0 ? [] : [skeleton(v[0])]
  return v === null ? 'null' : typeof v
}
/** Replace values by placeholders so two texts compare on layout (indentation, separators) only. */
function layout(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"(\s*:)?/g, (m: string, colon?: string) => (colon ? m : '"S"')).replace(/-?\d+(\.\d+)?/g, 'N')
}

const EXAMPLE_REPO: Scenario = {
  now: '2025-02-01T00:00:00Z',
  repositories: [
    {
      name: 'docker-hosted',
      images: [
        {
          name: 'team/api',
          tags: [{ tag: '1.4.2', pushed: '2025-01-10T09:15:02.123Z', firstPushed: '2025-01-10T09:15:02.120Z', uploader: 'ci-bot', uploaderIp: '10.0.0.5' }]
        }
      ]
    }
  ]
}

function tagsScenario(count: number, repo = 'docker-hosted'): Scenario {
  return {
    now: '2025-02-01T00:00:00Z',
    repositories: [
      {
        name: repo,
        images: [
          { name: 'bulk/app', tags: Array.from({ length: count }, (_, i) => ({ tag: `1.0.${i}`, layers: 1, layerSize: 16, pushed: '2025-01-01T00:00:00Z' })) }
        ]
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------

describe('ids (API.md §2)', () => {
  it('datastore external ids scramble row ids and invert', () => {
    expect(datastoreHex(1)).toBe('4f1bbcdd')
    expect(datastoreHex(2)).toBe('9e3779ba')
    for (const row of [1, 2, 7, 99, 12345, 4_000_000]) expect(datastoreRowFromHex(datastoreHex(row))).toBe(row)
  })
})

describe('response shapes match the examples', () => {
  it('datastore components page: same keys, order, layout and controllable values', async () => {
    const e = await start({ baseUrl: 'http://nexus:8081', scenario: EXAMPLE_REPO })
    const r = await get(e, '/service/rest/v1/components?repository=docker-hosted')
    expect(r.headers.get('content-type')).toBe('application/json')
    expect(r.headers.get('server')).toBe('Nexus/3.77.0-08 (COMMUNITY)')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    const text = await r.text()
    const ex = example('components-page-datastore.json')
    expect(layout(text)).toBe(layout(ex))
    expect(skeleton(parseJsonPreservingKeys(text))).toEqual(skeleton(parseJsonPreservingKeys(ex)))
    const body = JSON.parse(text)
    const exBody = JSON.parse(ex)
    expect(body.items[0].id).toBe(exBody.items[0].id) // row 1 → 4f1bbcdd
    for (const k of ['repository', 'format', 'group', 'name', 'version']) expect(body.items[0][k]).toBe(exBody.items[0][k])
    for (const k of ['downloadUrl', 'path', 'contentType', 'lastModified', 'lastDownloaded', 'uploader', 'uploaderIp', 'blobCreated', 'blobStoreName']) {
      expect(body.items[0].assets[0][k]).toEqual(exBody.items[0].assets[0][k])
    }
  })

  it('orient 3.69 components page: group null, no leading slash, 32-hex ids, duplicate blobCreated', async () => {
    const e = await start({ baseUrl: 'http://nexus:8081', dbMode: 'orient', version: '3.69.0-02', scenario: EXAMPLE_REPO })
    const text = await (await get(e, '/service/rest/v1/components?repository=docker-hosted')).text()
    const ex = example('components-page-orientdb-3.69.json')
    expect(layout(text)).toBe(layout(ex))
    expect(skeleton(parseJsonPreservingKeys(text))).toEqual(skeleton(parseJsonPreservingKeys(ex)))
    expect(text).toContain('"fileSize" : ')
    expect(text).toMatch(/"blobCreated" : null,\n {6}"blobCreated" : "2025-01-10T09:15:02\.120\+00:00"\n/)
    expect(text).not.toContain('"docker" :')
    const body = JSON.parse(text)
    expect(body.items[0].group).toBeNull()
    expect(body.items[0].assets[0].path).toBe('v2/team/api/manifests/1.4.2')
    expect(Buffer.from(body.items[0].id, 'base64url').toString()).toMatch(/^docker-hosted:[0-9a-f]{32}$/)
    expect(r_server(await get(e, '/service/rest/v1/status'))).toBe('Nexus/3.69.0-02 (OSS)')
  })

  it('AssetXO fields follow the version gates of §4.2', async () => {
    const e330 = await start({ version: '3.30.0-01', scenario: EXAMPLE_REPO })
    const a330 = (await getJson<any>(e330, '/service/rest/v1/components?repository=docker-hosted')).items[0].assets[0]
    expect(Object.keys(a330)).toEqual(['downloadUrl', 'path', 'id', 'repository', 'format', 'checksum', 'contentType', 'lastModified', 'docker'])
    const e345 = await start({ version: '3.45.0-01', scenario: EXAMPLE_REPO })
    const a345 = (await getJson<any>(e345, '/service/rest/v1/components?repository=docker-hosted')).items[0].assets[0]
    expect(Object.keys(a345)).toEqual([
      'downloadUrl',
      'path',
      'id',
      'repository',
      'format',
      'checksum',
      'contentType',
      'lastModified',
      'lastDownloaded',
      'uploader',
      'uploaderIp',
      'fileSize',
      'docker'
    ])
    // Orient 3.39–3.47: duplicate lastDownloaded (null field, real value from the map)
    const o345 = await start({ version: '3.45.0-01', dbMode: 'orient', scenario: EXAMPLE_REPO })
    const text = await (await get(o345, '/service/rest/v1/components?repository=docker-hosted')).text()
    const asset = ((parseJsonPreservingKeys(text) as JsonObject).get('items') as JsonObject[])[0].get('assets') as JsonObject[]
    expect(asset[0].keys()).toEqual([
      'downloadUrl',
      'path',
      'id',
      'repository',
      'format',
      'checksum',
      'contentType',
      'lastModified',
      'lastDownloaded',
      'uploader',
      'uploaderIp',
      'fileSize',
      'blobCreated',
      'lastDownloaded'
    ])
    // ≤3.25 writes +0000 offsets
    const e325 = await start({ version: '3.25.0-03', scenario: EXAMPLE_REPO })
    const t325 = await (await get(e325, '/service/rest/v1/tasks')).text()
    expect(t325).toContain('"continuationToken" : null')
    const c325 = await getJson<any>(e325, '/service/rest/v1/components?repository=docker-hosted')
    expect(c325.items[0].assets[0].lastModified).toBeUndefined() // not before 3.29
    e325.clock.set('2025-01-10T09:15:02.123Z')
    const task = e325.task('repository.cleanup')!
    task.lastRun = new Date('2025-01-10T09:15:02.123Z')
    expect((await getJson<any>(e325, `/service/rest/v1/tasks/${task.id}`)).lastRun).toBe('2025-01-10T09:15:02.123+0000')
  })

  it('tasks page, blob stores and docker hosted repository match their examples', async () => {
    const scenario: Scenario = {
      repositories: [{ ...EXAMPLE_REPO.repositories![0], httpPort: 0 }], // connector → numeric httpPort
      tasks: [{ name: 'Compact default blob store', type: 'blobstore.compact', properties: { blobstoreName: 'default' } }]
    }
    const e = await start({ baseUrl: 'http://nexus:8081', version: '3.84.0-03', scenario })
    for (const [path, file] of [
      ['/service/rest/v1/tasks', 'tasks-page.json'],
      ['/service/rest/v1/blobstores', 'blobstores.json']
    ]) {
      const text = await (await get(e, path)).text()
      expect(layout(text)).toBe(layout(example(file)))
      expect(skeleton(parseJsonPreservingKeys(text))).toEqual(skeleton(parseJsonPreservingKeys(example(file))))
    }
    const repoText = await (await get(e, '/service/rest/v1/repositories/docker/hosted/docker-hosted')).text()
    const exRepo = parseJsonPreservingKeys(example('repository-docker-hosted.json'))
    expect(skeleton(parseJsonPreservingKeys(repoText))).toEqual(skeleton(exRepo))
    expect(JSON.parse(repoText).url).toBe('http://nexus:8081/repository/docker-hosted')
    expect(JSON.parse(repoText).docker.httpPort).toBe(Number(new URL(e.connectorUrl('docker-hosted')!).port))
  })

  it('registry MANIFEST_UNKNOWN body has the Nexus shape', async () => {
    const e = await start({ scenario: EXAMPLE_REPO })
    const digest = 'sha256:' + 'b'.repeat(64)
    const r = await get(e, `/repository/docker-hosted/v2/team/api/manifests/${digest}`, ADMIN, 'DELETE')
    expect(r.status).toBe(404)
    const text = await r.text()
    expect(skeleton(parseJsonPreservingKeys(text))).toEqual(skeleton(parseJsonPreservingKeys(example('registry-manifest-unknown.json'))))
    expect(text).toBe(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":[{"Name":"team/api"},{"Revision":"${digest}"}]}]}`)
  })
})

function r_server(r: Response): string | null {
  return r.headers.get('server')
}

// ---------------------------------------------------------------------------------------------

describe('components pagination (§3.1)', () => {
  async function pages(e: NexusEmulator, repo: string): Promise<Array<{ n: number; token: string | null; text: string }>> {
    const out: Array<{ n: number; token: string | null; text: string }> = []
    let token: string | null = null
    do {
      const q: string = token ? `&continuationToken=${encodeURIComponent(token)}` : ''
      const text: string = await (await get(e, `/service/rest/v1/components?repository=${repo}${q}`)).text()
      const body = JSON.parse(text) as { items: unknown[]; continuationToken: string | null }
      out.push({ n: body.items.length, token: body.continuationToken, text })
      token = body.continuationToken
      if (out.length > 50) throw new Error('runaway paging')
    } while (token)
    return out
  }

  it('datastore: 250 components → 100, 100, 50 with hex tokens', async () => {
    const e = await start({ scenario: tagsScenario(250) })
    const p = await pages(e, 'docker-hosted')
    expect(p.map(x => x.n)).toEqual([100, 100, 50])
    expect(p[0].token).toMatch(/^[0-9a-f]{1,8}$/)
    expect(p[2].token).toBeNull()
    const all = p.flatMap(x => (JSON.parse(x.text).items as Array<{ version: string }>).map(i => i.version))
    expect(new Set(all).size).toBe(250)
  })

  it('datastore: exactly 200 components → 3 calls, the last with "items" : [ ] and a null token', async () => {
    const e = await start({ scenario: tagsScenario(200) })
    const p = await pages(e, 'docker-hosted')
    expect(p.map(x => x.n)).toEqual([100, 100, 0])
    expect(p[2].text).toBe('{\n  "items" : [ ],\n  "continuationToken" : null\n}')
  })

  it('orient: page size 10, token non-null iff more remain', async () => {
    const e = await start({ dbMode: 'orient', version: '3.70.1-02', scenario: tagsScenario(25) })
    const p = await pages(e, 'docker-hosted')
    expect(p.map(x => x.n)).toEqual([10, 10, 5])
    expect(p[0].token).toMatch(/^[0-9a-f]{32}$/)
    const e20 = await start({ dbMode: 'orient', version: '3.70.1-02', scenario: tagsScenario(20) })
    expect((await pages(e20, 'docker-hosted')).map(x => [x.n, x.token === null])).toEqual([
      [10, false],
      [10, true]
    ])
  })

  it('errors: bad token 500 (datastore) / 406 (orient), missing repository 422, unknown 404, no browse 403', async () => {
    const e = await start({ scenario: tagsScenario(3), users: [{ username: 'nobody', password: 'pw', privileges: [] }] })
    const bad = await get(e, '/service/rest/v1/components?repository=docker-hosted&continuationToken=zzz')
    expect(bad.status).toBe(500)
    expect(await bad.text()).toMatch(/^ERROR: \(ID [0-9a-f-]{36}\) java\.lang\.NumberFormatException/)
    const missing = await get(e, '/service/rest/v1/components')
    expect(missing.status).toBe(422)
    expect(await missing.text()).toBe('') // empty error bodies on 3.30+
    expect(missing.headers.get('x-siesta-faultid')).toMatch(/^[0-9a-f-]{36}$/)
    expect((await get(e, '/service/rest/v1/components?repository=nope')).status).toBe(404)
    expect((await get(e, '/service/rest/v1/components?repository=docker-hosted', { authorization: basic('nobody', 'pw') })).status).toBe(403)
    const o = await start({ dbMode: 'orient', version: '3.60.0-01', scenario: tagsScenario(3) })
    expect((await get(o, '/service/rest/v1/components?repository=docker-hosted&continuationToken=' + 'a'.repeat(32))).status).toBe(406)
  })

  it('assets list includes tag manifests, digest manifests of an index, and repository-global blobs', async () => {
    const e = await start({
      scenario: { repositories: [{ name: 'r', images: [{ name: 'img', tags: [{ tag: 'multi', platforms: ['linux/amd64', 'linux/arm64'], layers: 1 }] }] }] }
    })
    const body = await getJson<any>(e, '/service/rest/v1/assets?repository=r')
    const paths = (body.items as Array<{ path: string }>).map(a => a.path)
    expect(paths.filter(p => p.startsWith('/v2/-/blobs/sha256:'))).toHaveLength(4) // 2 configs + 2 layers
    expect(paths.filter(p => /^\/v2\/img\/manifests\/sha256:/.test(p))).toHaveLength(2)
    expect(paths).toContain('/v2/img/manifests/multi')
  })
})

// ---------------------------------------------------------------------------------------------

describe('authentication and authorization (§1.3, §8.2)', () => {
  const users = [
    { username: 'reader', password: 'pw', privileges: ['nx-repository-view-docker-docker-hosted-browse', 'nx-repository-view-docker-docker-hosted-read'] },
    { username: 'nobody', password: 'pw', privileges: [] }
  ]

  it('401 for anonymous / bad credentials, 403 for an authenticated user lacking privilege', async () => {
    const e = await start({ scenario: tagsScenario(2), users })
    const anon = await get(e, '/service/rest/v1/tasks', {})
    expect(anon.status).toBe(401)
    expect(anon.headers.get('www-authenticate')).toBe('BASIC realm="Sonatype Nexus Repository Manager"')
    const bad = await get(e, '/service/rest/v1/components?repository=docker-hosted', { authorization: basic('admin', 'wrong') })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toBe('BASIC realm="Sonatype Nexus Repository Manager"')
    expect((await get(e, '/service/rest/v1/tasks', { authorization: basic('nobody', 'pw') })).status).toBe(403)
    expect((await get(e, '/service/rest/v1/blobstores', { authorization: basic('reader', 'pw') })).status).toBe(403)
    // Empty Basic credentials count as anonymous.
    expect((await get(e, '/service/rest/v1/tasks', { authorization: 'Basic Og==' })).status).toBe(401)
    // Browse check in the components resource answers 403 directly, even to anonymous (§1.3).
    expect((await get(e, '/service/rest/v1/components?repository=docker-hosted', {})).status).toBe(403)
    // A browse-only user can list but not delete (delete needs the delete privilege).
    const list = await getJson<any>(e, '/service/rest/v1/components?repository=docker-hosted', { authorization: basic('reader', 'pw') })
    expect((await get(e, `/service/rest/v1/components/${list.items[0].id}`, { authorization: basic('reader', 'pw') }, 'DELETE')).status).toBe(403)
    expect((await get(e, '/service/rest/v1/status', {})).status).toBe(200)
    expect(await getJson(e, '/service/rest/v1/repositories', {})).toEqual([])
  })

  it('registry: /v2/ answers 200 {} when authorized, 401 + challenge otherwise; Bearer realm without forceBasicAuth', async () => {
    const e = await start({ scenario: tagsScenario(1), users })
    const ok = await get(e, '/repository/docker-hosted/v2/')
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('{}')
    expect(ok.headers.get('docker-distribution-api-version')).toBe('registry/2.0')
    const anon = await get(e, '/repository/docker-hosted/v2/', {})
    expect(anon.status).toBe(401)
    expect(anon.headers.get('www-authenticate')).toBe('BASIC realm="Sonatype Nexus Repository Manager"')
    expect((await get(e, '/repository/docker-hosted/v2/bulk/app/tags/list', { authorization: basic('nobody', 'pw') })).status).toBe(403)

    const b = await start({ scenario: tagsScenario(1), forceBasicAuth: false, anonymousAccess: true })
    const ch = await get(b, '/repository/docker-hosted/v2/', {})
    expect(ch.status).toBe(401)
    // §14.4: the token path is computed under the repository path
    expect(ch.headers.get('www-authenticate')).toMatch(/^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/repository\/docker-hosted\/v2\/token"/)
    const token = ((await (await get(b, '/repository/docker-hosted/v2/token', {})).json()) as { token: string }).token
    expect((await get(b, '/repository/docker-hosted/v2/bulk/app/tags/list', { authorization: `Bearer ${token}` })).status).toBe(200)
  })
})

// ---------------------------------------------------------------------------------------------

describe('registry reads and lastDownloaded (§4.5, §8.4)', () => {
  const scenario: Scenario = {
    now: '2025-03-01T00:00:00Z',
    repositories: [
      {
        name: 'docker-hosted',
        images: [
          {
            name: 'team/api',
            tags: [
              { tag: '1.0', pushed: '2025-01-01T00:00:00Z' },
              { tag: 'stable', sameAs: '1.0' },
              { tag: '2.0', pushed: '2025-02-01T00:00:00Z' }
            ]
          }
        ]
      }
    ]
  }
  const ACCEPT = {
    ...ADMIN,
    accept:
      'application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'
  }

  it('manifest GET marks lastDownloaded (once per interval); REST reads and reads by digest do not', async () => {
    const e = await start({ scenario })
    const id = e.component('docker-hosted', 'team/api', '1.0')!.id
    await getJson(e, `/service/rest/v1/components/${id}`)
    await getJson(e, '/service/rest/v1/components?repository=docker-hosted')
    expect(e.component('docker-hosted', 'team/api', '1.0')!.lastDownloaded).toBeNull()

    const r = await get(e, '/repository/docker-hosted/v2/team/api/manifests/1.0', ACCEPT)
    expect(r.status).toBe(200)
    const bytes = Buffer.from(await r.arrayBuffer())
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
    expect(r.headers.get('docker-content-digest')).toBe(digest)
    expect(r.headers.get('content-type')).toBe('application/vnd.docker.distribution.manifest.v2+json')
    expect(r.headers.get('last-modified')).toBe(new Date('2025-01-01T00:00:00Z').toUTCString())
    expect(e.component('docker-hosted', 'team/api', '1.0')!.lastDownloaded).toEqual(new Date('2025-03-01T00:00:00Z'))
    const rest = await getJson<any>(e, `/service/rest/v1/components/${id}`)
    expect(rest.assets[0].lastDownloaded).toBe('2025-03-01T00:00:00.000+00:00')
    expect(rest.assets[0].checksum.sha256).toBe(digest.slice(7))

    e.advance(3600_000) // within the 12 h interval: unchanged
    await get(e, '/repository/docker-hosted/v2/team/api/manifests/1.0', ACCEPT, 'HEAD')
    expect(e.component('docker-hosted', 'team/api', '1.0')!.lastDownloaded).toEqual(new Date('2025-03-01T00:00:00Z'))
    e.advance(12 * 3600_000)
    const head = await get(e, '/repository/docker-hosted/v2/team/api/manifests/1.0', ACCEPT, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers.get('docker-content-digest')).toBe(digest)
    expect(e.component('docker-hosted', 'team/api', '1.0')!.lastDownloaded).toEqual(new Date('2025-03-01T13:00:00Z'))

    // By digest: served, but the tag assets are not touched.
    expect((await get(e, `/repository/docker-hosted/v2/team/api/manifests/${digest}`, ACCEPT)).status).toBe(200)
    expect(e.component('docker-hosted', 'team/api', 'stable')!.lastDownloaded).toBeNull()
  })

  it('headManifest404: HEAD answers 404 (and marks nothing) while GET works', async () => {
    const e = await start({ scenario, headManifest404: true })
    expect((await get(e, '/repository/docker-hosted/v2/team/api/manifests/2.0', ACCEPT, 'HEAD')).status).toBe(404)
    expect(e.component('docker-hosted', 'team/api', '2.0')!.lastDownloaded).toBeNull()
    expect((await get(e, '/repository/docker-hosted/v2/team/api/manifests/2.0', ACCEPT)).status).toBe(200)
  })

  it('tags/list Link header: connectorBug (default), relative, none for groups; connector server', async () => {
    const sc: Scenario = {
      repositories: [
        { name: 'docker-hosted', httpPort: 0, images: [{ name: 'app', tags: ['a', 'b', 'c'].map(tag => ({ tag, layers: 1, layerSize: 8 })) }] },
        { name: 'docker-group', type: 'group', members: ['docker-hosted'] }
      ]
    }
    const e = await start({ scenario: sc })
    const r1 = await get(e, '/repository/docker-hosted/v2/app/tags/list?n=2')
    expect(await r1.json()).toEqual({ name: 'app', tags: ['a', 'b'] })
    expect(r1.headers.get('link')).toBe(`<${e.url}/repository/docker-hosted/v2/app/tags/list?n=2&last=b>; rel="next"`)
    const conn = e.connectorUrl('docker-hosted')!
    expect(conn).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const r2 = await fetch(`${conn}/v2/app/tags/list?n=2`, { headers: ADMIN })
    const link = r2.headers.get('link')!
    expect(link).toBe(`<${conn}/repository/docker-hosted/v2/app/tags/list?n=2&last=b>; rel="next"`)
    expect((await fetch(link.slice(1, link.indexOf('>')), { headers: ADMIN })).status).toBe(400) // nexus-public#1011
    const r3 = await get(e, '/repository/docker-group/v2/app/tags/list?n=2')
    expect(r3.headers.get('link')).toBeNull()
    expect(((await r3.json()) as { tags: string[] }).tags).toEqual(['a', 'b'])
    expect(await (await fetch(`${conn}/v2/_catalog`, { headers: ADMIN })).json()).toEqual({ repositories: ['app'] })

    const rel = await start({ scenario: tagsScenario(3), tagsListLinkHeader: 'relative' })
    const r4 = await get(rel, '/repository/docker-hosted/v2/bulk/app/tags/list?n=2')
    expect(r4.headers.get('link')).toBe('</repository/docker-hosted/v2/bulk/app/tags/list?n=2&last=1.0.1>; rel="next"')
    const none = await start({ scenario: tagsScenario(3), tagsListLinkHeader: 'none' })
    expect((await get(none, '/repository/docker-hosted/v2/bulk/app/tags/list?n=2')).headers.get('link')).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------

describe('deletes (§3.4, §8.4)', () => {
  const scenario: Scenario = {
    repositories: [{ name: 'docker-hosted', images: [{ name: 'team/api', tags: [{ tag: '1.0' }, { tag: 'stage', sameAs: '1.0' }, { tag: '2.0' }] }] }]
  }

  it('delete by digest removes every tag sharing it (deleteByDigestRemovesTags: true)', async () => {
    const e = await start({ scenario, deleteByDigestRemovesTags: true })
    const digest = e.digest('docker-hosted', 'team/api', '1.0')!
    const r = await get(e, `/repository/docker-hosted/v2/team/api/manifests/${digest}`, ADMIN, 'DELETE')
    expect(r.status).toBe(202)
    expect(e.tags('docker-hosted', 'team/api')).toEqual(['2.0'])
    expect((await get(e, `/repository/docker-hosted/v2/team/api/manifests/${digest}`, ADMIN, 'DELETE')).status).toBe(404)
  })

  it('3.89 behaviour: tags remain dangling, the second DELETE answers MANIFEST_UNKNOWN', async () => {
    const e = await start({ scenario, version: '3.89.0-01' })
    expect(e.options.deleteByDigestRemovesTags).toBe(false)
    const digest = e.digest('docker-hosted', 'team/api', '1.0')!
    expect((await get(e, `/repository/docker-hosted/v2/team/api/manifests/${digest}`, ADMIN, 'DELETE')).status).toBe(202)
    expect(e.tags('docker-hosted', 'team/api')).toEqual(['1.0', '2.0', 'stage'])
    expect(e.component('docker-hosted', 'team/api', 'stage')!.dangling).toBe(true)
    const again = await get(e, `/repository/docker-hosted/v2/team/api/manifests/${digest}`, ADMIN, 'DELETE')
    expect(again.status).toBe(404)
    expect(((await again.json()) as any).errors[0].code).toBe('MANIFEST_UNKNOWN')
    expect((await get(e, '/repository/docker-hosted/v2/team/api/manifests/stage')).status).toBe(404)
    const list = await getJson<any>(e, '/service/rest/v1/components?repository=docker-hosted')
    expect(list.items.map((c: any) => c.version).sort()).toEqual(['1.0', '2.0', 'stage'])
  })

  it('component delete removes exactly one tag; 404 when gone, 422 malformed, 404 bad base64', async () => {
    const e = await start({ scenario })
    const id = e.component('docker-hosted', 'team/api', '1.0')!.id
    const r = await get(e, `/service/rest/v1/components/${id}`, ADMIN, 'DELETE')
    expect(r.status).toBe(204)
    expect(await r.text()).toBe('')
    expect(e.tags('docker-hosted', 'team/api')).toEqual(['2.0', 'stage'])
    expect((await get(e, '/repository/docker-hosted/v2/team/api/manifests/stage')).status).toBe(200)
    expect((await get(e, `/service/rest/v1/components/${id}`, ADMIN, 'DELETE')).status).toBe(404)
    expect((await get(e, `/service/rest/v1/components/${id}`)).status).toBe(404)
    const malformed = Buffer.from('docker-hosted:a:b').toString('base64url')
    expect((await get(e, `/service/rest/v1/components/${malformed}`, ADMIN, 'DELETE')).status).toBe(422)
    expect((await get(e, '/service/rest/v1/components/!!!', ADMIN, 'DELETE')).status).toBe(404)
    expect((await get(e, `/service/rest/v1/components/${Buffer.from('docker-hosted:xyz').toString('base64url')}`)).status).toBe(422)
    // asset delete
    const assetId = e.component('docker-hosted', 'team/api', '2.0')!.assetId
    expect((await get(e, `/service/rest/v1/assets/${assetId}`, ADMIN, 'DELETE')).status).toBe(204)
    expect(e.tags('docker-hosted', 'team/api')).toEqual(['stage'])
  })
})

// ---------------------------------------------------------------------------------------------

describe('pushing through the registry API', () => {
  async function upload(_e: NexusEmulator, base: string, name: string, data: Buffer): Promise<string> {
    const digest = 'sha256:' + createHash('sha256').update(data).digest('hex')
    const start = await fetch(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: ADMIN })
    expect(start.status).toBe(202)
    const loc = start.headers.get('location')!
    const patched = await fetch(loc, { method: 'PATCH', headers: ADMIN, body: data.subarray(0, 3) })
    expect(patched.status).toBe(202)
    const sep = patched.headers.get('location')!.includes('?') ? '&' : '?'
    const put = await fetch(`${patched.headers.get('location')}${sep}digest=${digest}`, { method: 'PUT', headers: ADMIN, body: data.subarray(3) })
    expect(put.status).toBe(201)
    expect(put.headers.get('docker-content-digest')).toBe(digest)
    return digest
  }

  it('push config + layer + manifest, then REST shows the digest as checksum.sha256; re-push moves lastModified only', async () => {
    const e = await start({ scenario: { now: '2025-01-01T00:00:00Z', repositories: [{ name: 'docker-hosted' }] } })
    const base = `${e.url}/repository/docker-hosted`
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2025-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: [] } })
    )
    const layer = Buffer.from('layer-bytes-0123456789')
    const configDigest = await upload(e, base, 'team/web', config)
    // single-shot POST ?digest=
    const layerDigest = 'sha256:' + createHash('sha256').update(layer).digest('hex')
    expect((await fetch(`${base}/v2/team/web/blobs/uploads/?digest=${layerDigest}`, { method: 'POST', headers: ADMIN, body: layer })).status).toBe(201)
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest }]
      })
    )
    const ct = { ...ADMIN, 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' }
    const put = await fetch(`${base}/v2/team/web/manifests/1.0`, { method: 'PUT', headers: ct, body: manifest })
    expect(put.status).toBe(201)
    const digest = put.headers.get('docker-content-digest')!
    expect(digest).toBe('sha256:' + createHash('sha256').update(manifest).digest('hex'))

    const list = await getJson<any>(e, '/service/rest/v1/components?repository=docker-hosted')
    expect(list.items).toHaveLength(1)
    expect(list.items[0]).toMatchObject({ name: 'team/web', version: '1.0' })
    expect(list.items[0].assets[0].checksum.sha256).toBe(digest.slice(7))
    expect(list.items[0].assets[0].uploader).toBe('admin')
    expect(list.items[0].assets[0].lastModified).toBe('2025-01-01T00:00:00.000+00:00')
    const blob = await get(e, `/repository/docker-hosted/v2/team/web/blobs/${layerDigest}`)
    expect(Buffer.from(await blob.arrayBuffer()).equals(layer)).toBe(true)
    const assets = await getJson<any>(e, '/service/rest/v1/assets?repository=docker-hosted')
    expect(assets.items.find((a: any) => a.path === `/v2/-/blobs/${layerDigest}`).contentType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip')

    // Manifest referencing an unknown blob is refused.
    const broken = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: configDigest }, layers: [{ digest: 'sha256:' + 'c'.repeat(64) }] }))
    const bad = await fetch(`${base}/v2/team/web/manifests/broken`, { method: 'PUT', headers: ct, body: broken })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as any).errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN')

    // Re-push the same tag with different content a day later.
    e.advance(24 * 3600_000)
    const newDigest = e.rePushTag('docker-hosted', 'team/web', '1.0')
    expect(newDigest).not.toBe(digest)
    const after = await getJson<any>(e, '/service/rest/v1/components?repository=docker-hosted')
    expect(after.items[0].assets[0].lastModified).toBe('2025-01-02T00:00:00.000+00:00')
    expect(after.items[0].assets[0].blobCreated).toBe('2025-01-01T00:00:00.000+00:00')
    expect(after.items[0].assets[0].checksum.sha256).toBe(newDigest.slice(7))
    expect(after.items[0].id).toBe(list.items[0].id)
  })
})

// ---------------------------------------------------------------------------------------------

describe('tasks (§7)', () => {
  const tasksScenario = (extra: Scenario['tasks'] = []): Scenario => ({
    repositories: [{ name: 'docker-hosted', images: [{ name: 'x', tags: [{ tag: '1' }] }] }],
    tasks: [{ id: 'gc', name: 'gc', type: 'repository.docker.gc', properties: { repositoryName: 'docker-hosted', deployOffset: '0' } }, ...extra]
  })

  it('run → RUNNING (immediately) → WAITING with lastRunResult OK and lastRun = start; 500 when already running', async () => {
    const e = await start({ scenario: tasksScenario(), tasks: { mode: 'polls', polls: 1 }, now: '2025-05-05T10:00:00Z', version: '3.65.0-01' })
    const run = await get(e, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    expect(run.status).toBe(204)
    expect((await get(e, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')).status).toBe(500)
    const t1 = await getJson<any>(e, '/service/rest/v1/tasks/gc')
    expect(t1.currentState).toBe('RUNNING') // plain before 3.66
    expect(t1.lastRunResult).toBeNull()
    const t2 = await getJson<any>(e, '/service/rest/v1/tasks/gc')
    expect(t2).toMatchObject({ currentState: 'WAITING', lastRunResult: 'OK', lastRun: '2025-05-05T10:00:00.000+00:00', nextRun: null })
    const filtered = await getJson<any>(e, '/service/rest/v1/tasks?type=repository.docker.gc')
    expect(filtered.items.map((t: any) => t.id)).toEqual(['gc'])
    expect(filtered.continuationToken).toBeNull()
  })

  it('3.66+ shows "RUNNING: <progress>"; timer mode finishes on its own; stop cancels', async () => {
    const e = await start({ scenario: tasksScenario(), tasks: { mode: 'timer', durationMs: 30 } })
    await get(e, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    expect((await getJson<any>(e, '/service/rest/v1/tasks/gc')).currentState).toMatch(/^RUNNING: /)
    await new Promise(r => setTimeout(r, 80))
    expect(await getJson<any>(e, '/service/rest/v1/tasks/gc')).toMatchObject({ currentState: 'WAITING', lastRunResult: 'OK' })
    const c = await start({ scenario: tasksScenario(), tasks: { mode: 'clock', durationMs: 60_000 } })
    await get(c, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    expect((await get(c, '/service/rest/v1/tasks/gc/stop', ADMIN, 'POST')).status).toBe(204)
    expect(await getJson<any>(c, '/service/rest/v1/tasks/gc')).toMatchObject({ currentState: 'WAITING', lastRunResult: 'CANCELED' })
    expect((await get(c, '/service/rest/v1/tasks/gc/stop', ADMIN, 'POST')).status).toBe(409)
    await get(c, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    c.advance(59_000)
    expect((await getJson<any>(c, '/service/rest/v1/tasks/gc')).currentState).toMatch(/^RUNNING/)
    c.advance(1_000)
    expect((await getJson<any>(c, '/service/rest/v1/tasks/gc')).lastRunResult).toBe('OK')
  })

  it('405 disabled, 404 unknown, injected failure → FAILED, creation gated at 3.74', async () => {
    const e = await start({
      scenario: tasksScenario([{ id: 'off', name: 'off', type: 'repository.cleanup', enabled: false }]),
      tasks: { mode: 'polls', polls: 0 }
    })
    expect((await get(e, '/service/rest/v1/tasks/off/run', ADMIN, 'POST')).status).toBe(405)
    expect((await get(e, '/service/rest/v1/tasks/nope/run', ADMIN, 'POST')).status).toBe(404)
    expect((await get(e, '/service/rest/v1/tasks/nope')).status).toBe(404)
    e.failNextRun('gc')
    await get(e, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    expect((await getJson<any>(e, '/service/rest/v1/tasks/gc')).lastRunResult).toBe('FAILED')
    await get(e, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    expect((await getJson<any>(e, '/service/rest/v1/tasks/gc')).lastRunResult).toBe('OK')

    const body = JSON.stringify({
      type: 'blobstore.compact',
      name: 'compact',
      enabled: true,
      notificationCondition: 'FAILURE',
      frequency: { schedule: 'manual' },
      properties: { blobstoreName: 'default' }
    })
    const created = await fetch(`${e.url}/service/rest/v1/tasks`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body })
    expect(created.status).toBe(201)
    const id = ((await created.json()) as { id: string }).id
    expect((await getJson<any>(e, `/service/rest/v1/tasks/${id}`)).type).toBe('blobstore.compact')
    const old = await start({ version: '3.70.0-01' })
    expect((await fetch(`${old.url}/service/rest/v1/tasks`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body })).status).toBe(
      405
    )
  })

  it.each([
    ['orient', { dbMode: 'orient' as const, version: '3.69.0-02' }, false],
    ['datastore', { dbMode: 'datastore' as const, version: '3.77.0-08' }, true]
  ])('%s: blob store size shrinks only after docker GC (+ on the datastore the blob cleanup) + compact', async (_db, opts, datastore) => {
    const e = await start({
      ...opts,
      scenario: {
        now: '2025-06-01T00:00:00Z',
        repositories: [
          {
            name: 'docker-hosted',
            images: [
              {
                name: 'app',
                tags: [
                  { tag: '1', layers: 3, layerSize: 4096, pushed: '2025-01-01T00:00:00Z' },
                  { tag: '2', layers: 3, layerSize: 4096, pushed: '2025-01-02T00:00:00Z' }
                ]
              }
            ]
          }
        ],
        tasks: [
          { id: 'gc', name: 'gc', type: 'repository.docker.gc', properties: { repositoryName: 'docker-hosted', deployOffset: '0' } },
          { id: 'cleanup', name: 'Cleanup unused docker blobs from nexus', type: 'assetBlob.cleanup', properties: { format: 'docker', contentStore: 'nexus' } },
          { id: 'compact', name: 'compact', type: 'blobstore.compact', properties: { blobstoreName: 'default' } }
        ]
      },
      tasks: { mode: 'polls', polls: 0 }
    })
    const size = async (): Promise<number> => (await getJson<any>(e, '/service/rest/v1/blobstores'))[0].totalSizeInBytes
    const initial = await size()
    const id = e.component('docker-hosted', 'app', '1')!.id
    expect((await get(e, `/service/rest/v1/components/${id}`, ADMIN, 'DELETE')).status).toBe(204)
    expect(await size()).toBe(initial)
    await get(e, '/service/rest/v1/tasks/gc/run', ADMIN, 'POST')
    expect((await getJson<any>(e, '/service/rest/v1/tasks/gc')).lastRunResult).toBe('OK')
    expect(await size()).toBe(initial) // soft-deleted only
    const assets = await getJson<any>(e, '/service/rest/v1/assets?repository=docker-hosted')
    // tag 2: manifest + config + shared base + 2 own layers
    expect(assets.items).toHaveLength(5)
    const compact = async () => {
      await get(e, '/service/rest/v1/tasks/compact/run', ADMIN, 'POST')
      expect(await getJson<any>(e, '/service/rest/v1/tasks/compact')).toMatchObject({ lastRunResult: 'OK', message: 'Compacting default blob store' })
    }
    if (datastore) {
      // §14.1: on the datastore deleting only orphans blobs; compact frees nothing until the cleanup ran
      await compact()
      expect(await size()).toBe(initial)
      await get(e, '/service/rest/v1/tasks/cleanup/run', ADMIN, 'POST')
      expect((await getJson<any>(e, '/service/rest/v1/tasks/cleanup')).lastRunResult).toBe('OK')
      expect(await size()).toBe(initial) // soft-deleted now, still counted
    }
    await compact()
    const final = await size()
    expect(final).toBeLessThan(initial - 2 * 4096)
    expect(e.tags('docker-hosted', 'app')).toEqual(['2'])
    expect((await get(e, '/repository/docker-hosted/v2/app/manifests/2')).status).toBe(200)
  })
})

// ---------------------------------------------------------------------------------------------

describe('repositories and request log', () => {
  it('lists repositories, 404s a non-docker-hosted repo on the docker hosted resource, records requests', async () => {
    const e = await start({
      version: '3.84.0-01',
      scenario: {
        repositories: [
          { name: 'docker-hosted', images: [] },
          { name: 'docker-proxy', type: 'proxy', remoteUrl: 'https://registry-1.docker.io' },
          { name: 'maven-releases', format: 'maven2', images: [{ name: 'com.example/app', tags: [{ tag: '1.0' }] }] }
        ]
      }
    })
    const repos = await getJson<any>(e, '/service/rest/v1/repositories')
    expect(repos.map((r: any) => [r.name, r.format, r.type])).toEqual([
      ['docker-hosted', 'docker', 'hosted'],
      ['docker-proxy', 'docker', 'proxy'],
      ['maven-releases', 'maven2', 'hosted']
    ])
    expect(repos[1].attributes).toEqual({ proxy: { remoteUrl: 'https://registry-1.docker.io' } })
    expect((await get(e, '/service/rest/v1/repositories/docker/hosted/docker-proxy')).status).toBe(404)
    expect((await get(e, '/service/rest/v1/repositories/docker/hosted/maven-releases')).status).toBe(404)
    expect((await get(e, '/service/rest/v1/repositories/docker/hosted/docker-hosted', {})).status).toBe(401)
    expect((await getJson<any>(e, '/service/rest/v1/repositories/maven-releases')).format).toBe('maven2')
    const maven = await getJson<any>(e, '/service/rest/v1/components?repository=maven-releases')
    expect(maven.items[0]).toMatchObject({ group: 'com.example', name: 'app', version: '1.0' })
    e.resetRequests()
    await get(e, '/service/rest/v1/components?repository=docker-hosted', { authorization: basic('admin', 'bad') })
    await get(e, '/service/rest/v1/components?repository=docker-hosted')
    expect(e.requests.map(r => [r.method, r.path, r.query, r.status, r.user])).toEqual([
      ['GET', '/service/rest/v1/components', { repository: 'docker-hosted' }, 401, null],
      ['GET', '/service/rest/v1/components', { repository: 'docker-hosted' }, 200, 'admin']
    ])
  })
})

describe('other switches', () => {
  it('S3 compact is a no-op before 3.80, compacts from 3.80', async () => {
    const scenario = (): Scenario => ({
      now: '2025-06-01T00:00:00Z',
      blobStores: [{ name: 's3', type: 'S3' }],
      repositories: [{ name: 'docker-s3', blobStore: 's3', images: [{ name: 'app', tags: [{ tag: '1', pushed: '2025-01-01T00:00:00Z' }] }] }],
      tasks: [
        { id: 'cleanup', name: 'Cleanup unused docker blobs from nexus', type: 'assetBlob.cleanup', properties: { format: 'docker', contentStore: 'nexus' } },
        { id: 'compact', name: 'compact', type: 'blobstore.compact', properties: { blobstoreName: 's3' } }
      ]
    })
    for (const [version, shrinks] of [
      ['3.77.0-08', false],
      ['3.80.0-01', true]
    ] as const) {
      const e = await start({ version, scenario: scenario(), tasks: { mode: 'polls', polls: 0 } })
      const before = e.blobStore('s3').totalSizeInBytes
      await get(e, `/service/rest/v1/components/${e.component('docker-s3', 'app', '1')!.id}`, ADMIN, 'DELETE')
      await get(e, '/service/rest/v1/tasks/cleanup/run', ADMIN, 'POST')
      await get(e, '/service/rest/v1/tasks/compact/run', ADMIN, 'POST')
      expect((await getJson<any>(e, '/service/rest/v1/tasks/compact')).lastRunResult).toBe('OK')
      const bs = (await getJson<any>(e, '/service/rest/v1/blobstores')).find((b: any) => b.name === 's3')
      expect(bs.type).toBe('S3')
      expect(bs.totalSizeInBytes < before).toBe(shrinks)
    }
  })

  it('legacy error bodies before 3.30, read-only mode 503, pushImage helper', async () => {
    const old = await start({ version: '3.29.0-02', scenario: tagsScenario(1) })
    const r = await get(old, '/service/rest/v1/components')
    expect(r.status).toBe(422)
    expect(await r.text()).toBe('repositoryId is required.')

    const ro = await start({ readOnly: true, scenario: tagsScenario(1) })
    const del = await get(ro, `/service/rest/v1/components/${ro.component('docker-hosted', 'bulk/app', '1.0.0')!.id}`, ADMIN, 'DELETE')
    expect(del.status).toBe(503)
    expect(await del.text()).toMatch(/^Nexus Repository Manager is in read-only mode: \(ID /)
    expect((await get(ro, '/service/rest/v1/status/writable')).status).toBe(503)

    const e = await start({ scenario: tagsScenario(1) })
    const digest = e.pushImage('docker-hosted', 'bulk/app', { tag: 'pushed', platforms: ['linux/amd64', 'linux/arm64'] })
    expect(e.tags('docker-hosted', 'bulk/app')).toEqual(['1.0.0', 'pushed'])
    const m = await get(e, '/repository/docker-hosted/v2/bulk/app/manifests/pushed')
    expect(m.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json')
    expect(m.headers.get('docker-content-digest')).toBe(digest)
    const child = ((await m.json()) as { manifests: Array<{ digest: string }> }).manifests[0].digest
    expect((await get(e, `/repository/docker-hosted/v2/bulk/app/manifests/${child}`)).status).toBe(200)
  })
})

describe('section 14 behaviours', () => {
  const seeded = {
    scenario: {
      now: '2025-06-01T00:00:00Z',
      repositories: [{ name: 'docker-hosted', images: [{ name: 'app', tags: [{ tag: '1', pushed: '2025-01-01T00:00:00Z' }] }] }]
    }
  }

  it('a datastore instance lists and runs its "Cleanup unused docker blobs from nexus" task; OrientDB has none', async () => {
    const e = await start(seeded)
    const list = await getJson<any>(e, '/service/rest/v1/tasks?type=assetBlob.cleanup')
    expect(list.items.map((t: any) => t.name)).toEqual(['Cleanup unused docker blobs from nexus'])
    const o = await start({ ...seeded, dbMode: 'orient', version: '3.69.0-02' })
    expect((await getJson<any>(o, '/service/rest/v1/tasks?type=assetBlob.cleanup')).items).toEqual([])
  })

  it('the blob cleanup takes only orphans whose blob was created 60 minutes ago or more (by the emulator clock)', async () => {
    const e = await start({ ...seeded, tasks: { mode: 'polls', polls: 0 } })
    const id = e.component('docker-hosted', 'app', '1')!.id
    await get(e, `/service/rest/v1/components/${id}`, ADMIN, 'DELETE')
    e.setNow(new Date('2025-06-01T00:00:00Z'))
    // a fresh push, deleted at once: its blob is younger than 60 minutes
    e.pushImage('docker-hosted', 'app', { tag: '2', pushed: '2025-06-01T00:00:00Z' })
    await get(e, `/service/rest/v1/components/${e.component('docker-hosted', 'app', '2')!.id}`, ADMIN, 'DELETE')
    const cleanup = e.task('assetBlob.cleanup')!
    const runCleanup = async () => {
      expect((await get(e, `/service/rest/v1/tasks/${cleanup.id}/run`, ADMIN, 'POST')).status).toBe(204)
      expect((await getJson<any>(e, `/service/rest/v1/tasks/${cleanup.id}`)).lastRunResult).toBe('OK')
    }
    await runCleanup()
    expect(e.blobStore('default').softDeletedCount).toBe(1) // tag 1's manifest blob only
    e.advance(60 * 60_000)
    await runCleanup()
    expect(e.blobStore('default').softDeletedCount).toBe(2)
  })

  it('a paused scheduler answers 500 to a run request; task properties appear from 3.94', async () => {
    const e = await start(seeded)
    e.tasks.paused = true
    const gc = e.task('repository.docker.gc')!
    expect((await get(e, `/service/rest/v1/tasks/${gc.id}/run`, ADMIN, 'POST')).status).toBe(500)
    expect((await getJson<any>(e, `/service/rest/v1/tasks/${gc.id}`)).currentState).toBe('WAITING')
    expect((await getJson<any>(e, `/service/rest/v1/tasks/${gc.id}`)).properties).toBeUndefined()
    const n = await start({ ...seeded, version: '3.94.0-12' })
    expect((await getJson<any>(n, `/service/rest/v1/tasks/${n.task('repository.docker.gc')!.id}`)).properties).toEqual({
      repositoryName: '*',
      deployOffset: '24'
    })
  })

  it('the permissions call lists the Shiro permissions of the user', async () => {
    const e = await start(seeded)
    e.addUser({ username: 'ci', password: 'pw', privileges: ['nx-repository-view-docker-docker-hosted-read', 'nx-tasks-run'] })
    const res = await fetch(`${e.url}/service/extdirect`, {
      method: 'POST',
      headers: { authorization: basic('ci', 'pw'), 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'rapture_Security', method: 'getPermissions', data: null, type: 'rpc', tid: 7 })
    })
    const j = (await res.json()) as any
    expect(j).toMatchObject({ tid: 7, type: 'rpc', result: { success: true } })
    expect(j.result.data.map((d: any) => d.id)).toEqual(['nexus:repository-view:docker:docker-hosted:read', 'nexus:tasks:start,stop'])
  })

  it('serves everything under a context path, the token realm under the repository path, blobStoreName filled from 3.87', async () => {
    const e = await start({ ...seeded, contextPath: '/nexus', version: '3.87.0-01', forceBasicAuth: false })
    expect((await get(e, '/service/rest/v1/status')).status).toBe(404)
    const page = await getJson<any>(e, '/nexus/service/rest/v1/components?repository=docker-hosted')
    expect(page.items[0].assets[0].downloadUrl).toMatch(/\/nexus\/repository\/docker-hosted\/v2\/app\/manifests\/1$/)
    expect(page.items[0].assets[0].blobStoreName).toBe('default')
    const ch = await get(e, '/nexus/repository/docker-hosted/v2/', {})
    expect(ch.headers.get('www-authenticate')).toMatch(/^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/nexus\/repository\/docker-hosted\/v2\/token"/)
  })
})
