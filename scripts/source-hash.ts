// One hash of what dist/ is built from (src/, the report schema it bundles, the lockfile, the compiler options), so tests that run
// dist/ can tell at once that it is stale instead of testing yesterday's code.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

function files(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
}

export function sourceHash(root: string): string {
  const h = createHash('sha256')
  const inputs = [...files(join(root, 'src')), ...files(join(root, 'schema')), join(root, 'package-lock.json'), join(root, 'tsconfig.json')]
  for (const f of inputs.map(f => relative(root, f).split('\\').join('/')).sort()) {
    h.update(`${f}\0`)
    h.update(readFileSync(join(root, f)))
    h.update('\0')
  }
  return h.digest('hex')
}

/** Where `npm run package` records the hash of the sources it bundled. */
export const SOURCE_HASH_FILE = join('dist', 'source.sha256')
