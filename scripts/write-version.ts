// Writes src/util/version.ts from package.json's version before bundling, so dist/ carries the version alone
// (bundling package.json itself would change dist/ whenever any dependency or script changes).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(__dirname, '..')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
const text = `// Written by scripts/write-version.ts from package.json (npm run package); do not edit.\nexport const VERSION = '${version}'\n`
const file = join(root, 'src', 'util', 'version.ts')
let current = ''
try {
  current = readFileSync(file, 'utf8')
} catch {
  // first run
}
if (current !== text) writeFileSync(file, text)
