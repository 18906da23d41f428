// How many requests are in flight: fixed, or adaptive (`concurrency: auto`), in the way of the adaptive
// limiters of service meshes (AIMD on a latency gradient, with probes judged by throughput). Each window
// (two rounds of the limit, counting only requests started under it) takes its typical latency (the lower
// quartile: a pause of this process stretches some answers, a queue at the server all of them) and its rate
// by Little's law (limit / typical latency). Latency grown to twice the lowest seen: down by a fifth, unless
// the load still buys a quarter more answers per second than while the latency was flat (then it holds).
// Otherwise, in a busy window (most requests waited for a slot), a probe one step up; if the next busy
// window answers no more per second, the probe is taken back (and a fifth more when the latency grew: a
// queue at the server). A 429, 503 or timeout halves it at once (once per window). Until the first back-off
// it doubles while the latency stays flat (TCP's slow start). Never above the ceiling, never below 1: a
// Nexus that slows down under load sees fewer requests.

import { Limiter } from '../util/concurrency'

export type Outcome = 'ok' | 'overload'

export interface LimitOptions {
  initial: number
  /** The ceiling (max-concurrency); the limit never moves when not adaptive. */
  max: number
  /** concurrency auto; false fixes the limit at initial. */
  adaptive: boolean
  min?: number
  now?: () => number
}

/** What the run settled at, for the report. */
export interface LimitReport {
  adaptive: boolean
  /** The limit when the run ended. */
  settled: number
  /** The highest limit reached, and the ceiling. */
  peak: number
  ceiling: number
  /** Times it backed off for an overload answer or growing latency. */
  backoffs: number
}

const GROWTH = 2 // a window's typical latency this many times the unloaded latency means a queue is building
const FLAT = 1.3 // within this factor the latency is flat: room for more
const NOISE_MS = 4 // latency within this of the lowest is flat, whatever the ratio: event-loop turns, not a queue
const STILL_GAINING = 1.25 // a grown latency is tolerated while the load buys this many times the answers per second

export class AdaptiveLimiter {
  private readonly slots: Limiter
  private peak: number
  private baseline = Number.POSITIVE_INFINITY
  private window: number[] = []
  /** When the limit last changed: a request started before it says nothing about the new limit. */
  private changedAt = Number.NEGATIVE_INFINITY
  /** Completions per ms of the last window, and whether the limit was raised before it. */
  private lastRate = 0
  private raisedFrom: number | undefined
  private saturated = false
  /** Requests of this window that took the last free slot. */
  private fullStarts = 0
  /** Answers per ms of the last window whose latency was flat: what the load bought before it grew. */
  private flatRate = 0
  private droppedThisWindow = false
  private backoffs = 0
  /** Like TCP's slow start: double while there is headroom, until the first sign of trouble. */
  private slowStart = true
  private readonly min: number
  private readonly now: () => number

  constructor(private readonly opts: LimitOptions) {
    this.min = Math.max(1, opts.min ?? 1)
    this.slots = new Limiter(Math.max(this.min, Math.min(opts.initial, opts.max)))
    this.peak = this.slots.size
    this.now = opts.now ?? (() => performance.now())
  }

  get limit(): number {
    return this.slots.size
  }

  report(): LimitReport {
    return {
      adaptive: this.opts.adaptive,
      settled: this.slots.size,
      peak: this.peak,
      ceiling: this.opts.adaptive ? this.opts.max : this.slots.size,
      backoffs: this.backoffs
    }
  }

  /** Runs `fn` within the limit; `outcome` says whether its answer was an overload (429, 503, timeout). */
  run<T>(fn: () => Promise<T>, outcome: (result: T | undefined, error: unknown) => Outcome = () => 'ok'): Promise<T> {
    return this.slots.run(async () => {
      // every slot in use (this one included): the limit, not the caller, sets the pace
      const full = this.slots.full
      if (full) this.saturated = true
      const t0 = this.now()
      let result: T | undefined
      let error: unknown
      try {
        result = await fn()
        return result
      } catch (e) {
        error = e
        throw e
      } finally {
        this.record(this.now() - t0, outcome(result, error), full)
      }
    })
  }

