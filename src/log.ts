// The logging seam: the action logs through @actions/core (groups, annotations), the CLI to stderr.

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/** Plain console logger for the CLI and scripts: everything on stderr so stdout stays the report. */
export function consoleLogger(verbose = false): Logger {
  return {
    debug: m => {
      if (verbose) process.stderr.write(`debug: ${m}\n`)
    },
    info: m => process.stderr.write(`${m}\n`),
    warning: m => process.stderr.write(`warning: ${m}\n`),
    error: m => process.stderr.write(`error: ${m}\n`),
    group: async (name, fn) => {
      process.stderr.write(`== ${name}\n`)
      return fn()
    }
  }
}
