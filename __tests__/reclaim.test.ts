// The reclaim step against the emulator's task state machine and blob stores (shared/nexus/API.md 7, 9).

import { parseConfig } from '../src/config'
import { runCleanup } from '../src/engine'
import { Http } from '../src/http'
import { memoryLogger } from '../src/log'
import { RunReport } from '../src/model'
import { reclaim } from '../src/reclaim'
import { NexusEmulator, startNexusEmulator } from '../test/nexus-emulator/server'
import type { EmulatorOptions } from '../test/nexus-emulator/options'
import type { Scenario } from '../test/nexus-emulator/scenario'
import { NEXUS_POLICY, nexusScenario } from '../test/support/nexus-scenario'

const REPO = 'docker-hosted'

function inputsFor(emu: NexusEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return { host: emu.url, repository: REPO, username: 'admin', password: 'admin123', ...NEXUS_POLICY, 'run-cleanup-tasks': 'true', ...extra }
}

function run(emu: NexusEmulator, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs = inputsFor(emu, extra)
  return runCleanup(parseConfig(n => inputs[n]), { log: memoryLogger(), version: 'test' })
}

const runPosts = (emu: NexusEmulator) => emu.requests.filter(r => r.method === 'POST' && /\/tasks\/[^/]+\/run$/.test(r.path))
const taskOf = (emu: NexusEmulator, path: string) => emu.task(path.split('/')[5])!.type

function withTasks(tasks: Scenario['tasks']): Scenario {
  return { ...nexusScenario(), tasks }
}
const GC = { id: 'gc-1', name: 'Docker GC', type: 'repository.docker.gc', properties: { repositoryName: '*', deployOffset: '0' } }
const COMPACT = { id: 'compact-1', name: 'Compact default', type: 'blobstore.compact', properties: { blobstoreName: 'default' } }

async function emulator(opts: EmulatorOptions = {}): Promise<NexusEmulator> {
  return startNexusEmulator({ tasks: { mode: 'polls', polls: 2 }, scenario: withTasks([GC, COMPACT]), ...opts })
}

