// Run by `npm run package` after bundling: records which sources dist/ was built from.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SOURCE_HASH_FILE, sourceHash } from './source-hash'

const root = join(__dirname, '..')
writeFileSync(join(root, SOURCE_HASH_FILE), `${sourceHash(root)}\n`)
