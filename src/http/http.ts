// The HTTP edge: credentials (basic, and the registry Bearer challenge), timeouts, bounded retries with
// jittered backoff that honours Retry-After, a concurrency bound, and request counting by kind.
// Credentials are attached here and nowhere else; errors carry method, URL and status, never headers.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { AdaptiveLimiter, type LimitReport, type Outcome } from './adaptive-limit'
import { sleep } from '../util/sleep'
import { Logger } from '../util/log'
import { TooLargeError, Transport } from './transport'

export interface HttpOptions {
  username: string
  password: string
  timeoutMs: number
  retries: number
  /** Requests in flight: fixed, or where it starts when maxConcurrency is above it (adaptive). */
  concurrency: number
  /** The ceiling of an adaptive limit (concurrency: auto); undefined = fixed at concurrency. */
  maxConcurrency?: number
  userAgent: string
  log: Logger
  /** Extra CAs (PEM) to trust for HTTPS. */
  caCert?: string
  insecureSkipTlsVerify?: boolean
  /** Injected in tests to avoid real waits. */
  sleep?: (ms: number) => Promise<void>
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read (default process.env). */
  env?: NodeJS.ProcessEnv
  /**
   * The origins (scheme, host and port) the credentials are for: host and registry-url. A request to any
   * other origin carries none. Default: every origin (tests of the HTTP edge alone).
   */
  home?: string[]
  /** Hosts (`host` or `host:port`) of a token realm elsewhere that may receive the credentials over HTTPS. */
  tokenRealmHosts?: string[]
  /** Aborts every request of the run (a stopped run). */
  signal?: AbortSignal
  /** -v: a debug line per request: method, path, status, ms (never a header, never the query). */
  logRequests?: boolean
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  url: string
}

export interface RequestSpec {
  /** Counted under this name, e.g. `registry GET tags/list`. */
  kind: string
  headers?: OutgoingHttpHeaders
  body?: string
  /** Statuses the caller handles itself: returned, never retried or thrown. Default: 2xx only. */
  handles?: number[]
  /** False for requests that must not be repeated (task runs). Default true. */
  retry?: boolean
  /** The largest answer body taken, in bytes (ANSWER_LIMITS); a larger one is refused. */
  maxBytes?: number
}

/**
 * What an answer may weigh. A manifest: 4 MiB, the limit the distribution spec lets registries enforce; a
 * listing page (catalog, tags, referrers, Nexus components): 16 MiB; anything else: 16 MiB.
 */
export const ANSWER_LIMITS = { manifest: 4 * 1024 * 1024, page: 16 * 1024 * 1024, other: 16 * 1024 * 1024 }

/** The whole answer of one request within this many idle timeouts (request-timeout): a trickle ends too. */
export const DEADLINE_TIMEOUTS = 3

export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number | undefined,
    detail: string
  ) {
    super(`${method} ${url} ${status === undefined ? 'failed' : `answered ${status}`}${detail ? `: ${detail}` : ''}`)
    this.name = 'HttpError'
  }
}

/** Something the client refuses to do (send credentials elsewhere, read past a bound): never retried. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RefusedError'
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504])

/** What tells the adaptive limit to back off: the server refusing load (429, 503) or not answering in time. */
function overload(res: HttpResponse | undefined, error: unknown): Outcome {
  if (error !== undefined) return error instanceof HttpError && error.status !== undefined ? 'ok' : 'overload'
  return res && (res.status === 429 || res.status === 503) ? 'overload' : 'ok'
}
const MAX_BACKOFF_MS = 30_000

