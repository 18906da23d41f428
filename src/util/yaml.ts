// yaml, loaded on first use: most runs read no YAML (no rules, no config file), and evaluating the
// package is about a sixth of the CLI's start-up.
import type * as Yaml from 'yaml'

let loaded: typeof Yaml | undefined

export function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('yaml') as typeof Yaml)
}
