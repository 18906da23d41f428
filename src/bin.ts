#!/usr/bin/env node
// Entry of the bundled CLI (dist/cli/index.js).
import { main } from './cli/cli'
import { oneLine } from './util/log'

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (e: Error) => {
    process.stderr.write(oneLine(`error: ${e.message}`) + '\n')
    process.exit(1)
  }
)
