// The project stands alone: a clone with nothing beside it installs and passes its tests. No tracked file
// may read outside the tree or name this machine's absolute paths (fixtures live in test/fixtures/).

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(__dirname, '..')
const OUTSIDE = [/\/work\//, /\.\.\/shared\//, /'\.\.',\s*'\.\.',\s*'shared'/, /\/root\//, /\/tmp\/[a-z]/]

describe('the repository stands alone', () => {
  it('no tracked source, test, script or doc reaches outside the tree', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(
        f => /\.(ts|js|json|md|yml|yaml|sh)$|^\.ci\//.test(f) && !f.startsWith('dist/') && f !== 'package-lock.json' && f !== '__tests__/standalone.test.ts'
      )
    expect(files.length).toBeGreaterThan(50)
    const hits = files.flatMap(f => {
      const text = readFileSync(join(ROOT, f), 'utf8')
      return OUTSIDE.filter(re => re.test(text)).map(re => `${f}: ${re.source}`)
    })
    expect(hits).toEqual([])
  })
})
