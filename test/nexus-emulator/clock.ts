/**
 * The emulator clock. Dates written into the store (pushes, downloads, task runs) come from here so
 * tests can freeze or move time: "age" in Nexus is lastModified (§4.4) and lastDownloaded is
 * rate-limited by an interval (§4.5), both of which tests need to control.
 */

export class Clock {
  /** When set, time is frozen at this epoch-ms value (moved only by set/advance). */
  private frozenAt: number | null = null
  /** Offset added to real time when not frozen. */
  private offsetMs = 0
  private listeners: Array<() => void> = []

  now(): Date {
    return new Date(this.nowMs())
  }

  nowMs(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs
  }

  isFrozen(): boolean {
    return this.frozenAt !== null
  }

  /** Freeze the clock at `date`. */
  set(date: Date | string | number): void {
    const ms = new Date(date).getTime()
    if (Number.isNaN(ms)) throw new Error(`Invalid date: ${String(date)}`)
    this.frozenAt = ms
    this.fire()
  }

  /** Move the clock forward (frozen: moves the frozen instant; real: adds an offset). */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms
    else this.offsetMs += ms
    this.fire()
  }

  /** Back to real time (keeping no offset). */
  useRealTime(): void {
    this.frozenAt = null
    this.offsetMs = 0
    this.fire()
  }

  /** Called after every change, so time-driven work (tasks in `clock` mode) can progress. */
  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  private fire(): void {
    for (const l of this.listeners) l()
  }
}