describe('reclaim', () => {
  let emu: NexusEmulator
  afterEach(() => emu?.close())

  it('runs GC then compact in order, waits, and reports the measured bytes', async () => {
    emu = await emulator()
    const before = emu.blobStore('default')
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(runPosts(emu).map(r => taskOf(emu, r.path))).toEqual(['repository.docker.gc', 'blobstore.compact'])
    // compact was started only after the last poll of GC (the one that saw it done)
    const lastGcPoll = emu.requests.map((q, i) => (q.method === 'GET' && q.path.endsWith('/tasks/gc-1') ? i : -1)).reduce((a, b) => Math.max(a, b))
    const compactRun = emu.requests.findIndex(q => q.method === 'POST' && q.path.endsWith('/tasks/compact-1/run'))
    expect(compactRun).toBeGreaterThan(lastGcPoll)
    const r = report.reclaim!
    expect(r.tasks.map(t => [t.type, t.result])).toEqual([
      ['repository.docker.gc', 'OK'],
      ['blobstore.compact', 'OK']
    ])
    const after = emu.blobStore('default')
    expect(after.totalSizeInBytes).toBeLessThan(before.totalSizeInBytes)
    expect(r.blobStores[0]).toMatchObject({ name: 'default', type: 'File', beforeBytes: before.totalSizeInBytes, afterBytes: after.totalSizeInBytes })
    expect(r.reclaimedBytes).toBe(before.totalSizeInBytes - after.totalSizeInBytes)
  })

  it('never runs tasks in a dry run, and says which it would run', async () => {
    emu = await emulator()
    const report = await run(emu)
    expect(runPosts(emu)).toEqual([])
    expect(report.reclaim!.tasks.map(t => [t.name, t.result])).toEqual([
      ['Docker GC', 'would run'],
      ['Compact default', 'would run']
    ])
  })

  it('does not run tasks when nothing was deleted', async () => {
    emu = await emulator()
    const report = await run(emu, { 'dry-run': 'false', keep: '100' })
    expect(runPosts(emu)).toEqual([])
    expect(report.reclaim!.notes).toContain('nothing was deleted, so the cleanup tasks were not run')
  })

  it('waits for a GC that is already running instead of starting it twice', async () => {
    emu = await emulator({ tasks: { mode: 'timer', durationMs: 400 } })
    const started = await fetch(`${emu.url}/service/rest/v1/tasks/gc-1/run`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('admin:admin123').toString('base64') }
    })
    expect(started.status).toBe(204)
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    const gcPosts = runPosts(emu).filter(p => p.path.includes('gc-1'))
    expect(gcPosts.map(p => p.status)).toEqual([204, 500]) // ours was refused as already running, and not retried
    expect(report.reclaim!.tasks.map(t => t.result)).toEqual(['OK', 'OK'])
  })

  it('a failing task fails the step with its name, result and message; compact does not run', async () => {
    emu = await emulator()
    emu.failNextRun('gc-1')
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures.join('\n')).toMatch(/reclaim: task 'Docker GC' \(repository\.docker\.gc\) ended FAILED/)
    expect(runPosts(emu).map(r => taskOf(emu, r.path))).toEqual(['repository.docker.gc'])
  })

  it('a disabled task is named as disabled', async () => {
    emu = await emulator({ scenario: withTasks([{ ...GC, enabled: false }, COMPACT]) })
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures.join('\n')).toMatch(/task 'Docker GC' \(repository\.docker\.gc\) is disabled in Nexus/)
  })

  it('a task that does not finish in task-timeout fails with its state', async () => {
    emu = await emulator({ tasks: { mode: 'timer', durationMs: 60_000 } })
    const report = await run(emu, { 'dry-run': 'false', 'task-timeout': '1s' })
    expect(report.failures.join('\n')).toMatch(/task 'Docker GC' \(repository\.docker\.gc\) did not finish within 1 s: state RUNNING/)
  })

  it('a missing task fails with the steps to create it in the UI', async () => {
    emu = await emulator({ scenario: withTasks([COMPACT]) })
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures.join('\n')).toMatch(
      /no repository\.docker\.gc task for docker-hosted\. Create it in Nexus: Administration > System > Tasks > Create task > 'Docker - Delete unused manifests and images'/
    )
    expect(runPosts(emu)).toEqual([])
  })

  it('create-missing-tasks creates the task on 3.74+ and runs it', async () => {
    emu = await emulator({ scenario: withTasks([COMPACT]) })
    const report = await run(emu, { 'dry-run': 'false', 'create-missing-tasks': 'true' })
    expect(report.failures).toEqual([])
    expect(emu.requests.filter(r => r.method === 'POST' && r.path === '/service/rest/v1/tasks').map(r => r.status)).toEqual([201])
    expect(report.reclaim!.tasks.map(t => [t.type, t.result])).toEqual([
      ['repository.docker.gc', 'OK'],
      ['blobstore.compact', 'OK']
    ])
  })

  it('create-missing-tasks on a Nexus before 3.74 fails with the UI steps', async () => {
    emu = await emulator({ version: '3.68.1-02', scenario: withTasks([COMPACT]) })
    const report = await run(emu, { 'dry-run': 'false', 'create-missing-tasks': 'true' })
    expect(report.failures.join('\n')).toMatch(/cannot create tasks through the REST API \(before 3\.74\)\. Create it in Nexus/)
  })

  it('gc-task names a task by exact name; an unknown name is a clear error', async () => {
    emu = await emulator({ scenario: withTasks([GC, { ...GC, id: 'gc-2', name: 'Other GC' }, COMPACT]) })
    const ambiguous = await run(emu, { 'dry-run': 'false' })
    expect(ambiguous.failures.join('\n')).toMatch(/several repository\.docker\.gc tasks could serve docker-hosted \('Docker GC', 'Other GC'\): name one with gc-task/)
    await emu.close()
    emu = await emulator({ scenario: withTasks([GC, { ...GC, id: 'gc-2', name: 'Other GC' }, COMPACT]) })
    const named = await run(emu, { 'dry-run': 'false', 'gc-task': 'Other GC' })
    expect(named.failures).toEqual([])
    expect(runPosts(emu)[0].path).toContain('gc-2')
    const unknown = await run(emu, { 'dry-run': 'false', 'gc-task': 'Nope' })
    expect(unknown.failures.join('\n')).toMatch(/gc-task 'Nope': no Nexus task has that id or name/)
  })

  it('reports an S3 blob store honestly', async () => {
    emu = await emulator({
      version: '3.77.0-08',
      scenario: {
        ...withTasks([GC, { ...COMPACT, properties: { blobstoreName: 's3-store' } }]),
        blobStores: [{ name: 's3-store', type: 'S3' }],
        repositories: nexusScenario().repositories!.map(r => (r.name === REPO ? { ...r, blobStore: 's3-store' } : r))
      }
    })
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(report.reclaim!.notes.join('\n')).toMatch(/blob store s3-store is S3: compact does nothing there before Nexus 3\.80/)
  })

  it('polls with the RUNNING: <progress> state of 3.66+ until the run is new and done', async () => {
    emu = await emulator({ tasks: { mode: 'polls', polls: 3, progress: true } })
    const cfg = parseConfig(n => inputsFor(emu, { 'dry-run': 'false' })[n])
    const log = memoryLogger()
    const http = new Http({ username: 'admin', password: 'admin123', timeoutMs: 5000, retries: 0, concurrency: 2, userAgent: 't', log })
    const r = await reclaim(cfg, http, log, true, { pollMinMs: 1, pollMaxMs: 5 })
    expect(r.tasks.map(t => t.result)).toEqual(['OK', 'OK'])
    const states = emu.requests.filter(q => q.method === 'GET' && /\/tasks\/gc-1$/.test(q.path))
    expect(states.length).toBeGreaterThanOrEqual(4) // the state read before run + 3 RUNNING reads + the final one
  })
})
