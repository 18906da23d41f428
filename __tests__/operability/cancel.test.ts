// A stopped run leaves a record. The runner cancels a step with SIGINT, then SIGTERM 7.5 s later; a person
// presses Ctrl-C; Kubernetes sends SIGTERM. Mid-delete, against the real docker-registry and the Nexus
// emulator (DELETEs slowed by the fault proxy), the bundled action must stop starting deletions, confirm
// the ones in flight, write the job summary, the outputs and the JSON report marked stopped, and exit 130 /
// 143, before the runner's next step; the report names exactly what the server lost; a rerun finishes.

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReportFile } from '../../src/report/merge'
import { sleep } from '../../src/util/sleep'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { FaultProxy, startFaultProxy } from '../../test/support/fault-proxy'
import { listTags, pushImage, PushTarget } from '../../test/support/push'
import { registryOrSkip, startRegistry } from '../../test/support/registry-server'
import { runAction } from '../../test/support/run-action'

const bin = registryOrSkip()
const REPO = 'docker-hosted'
const ADMIN = { username: 'admin', password: 'admin123' }

interface Target {
  direct: PushTarget
  proxy: FaultProxy
  inputs(host: string): Record<string, string>
  stop(): Promise<void>
}

const targets: [string, () => Promise<Target>][] = [
  [
    'docker-registry',
    async () => {
      const srv = await startRegistry(bin as string)
      const proxy = await startFaultProxy(srv.url)
      return { direct: { base: srv.url }, proxy, inputs: host => ({ api: 'registry', host }), stop: async () => (await proxy.close(), await srv.stop()) }
    }
  ],
  [
    'nexus emulator',
    async () => {
      const emu: NexusEmulator = await startNexusEmulator({ scenario: { repositories: [{ name: REPO, images: [] }] } })
      const proxy = await startFaultProxy(emu.url)
      return {
        direct: { base: `${emu.url}/repository/${REPO}`, auth: ADMIN },
        proxy,
        inputs: host => ({ host, repository: REPO, ...ADMIN }),
        stop: async () => (await proxy.close(), await emu.close())
      }
    }
  ]
]

/** Runs `hook` with the number (from 1) of every DELETE through the proxy, before it reaches the server. */
function onDeletes(t: Target, hook: (n: number) => Promise<void>): void {
  let n = 0
  t.proxy.setRules([{ method: 'DELETE', path: /./, fault: { kind: 'hook', run: () => hook(++n) } }])
}

describe.each(targets)('a stopped run against %s', (name, start) => {
  if (!bin && name === 'docker-registry') return
  let t: Target
  beforeEach(async () => {
    t = await start()
    for (let i = 0; i < 24; i++)
      await pushImage(t.direct, 'app', `1.${i}.0`, { created: `2024-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`, layers: [`v${i}`] })
  })
  afterEach(() => t.stop())

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143]
  ] as const)('%s mid-delete: exit %i, and the summary, outputs and report say exactly what went', async (signal, code) => {
    const before = await listTags(t.direct, 'app')
    let sent = 0
    let kill: (() => void) | undefined
    // every DELETE takes 400 ms; the signal goes with the third
    onDeletes(t, async n => {
      if (n === 3) {
        sent = Date.now()
        kill?.()
      }
      await sleep(400)
    })
    const reportFile = join(mkdtempSync(join(tmpdir(), 'nil-stop-')), 'report.json')
    const inputs = { ...t.inputs(t.proxy.url), keep: '1', 'dry-run': 'false', concurrency: '2', 'report-file': reportFile }
    const run = await runAction(inputs, { started: child => (kill = () => child.kill(signal)) })
    const took = Date.now() - sent
    t.proxy.setRules([])
    const after = await listTags(t.direct, 'app')
    const lost = before.filter(tag => !after.includes(tag)).sort()

    expect(run.code).toBe(code)
    // the record is on disk before the runner's SIGTERM (7.5 s after SIGINT)
    expect(took).toBeLessThan(7500)
    expect(lost.length).toBeGreaterThan(0)
    expect(lost.length).toBeLessThan(23)
    expect(run.outputs.stopped).toBe(signal)
    expect(run.outputs['deleted-count']).toBe(String(lost.length))
    expect(run.summary).toContain(`❌ Stopped (${signal})`)
    const report = readReportFile(reportFile) // valid against the schema, its counts its items'
    expect(report.stopped?.reason).toBe(signal)
    const reported = report.images.flatMap(i => i.outcomes.flatMap(o => (o.status === 'deleted' ? o.decision.tags : (o.deletedTags ?? [])))).sort()
    expect(reported).toEqual(lost)
    expect(report.failures.join('\n')).toContain(`stopped (${signal})`)

    // a rerun continues where it stopped
    const rerun = await runAction({ ...t.inputs(t.proxy.url), keep: '1', 'dry-run': 'false' })
    expect(rerun.code).toBe(0)
    expect(await listTags(t.direct, 'app')).toEqual(['1.23.0'])
  })

  it('a second signal writes the record at once: a DELETE that never answers is unknown, and nothing is reported deleted that was not', async () => {
    const before = await listTags(t.direct, 'app')
    let kill: (() => void) | undefined
    let release: () => void = () => {}
    const hang = new Promise<void>(resolve => (release = resolve))
    // the third DELETE hangs until the test ends before it reaches the server; the first two go through
    onDeletes(t, async n => {
      if (n !== 3) return
      kill?.()
      setTimeout(() => kill?.(), 300)
      await hang
    })
    const reportFile = join(mkdtempSync(join(tmpdir(), 'nil-stop-')), 'report.json')
    const t0 = Date.now()
    const run = await runAction(
      { ...t.inputs(t.proxy.url), keep: '1', 'dry-run': 'false', concurrency: '1', 'report-file': reportFile },
      { started: child => (kill = () => child.kill('SIGINT')) }
    )
    expect(Date.now() - t0).toBeLessThan(15_000)
    t.proxy.setRules([])
    expect(run.code).toBe(130)
    const report = readReportFile(reportFile)
    const reported = report.images.flatMap(i => i.outcomes.filter(o => o.status === 'deleted').flatMap(o => o.decision.tags))
    const now = await listTags(t.direct, 'app')
    // what the report calls deleted is gone, and nothing else went; the hanging one is unknown, not deleted
    expect(before.filter(tag => !now.includes(tag)).sort()).toEqual(reported.sort())
    expect(report.images[0].outcomes.some(o => o.status === 'failed' && (o.detail ?? '').startsWith('unknown'))).toBe(true)
    release()
  })

  it('max-duration stops the run the same way, exit 1, stopped: max-duration', async () => {
    onDeletes(t, () => sleep(400))
    const run = await runAction({ ...t.inputs(t.proxy.url), keep: '1', 'dry-run': 'false', concurrency: '1', 'max-duration': '2s' })
    expect(run.code).toBe(1)
    expect(run.outputs.stopped).toBe('max-duration')
    expect(run.summary).toContain('❌ Stopped (max-duration)')
    const left = await listTags(t.direct, 'app')
    expect(left.length).toBeGreaterThan(1)
    expect(run.outputs['deleted-count']).toBe(String(24 - left.length))
  })
})
