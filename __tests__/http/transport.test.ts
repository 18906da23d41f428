// The wire (src/http/transport.ts): the proxy variables as @actions/http-client reads them, a whole run through
// a real forward proxy (HTTPS over CONNECT to the real docker-registry with TLS, plain HTTP in absolute
// form), keep-alive inside the tunnel, and redirects that drop credentials across hosts.

import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig } from '../../src/config/config'
import { proxyFor, Transport } from '../../src/http/transport'
import { startForwardProxy, type ForwardProxy } from '../../test/support/forward-proxy'
import { memoryLogger } from '../../test/support/memory-logger'
import { pushImage } from '../../test/support/push'
import { registryOrSkip, selfSigned, startRegistry, type RegistryServer, type RegistryTls } from '../../test/support/registry-server'
import { runCleanup } from '../../test/support/run-cleanup'

describe('proxyFor: the proxy variables, as @actions/http-client reads them', () => {
  const P = 'http://proxy.corp:3128'
  const cases: [string, string, NodeJS.ProcessEnv, string | undefined][] = [
    ['https uses HTTPS_PROXY', 'https://nexus.corp/v2/', { HTTPS_PROXY: P }, P + '/'],
    ['http uses HTTP_PROXY', 'http://nexus.corp/v2/', { HTTP_PROXY: P }, P + '/'],
    ['https ignores HTTP_PROXY', 'https://nexus.corp/', { HTTP_PROXY: P }, undefined],
    ['lower case wins', 'https://nexus.corp/', { https_proxy: 'http://lower:1', HTTPS_PROXY: P }, 'http://lower:1/'],
    ['an empty lower case falls through', 'https://nexus.corp/', { https_proxy: '', HTTPS_PROXY: P }, P + '/'],
    ['a proxy without a scheme is http', 'https://nexus.corp/', { HTTPS_PROXY: 'proxy.corp:3128' }, P + '/'],
    ['NO_PROXY *', 'https://nexus.corp/', { HTTPS_PROXY: P, NO_PROXY: '*' }, undefined],
    ['NO_PROXY names the host', 'https://nexus.corp/', { HTTPS_PROXY: P, NO_PROXY: 'other, nexus.corp' }, undefined],
    ['NO_PROXY a domain suffix', 'https://nexus.corp.example/', { HTTPS_PROXY: P, NO_PROXY: 'example' }, undefined],
    ['NO_PROXY a leading dot', 'https://nexus.corp.example/', { HTTPS_PROXY: P, NO_PROXY: '.corp.example' }, undefined],
    ['NO_PROXY is not a substring match', 'https://badexample/', { HTTPS_PROXY: P, NO_PROXY: 'example' }, P + '/'],
    ['NO_PROXY with the port', 'https://nexus.corp:8443/', { HTTPS_PROXY: P, NO_PROXY: 'nexus.corp:8443' }, undefined],
    ['NO_PROXY with another port', 'https://nexus.corp:8443/', { HTTPS_PROXY: P, NO_PROXY: 'nexus.corp:443' }, P + '/'],
    ['NO_PROXY with the default port', 'https://nexus.corp/', { HTTPS_PROXY: P, NO_PROXY: 'NEXUS.CORP:443' }, undefined],
    ['no_proxy in lower case', 'https://nexus.corp/', { HTTPS_PROXY: P, no_proxy: 'nexus.corp' }, undefined],
    ['loopback is never proxied', 'http://127.0.0.1:8081/', { HTTP_PROXY: P }, undefined],
    ['localhost is never proxied', 'http://localhost:8081/', { HTTP_PROXY: P }, undefined],
    ['::1 is never proxied', 'http://[::1]:8081/', { HTTP_PROXY: P }, undefined]
  ]
  it.each(cases)('%s', (_name, url, env, expected) => {
    expect(proxyFor(new URL(url), env)?.href).toBe(expected)
  })

  it('a value that is no URL is named, and its text (it may hold a password) is not shown', () => {
    expect(() => proxyFor(new URL('https://nexus.corp/'), { HTTPS_PROXY: 'http://user:s3cret@[bad' })).toThrow(
      /^HTTPS_PROXY is not a proxy URL \(expected http:\/\/host:port or http:\/\/user:password@host:port\)$/
    )
  })
})

