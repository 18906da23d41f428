/** Waits `ms`; the default behind every injectable wait (retry backoff, task polls). */
export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
