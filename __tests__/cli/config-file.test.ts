// --config FILE.yml: the action's inputs as keys, flags on the command line win, an unknown key is refused
// naming the closest (exit 2), the password only by the name of its variable, all checked before any request.

import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readConfigFile } from '../../src/cli/config-file'
import { parseConfig } from '../../src/config/config'
import { distCli } from '../../test/support/dist-current'
import { FakeRegistry, imageBody, startFakeRegistry } from '../../test/support/fake-registry'

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nil-config-')), 'cleanup.yml')
  writeFileSync(path, text)
  return path
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve =>
    execFile(process.execPath, [distCli(), ...args], { env: { PATH: process.env.PATH, ...env } }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr })
    )
  )
}

describe('readConfigFile', () => {
  it('reads inputs as the action would: scalars as text, lists as lines, password-env apart', () => {
    const f = file('api: registry\nhost: https://r.example.com\nkeep: 5\ndry-run: false\nimages:\n  - shop/*\n  - tools/**\npassword-env: REG_PW\n')
    expect(readConfigFile(f)).toEqual({
      inputs: { api: 'registry', host: 'https://r.example.com', keep: '5', 'dry-run': 'false', images: 'shop/*\ntools/**' },
      passwordEnv: 'REG_PW'
    })
  })

  it.each([
    ['kepp: 3\n', "unknown key 'kepp' (did you mean keep?)"],
    ['zzzzzzzz: 1\n', "unknown key 'zzzzzzzz' (the keys are the inputs, as in --help)"],
    ['password: hunter2\n', 'password is never read from a file; name the variable that holds it (password-env: VAR)'],
    ['keep: [1, 2]\n', 'keep takes one value, not a list'],
    ['- keep: 1\n', 'expected a mapping of input names to values'],
    ['keep: 1\nkeep: 2\n', 'not YAML'],
    ['images: {a: 1}\n', 'images must be a string, a number or true/false, or a list']
  ])('refuses %p: %s', (text, message) => {
    expect(() => readConfigFile(file(text))).toThrow(message)
  })
})

describe('--config with the CLI', () => {
  let fake: FakeRegistry
  beforeEach(async () => {
    fake = await startFakeRegistry()
    for (let i = 0; i < 6; i++) fake.put('app', imageBody(`app ${i}`), `1.${i}.0`)
  })
  afterEach(() => fake.close())

  it('runs from the file; a flag on the command line wins over it', async () => {
    const f = file(`api: registry\nhost: ${fake.origin}\nkeep: 2\nretries: 0\n`)
    const fromFile = await cli(['--config', f, '--json'])
    expect(fromFile.code).toBe(0)
    expect((JSON.parse(fromFile.stdout) as { totals: { tags: { wouldDelete: number } } }).totals.tags.wouldDelete).toBe(4)
    const overridden = await cli(['--config', f, '--keep', '5', '--json'])
    expect((JSON.parse(overridden.stdout) as { totals: { tags: { wouldDelete: number } } }).totals.tags.wouldDelete).toBe(1)
    expect(fake.deleted).toEqual([])
  })

  it('an unknown key is bad usage (exit 2), before any request', async () => {
    const f = file(`api: registry\nhost: ${fake.origin}\nolder-then: 30d\n`)
    const r = await cli(['--config', f])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`--config ${f}: unknown key 'older-then' (did you mean older-than?)`)
    expect(fake.srv.requests).toEqual([])
  })

  it('a bad value in the file is refused like the input, before any request', async () => {
    const r = await cli(['--config', file(`api: registry\nhost: ${fake.origin}\nkeep: -1\n`)])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("Invalid input 'keep'")
    expect(fake.srv.requests).toEqual([])
  })

  it('the password comes from the variable the file names', async () => {
    let seen = ''
    fake.before = req => ((seen = String(req.headers.authorization ?? seen)), false)
    const r = await cli(['--config', file(`api: registry\nhost: ${fake.origin}\nusername: ci\npassword-env: REG_PW\n`)], { REG_PW: 's3cret' })
    expect(r.code).toBe(0)
    expect(seen).toBe('Basic ' + Buffer.from('ci:s3cret').toString('base64'))
  })
})

it("docs/cli.md's config file example reads and parses into a config", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8')
  const block = /```yaml\n(# cleanup\.yml[^\n]*\n[\s\S]*?)```/.exec(readme.replace(/^ {2}/gm, ''))?.[1]
  expect(block).toBeDefined()
  const { inputs, passwordEnv } = readConfigFile(file(block as string))
  expect(passwordEnv).toBe('NEXUS_PASSWORD')
  const cfg = parseConfig(n => inputs[n])
  expect(cfg.policy.keep).toBe(5)
  expect(cfg.policy.keepTags).toEqual(['latest', 'stable'])
})
