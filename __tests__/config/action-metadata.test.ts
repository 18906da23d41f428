// What the Marketplace shows of action.yml: a description it does not cut (125 characters), a real author,
// input descriptions short enough for its table; the long form of each is in docs/inputs.md, the short one in
// the README's tables.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { INPUTS } from '../../src/config/inputs'
import { actionYml, inputsPage, readmeTables } from '../../scripts/docs'

const yml = readFileSync(join(__dirname, '..', '..', 'action.yml'), 'utf8')

describe('action.yml for the Marketplace', () => {
  it('is what scripts/docs.ts generates', () => {
    expect(yml).toBe(actionYml())
  })

  it('has a description under 125 characters and an author', () => {
    const description = /^description: '(.*)'$/m.exec(yml)?.[1] ?? ''
    expect(description.length).toBeGreaterThan(20)
    expect(description.length).toBeLessThan(125)
    expect(/^author: '(.+)'$/m.exec(yml)?.[1]).toBe('nexus-image-lifecycle contributors')
  })

  it('describes each input in one short line (action.yml and the README), docs/inputs.md in full', () => {
    for (const i of INPUTS) {
      expect({ name: i.name, long: i.summary.length > 80 }).toEqual({ name: i.name, long: false })
      expect(yml).toContain(`  ${i.name}:\n    description: '${i.summary.replace(/'/g, "''")}'`)
      expect(readmeTables()).toContain(`| \`${i.name}\` |`)
      expect(inputsPage()).toContain(i.description.replace(/\|/g, '\\|'))
    }
  })

  it('marks exactly the true/false inputs as boolean', () => {
    for (const i of INPUTS)
      expect({ name: i.name, boolean: i.boolean === true }).toEqual({ name: i.name, boolean: i.default === 'true' || i.default === 'false' })
  })
})