  /** A latency close enough to the lowest seen to count as unloaded. */
  private flat(ms: number): boolean {
    return ms <= this.baseline * FLAT || ms - this.baseline <= NOISE_MS
  }

  private backOff(n: number): void {
    this.backoffs++
    this.slowStart = false
    this.setLimit(n)
  }

  private setLimit(n: number): void {
    const size = Math.max(this.min, Math.min(this.opts.max, n))
    if (size !== this.slots.size) this.changedAt = this.now()
    this.slots.resize(size)
    this.peak = Math.max(this.peak, this.slots.size)
  }

  private record(ms: number, outcome: Outcome, full: boolean): void {
    if (!this.opts.adaptive) return
    if (outcome === 'overload') {
      if (!this.droppedThisWindow) {
        this.backOff(Math.floor(this.slots.size / 2))
        this.droppedThisWindow = true
      }
      return
    }
    const at = this.now()
    if (at - ms < this.changedAt) return
    this.window.push(ms)
    if (full) this.fullStarts++
    // two rounds of the limit: enough answers that the rate of one window can be told from the last's
    if (this.window.length < Math.max(8, 2 * this.slots.size)) return
    const sorted = [...this.window].sort((a, b) => a - b)
    // The lower quartile, not the typical: a pause of this process (a full GC, a plan) stretches the answers
    // that arrive during it, up to half a window's; a queue at the server stretches them all.
    const typical = sorted[Math.floor(sorted.length / 4)] ?? ms
    // Answers per ms, by Little's law from the limit and the typical latency: the count over the window's
    // span swings by a third from one window to the next (event-loop turns, bursts), the quartile barely.
    const rate = this.slots.size / Math.max(1, typical)
    this.baseline = Math.min(this.baseline, typical)
    const raisedFrom = this.raisedFrom
    this.raisedFrom = undefined
    // Most of the window's requests took the last free slot: the limit set the pace, so the window's rate
    // says what the limit buys. Otherwise the caller did (a pipeline between bursts), and the rate says
    // nothing about a probe: it is neither kept for good nor taken back.
    const busy = this.fullStarts >= this.window.length / 2
    if (this.droppedThisWindow) {
      // the window that saw an overload does not also count as headroom
    } else if (typical > this.baseline * GROWTH && typical - this.baseline > NOISE_MS) {
      // A grown latency is a queue, unless the load still buys clearly more answers per second than it did
      // while the latency was flat (a server busy but not yet at its capacity, or a client's own CPU share
      // on a small runner): then hold, neither up nor down.
      if (rate < this.flatRate * STILL_GAINING) this.backOff(Math.floor(this.slots.size * 0.8))
    } else if (raisedFrom !== undefined && !busy) {
      this.raisedFrom = raisedFrom // judged by the next busy window
    } else if (raisedFrom !== undefined && rate < this.lastRate * 1.05) {
      // More in flight bought no more answers per second: take the probe back, and one more (a step, not a
      // fifth: on a noisy small runner one window's rate misjudges a probe often, and a fifth per miss
      // would sink the limit; a real queue is the growth rule's, above).
      this.backOff(raisedFrom - 1)
    } else if (this.saturated && busy && this.slots.size < this.opts.max) {
      // A probe: one step up, judged by the next window's rate. Doubling only while the latency is flat and
      // nothing has gone wrong yet. (At the ceiling there is nothing to raise, and no raise to judge.)
      this.raisedFrom = this.slots.size
      const double = this.slowStart && this.flat(typical)
      this.setLimit(double ? this.slots.size * 2 : this.slots.size + Math.max(1, Math.floor(this.slots.size / 8)))
    }
    if (this.flat(typical) && busy) this.flatRate = Math.max(this.flatRate * 0.9, rate)
    if (busy) this.lastRate = rate
    // The unloaded latency may rise for good (a slower path): follow it slowly, so one quiet moment
    // does not make every later window look overloaded.
    if (typical > this.baseline) this.baseline += (typical - this.baseline) * 0.02
    this.window = []
    this.fullStarts = 0
    this.saturated = this.slots.full
    this.droppedThisWindow = false
  }
}
