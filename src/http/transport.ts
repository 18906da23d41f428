// The wire under src/http/http.ts: node's http and https with keep-alive agents, the proxy variables every CI
// runner sets (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as @actions/http-client reads them), redirects, and a
// socket timeout that frees its slot. Thinner than @actions/http-client (measured ~50 µs less CPU per
// request, and no bundled undici to load at start-up: about 40 ms of a CLI's start).

import * as http from 'node:http'
import * as https from 'node:https'
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { Duplex } from 'node:stream'
import * as tls from 'node:tls'

export interface TransportOptions {
  /** Sockets per origin: the most requests in flight there may be. */
  maxSockets: number
  /** No byte for this long on a socket ends the request with an error. */
  timeoutMs: number
  userAgent: string
  /** Extra CAs (PEM) to trust for HTTPS, and whether to verify at all. */
  ca?: string
  insecureSkipTlsVerify?: boolean
  /** The environment the proxy variables come from (default process.env). */
  env?: NodeJS.ProcessEnv
}

/** Bounds of one request: the whole answer within `deadlineMs`, its body within `maxBytes`. */
export interface WireLimits {
  maxBytes: number
  deadlineMs: number
  /** Aborts the request (a run that was stopped). */
  signal?: AbortSignal
}

/** An answer past its size bound: refused, not retried (a hostile or broken server would send it again). */
export class TooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes: refused`)
    this.name = 'TooLargeError'
  }
}

export interface WireResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** Where the answer came from, after redirects. */
  url: string
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 10

/**
 * The proxy for a URL, as @actions/http-client decides it: `https_proxy`/`HTTPS_PROXY` for https,
 * `http_proxy`/`HTTP_PROXY` for http; none for loopback hosts or hosts NO_PROXY names (`*`, a host, a
 * domain suffix with or without a leading dot, optionally with a port).
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const https = url.protocol === 'https:'
  const names = https ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY']
  const name = names.find(n => env[n])
  const value = name ? env[name] : undefined
  if (!name || !value || bypassed(url, env)) return undefined
  try {
    // `proxy.corp:3128` would parse as a URL of scheme `proxy.corp:`: without `scheme://` it is host:port
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch {
    // the value may hold the proxy's password: named, not shown
    throw new Error(`${name} is not a proxy URL (expected http://host:port or http://user:password@host:port)`)
  }
}

function bypassed(url: URL, env: NodeJS.ProcessEnv): boolean {
  const host = url.hostname.toUpperCase()
  if (host === 'LOCALHOST' || host.startsWith('127.') || host === '[::1]' || host === '[0:0:0:0:0:0:0:1]') return true
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const names = [host, `${host}:${port}`]
  const list = (env['no_proxy'] || env['NO_PROXY'] || '').split(',')
  return list
    .map(x => x.trim().toUpperCase())
    .filter(x => x !== '')
    .some(item => item === '*' || names.some(n => n === item || n.endsWith(item.startsWith('.') ? item : `.${item}`)))
}

function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined
  const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return 'Basic ' + Buffer.from(user).toString('base64')
}

/**
 * HTTPS through a proxy: each new socket is a CONNECT tunnel, then TLS to the target inside it. The agent
 * pools the TLS sockets like any https.Agent, so keep-alive holds through the proxy too.
 */
class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions
  ) {
    super(options)
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }, done: (err: Error | null, socket?: Duplex) => void): undefined {
    const target = `${options.host ?? ''}:${options.port ?? 443}`
    const auth = proxyAuthorization(this.proxy)
    const via = this.proxy.protocol === 'https:' ? https : http
    const connect = via.request({
      host: this.proxy.hostname,
      port: this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...(auth ? { 'proxy-authorization': auth } : {}) },
      agent: false,
      ...(this.proxy.protocol === 'https:' ? tlsOptions(options) : {})
    })
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy()
        done(new Error(`proxy ${this.proxy.host} refused CONNECT ${target}: ${res.statusCode ?? 0}`))
        return
      }
      const secure = tls.connect({ ...tlsOptions(options), socket, servername: options.servername ?? options.host ?? '' })
      secure.once('secureConnect', () => done(null, secure))
      secure.once('error', (e: Error) => done(e))
    })
    connect.once('error', e => done(new Error(`proxy ${this.proxy.host}: ${e.message}`)))
    connect.end()
    return undefined
  }
}

/** The run's TLS settings (ca-cert, insecure-skip-tls-verify); an https:// proxy is verified with them too. */
function tlsOptions(o: tls.ConnectionOptions): tls.ConnectionOptions {
  return { ...(o.ca ? { ca: o.ca } : {}), ...(o.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) }
}

export class Transport {
  private readonly agents = new Map<string, http.Agent>()
  /** The proxy per origin: the variables do not change during a run, and reading them costs per request. */
  private readonly proxies = new Map<string, URL | undefined>()
  private readonly env: NodeJS.ProcessEnv

  constructor(private readonly opts: TransportOptions) {
    this.env = opts.env ?? process.env
  }

