// Tests that run the bundle call this first: a dist/ built from other sources fails with the fix named,
// instead of passing or failing on code that is not in the tree.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SOURCE_HASH_FILE, sourceHash } from '../../scripts/source-hash'

const ROOT = join(__dirname, '..', '..')

export function distStaleness(root = ROOT): string | undefined {
  let recorded = ''
  try {
    recorded = readFileSync(join(root, SOURCE_HASH_FILE), 'utf8').trim()
  } catch {
    return `${SOURCE_HASH_FILE} is missing: run npm run package`
  }
  return recorded === sourceHash(root) ? undefined : 'dist/ was built from other sources than src/: run npm run package'
}

export function assertDistCurrent(): void {
  const stale = distStaleness()
  if (stale) throw new Error(stale)
}

/** The bundled CLI, checked current first. */
export function distCli(): string {
  assertDistCurrent()
  return join(ROOT, 'dist', 'cli', 'index.js')
}
