// concurrency: auto against real loopback servers: a server whose latency stays flat sees the number of
// requests in flight grow (never past the ceiling); one that slows down as load grows, or answers 503,
// sees it fall. Counts, not times, are asserted: what the limiter settled at and what the server saw.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Http } from '../src/http'
import { memoryLogger } from '../test/support/memory-logger'

interface Load {
  url: string
  /** The most requests the server had in flight at once. */
  maxInFlight: () => number
  close: () => Promise<void>
}

/** A server answering after `delay(inFlight)` ms, or with `status(n)` for the n-th request. */
async function serve(delay: (inFlight: number) => number, status: (n: number) => number = () => 200): Promise<Load> {
  let inFlight = 0
  let max = 0
  let n = 0
  const server: Server = createServer((_req, res) => {
    inFlight++
    max = Math.max(max, inFlight)
    const code = status(++n)
    setTimeout(() => {
      inFlight--
      res.writeHead(code, { 'content-type': 'text/plain', ...(code === 503 ? { 'retry-after': '0' } : {}) })
      res.end('ok')
    }, delay(inFlight))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, maxInFlight: () => max, close: () => new Promise(resolve => server.close(() => resolve())) }
}

function client(concurrency: number, maxConcurrency?: number): Http {
  return new Http({
    username: '',
    password: '',
    timeoutMs: 10_000,
    retries: 5,
    concurrency,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    userAgent: 'test',
    log: memoryLogger(),
    sleep: () => Promise.resolve()
  })
}

async function burst(http: Http, url: string, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => http.request('GET', `${url}/r${i}`, { kind: 'GET' })))
}

describe('concurrency: auto', () => {
  it('grows while the latency stays flat, never past the ceiling', async () => {
    const srv = await serve(() => 10)
    try {
      const http = client(4, 24)
      await burst(http, srv.url, 600)
      const c = http.concurrency()
      expect(c).toMatchObject({ adaptive: true, ceiling: 24 })
      if (process.env['LIMIT_PRINT']) process.stdout.write(JSON.stringify(c) + '\n')
      expect(c.peak).toBeGreaterThan(4)
      expect(c.settled).toBeGreaterThan(4)
      expect(srv.maxInFlight()).toBeLessThanOrEqual(24)
    } finally {
      await srv.close()
    }
  })

  it('falls when the server slows down under load (a fragile Nexus is not flooded)', async () => {
    // each request in flight adds 4 ms: latency grows with load, so more in flight buys nothing
    const srv = await serve(inFlight => 4 * inFlight)
    try {
      const http = client(16, 32)
      await burst(http, srv.url, 600)
      const c = http.concurrency()
      expect(c.backoffs).toBeGreaterThan(0)
      expect(c.settled).toBeLessThan(16)
    } finally {
      await srv.close()
    }
  })

  it('halves at once on 503, and stays low while the server keeps refusing', async () => {
    const srv = await serve(
      () => 5,
      n => (n % 3 === 0 ? 503 : 200)
    )
    try {
      const http = client(16, 32)
      await burst(http, srv.url, 300)
      const c = http.concurrency()
      expect(c.backoffs).toBeGreaterThan(0)
      expect(c.settled).toBeLessThan(16)
      expect(http.counts['retries']).toBeGreaterThan(0)
    } finally {
      await srv.close()
    }
  })

  it('with the ceiling at its start it cannot grow, but still backs off', async () => {
    const srv = await serve(
      () => 5,
      n => (n % 3 === 0 ? 503 : 200)
    )
    try {
      const http = client(8, 8)
      await burst(http, srv.url, 300)
      const c = http.concurrency()
      expect(c).toMatchObject({ adaptive: true, ceiling: 8, peak: 8 })
      expect(c.backoffs).toBeGreaterThan(0)
      expect(c.settled).toBeLessThan(8)
    } finally {
      await srv.close()
    }
  })

  it('a number fixes it: the server never sees more, the limit never moves', async () => {
    const srv = await serve(() => 5)
    try {
      const http = client(6)
      await burst(http, srv.url, 200)
      expect(http.concurrency()).toEqual({ adaptive: false, settled: 6, peak: 6, ceiling: 6, backoffs: 0 })
      expect(srv.maxInFlight()).toBeLessThanOrEqual(6)
    } finally {
      await srv.close()
    }
  })
})
