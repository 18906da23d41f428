// The logging seam: the action logs through @actions/core (groups, annotations), the CLI to stderr.

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/**
 * Text that cannot steer a workflow: a runner reads a line that starts (after blanks) with `::` as a
 * command, and server text may hold one (`::add-mask::`, `::stop-commands::`) or a line break before one.
 * Each such line is shown behind `» `; nothing else changes.
 */
export function unsteerable(text: string): string {
  return text.replace(/^([ \t]*)::/gm, '$1» ::')
}

/** One log message, one line: breaks inside it (server text) are shown as `⏎`, then unsteerable. */
export function oneLine(message: string): string {
  return unsteerable(message.replace(/\r\n|\r|\n/g, ' ⏎ '))
}

/** Plain console logger for the CLI and scripts: everything on stderr so stdout stays the report. */
export function consoleLogger(verbose = false): Logger {
  const say = (prefix: string, m: string): boolean => process.stderr.write(oneLine(`${prefix}${m}`) + '\n')
  return {
    debug: m => {
      if (verbose) say('debug: ', m)
    },
    info: m => void say('', m),
    warning: m => void say('warning: ', m),
    error: m => void say('error: ', m),
    group: async (name, fn) => {
      say('== ', name)
      return fn()
    }
  }
}
