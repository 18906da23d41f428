// A fault-injecting HTTP proxy for tests, on 127.0.0.1 only. It forwards to an upstream server (the real
// docker-registry or the Nexus emulator) and, by rule, answers an error status, 429 with Retry-After,
// resets the connection, stalls past the client's timeout, or runs a hook (e.g. re-push a tag) before
// forwarding.

import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http'

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' }
  | { kind: 'stall' }
  | { kind: 'hook'; run: () => Promise<void> }
  /** Forward, but add headers to the answer (e.g. a Link to a page that will fail). */
  | { kind: 'add-headers'; headers: Record<string, string> }
  /** Answer what `answer` computes from the request (the n-th matching one, from 1). */
  | { kind: 'respond'; answer: (path: string, n: number) => { status: number; headers?: Record<string, string>; body: string } }

export interface FaultRule {
  /** Which requests: method and a test on the path+query. */
  method?: string
  path: RegExp
  /** How many matching requests get the fault (default: every one). */
  times?: number
  /** Skip this many matching requests before the fault starts. */
  after?: number
  fault: Fault
}

export interface FaultProxy {
  url: string
  /** Requests seen, with whether a fault was injected, and when each came and was answered (ms since the proxy started). */
  log: { method: string; path: string; fault?: string; start?: number; end?: number }[]
  setRules(rules: FaultRule[]): void
  close(): Promise<void>
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream)
  let rules: { rule: FaultRule; seen: number; fired: number }[] = []
  const log: FaultProxy['log'] = []
  const stalled = new Set<ServerResponse>()
  const t0 = performance.now()

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, extra: Record<string, string> = {}): void => {
    const p = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, r => {
      // Rewrite absolute Location/Link headers that point upstream so clients stay behind the proxy.
      const headers = { ...r.headers }
      for (const h of ['location', 'link']) {
        const v = headers[h]
        if (typeof v === 'string') headers[h] = v.split(upstream).join(`http://${req.headers.host}`)
      }
      res.writeHead(r.statusCode ?? 502, { ...headers, ...extra })
      r.pipe(res)
    })
    p.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    p.end(body)
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => void answer())
    const answer = async (): Promise<void> => {
      const body = Buffer.concat(chunks)
      const entry: FaultProxy['log'][number] = { method: req.method ?? '', path: req.url ?? '', start: performance.now() - t0 }
      res.on('finish', () => (entry.end = performance.now() - t0))
      log.push(entry)
      const hit = rules.find(r => (!r.rule.method || r.rule.method === req.method) && r.rule.path.test(req.url ?? ''))
      let fault: Fault | undefined
      if (hit) {
        hit.seen++
        const after = hit.rule.after ?? 0
        if (hit.seen > after && (hit.rule.times === undefined || hit.fired < hit.rule.times)) {
          hit.fired++
          fault = hit.rule.fault
        }
      }
      if (!fault) return forward(req, res, body)
      entry.fault = fault.kind === 'status' ? String(fault.status) : fault.kind
      switch (fault.kind) {
        case 'status':
          res.writeHead(fault.status, fault.headers ?? {})
          res.end(fault.body ?? '')
          return
        case 'reset':
          req.socket.destroy()
          return
        case 'stall':
          stalled.add(res) // answered never; closed with the proxy
          return
        case 'hook':
          await fault.run()
          return forward(req, res, body)
        case 'add-headers':
          return forward(req, res, body, fault.headers)
        case 'respond': {
          const a = fault.answer(req.url ?? '', hit?.fired ?? 0)
          res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) })
          res.end(a.body)
          return
        }
      }
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    setRules: r => {
      rules = r.map(rule => ({ rule, seen: 0, fired: 0 }))
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const res of stalled) res.socket?.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
