// The GitHub side: every action pinned by commit SHA (a tag can be moved), and one Node version for the
// action's runtime and CI (.node-version).

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8')
const workflows = readdirSync(join(ROOT, '.github', 'workflows')).map(f => `.github/workflows/${f}`)

describe('workflows', () => {
  it('pin every action to a full commit SHA, with its version in a comment', () => {
    const uses = workflows.flatMap(f => [...read(f).matchAll(/uses:\s*(\S+)(.*)/g)].map(m => ({ f, ref: m[1], rest: m[2] })))
    expect(uses.length).toBeGreaterThan(5)
    for (const u of uses) {
      expect({ ...u, pinned: /@[0-9a-f]{40}$/.test(u.ref) && /# v\d/.test(u.rest) }).toMatchObject({ pinned: true })
    }
  })

  it('take Node from .node-version, which is the action runtime', () => {
    const major = read('.node-version').trim()
    expect(read('action.yml')).toContain(`using: 'node${major}'`)
    for (const f of workflows.filter(w => read(w).includes('setup-node'))) expect(read(f)).toContain('node-version-file: .node-version')
  })
})
