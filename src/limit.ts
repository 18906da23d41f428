// A counting semaphore: bounds parallel HTTP requests across images and tags.

export class Limiter {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await fn()
    } finally {
      this.release()
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++
      return Promise.resolve()
    }
    return new Promise(resolve => this.waiting.push(resolve))
  }

  private release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.active--
  }
}

/** Map with at most `size` callbacks in flight; results keep input order. */
export async function mapLimit<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  })
  await Promise.all(workers)
  return out
}