export class Http {
  readonly counts: Record<string, number> = {}
  private readonly transport: Transport
  private readonly limiter: AdaptiveLimiter
  private readonly bearer = new Map<string, string>()
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly opts: HttpOptions) {
    this.transport = new Transport({
      maxSockets: opts.maxConcurrency ?? opts.concurrency,
      timeoutMs: opts.timeoutMs,
      userAgent: opts.userAgent,
      ...(opts.caCert ? { ca: opts.caCert } : {}),
      ...(opts.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
      ...(opts.env ? { env: opts.env } : {})
    })
    this.limiter = new AdaptiveLimiter({ initial: opts.concurrency, max: opts.maxConcurrency ?? opts.concurrency, adaptive: opts.maxConcurrency !== undefined })
    this.sleep = opts.sleep ?? sleep
  }

  /** Where the limit of requests in flight settled (concurrency: auto moves it). */
  concurrency(): LimitReport {
    return this.limiter.report()
  }

  async request(method: string, url: string, spec: RequestSpec): Promise<HttpResponse> {
    const handles = spec.handles ?? []
    const retry = spec.retry ?? true
    let lastError = ''
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse | undefined
      try {
        res = await this.limiter.run(() => this.send(method, url, spec), overload)
        if (res.status === 401) {
          // A registry behind a token server answers 401 with a Bearer challenge: fetch a token (with the
          // credentials, or anonymously for a public registry), resend once.
          if (await this.authorizeBearer(res)) res = await this.limiter.run(() => this.send(method, url, spec), overload)
        }
      } catch (e) {
        // The token server refusing the credentials is an answer, not a transient failure: repeating it only
        // adds failed logins (and may lock the account).
        if (e instanceof TooLargeError) throw new RefusedError(`${method} ${url}: ${e.message}`)
        // a stopped run: no retry, no backoff
        if (this.opts.signal?.aborted) throw new RefusedError(`${method} ${url}: not answered before the run stopped`)
        if (e instanceof RefusedError || (e instanceof HttpError && e.status !== undefined && !RETRY_STATUS.has(e.status))) throw e
        lastError = (e as Error).message
        if (!retry || attempt >= this.opts.retries) throw new HttpError(method, url, undefined, lastError)
        await this.backoff(attempt, undefined, `${method} ${url}: ${lastError}`)
        continue
      }
      if ((res.status >= 200 && res.status < 300) || handles.includes(res.status)) return res
      if (retry && RETRY_STATUS.has(res.status) && attempt < this.opts.retries) {
        await this.backoff(attempt, res.headers['retry-after'], `${method} ${url} answered ${res.status}`)
        continue
      }
      throw new HttpError(method, url, res.status, describeStatus(res))
    }
  }

  private hasCredentials(): boolean {
    return this.opts.username !== '' || this.opts.password !== ''
  }

  /** Whether `url` is on an origin the credentials are for. */
  private isHome(url: URL): boolean {
    return this.opts.home === undefined || this.opts.home.includes(url.origin)
  }

  private async send(method: string, url: string, spec: RequestSpec): Promise<HttpResponse> {
    this.counts[spec.kind] = (this.counts[spec.kind] ?? 0) + 1
    const headers: OutgoingHttpHeaders = { ...spec.headers }
    const target = new URL(url)
    // A bearer token goes back only to the origin that asked for it; the password only home.
    const token = this.bearer.get(target.origin)
    if (headers.authorization) {
      // set by the caller (the token request itself)
    } else if (token) headers.authorization = `Bearer ${token}`
    else if (this.hasCredentials() && this.isHome(target)) headers.authorization = basic(this.opts.username, this.opts.password)
    if (this.opts.signal?.aborted) throw new RefusedError(`${method} ${url}: not sent, the run stopped`)
    const limits = {
      maxBytes: spec.maxBytes ?? ANSWER_LIMITS.other,
      deadlineMs: this.opts.timeoutMs * DEADLINE_TIMEOUTS,
      ...(this.opts.signal ? { signal: this.opts.signal } : {})
    }
    const t0 = this.opts.logRequests ? Date.now() : 0
    const r = await this.transport.request(method, url, headers, spec.body, limits)
    if (this.opts.logRequests) this.opts.log.debug(`${method} ${new URL(url).pathname} ${r.status} ${Date.now() - t0} ms`)
    return { status: r.status, headers: r.headers, body: r.body, url }
  }

  private async authorizeBearer(res: HttpResponse): Promise<boolean> {
    const challenge = parseBearerChallenge(String(res.headers['www-authenticate'] ?? ''))
    if (!challenge) return false
    let tokenUrl: URL
    try {
      tokenUrl = new URL(challenge.realm)
    } catch {
      throw new HttpError('GET', res.url, 401, 'the Bearer challenge names a realm that is not a URL')
    }
    if (challenge.service) tokenUrl.searchParams.set('service', challenge.service)
    if (challenge.scope) tokenUrl.searchParams.set('scope', challenge.scope)
    const withCredentials = this.hasCredentials() && this.realmMayHaveCredentials(tokenUrl)
    const r = await this.limiter.run(() =>
      this.send('GET', tokenUrl.toString(), {
        kind: 'auth token',
        headers: { accept: 'application/json', ...(withCredentials ? { authorization: basic(this.opts.username, this.opts.password) } : {}) }
      })
    )
    if (r.status !== 200) throw new HttpError('GET', tokenUrl.origin + tokenUrl.pathname, r.status, 'the token server refused the credentials')
    const json = JSON.parse(r.body.toString('utf8')) as { token?: string; access_token?: string }
    const token = json.token ?? json.access_token
    if (!token) return false
    this.bearer.set(new URL(res.url).origin, token)
    return true
  }

  /**
   * The credentials go to a token realm at home, or on another origin only over HTTPS to a host the user
   * named in token-realm-hosts; any other realm stops the run naming it (a hostile server's challenge must
   * not collect the password).
   */
  private realmMayHaveCredentials(realm: URL): boolean {
    if (this.isHome(realm)) return true
    const allowed = this.opts.tokenRealmHosts ?? []
    const named = allowed.includes(realm.host.toLowerCase()) || allowed.includes(realm.hostname.toLowerCase())
    if (named && realm.protocol === 'https:') return true
    const why = named ? 'only over HTTPS' : `only to a host named in token-realm-hosts (e.g. token-realm-hosts: ${realm.host})`
    throw new RefusedError(`the registry's token realm ${realm.origin}${realm.pathname} is on another origin (${realm.host}): the credentials go there ${why}`)
  }

  private async backoff(attempt: number, retryAfter: string | string[] | undefined, why: string): Promise<void> {
    const hinted = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)
    const exp = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt)
    // Full jitter keeps parallel workers from retrying in lockstep.
    const wait = hinted !== undefined ? Math.min(hinted, 120_000) : Math.round(exp / 2 + (Math.random() * exp) / 2)
    this.opts.log.debug(`retry ${attempt + 1}/${this.opts.retries} in ${wait} ms: ${why}`)
    this.counts['retries'] = (this.counts['retries'] ?? 0) + 1
    await this.sleep(wait)
  }
}

function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}

/** A short, single-line description of an error answer; bodies are often empty on Nexus >= 3.30. */
function describeStatus(res: HttpResponse): string {
  const text = res.body.toString('utf8').trim()
  if (!text) return ''
  try {
    const j = JSON.parse(text) as { errors?: { code?: string; message?: string }[] }
    if (j.errors?.length) return j.errors.map(e => [e.code, e.message].filter(Boolean).join(' ')).join('; ')
  } catch {
    // not JSON: fall through to the first line of the text
  }
  return (text.split('\n')[0] ?? '').slice(0, 200)
}

export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

export function parseBearerChallenge(header: string): { realm: string; service?: string; scope?: string } | undefined {
  const m = /^\s*Bearer\s+(.*)$/i.exec(header)
  if (!m) return undefined
  const params: Record<string, string> = {}
  for (const p of (m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) params[(p[1] ?? '').toLowerCase()] = p[2] ?? ''
  if (!params.realm) return undefined
  return { realm: params.realm, service: params.service, scope: params.scope }
}
