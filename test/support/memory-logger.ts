// A Logger that keeps every line, for tests that look at what a run said.
import type { Logger } from '../../src/util/log'

/** Collects everything; for tests and for counting warnings. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    debug: m => lines.push(`debug: ${m}`),
    info: m => lines.push(m),
    warning: m => lines.push(`warning: ${m}`),
    error: m => lines.push(`error: ${m}`),
    group: async (name, fn) => {
      lines.push(`== ${name}`)
      return fn()
    }
  }
}
