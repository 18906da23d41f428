// A hostile server gets nothing: names, tags and digests off the OCI grammar are never requested, deleted
// or printed raw; nothing the tool prints starts a line with server text that reads as a workflow
// command; credentials go to no other origin (another port, host or scheme; a token realm elsewhere);
// answers are bounded in size and time. Every case also checks that no request left `/v2/`.

import { execFile } from 'node:child_process'
import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { distCli } from '../../test/support/dist-current'
import { FakeRegistry, imageBody, startFakeRegistry } from '../../test/support/fake-registry'
import { basicHeader, startServer, TestServer } from '../../test/support/http-fixtures'
import { memoryLogger } from '../../test/support/memory-logger'
import { rng } from '../../test/support/random-graph'
import { runCleanup } from '../../test/support/run-cleanup'

const USER = { username: 'cleaner', password: 's3cret-pass' }
const AUTH = basicHeader(USER.username, USER.password)

function run(fake: FakeRegistry, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = {
    api: 'registry',
    host: fake.origin,
    keep: '1',
    'dry-run': 'false',
    retries: '0',
    'request-timeout': '2s',
    ...USER,
    ...extra
  }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

/** Every request stayed under /v2/ and never walked out of it. */
function stayedHome(fake: FakeRegistry): void {
  for (const q of fake.srv.requests) {
    const path = new URL(q.url, fake.origin).pathname
    expect({ path, home: path.startsWith('/v2/') && !/(^|\/)\.\.?(\/|$)|%2e|%2f/i.test(path) }).toEqual({ path, home: true })
  }
}

const HOSTILE = ['../admin', 'a/../../admin', 'x?y=1', 'x#y', '%2e%2e/admin', 'a\r\nb', '::add-mask::x', '::stop-commands::x', '<img src=x>', 'UPPER', 'a//b']

async function withImages(names: string[]): Promise<FakeRegistry> {
  const fake = await startFakeRegistry()
  for (const image of ['app', ...names]) for (const v of ['1.0.0', '1.1.0']) fake.put(image, imageBody(`${image} ${v}`), v)
  return fake
}

let fake: FakeRegistry
let other: TestServer | undefined
afterEach(async () => {
  await fake.close()
  await other?.close()
  other = undefined
})

describe('names are data', () => {
  it('image names off the grammar in the catalog are never requested, deleted or printed raw; the rest is cleaned', async () => {
    fake = await withImages(HOSTILE)
    const r = await run(fake)
    stayedHome(fake)
    expect(fake.deleted).toHaveLength(1)
    expect(fake.deleted[0]).toMatch(/^app@/)
    const note = r.notes.find(n => n.includes('off the OCI grammar'))!
    expect(note).toContain(`${HOSTILE.length} image names off the OCI grammar were never requested and kept`)
    expect(note).not.toMatch(/\r|\n/)
    expect(note).not.toContain('::add-mask::')
  })

  it('a tag off the grammar keeps its image whole, and is never requested', async () => {
    fake = await withImages([])
    for (const t of ['..', 'a/b', '::stop-commands::x', 'x\ny']) fake.tags.get('app')!.set(t, [...fake.tags.get('app')!.values()][0])
    const r = await run(fake)
    stayedHome(fake)
    expect(fake.deleted).toEqual([])
    expect(r.images[0].error).toContain('4 tags off the OCI grammar were never requested and kept')
    expect(fake.srv.requests.filter(q => q.url.includes('/manifests/')).map(q => q.url)).not.toContainEqual(expect.stringContaining('stop-commands'))
  })

  it.each(['sha256:x/../../admin', 'sha256:' + 'a'.repeat(63), 'md5:abc', 'sha256:../../../admin?x=#'])(
    'a digest header %j never becomes a request',
    async claimed => {
      fake = await withImages([])
      fake.lie = method => (method === 'GET' ? claimed : undefined)
      const r = await run(fake)
      stayedHome(fake)
      expect(fake.deleted).toEqual([])
      expect(r.failures.length).toBeGreaterThan(0)
    }
  )

  it('no output line of the CLI starts with server text that reads as a command', async () => {
    fake = await withImages(HOSTILE)
    fake.tags.get('app')!.set('::warning::x', [...fake.tags.get('app')!.values()][0])
    // an error body whose message breaks the line before a command
    fake.put('web', imageBody('web'), '1.0.0')
    fake.before = (_q, res, url) => {
      if (url.pathname !== '/v2/web/tags/list') return false
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no\n::add-mask::leak\r\n::stop-commands::zzz' }] }))
      return true
    }
    // the bundled CLI, as a workflow step runs it: both streams
    // (asynchronously: the fake registry answers from this process)
    const res = await new Promise<{ stdout: string; stderr: string }>(resolve =>
      execFile(process.execPath, [distCli(), '--api', 'registry', '--host', fake.origin, '--keep', '1', '--dry-run', '--retries', '0'], (_e, stdout, stderr) =>
        resolve({ stdout, stderr })
      )
    )
    const lines = `${res.stdout}\n${res.stderr}`.split(/\r?\n/)
    expect(lines.filter(l => /^\s*::/.test(l))).toEqual([])
    expect(res.stderr + res.stdout).toContain('off the OCI grammar')
    expect(res.stderr).toContain('DENIED no ⏎ ::add-mask::leak ⏎ ::stop-commands::zzz')
    stayedHome(fake)
  })

  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('generated hostile names (seed %i): nothing outside /v2/, nothing printed raw', async seed => {
    const r0 = rng(seed * 4099)
    const alphabet = ['a', 'B', '0', '.', '..', '/', '-', '_', '__', ':', '::', '?', '#', '%2e', '%2f', '\r', '\n', '<', '>', '&', ' ', '"', '\\', '*']
    const name = (): string => Array.from({ length: 1 + Math.floor(r0() * 8) }, () => alphabet[Math.floor(r0() * alphabet.length)]).join('')
    const names = Array.from({ length: 3 }, name)
    fake = await withImages(names)
    if (r0() < 0.5) fake.tags.get('app')!.set(name(), [...fake.tags.get('app')!.values()][0])
    const logs = memoryLogger()
    const inputs: Record<string, string> = { api: 'registry', host: fake.origin, keep: '1', 'dry-run': 'true', retries: '0', ...USER }
    await runCleanup(
      parseConfig(n => inputs[n]),
      { log: logs, version: 'test' }
    ).catch(() => undefined)
    stayedHome(fake)
    expect(fake.deleted).toEqual([])
  })
})

/** A registry whose Bearer challenge names a token realm on another port (`other`), which hands out `t`. */
async function realmElsewhere(): Promise<TestServer> {
  const realm = await startServer((_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}'))
  other = realm
  fake = await withImages([])
  fake.before = (req, res) => {
    if (req.headers.authorization === 'Bearer t') return false
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.origin}/token",service="registry"` }).end()
    return true
  }
  return realm
}

describe('credentials stay home', () => {
  it('a redirect to another port of the same host is followed without the credentials', async () => {
    other = await startServer((_q, res) => res.writeHead(404).end())
    fake = await withImages([])
    fake.before = (_req, res, url) => {
      if (!url.pathname.startsWith('/v2/app/manifests/')) return false
      res.writeHead(307, { location: `${other!.origin}${url.pathname}` }).end()
      return true
    }
    await run(fake)
    expect(other.requests.length).toBeGreaterThan(0)
    expect(other.requests.every(q => q.headers.authorization === undefined)).toBe(true)
    expect(fake.srv.requests.some(q => q.headers.authorization === AUTH)).toBe(true)
    expect(fake.deleted).toEqual([])
  })

  it('a Link to another port is never followed with the credentials', async () => {
    other = await startServer((_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"repositories":[]}'))
    fake = await withImages([])
    fake.before = (_q, res, url) => {
      if (url.pathname !== '/v2/_catalog') return false
      res.writeHead(200, { 'content-type': 'application/json', link: `<${other!.origin}/v2/_catalog?last=app>; rel="next"` }).end('{"repositories":["app"]}')
      return true
    }
    await run(fake).catch(() => undefined)
    expect(other.requests.every(q => q.headers.authorization === undefined)).toBe(true)
  })

  it('a token realm on another origin gets no credentials: the run stops naming the realm and the input', async () => {
    const realm = await realmElsewhere()
    await expect(run(fake)).rejects.toThrow(
      `token realm ${realm.origin}/token is on another origin (${new URL(realm.origin).host}): the credentials go there only to a host named in token-realm-hosts`
    )
    expect(realm.requests.every(q => q.headers.authorization === undefined)).toBe(true)
    // named, but over plain http: still refused
    await expect(run(fake, { 'token-realm-hosts': new URL(realm.origin).host })).rejects.toThrow('the credentials go there only over HTTPS')
    expect(realm.requests.every(q => q.headers.authorization === undefined)).toBe(true)
    expect(fake.deleted).toEqual([])
  })

  it('without credentials a realm elsewhere is asked anonymously, and its token goes back only to the registry', async () => {
    const realm = await realmElsewhere()
    const inputs: Record<string, string> = { api: 'registry', host: fake.origin, keep: '1', 'dry-run': 'true', retries: '0' }
    const r = await runCleanup(
      parseConfig(n => inputs[n]),
      { log: memoryLogger(), version: 'test' }
    )
    expect(r.failures).toEqual([])
    expect(realm.requests.length).toBe(1)
    expect(realm.requests[0].headers.authorization).toBeUndefined()
  })
})

describe('bounded answers', () => {
  it('a body that trickles one byte at a time ends at the request deadline, with nothing deleted', async () => {
    fake = await withImages([])
    const timers: NodeJS.Timeout[] = []
    fake.before = (_q, res, url) => {
      if (!url.pathname.startsWith('/v2/app/manifests/')) return false
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
      const t = setInterval(() => res.write(' '), 200)
      timers.push(t)
      res.on('close', () => clearInterval(t))
      return true
    }
    const t0 = Date.now()
    const r = await run(fake, { 'request-timeout': '1s' })
    for (const t of timers) clearInterval(t)
    // deadline = 3 x request-timeout; no retries
    expect(Date.now() - t0).toBeLessThan(10_000)
    expect(r.images[0].error).toContain('deadline')
    expect(fake.deleted).toEqual([])
  })

  it('a manifest over 4 MiB is refused (by its length, and when it sends more than it said)', async () => {
    fake = await withImages([])
    let lie = false
    fake.before = (_q, res, url) => {
      if (url.pathname !== '/v2/app/manifests/1.1.0') return false
      const big = Buffer.alloc(5 * 1024 * 1024, 32)
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(lie ? {} : { 'content-length': big.length }) })
      res.end(big)
      return true
    }
    for (const told of [false, true]) {
      lie = told
      fake.deleted = []
      const r = await run(fake)
      expect(r.images[0].error).toContain('larger than 4194304 bytes: refused')
      expect(fake.deleted).toEqual([])
    }
  })

  it('an endless catalog stops at the listing bound, with nothing deleted', async () => {
    fake = await withImages([])
    let pages = 0
    fake.before = (_q, res, url) => {
      if (url.pathname !== '/v2/_catalog') return false
      pages++
      const names = Array.from({ length: 1000 }, (_, i) => `img${pages}x${i}`)
      res.writeHead(200, { 'content-type': 'application/json', link: `</v2/_catalog?n=1000&last=img${pages}>; rel="next"` })
      res.end(JSON.stringify({ repositories: names }))
      return true
    }
    await expect(run(fake)).rejects.toThrow('more than 1000000 names, stopped')
    expect(pages).toBe(1001)
    expect(fake.deleted).toEqual([])
  }, 120_000)
})