  /** One request, following redirects; the whole body is read (an unread body keeps its socket busy). */
  async request(method: string, url: string, headers: OutgoingHttpHeaders, body?: string, limits?: WireLimits): Promise<WireResponse> {
    let target = new URL(url)
    let verb = method
    let payload = body
    const sent: OutgoingHttpHeaders = { 'user-agent': this.opts.userAgent, ...headers }
    for (let hops = 0; ; hops++) {
      const res = await this.once(verb, target, sent, payload, limits)
      const location = res.headers.location
      if (!REDIRECTS.has(res.status) || !location || hops >= MAX_REDIRECTS) return res
      const next = new URL(location, target)
      if (target.protocol === 'https:' && next.protocol !== 'https:') {
        throw new Error(`${target.origin} redirected to ${next.origin}: a downgrade from HTTPS is not followed`)
      }
      // Credentials are for the origin they were meant for (scheme, host and port): a blob redirected to
      // object storage (a signed URL), or to another port of the same host, must not carry them.
      if (next.origin !== target.origin) delete sent['authorization']
      if (res.status === 303 && verb !== 'HEAD') {
        verb = 'GET'
        payload = undefined
      }
      target = next
    }
  }

  /** Closes the pooled sockets (the process can exit without waiting for keep-alive to time out). */
  close(): void {
    for (const a of this.agents.values()) a.destroy()
    this.agents.clear()
  }

  private once(method: string, url: URL, headers: OutgoingHttpHeaders, body: string | undefined, limits: WireLimits | undefined): Promise<WireResponse> {
    const origin = `${url.protocol}//${url.host}`
    if (!this.proxies.has(origin)) this.proxies.set(origin, proxyFor(url, this.env))
    const proxy = this.proxies.get(origin)
    const secure = url.protocol === 'https:'
    // Plain HTTP through a proxy is sent to the proxy with the whole URL as the path (absolute form).
    const forward = proxy !== undefined && !secure
    const auth = proxy ? proxyAuthorization(proxy) : undefined
    const options: https.RequestOptions = {
      method,
      host: forward ? proxy.hostname : url.hostname,
      port: forward ? proxy.port || (proxy.protocol === 'https:' ? 443 : 80) : url.port || (secure ? 443 : 80),
      path: forward ? url.href : url.pathname + url.search,
      headers: { host: url.host, ...headers, ...(forward && auth ? { 'proxy-authorization': auth } : {}) },
      agent: this.agent(url, proxy),
      timeout: this.opts.timeoutMs,
      ...(limits?.signal ? { signal: limits.signal } : {})
    }
    const lib = (forward ? proxy.protocol === 'https:' : secure) ? https : http
    return new Promise((resolve, reject) => {
      const req = lib.request(options, res => {
        const chunks: Buffer[] = []
        let size = 0
        const declared = Number(res.headers['content-length'])
        if (limits && declared > limits.maxBytes) return req.destroy(new TooLargeError(limits.maxBytes))
        res.on('data', (c: Buffer) => {
          size += c.length
          // memory holds at most the bound, whatever the server sends
          if (limits && size > limits.maxBytes) return req.destroy(new TooLargeError(limits.maxBytes))
          chunks.push(c)
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.href }))
        res.on('error', reject)
        // a body cut short is never an answer (a listing page half read must not parse as a short page)
        res.on('close', () => {
          if (!res.complete) reject(new Error('the connection closed before the answer ended'))
        })
      })
      // A timeout destroys the request: a socket only half-closed would keep its pool slot forever against
      // a server that never answers, and a stalled body would never end.
      req.on('timeout', () => req.destroy(new Error(`timeout: no data for ${this.opts.timeoutMs} ms (request-timeout)`)))
      // A body that trickles a byte at a time never trips the idle timeout: the whole answer has a deadline.
      const deadline = limits
        ? setTimeout(() => req.destroy(new Error(`deadline: the answer took longer than ${limits.deadlineMs} ms`)), limits.deadlineMs)
        : undefined
      const settle = (): void => clearTimeout(deadline)
      req.on('error', e => (settle(), reject(e)))
      req.on('close', settle)
      req.end(body)
    })
  }

  private agent(url: URL, proxy: URL | undefined): http.Agent {
    const secure = url.protocol === 'https:'
    const key = `${secure ? 'https' : 'http'} ${proxy?.href ?? 'direct'}`
    const existing = this.agents.get(key)
    if (existing) return existing
    const base = { keepAlive: true, maxSockets: this.opts.maxSockets }
    const tlsOpts = { ...(this.opts.ca ? { ca: this.opts.ca } : {}), ...(this.opts.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}) }
    let agent: http.Agent
    if (secure && proxy) agent = new TunnelAgent(proxy, { ...base, ...tlsOpts })
    else if (secure) agent = new https.Agent({ ...base, ...tlsOpts })
    // plain HTTP: direct, or to the proxy itself (over TLS when the proxy's own URL is https)
    else agent = proxy?.protocol === 'https:' ? new https.Agent({ ...base, ...tlsOpts }) : new http.Agent(base)
    this.agents.set(key, agent)
    return agent
  }
}
