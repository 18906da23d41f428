// A real node:http server on 127.0.0.1:0 for tests of the HTTP edge: records every request (method, URL,
// headers, body), counts connections and requests in flight, and answers through a handler the test swaps.

import http from 'node:http'
import net from 'node:net'
import { Http, HttpOptions } from '../../src/http/http'
import { memoryLogger } from './memory-logger'

export interface RecordedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  origin: string
  port: number
  requests: RecordedRequest[]
  /** Requests whose response has not finished (or whose socket has not closed). */
  inFlight: number
  maxInFlight: number
  /** TCP connections accepted since the last reset(). */
  connections: number
  handler: Handler
  /** Forget recorded requests and counters; the handler answers 200 "ok" until replaced. */
  reset(): void
  close(): Promise<void>
}

const okHandler: Handler = (_req, res) => res.end('ok')

export async function startServer(handler: Handler = okHandler): Promise<TestServer> {
  const sockets = new Set<net.Socket>()
  const server = http.createServer()
  const state: TestServer = {
    origin: '',
    port: 0,
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    handler,
    reset() {
      state.requests = []
      state.inFlight = 0
      state.maxInFlight = 0
      state.connections = 0
      state.handler = okHandler
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
  server.on('connection', s => {
    state.connections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      state.inFlight++
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
      let done = false
      const finish = (): void => {
        if (!done) {
          done = true
          state.inFlight--
        }
      }
      res.on('finish', finish)
      res.on('close', finish)
      state.handler(req, res, body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as net.AddressInfo).port
  state.origin = `http://127.0.0.1:${state.port}`
  return state
}

/**
 * A raw TCP server that keeps every connection half-open: it reads the request and, if `head` is given, writes
 * it, then neither answers further nor closes. Models a black hole or a stalled body.
 */
export async function startBlackHole(head?: string): Promise<{ origin: string; requests: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const state = { origin: '', requests: 0, close: async () => {} }
  const server = net.createServer({ allowHalfOpen: true }, s => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    s.on('data', () => {
      state.requests++
      if (head) s.write(head)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  state.origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  state.close = () =>
    new Promise<void>(resolve => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return state
}

/** An Http with test defaults; `sleep` records the requested waits instead of waiting. */
export function makeHttp(opts: Partial<HttpOptions> = {}): { http: Http; waits: number[]; log: ReturnType<typeof memoryLogger> } {
  const waits: number[] = []
  const log = memoryLogger()
  const http = new Http({
    username: '',
    password: '',
    timeoutMs: 5000,
    retries: 3,
    concurrency: 4,
    userAgent: 'nexus-image-lifecycle-test',
    log,
    sleep: async ms => {
      waits.push(ms)
    },
    ...opts
  })
  return { http, waits, log }
}

export function basicHeader(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}
