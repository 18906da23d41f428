// --help grouped by purpose like the inputs table, with examples; every input in exactly one group;
// merge-reports --help.

import { execFile } from 'node:child_process'
import { helpText } from '../../src/cli/args'
import { INPUT_GROUPS, INPUTS } from '../../src/config/inputs'
import { distCli } from '../../test/support/dist-current'

const cli = (args: string[]): Promise<{ code: number; stdout: string }> =>
  new Promise(resolve =>
    execFile(process.execPath, [distCli(), ...args], (e, stdout) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout }))
  )

it('every input is in exactly one group, in the order of the inputs table', () => {
  const grouped = INPUT_GROUPS.flatMap(g => g.inputs)
  expect([...grouped].sort()).toEqual(INPUTS.map(i => i.name).sort())
  expect(new Set(grouped).size).toBe(grouped.length)
  const order = new Map(INPUTS.map((i, n) => [i.name, n]))
  for (const g of INPUT_GROUPS) {
    const at = g.inputs.map(n => order.get(n) as number)
    expect({ group: g.title, at }).toEqual({ group: g.title, at: [...at].sort((a, b) => a - b) })
  }
})

it('--help shows the groups in order, each flag once, then examples and the exit codes', () => {
  const text = helpText('1.2.3', 100)
  const titles = [...INPUT_GROUPS.map(g => g.title), 'The command line', 'Examples'].map(t => `\n${t}:\n`)
  const at = titles.map(t => text.indexOf(t))
  expect(at.every(i => i > 0)).toBe(true)
  expect(at).toEqual([...at].sort((a, b) => a - b))
  for (const i of INPUTS.filter(x => x.name !== 'password')) expect(text.split(new RegExp(`\\n  --${i.name}[ \\n]`)).length - 1).toBe(1)
  expect(text).toContain('--config cleanup.yml --delete')
  expect(text).toContain('130/143/129 stopped by SIGINT/SIGTERM/SIGHUP')
})

it('merge-reports --help (and -h) prints its own usage, exit 0', async () => {
  for (const flag of ['--help', '-h']) {
    const r = await cli(['merge-reports', flag])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Usage: nexus-image-lifecycle merge-reports FILE\.\.\. \[--json\] \[--report-file FILE\]/)
    expect(r.stdout).toContain('An image is host + API + repository + name')
  }
})
