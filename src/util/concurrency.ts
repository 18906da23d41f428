// A counting semaphore and ordered parallel maps: how many requests and images are in flight at once.

export class Limiter {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(private limit: number) {}

  get size(): number {
    return this.limit
  }

  /** Every slot is taken: a caller now waits (or just took the last one). */
  get full(): boolean {
    return this.active >= this.limit
  }

  /** A new size: a larger one starts waiting callers at once; a smaller one lets running ones finish. */
  resize(size: number): void {
    this.limit = size
    this.dispatch()
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await fn()
    } finally {
      this.active--
      this.dispatch()
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++
      return Promise.resolve()
    }
    return new Promise(resolve => this.waiting.push(resolve))
  }

  private dispatch(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++
      this.waiting.shift()?.()
    }
  }
}

/** Map with at most `size` callbacks in flight; results keep input order. */
export async function mapLimit<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T, i)
    }
  })
  await Promise.all(workers)
  return out
}

/**
 * Runs `fn` over `items` with at most `size` in flight and hands each result to `emit` in input order,
 * as soon as it and every earlier one are done. An item starts only within `size * 2` of the oldest
 * unemitted one, so a slow item holds back a bounded number of finished results, not all of them.
 */
export async function mapOrdered<T, R>(
  items: readonly T[],
  size: number,
  fn: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => void
): Promise<void> {
  const window = Math.max(1, size) * 2
  const done = new Map<number, R>()
  let next = 0
  let emitted = 0
  let wake: (() => void)[] = []
  const flush = (): void => {
    while (done.has(emitted)) {
      const r = done.get(emitted) as R
      done.delete(emitted)
      emit(r, emitted++)
    }
    const waiting = wake
    wake = []
    for (const w of waiting) w()
  }
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (next >= emitted + window) {
        await new Promise<void>(resolve => wake.push(resolve))
        continue
      }
      const i = next++
      done.set(i, await fn(items[i] as T, i))
      flush()
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, size), items.length) }, worker))
}
