// The project stands alone: a clone with nothing beside it installs and passes its tests. No tracked file
// may read outside the tree or name this machine's absolute paths (fixtures live in test/fixtures/). What
// counts as outside is found at run time, wherever the clone is: the clone's own path and its parent's, the
// folders beside it (reached as `../<name>/` or `'..', '<name>'`), the home and temporary directories.

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { basename, dirname, join, sep } from 'node:path'

const ROOT = join(__dirname, '..', '..')

function outside(): string[] {
  const parent = dirname(ROOT)
  const beside = readdirSync(parent).filter(n => n !== basename(ROOT))
  const absolute = [ROOT, parent, homedir(), tmpdir()].filter(p => p !== sep).map(p => `${p}${sep}`)
  return [...new Set([...absolute, ...beside.flatMap(n => [`..${sep}${n}${sep}`, `'..', '${n}'`])])]
}

describe('the repository stands alone', () => {
  it('no tracked source, test, script or doc reaches outside the tree', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(f => /\.(ts|js|mjs|json|md|yml|yaml|sh)$|^\.ci\//.test(f) && !f.startsWith('dist/') && f !== 'package-lock.json')
    expect(files.length).toBeGreaterThan(50)
    const forbidden = outside()
    expect(forbidden.length).toBeGreaterThan(2)
    const hits = files.flatMap(f => {
      const text = readFileSync(join(ROOT, f), 'utf8')
      return forbidden.filter(s => text.includes(s)).map(s => `${f}: ${s}`)
    })
    expect(hits).toEqual([])
  })
})
