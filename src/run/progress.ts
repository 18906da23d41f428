// Where a long run is: its phase, images done of the images selected, tags deleted (or that a dry run
// would delete) of those planned so far, with a rate and an ETA. Said every PROGRESS_MS while work goes on
// (stderr for the CLI, the log for the action), and read by the doors when a run fails or stops, so the
// record says what was already done.

import type { Logger } from '../util/log'

export type Phase = 'listing' | 'planning and deleting' | 'planning (dry run)' | 'reclaiming' | 'done'

/** How often a run that is still working says where it is. */
export const PROGRESS_MS = 10_000

export class Progress {
  phase: Phase = 'listing'
  imagesTotal: number | undefined
  imagesDone = 0
  /** Tags the plans so far delete (or would, in a dry run), and how many of them went. */
  tagsPlanned = 0
  tagsDeleted = 0
  /** Requests sent so far (the HTTP client counts them). */
  requests: () => number = () => 0
  private readonly t0 = Date.now()
  private phaseT0 = Date.now()
  private phaseDone0 = 0
  private timer: NodeJS.Timeout | undefined

  enter(phase: Phase): void {
    this.phase = phase
    this.phaseT0 = Date.now()
    this.phaseDone0 = this.imagesDone
  }

  /** Says the line every `everyMs` until stopped; never holds the process open. */
  start(log: Logger, everyMs = PROGRESS_MS): void {
    this.timer = setInterval(() => log.info(this.line()), everyMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** e.g. `progress: planning and deleting: 12/40 images, 340/900 tags deleted, 3.1 images/s, ETA 9s, 1,204 requests`. */
  line(now = Date.now()): string {
    const parts = [`progress: ${this.phase}`]
    const elapsed = (now - this.phaseT0) / 1000
    if (this.phase !== 'listing') {
      const total = this.imagesTotal
      parts.push(total === undefined ? `${this.imagesDone} images` : `${this.imagesDone}/${total} images`)
      const verb = this.phase === 'planning (dry run)' ? 'would delete' : 'deleted'
      parts.push(verb === 'deleted' ? `${this.tagsDeleted}/${this.tagsPlanned} tags deleted` : `${this.tagsPlanned} tags would go`)
      const rate = elapsed > 0 ? (this.imagesDone - this.phaseDone0) / elapsed : 0
      if (rate > 0) {
        parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} images/s`)
        if (total !== undefined) parts.push(`ETA ${duration((total - this.imagesDone) / rate)}`)
      }
    }
    parts.push(`${this.requests()} requests`, `${duration((now - this.t0) / 1000)} so far`)
    return parts.join(', ')
  }
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}
