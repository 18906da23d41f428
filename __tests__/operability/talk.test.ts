// A long run talks, plainly: a progress line at least every 10 s (n/N images, tags, rate, ETA), -v adds a
// line per request without credentials, colour follows --color / NO_COLOR / FORCE_COLOR under a real
// pseudo-terminal, a warning is said once per run, plurals are right, and no "up to 0 B".

import { execFile } from 'node:child_process'
import { parseConfig } from '../../src/config/config'
import { useColor } from '../../src/cli/cli'
import { Progress } from '../../src/run/progress'
import { distCli } from '../../test/support/dist-current'
import { FakeRegistry, imageBody, startFakeRegistry } from '../../test/support/fake-registry'
import { memoryLogger } from '../../test/support/memory-logger'
import { runCleanup } from '../../test/support/run-cleanup'
import { sleep } from '../../src/util/sleep'
import { startFaultProxy } from '../../test/support/fault-proxy'

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve =>
    execFile(cmd, args, { env: { PATH: process.env.PATH, ...env } }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr })
    )
  )
}

let fake: FakeRegistry
beforeEach(async () => {
  fake = await startFakeRegistry()
  for (let i = 0; i < 12; i++) fake.put('app', imageBody(`app ${i}`), `1.${i}.0`)
  fake.put('one', imageBody('one'), '1.0.0')
})
afterEach(() => fake.close())

describe('progress', () => {
  it('says where the run is: phase, n/N images, tags, rate and ETA', () => {
    const p = new Progress()
    p.requests = () => 1204
    const t0 = Date.now()
    expect(p.line(t0)).toMatch(/^progress: listing, 1204 requests, 0s so far$/)
    p.imagesTotal = 40
    p.enter('planning and deleting')
    p.imagesDone = 12
    p.tagsPlanned = 900
    p.tagsDeleted = 340
    expect(p.line(t0 + 4000)).toBe('progress: planning and deleting, 12/40 images, 340/900 tags deleted, 3.0 images/s, ETA 9s, 1204 requests, 4s so far')
  })

  it('a slow run prints a progress line at least every 10 s on stderr', async () => {
    // every DELETE takes 1.1 s (the fault proxy sleeps before forwarding): eleven, one at a time, take 12 s
    const proxy = await startFaultProxy(fake.origin)
    proxy.setRules([{ method: 'DELETE', path: /./, fault: { kind: 'hook', run: () => sleep(1100) } }])
    try {
      const r = await run(process.execPath, [distCli(), '--api', 'registry', '--host', proxy.url, '--keep', '1', '--delete', '--concurrency', '1'])
      const lines = r.stderr.split('\n').filter(l => l.startsWith('progress: '))
      expect(r.code).toBe(0)
      expect(lines.length).toBeGreaterThanOrEqual(1)
      expect(lines[0]).toMatch(/^progress: planning and deleting, \d+\/2 images, \d+\/\d+ tags deleted/)
    } finally {
      await proxy.close()
    }
  }, 60_000)
})

describe('-v and plain text', () => {
  it('-v logs each request: method, path, status, ms; never credentials or a query', async () => {
    const r = await run(process.execPath, [distCli(), '--api', 'registry', '--host', fake.origin, '--username', 'u', '--password-env', 'PW', '-v'], {
      PW: 'very-secret'
    })
    expect(r.stderr).toMatch(/^debug: GET \/v2\/_catalog 200 \d+ ms$/m)
    expect(r.stderr).toMatch(/^debug: GET \/v2\/app\/tags\/list 200 \d+ ms$/m)
    expect(r.stderr).not.toContain('very-secret')
    expect(r.stderr).not.toContain('Basic ')
    expect(r.stderr).not.toMatch(/debug: .*\?n=/)
  })

  it('no runtime warning from node, however many requests are in flight', async () => {
    for (let i = 12; i < 60; i++) fake.put('app', imageBody(`app ${i}`), `1.${i}.0`)
    const r = await run(process.execPath, [distCli(), '--api', 'registry', '--host', fake.origin, '--concurrency', '32'])
    expect(r.code).toBe(0)
    expect(r.stderr).not.toMatch(/Warning:|MaxListeners/)
  })

  it('per-image lines come in listing order, the same in every run', async () => {
    for (const image of ['b', 'a/x', 'c', 'd']) for (let i = 0; i < 3; i++) fake.put(image, imageBody(`${image} ${i}`), `1.${i}.0`)
    const lines = async () =>
      (await run(process.execPath, [distCli(), '--api', 'registry', '--host', fake.origin, '--keep', '1'])).stderr
        .split('\n')
        .filter(l => / on \d+ manifests?, /.test(l))
    const first = await lines()
    expect(first.map(l => /^127\.0\.0\.1:\d+\/(.+?): \d+ tags? on/.exec(l)?.[1])).toEqual(['a/x', 'app', 'b', 'c', 'd', 'one'])
    for (let i = 0; i < 3; i++) expect(await lines()).toEqual(first)
  })

  it.each([
    [{}, [], true],
    [{ NO_COLOR: '1' }, [], false],
    [{}, ['--no-color'], false],
    [{ NO_COLOR: '1' }, ['--color'], true]
  ])('under a pseudo-terminal, env %p and flags %p: colour %p', async (env, flags, coloured) => {
    const cmd = [process.execPath, distCli(), '--api', 'registry', '--host', fake.origin, ...flags].map(a => `'${a}'`).join(' ')
    const r = await run('script', ['-qec', cmd, '/dev/null'], { TERM: 'xterm', ...env })
    expect(r.stdout).toContain('Would delete 2 tags (2 manifests) in 1 image')
    expect(r.stdout).toContain('/one: 1 tag on 1 manifest, would delete 0 tags')
    expect(r.stdout.includes('\u001b[')).toBe(coloured)
  })

  it('FORCE_COLOR colours a pipe; NO_COLOR wins over the terminal', () => {
    expect(useColor(undefined, { FORCE_COLOR: '1' }, false)).toBe(true)
    expect(useColor(undefined, { FORCE_COLOR: '0' }, true)).toBe(false)
    expect(useColor(undefined, { NO_COLOR: 'x' }, true)).toBe(false)
    expect(useColor(undefined, { NO_COLOR: '' }, true)).toBe(true)
    expect(useColor(false, { FORCE_COLOR: '1' }, true)).toBe(false)
  })

  it('a warning is said once per run; plurals are right; no "up to 0 B"', async () => {
    const log = memoryLogger()
    const inputs: Record<string, string> = { api: 'registry', host: fake.origin, images: 'one', 'dry-run': 'true' }
    const r = await runCleanup(
      parseConfig(n => inputs[n]),
      { log, version: 'test' }
    )
    const warnings = log.lines.filter(l => l.startsWith('warning'))
    expect(new Set(warnings).size).toBe(warnings.length)
    const { renderTerminal } = await import('../../src/report/index')
    const text = renderTerminal(r, {})
    expect(text.split('\n')[0]).toBe('✅ Nothing to delete · kept 1 tag (1 manifest)')
    expect(text).not.toContain('up to 0 B')
  })
})
