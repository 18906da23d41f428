// How a run stops early and still leaves a record: a signal (the Actions runner cancels with SIGINT, then
// SIGTERM 7.5 s later, then kills 2.5 s after that; Kubernetes sends SIGTERM; a person presses Ctrl-C) or
// max-duration. From the first stop no new deletion starts; deletions in flight get DELETE_GRACE_MS to
// answer; what never answered is read back within CONFIRM_MS; then every request still open is aborted, so
// the summary, outputs and report are written well within 5 s. A second signal aborts at once.

import { setMaxListeners } from 'node:events'

export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'max-duration'

/** How long deletions in flight may still answer after the first stop. */
export const DELETE_GRACE_MS = 2000
/** How long reading back the deletions that never answered may take. */
export const CONFIRM_MS = 1500

/** The exit code a stop leaves: 128 + the signal's number, or 1 for max-duration. */
export function stopExitCode(reason: StopReason): number {
  return { SIGHUP: 129, SIGINT: 130, SIGTERM: 143, 'max-duration': 1 }[reason]
}

export class Stop {
  reason: StopReason | undefined
  at: Date | undefined
  /** Aborts every request still open (after the grace, or at a second signal). */
  readonly abort = new AbortController()
  private readonly grace: Promise<void>
  private endGrace: () => void = () => {}
  private timers: NodeJS.Timeout[] = []

  constructor() {
    this.grace = new Promise(resolve => (this.endGrace = resolve))
    // every request in flight listens on this signal: as many as max-concurrency, not a leak
    setMaxListeners(0, this.abort.signal)
  }

  get stopping(): boolean {
    return this.reason !== undefined
  }

  /** The first call stops the run; a second one aborts what is still open at once. */
  request(reason: StopReason): void {
    if (this.reason !== undefined) return this.abortNow()
    this.reason = reason
    this.at = new Date()
    this.timers.push(setTimeout(() => this.endGrace(), DELETE_GRACE_MS))
    this.timers.push(setTimeout(() => this.abortNow(), DELETE_GRACE_MS + CONFIRM_MS))
    for (const t of this.timers) t.unref()
  }

  /** `work`, or 'timeout' once the stop's grace for deletions in flight is over (never before a stop). */
  async withinGrace<T>(work: Promise<T>): Promise<T | 'timeout'> {
    return Promise.race([work, this.grace.then(() => 'timeout' as const)])
  }

  /** `work`, or 'timeout' after `ms` (reading back what a stop left unknown). */
  static within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<'timeout'>(resolve => (timer = setTimeout(() => resolve('timeout'), ms)))
    return Promise.race([work, limit]).finally(() => clearTimeout(timer))
  }

  /** Stops the run after `ms` (max-duration); the timer never holds the process open. */
  deadline(ms: number): void {
    const t = setTimeout(() => this.request('max-duration'), ms)
    t.unref()
    this.timers.push(t)
  }

  /**
   * Listens for SIGINT, SIGTERM and SIGHUP, saying through `warn` what each one does; returns the function
   * that stops listening.
   */
  listen(warn: (message: string) => void = () => {}): () => void {
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map(sig => {
      const h = (): void => {
        warn(
          this.stopping
            ? `${sig} again: aborting what is still open`
            : `${sig}: stopping: no new deletion starts; the ones in flight are confirmed, then the record is written`
        )
        this.request(sig)
      }
      process.on(sig, h)
      return [sig, h] as const
    })
    return () => {
      for (const [sig, h] of handlers) process.off(sig, h)
    }
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
  }

  private abortNow(): void {
    this.endGrace()
    if (!this.abort.signal.aborted) this.abort.abort(new Error(`the run was stopped (${this.reason ?? 'signal'})`))
  }
}
