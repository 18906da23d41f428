// The guard in front of every test that runs dist/: it must notice a source change after the last build.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SOURCE_HASH_FILE, sourceHash } from '../../scripts/source-hash'
import { distStaleness } from '../../test/support/dist-current'

describe('dist/ staleness check', () => {
  it('passes on the built tree, fails after a source edit or without a record', () => {
    const root = mkdtempSync(join(tmpdir(), 'nil-dist-'))
    mkdirSync(join(root, 'src', 'run'), { recursive: true })
    mkdirSync(join(root, 'dist'))
    writeFileSync(join(root, 'src', 'run', 'a.ts'), 'export const a = 1\n')
    writeFileSync(join(root, 'package-lock.json'), '{}\n')
    writeFileSync(join(root, 'tsconfig.json'), '{}\n')
    expect(distStaleness(root)).toMatch(/missing: run npm run package/)
    writeFileSync(join(root, SOURCE_HASH_FILE), `${sourceHash(root)}\n`)
    expect(distStaleness(root)).toBeUndefined()
    writeFileSync(join(root, 'src', 'run', 'a.ts'), 'export const a = 2\n')
    expect(distStaleness(root)).toMatch(/run npm run package/)
    // the report schema is bundled too
    writeFileSync(join(root, SOURCE_HASH_FILE), `${sourceHash(root)}\n`)
    mkdirSync(join(root, 'schema'))
    writeFileSync(join(root, 'schema', 'report.schema.json'), '{}\n')
    expect(distStaleness(root)).toMatch(/run npm run package/)
  })

  it('holds for this checkout', () => {
    expect(distStaleness()).toBeUndefined()
  })
})