/** A loopback server that records each request's method, path and headers. */
async function recorder(
  handle: (path: string, method: string) => { status: number; headers?: Record<string, string> }
): Promise<{ url: string; seen: { method: string; path: string; headers: IncomingHttpHeaders }[]; close: () => Promise<void> }> {
  const seen: { method: string; path: string; headers: IncomingHttpHeaders }[] = []
  const server: Server = createHttpServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers })
    const a = handle(req.url ?? '', req.method ?? '')
    res.writeHead(a.status, a.headers ?? {}).end(`${req.method ?? ''} ${req.url ?? ''}`)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise(resolve => server.close(() => resolve())) }
}

describe('redirects', () => {
  const wire = (): Transport => new Transport({ maxSockets: 4, timeoutMs: 5000, userAgent: 'test', env: {} })

  it('keeps the credentials on the same host, drops them on another (a blob redirected to object storage)', async () => {
    const storage = await recorder(() => ({ status: 200 }))
    const storageUrl = storage.url.replace('127.0.0.1', 'localhost')
    const registry = await recorder(path =>
      path === '/same'
        ? { status: 307, headers: { location: '/final' } }
        : path === '/other'
          ? { status: 307, headers: { location: `${storageUrl}/signed?sig=1` } }
          : { status: 200 }
    )
    const t = wire()
    try {
      const same = await t.request('GET', `${registry.url}/same`, { authorization: 'Basic c2VjcmV0' })
      expect(same).toMatchObject({ status: 200, url: `${registry.url}/final` })
      expect(registry.seen.map(s => [s.path, s.headers.authorization])).toEqual([
        ['/same', 'Basic c2VjcmV0'],
        ['/final', 'Basic c2VjcmV0']
      ])
      const other = await t.request('GET', `${registry.url}/other`, { authorization: 'Basic c2VjcmV0' })
      expect(other.status).toBe(200)
      expect(storage.seen).toHaveLength(1)
      expect(storage.seen[0]?.path).toBe('/signed?sig=1')
      expect(storage.seen[0]?.headers.authorization).toBeUndefined()
    } finally {
      t.close()
      await registry.close()
      await storage.close()
    }
  })

  it('a 303 becomes a GET without the body; a 307 keeps the method', async () => {
    const srv = await recorder(path =>
      path === '/see-other' ? { status: 303, headers: { location: '/x' } } : path === '/temp' ? { status: 307, headers: { location: '/y' } } : { status: 200 }
    )
    const t = wire()
    try {
      await t.request('POST', `${srv.url}/see-other`, { 'content-type': 'application/json' }, '{}')
      await t.request('DELETE', `${srv.url}/temp`, {})
      expect(srv.seen.map(s => `${s.method} ${s.path}`)).toEqual(['POST /see-other', 'GET /x', 'DELETE /temp', 'DELETE /y'])
    } finally {
      t.close()
      await srv.close()
    }
  })

  it('refuses a redirect from HTTPS to plain HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nil-tls-'))
    const plain = await recorder(() => ({ status: 200 }))
    const cert = selfSigned(dir)
    const server = createHttpsServer({ cert: cert.certPem, key: readFileSync(cert.keyPath) }, (_req, res) =>
      res.writeHead(302, { location: `${plain.url}/leak` }).end()
    )
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const t = new Transport({ maxSockets: 2, timeoutMs: 5000, userAgent: 'test', ca: cert.certPem, env: {} })
    try {
      await expect(t.request('GET', `https://127.0.0.1:${port}/v2/`, { authorization: 'Basic c2VjcmV0' })).rejects.toThrow(
        /a downgrade from HTTPS is not followed/
      )
      expect(plain.seen).toEqual([])
    } finally {
      t.close()
      await new Promise(resolve => server.close(resolve))
      await plain.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

maybe('a whole run through a forward proxy', () => {
  const PROXY_AUTH = { username: 'runner', password: 'pr0xy:s3cret' }
  let plain: RegistryServer
  let secure: RegistryServer & { tls?: RegistryTls }
  let proxy: ForwardProxy
  const saved = { ...process.env }

  beforeAll(async () => {
    plain = await startRegistry(bin as string)
    for (const [i, tag] of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'].entries()) {
      await pushImage({ base: plain.url }, 'app', tag, { created: `2024-01-0${i + 1}T00:00:00Z`, layers: [`layer ${tag}`] })
    }
    // the same storage served over TLS (certificate for 127.0.0.1 and registry.test)
    secure = await startRegistry(bin as string, undefined, { tls: true, dataFrom: join(plain.dir, 'data') })
  })
  afterAll(async () => {
    await secure?.stop()
    await plain?.stop()
  })
  beforeEach(async () => {
    proxy = await startForwardProxy(PROXY_AUTH)
  })
  afterEach(async () => {
    process.env = { ...saved }
    await proxy.close()
  })

  const run = (inputs: Record<string, string>, log = memoryLogger()) =>
    runCleanup(
      parseConfig(n => ({ api: 'registry', 'age-basis': 'created', retries: '0', ...inputs })[n]),
      { log, version: 'test' }
    )

  it('HTTPS_PROXY: every request goes through CONNECT tunnels to the registry, kept alive inside them', async () => {
    process.env['HTTPS_PROXY'] = proxy.url
    const host = secure.url.replace('127.0.0.1', 'registry.test')
    const log = memoryLogger()
    const report = await run({ host, 'ca-cert': secure.tls!.certPem, keep: '2', 'dry-run': 'true' }, log)
    expect(report.failures).toEqual([])
    expect(report.totals.manifests.wouldDelete).toBe(2)
    const port = new URL(secure.url).port
    expect(proxy.seen.length).toBeGreaterThan(0)
    for (const s of proxy.seen)
      expect(s).toEqual({ method: 'CONNECT', target: `registry.test:${port}`, proxyAuthorization: expect.stringMatching(/^Basic /) as unknown })
    // keep-alive holds through the proxy: fewer tunnels than requests
    const requests = Object.values(report.requests).reduce((a, b) => a + b, 0)
    expect(proxy.seen.length).toBeLessThan(requests)
    // the proxy's password is in no line the run printed
    expect(log.lines.join('\n')).not.toContain(PROXY_AUTH.password)
  })

  it('HTTP_PROXY: plain HTTP goes to the proxy with the whole URL (absolute form)', async () => {
    process.env['HTTP_PROXY'] = proxy.url
    const host = plain.url.replace('127.0.0.1', 'registry.test')
    const report = await run({ host, keep: '2', 'dry-run': 'true' })
    expect(report.failures).toEqual([])
    expect(report.totals.manifests.wouldDelete).toBe(2)
    expect(proxy.seen.length).toBe(Object.values(report.requests).reduce((a, b) => a + b, 0))
    for (const s of proxy.seen) expect(s.target.startsWith(`${host}/v2/`)).toBe(true)
  })

  it('a proxy that refuses the credentials stops the run before anything is deleted, naming the proxy', async () => {
    process.env['HTTPS_PROXY'] = proxy.url.replace(encodeURIComponent(PROXY_AUTH.password), 'wrong')
    const host = secure.url.replace('127.0.0.1', 'registry.test')
    await expect(run({ host, 'ca-cert': secure.tls!.certPem, keep: '2' })).rejects.toThrow(/proxy 127\.0\.0\.1:\d+ refused CONNECT registry\.test:\d+: 407/)
  })

  it('a loopback registry is reached directly even with HTTPS_PROXY set', async () => {
    process.env['HTTPS_PROXY'] = proxy.url
    const report = await run({ host: secure.url, 'ca-cert': secure.tls!.certPem, keep: '2', 'dry-run': 'true' })
    expect(report.failures).toEqual([])
    expect(proxy.seen).toEqual([])
  })
})

describe('a body cut short', () => {
  it('is an error, never a short answer', async () => {
    const server = createHttpServer((_req, res) => {
      // promises 100 bytes, sends 10, then drops the connection
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"tags":["')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const t = new Transport({ maxSockets: 2, timeoutMs: 5000, userAgent: 'test', env: {} })
    try {
      await expect(t.request('GET', `http://127.0.0.1:${port}/v2/app/tags/list`, {})).rejects.toThrow(/aborted|closed before the answer ended/)
    } finally {
      t.close()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
