/**
 * Shared HTTP plumbing: the per-request context handed to the REST and registry routers, common
 * headers and Nexus-style error responses (API.md §1.4).
 */
import type { SearchIndex } from './search'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Auth, BASIC_CHALLENGE, Subject } from './auth'
import { Clock } from './clock'
import { JsonValue, formatDate, jacksonPretty } from './json'
import { ResolvedOptions } from './options'
import { Store } from './store'
import { TaskManager } from './tasks'
import { SINCE } from './version'

/** Everything a router needs; one per emulator. */
export interface EmulatorContext {
  options: ResolvedOptions
  clock: Clock
  store: Store
  auth: Auth
  tasks: TaskManager
  /** What `/v1/search` answers from. */
  search: SearchIndex
  /** Main server's URL (http://127.0.0.1:PORT), known once listening. */
  mainUrl: string
  uploads: Map<string, UploadSession>
  /** When each request under `/repository/*` arrived (ms): Community Edition counts them per day. */
  repositoryRequestTimes: number[]
}

export interface UploadSession {
  uuid: string
  repository: string
  image: string
  chunks: Buffer[]
  size: number
}

/** One request as the routers see it. */
export interface Exchange {
  ctx: EmulatorContext
  req: IncomingMessage
  res: ServerResponse
  method: string
  /** Decoded path without query. */
  path: string
  query: URLSearchParams
  body: Buffer
  /** Base URL of the server that received the request (Host header). */
  requestBase: string
  /** Set after authentication, for the request log. */
  user: string | null
}

/** Base URL for URLs Nexus writes into bodies (downloadUrl, url): option or the request's host. */
export function nexusBase(x: Exchange): string {
  return x.ctx.options.baseUrl ?? `${x.requestBase}${x.ctx.options.contextPath}`
}

/** Date formatted for REST bodies (§1.2: +00:00 on 3.26+, +0000 before). */
export function restDate(ctx: EmulatorContext, d: Date | null): string | null {
  return formatDate(d, ctx.options.version.atLeast(SINCE.colonOffset) ? 'colon' : 'noColon')
}

export function send(x: Exchange, status: number, body: string | Buffer | null, headers: Record<string, string | number> = {}): void {
  const buf = body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')
  x.res.statusCode = status
  for (const [k, v] of Object.entries(headers)) x.res.setHeader(k, v)
  if (buf !== null && !x.res.hasHeader('Content-Length')) x.res.setHeader('Content-Length', buf.length)
  if (buf === null && status !== 204 && status !== 304) x.res.setHeader('Content-Length', 0)
  x.res.end(x.method === 'HEAD' || buf === null ? undefined : buf)
}

/** Pretty (Jackson) JSON, REST style. */
export function sendJson(x: Exchange, status: number, value: JsonValue, headers: Record<string, string | number> = {}): void {
  send(x, status, jacksonPretty(value), { 'Content-Type': 'application/json', ...headers })
}

/**
 * A mapped JAX-RS error: status, `X-Siesta-FaultId`, and since 3.30 no body (§1.4); before 3.30
 * (or errorBodies 'legacy') the exception message as text.
 */
export function fault(x: Exchange, status: number, legacyMessage = '', headers: Record<string, string> = {}): void {
  const legacy = x.ctx.options.errorBodies === 'legacy' && legacyMessage !== ''
  send(x, status, legacy ? legacyMessage : null, {
    'X-Siesta-FaultId': randomUUID(),
    ...(legacy ? { 'Content-Type': 'text/plain' } : {}),
    ...headers
  })
}

/** Unexpected exception → 500 text/plain `ERROR: (ID <uuid>) <exception>` (§1.4). */
export function unexpected(x: Exchange, exception: string): void {
  const id = randomUUID()
  send(x, 500, `ERROR: (ID ${id}) ${exception}`, { 'Content-Type': 'text/plain', 'X-Siesta-FaultId': id })
}

/** Filter-level 401 (bad credentials): challenge, no fault id. */
export function challenge401(x: Exchange): void {
  send(x, 401, null, { 'WWW-Authenticate': BASIC_CHALLENGE })
}

/**
 * AuthorizationExceptionMapper (§1.3): anonymous subject → 401 with challenge, a real user → 403.
 */
export function authorizationFailure(x: Exchange, subject: Subject): void {
  if (subject.anonymous) fault(x, 401, '', { 'WWW-Authenticate': BASIC_CHALLENGE })
  else fault(x, 403)
}

/** Read-only ("frozen") mode write rejection (§1.4). */
export function frozen(x: Exchange): void {
  send(x, 503, `Nexus Repository Manager is in read-only mode: (ID ${randomUUID()})`, { 'Content-Type': 'text/plain' })
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
