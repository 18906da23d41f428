// The npm package as a new user gets it: `npm pack`, installed into an empty folder (offline: the CLI is
// bundled, the package has no dependencies), gives a working CLI that plans the demo repository exactly
// as the CLI built in this tree does.

import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DEMO_POLICY, DEMO_REPOSITORY, demoScenario } from '../../scripts/demo-scenario'
import { startNexusEmulator } from '../../test/nexus-emulator/server'
import { assertDistCurrent } from '../../test/support/dist-current'

const run = promisify(execFile)
const ROOT = join(__dirname, '..', '..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>

let installed = ''

beforeAll(async () => {
  assertDistCurrent()
  const packDir = mkdtempSync(join(tmpdir(), 'nil-pack-'))
  await run('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: ROOT })
  const tarball = join(packDir, readdirSync(packDir).find(f => f.endsWith('.tgz')) as string)
  const user = mkdtempSync(join(tmpdir(), 'nil-user-'))
  writeFileSync(join(user, 'package.json'), '{"name":"someone","private":true}\n')
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: user })
  installed = join(user, 'node_modules', '.bin', 'nexus-image-lifecycle')
}, 120_000)

describe('the npm package', () => {
  it('is publishable: not private, with files, a license file, repository and homepage, no runtime dependencies', () => {
    expect(pkg['private']).toBeUndefined()
    expect(pkg['files']).toEqual(expect.arrayContaining(['dist/cli/', 'LICENSE']))
    expect(pkg['license']).toBe('MIT')
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
    expect(pkg['repository']).toBeDefined()
    expect(pkg['homepage']).toBeDefined()
    expect(pkg['dependencies']).toBeUndefined()
  })

  it('installed alone, answers --version and --help', async () => {
    const version = await run(installed, ['--version'])
    expect(version.stdout.trim()).toBe(pkg['version'])
    const help = await run(installed, ['--help'])
    expect(help.stdout).toMatch(/^Usage: nexus-image-lifecycle /m)
    expect(help.stdout).toContain('--keep-tags')
  })

  it('installed alone, plans the demo repository as the CLI of this tree does', async () => {
    const now = Date.now()
    const plans: unknown[] = []
    for (const bin of [installed, join(ROOT, 'dist', 'cli', 'index.js')]) {
      const nexus = await startNexusEmulator({ scenario: demoScenario(now) })
      try {
        const args = ['--host', nexus.url, '--repository', DEMO_REPOSITORY, '--username', 'admin', '--password-env', 'NIL_PW', ...DEMO_POLICY, '--json']
        const out = await run(process.execPath, [bin, ...args], { env: { PATH: process.env['PATH'], NIL_PW: 'admin123' }, maxBuffer: 64 << 20 })
        const report = JSON.parse(out.stdout) as { images: { image: string; outcomes: { status: string; decision: { tags: string[]; reason: string } }[] }[] }
        plans.push(report.images.map(i => ({ image: i.image, outcomes: i.outcomes.map(o => [o.decision.tags.join(','), o.status, o.decision.reason]) })))
      } finally {
        await nexus.close()
      }
    }
    expect(JSON.stringify(plans[0])).toContain('would-delete')
    expect(plans[0]).toEqual(plans[1])
  })
})
