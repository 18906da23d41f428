// Where the run spools what it must not hold in memory: a fresh directory only this user can read (mkdtemp
// makes it 0700), under the runner's temporary directory when there is one (GitHub empties it after the job).

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function privateTempDir(): string {
  return mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'nexus-image-lifecycle-'))
}
