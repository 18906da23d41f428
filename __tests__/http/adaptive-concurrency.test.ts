// concurrency: auto, twice. On a virtual clock (a simulated server, time that moves only when the next
// answer is due) the limit's algorithm is deterministic: where it settles against flat latency, a server
// with a capacity, one whose latency is its load (a fragile Nexus is not flooded), one that refuses above a
// load, one that recovers. Against real loopback servers, what the wiring guarantees whatever the machine's
// load: the ceiling is never passed, the limit rises, 503s make it fall, a number fixes it. (A loopback
// server that slows down under load is not among them: on a CI machine whose cores run other test workers,
// the client's own event-loop delay drowns the server's latency signal, which made that test flaky.)
// Counts, not times, are asserted.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AdaptiveLimiter, type LimitOptions, type LimitReport } from '../../src/http/adaptive-limit'
import { Http } from '../../src/http/http'
import { memoryLogger } from '../../test/support/memory-logger'

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

describe('concurrency: auto against loopback servers', () => {
  it('grows while the latency stays flat, never past the ceiling', async () => {
    const srv = await serve(() => 10)
    try {
      const http = client(4, 24)
      await burst(http, srv.url, 600)
      const c = http.concurrency()
      expect(c).toMatchObject({ adaptive: true, ceiling: 24 })
      // Where it settles is asserted on the virtual clock below: here the latency is the machine's, and on
      // a loaded CI machine (other test workers on the same two cores) it is not flat.
      expect(c.peak).toBeGreaterThan(4)
      expect(srv.maxInFlight()).toBeGreaterThan(4)
      expect(srv.maxInFlight()).toBeLessThanOrEqual(24)
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

interface Answer {
  ms: number
  overload?: boolean
}

interface Simulated extends LimitReport {
  /** The most requests the simulated server had in flight at once. */
  maxInFlight: number
  /** The limit after each completed request. */
  trace: number[]
}

/**
 * Runs `total` requests through an AdaptiveLimiter against a simulated server answering `server(inFlight,
 * n)` for the n-th request. Time is virtual: it jumps to the next due answer once every promise has
 * settled, so the result depends on the algorithm alone, never on the machine.
 */
async function simulate(
  opts: Omit<LimitOptions, 'now'>,
  total: number,
  server: (inFlight: number, n: number) => Answer,
  /** Requests asked for at once, batch after batch (default: all `total` at once). */
  batches?: number[]
): Promise<Simulated> {
  let t = 0
  let seq = 0
  let inFlight = 0
  let maxInFlight = 0
  let started = 0
  const due: { at: number; seq: number; fire: () => void }[] = []
  const trace: number[] = []
  const limiter = new AdaptiveLimiter({ ...opts, now: () => t })
  const one = (): Promise<boolean> =>
    limiter.run(
      async () => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        const answer = server(inFlight, ++started)
        await new Promise<void>(resolve => due.push({ at: t + answer.ms, seq: seq++, fire: resolve }))
        inFlight--
        trace.push(limiter.limit)
        return answer.overload === true
      },
      overload => (overload ? 'overload' : 'ok')
    )
  let finished = false
  const ask = async (): Promise<void> => {
    if (!batches) return void (await Promise.all(Array.from({ length: total }, one)))
    for (const size of batches) await Promise.all(Array.from({ length: size }, one))
  }
  void ask().then(() => (finished = true))
  for (;;) {
    await new Promise(resolve => setImmediate(resolve))
    if (finished) break
    due.sort((a, b) => a.at - b.at || a.seq - b.seq)
    const next = due.shift()
    if (!next) throw new Error('simulation stalled: requests wait and none is due')
    t = next.at
    next.fire()
  }
  return { ...limiter.report(), maxInFlight, trace }
}

const tail = (trace: number[], n: number): number[] => trace.slice(-n)

describe('concurrency: auto on a virtual clock', () => {
  it('climbs to the ceiling and stays there while the latency is flat', async () => {
    const r = await simulate({ initial: 4, max: 24, adaptive: true }, 3000, () => ({ ms: 10 }))
    expect(r).toMatchObject({ settled: 24, peak: 24, ceiling: 24, maxInFlight: 24 })
    expect(Math.min(...tail(r.trace, 500))).toBe(24)
  })

  it("settles near a server's capacity: more in flight there only queues", async () => {
    // 8 requests at once are served in 10 ms; beyond that they queue and each takes longer
    const r = await simulate({ initial: 4, max: 64, adaptive: true }, 4000, inFlight => ({ ms: 10 * Math.max(1, inFlight / 8) }))
    expect(r.backoffs).toBeGreaterThan(0)
    expect(r.peak).toBeLessThan(64)
    for (const limit of tail(r.trace, 1000)) {
      expect(limit).toBeGreaterThanOrEqual(4)
      expect(limit).toBeLessThanOrEqual(16)
    }
  })

  it('falls when every request in flight slows the others (the latency is the load)', async () => {
    const r = await simulate({ initial: 16, max: 32, adaptive: true }, 3000, inFlight => ({ ms: 4 * inFlight }))
    expect(r.backoffs).toBeGreaterThan(0)
    for (const limit of tail(r.trace, 1000)) expect(limit).toBeLessThan(16)
  })

  it('stays at or below the load a server refuses above (503 past 6 in flight)', async () => {
    const r = await simulate({ initial: 16, max: 32, adaptive: true }, 3000, inFlight => ({ ms: 5, overload: inFlight > 6 }))
    expect(r.backoffs).toBeGreaterThan(0)
    const last = tail(r.trace, 1000)
    expect(Math.max(...last)).toBeLessThanOrEqual(8)
    expect(Math.min(...last)).toBeGreaterThanOrEqual(3)
  })

  it('grows again once a refusing server recovers', async () => {
    const r = await simulate({ initial: 16, max: 32, adaptive: true }, 4000, (_inFlight, n) => ({ ms: 5, overload: n <= 600 && n % 2 === 0 }))
    const low = Math.min(...r.trace.slice(0, 600))
    expect(low).toBeLessThanOrEqual(2)
    expect(r.settled).toBeGreaterThan(low * 4)
  })

  it('climbs to the ceiling when the demand comes in bursts (a quiet window proves nothing against a probe)', async () => {
    // a pipeline's demand: bursts of 64 requests between lulls of 2, on a server whose latency never grows
    const batches = Array.from({ length: 60 }, (_, i) => (i % 3 === 2 ? 2 : 64))
    const r = await simulate({ initial: 8, max: 32, adaptive: true }, 0, () => ({ ms: 20 }), batches)
    expect(r.backoffs).toBe(0)
    expect(r.peak).toBe(32)
    expect(r.settled).toBe(32)
  })

  it('a fixed limit never moves, whatever the server answers', async () => {
    const r = await simulate({ initial: 6, max: 6, adaptive: false }, 500, (inFlight, n) => ({ ms: 3 * inFlight, overload: n % 5 === 0 }))
    expect(r).toMatchObject({ adaptive: false, settled: 6, peak: 6, backoffs: 0, maxInFlight: 6 })
    expect(new Set(r.trace)).toEqual(new Set([6]))
  })
})
