// The reclaim step against the emulator's task state machine and blob stores (shared/nexus/API.md 7, 9).

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { Http } from '../../src/http/http'
import { memoryLogger } from '../../test/support/memory-logger'
import { RunReport } from '../../src/model'
import { reclaim } from '../../src/nexus/reclaim'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import type { EmulatorOptions } from '../../test/nexus-emulator/options'
import type { Scenario } from '../../test/nexus-emulator/scenario'
import { NEXUS_POLICY, nexusScenario } from '../../test/support/nexus-scenario'
import { startFaultProxy } from '../../test/support/fault-proxy'

const REPO = 'docker-hosted'
const FAST = { pollMinMs: 5, pollMaxMs: 20, metricsFlushMs: 0 }

function inputsFor(emu: NexusEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return { host: emu.url, repository: REPO, username: 'admin', password: 'admin123', ...NEXUS_POLICY, 'run-cleanup-tasks': 'true', ...extra }
}

function run(emu: NexusEmulator, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs = inputsFor(emu, extra)
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test', reclaimTiming: FAST }
  )
}

const runPosts = (emu: NexusEmulator) => emu.requests.filter(r => r.method === 'POST' && /\/tasks\/[^/]+\/run$/.test(r.path))
const taskOf = (emu: NexusEmulator, path: string) => emu.task(path.split('/')[5])!.type

function withTasks(tasks: Scenario['tasks']): Scenario {
  return { ...nexusScenario(), tasks }
}
const GC = { id: 'gc-1', name: 'Docker GC', type: 'repository.docker.gc', properties: { repositoryName: '*', deployOffset: '0' } }
const COMPACT = { id: 'compact-1', name: 'Compact default', type: 'blobstore.compact', properties: { blobstoreName: 'default' } }
/** What a datastore Nexus creates by itself (API.md 14.1): listed and runnable. */
const CLEANUP = {
  id: 'cleanup-1',
  name: 'Cleanup unused docker blobs from nexus',
  type: 'assetBlob.cleanup',
  properties: { format: 'docker', contentStore: 'nexus' }
}

async function emulator(opts: EmulatorOptions = {}): Promise<NexusEmulator> {
  return startNexusEmulator({ tasks: { mode: 'polls', polls: 2 }, scenario: withTasks([GC, CLEANUP, COMPACT]), ...opts })
}

/** Bytes of the blobs live assets own: what a blob store holds once everything released is compacted. */
function liveBytes(emu: NexusEmulator, store = 'default'): number {
  const owned = new Set([...emu.state.repositories.values()].flatMap(r => [...r.assets.values()].map(a => a.blobId)))
  return [...emu.state.blobStores.get(store)!.blobs.values()].filter(b => owned.has(b.id)).reduce((n, b) => n + b.size, 0)
}

describe('reclaim', () => {
  let emu: NexusEmulator
  afterEach(() => emu?.close())

  it('datastore: GC, then the docker blob cleanup, then compact; the store shrinks by everything the deletions released', async () => {
    emu = await emulator()
    const before = emu.blobStore('default')
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(runPosts(emu).map(r => taskOf(emu, r.path))).toEqual(['repository.docker.gc', 'assetBlob.cleanup', 'blobstore.compact'])
    const after = emu.blobStore('default')
    // nothing released is left over: the store holds exactly the blobs of what remains, and the report
    // says what came back as measured
    expect(after.totalSizeInBytes).toBe(liveBytes(emu))
    expect(after.softDeletedCount).toBe(0)
    expect(report.reclaim!.reclaimedBytes).toBe(before.totalSizeInBytes - liveBytes(emu))
    expect(report.reclaim!.reclaimedBytes).toBeGreaterThan(0)
    expect(report.reclaim!.notes.join('\n')).not.toMatch(/came back/)
  })

  it('datastore without the blob cleanup (GC then compact, as before): nothing comes back, and the report says why', async () => {
    emu = await emulator({ scenario: withTasks([GC, COMPACT]) })
    const before = emu.blobStore('default')
    const report = await run(emu, { 'dry-run': 'false' })
    expect(emu.blobStore('default').totalSizeInBytes).toBe(before.totalSizeInBytes)
    expect(report.reclaim!.reclaimedBytes).toBe(0)
    expect(report.reclaim!.notes.join('\n')).toMatch(/0 B came back\. Possible reasons: on a datastore Nexus without a listed blob cleanup task/)
  })

  it('datastore: blobs younger than 60 minutes stay orphaned, and the shortfall is explained', async () => {
    const young = new Date(Date.now() - 10 * 60_000).toISOString()
    const scenario = withTasks([GC, CLEANUP, COMPACT])
    scenario.repositories![0].images![0].tags = scenario.repositories![0].images![0].tags.map(t => (t.tag === '1.0.0' ? { ...t, pushed: young } : t))
    emu = await emulator({ scenario })
    const report = await run(emu, { 'dry-run': 'false', 'size-estimate': 'on', 'older-than': '1m' })
    expect(report.failures).toEqual([])
    expect(report.reclaim!.reclaimedBytes).toBeLessThan(report.totals.freeableBytes!)
    expect(report.reclaim!.notes.join('\n')).toMatch(
      /came back of the .* the deleted manifests held\. Possible reasons: blobs created less than 60 minutes ago stay orphaned/
    )
    expect(emu.blobStore('default').totalSizeInBytes).toBeGreaterThan(liveBytes(emu))
  })

  it('OrientDB: no blob cleanup task exists; GC then compact frees at once', async () => {
    emu = await emulator({ dbMode: 'orient', version: '3.69.0-02', scenario: withTasks([GC, COMPACT]) })
    const before = emu.blobStore('default')
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(runPosts(emu).map(r => taskOf(emu, r.path))).toEqual(['repository.docker.gc', 'blobstore.compact'])
    expect(emu.blobStore('default').totalSizeInBytes).toBe(liveBytes(emu))
    expect(report.reclaim!.reclaimedBytes).toBe(before.totalSizeInBytes - emu.blobStore('default').totalSizeInBytes)
    expect(report.reclaim!.reclaimedBytes).toBeGreaterThan(0)
  })

  it('runs GC then compact in order, waits, and reports the measured bytes', async () => {
    emu = await emulator()
    const before = emu.blobStore('default')
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    expect(runPosts(emu).map(r => taskOf(emu, r.path))).toEqual(['repository.docker.gc', 'assetBlob.cleanup', 'blobstore.compact'])
    // compact was started only after the last poll of GC (the one that saw it done)
    const lastGcPoll = emu.requests.map((q, i) => (q.method === 'GET' && q.path.endsWith('/tasks/gc-1') ? i : -1)).reduce((a, b) => Math.max(a, b))
    const compactRun = emu.requests.findIndex(q => q.method === 'POST' && q.path.endsWith('/tasks/compact-1/run'))
    expect(compactRun).toBeGreaterThan(lastGcPoll)
    const r = report.reclaim!
    expect(r.tasks.map(t => [t.type, t.result])).toEqual([
      ['repository.docker.gc', 'OK'],
      ['assetBlob.cleanup', 'OK'],
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
      ['Cleanup unused docker blobs from nexus', 'would run'],
      ['Compact default', 'would run']
    ])
    // before 3.94 Nexus does not say what a task targets: said, not claimed
    expect(report.reclaim!.tasks.map(t => t.target)).toEqual(['docker-hosted (unconfirmed)', 'docker blobs of nexus', 'default (unconfirmed)'])
    expect(report.reclaim!.notes.join('\n')).toMatch(/Nexus before 3\.94 does not show which repository or blob store a task works on/)
  })

  it('does not run tasks when nothing was deleted', async () => {
    emu = await emulator()
    const report = await run(emu, { 'dry-run': 'false', keep: '100' })
    expect(runPosts(emu)).toEqual([])
    expect(report.reclaim!.notes).toContain('nothing was deleted, so the cleanup tasks were not run')
  })

  it('a GC already running when the step starts is waited for, then one of ours runs (the old one may not see our deletes)', async () => {
    emu = await emulator({ tasks: { mode: 'timer', durationMs: 400 } })
    const started = await fetch(`${emu.url}/service/rest/v1/tasks/gc-1/run`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('admin:admin123').toString('base64') }
    })
    expect(started.status).toBe(204)
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures).toEqual([])
    const gcPosts = runPosts(emu).filter(p => p.path.includes('gc-1'))
    expect(gcPosts.map(p => p.status)).toEqual([204, 204])
    expect(report.reclaim!.tasks.map(t => t.result)).toEqual(['OK', 'OK', 'OK'])
  })

  it('a 500 on run while the task shows RUNNING (started a moment before ours) is waited for, never posted twice', async () => {
    emu = await emulator({ tasks: { mode: 'timer', durationMs: 300 } })
    const proxy = await startFaultProxy(emu.url)
    // someone starts GC between our read of the task and our run request
    proxy.setRules([{ method: 'POST', path: /\/tasks\/gc-1\/run$/, times: 1, fault: { kind: 'hook', run: async () => void emu.tasks.run('gc-1') } }])
    const inputs: Record<string, string> = { ...inputsFor(emu, { 'dry-run': 'false' }), host: proxy.url }
    const report = await runCleanup(
      parseConfig(n => inputs[n]),
      { log: memoryLogger(), version: 'test', reclaimTiming: FAST }
    ).finally(() => proxy.close())
    expect(report.failures).toEqual([])
    expect(
      runPosts(emu)
        .filter(p => p.path.includes('gc-1'))
        .map(p => p.status)
    ).toEqual([500])
    expect(report.reclaim!.tasks[0]).toMatchObject({ type: 'repository.docker.gc', result: 'OK' })
  })

  it('a 500 on run with the task not running (a paused scheduler) fails the step: no success read from an old run', async () => {
    const scenario = withTasks([{ ...GC, lastRun: '2024-01-01T00:00:00Z', lastRunResult: 'OK' as const }, CLEANUP, COMPACT])
    emu = await emulator({ scenario })
    emu.tasks.paused = true
    const report = await run(emu, { 'dry-run': 'false' })
    expect(report.failures.join('\n')).toMatch(
      /reclaim: Nexus answered 500 to starting task 'Docker GC' \(repository\.docker\.gc\), and the task is not running: nothing was started/
    )
    expect(report.reclaim).toBeUndefined()
    expect(runPosts(emu)).toHaveLength(1)
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

  it('create-missing-tasks creates the missing GC (deployOffset 24 h) and, before 3.94, a dedicated compact; the next run reuses them', async () => {
    emu = await emulator({ scenario: withTasks([CLEANUP, COMPACT]) })
    const report = await run(emu, { 'dry-run': 'false', 'create-missing-tasks': 'true' })
    expect(report.failures).toEqual([])
    expect(emu.requests.filter(r => r.method === 'POST' && r.path === '/service/rest/v1/tasks').map(r => r.status)).toEqual([201, 201])
    expect(report.reclaim!.tasks.map(t => [t.type, t.target, t.result])).toEqual([
      ['repository.docker.gc', 'docker-hosted', 'OK'],
      ['assetBlob.cleanup', 'docker blobs of nexus', 'OK'],
      ['blobstore.compact', 'default', 'OK']
    ])
    const gc = [...emu.tasks.tasks.values()].find(t => t.name === 'Docker GC docker-hosted (nexus-image-lifecycle)')!
    expect(gc.properties).toEqual({ repositoryName: 'docker-hosted', deployOffset: '24' })
    await run(emu, { 'dry-run': 'false', 'create-missing-tasks': 'true', keep: '1' })
    expect(emu.requests.filter(r => r.method === 'POST' && r.path === '/service/rest/v1/tasks')).toHaveLength(2)
  })

  it('gc-deploy-offset sets the deployOffset of a created GC task', async () => {
    emu = await emulator({ scenario: withTasks([CLEANUP, COMPACT]) })
    await run(emu, { 'dry-run': 'false', 'create-missing-tasks': 'true', 'gc-deploy-offset': '0h' })
    expect([...emu.tasks.tasks.values()].find(t => t.type === 'repository.docker.gc')!.properties.deployOffset).toBe('0')
  })

  it('3.94+ shows task properties: tasks are matched to their targets, and confirmed', async () => {
    const other = { ...GC, id: 'gc-other', name: 'GC other', properties: { repositoryName: 'docker-other', deployOffset: '24' } }
    emu = await emulator({
      version: '3.94.0-12',
      scenario: withTasks([other, { ...GC, properties: { repositoryName: REPO, deployOffset: '24' } }, CLEANUP, COMPACT])
    })
    const report = await run(emu)
    expect(report.reclaim!.tasks.map(t => [t.name, t.target])).toEqual([
      ['Docker GC', 'docker-hosted'],
      ['Cleanup unused docker blobs from nexus', 'docker blobs of nexus'],
      ['Compact default', 'default']
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
    expect(ambiguous.failures.join('\n')).toMatch(
      /several repository\.docker\.gc tasks could serve docker-hosted \('Docker GC', 'Other GC'\): name one with gc-task/
    )
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
    const r = await reclaim(cfg, http, log, true, { pollMinMs: 1, pollMaxMs: 5, metricsFlushMs: 0 })
    expect(r.tasks.map(t => t.result)).toEqual(['OK', 'OK', 'OK'])
    const states = emu.requests.filter(q => q.method === 'GET' && /\/tasks\/gc-1$/.test(q.path))
    expect(states.length).toBeGreaterThanOrEqual(4) // the state read before run + 3 RUNNING reads + the final one
  })
})

describe('after Docker GC', () => {
  let emu: NexusEmulator
  afterEach(() => emu?.close())

  it('every kept tag is re-read with all it reaches, by digest: content GC broke fails the step, nothing is compacted', async () => {
    emu = await emulator()
    const proxy = await startFaultProxy(emu.url)
    // stands in for a GC that deletes a manifest a kept OCI index still needs (Sonatype's documented caveat)
    const breakChild = async () => {
      const repo = emu.state.repositories.get(REPO)!
      const child = [...repo.assets.values()].find(a => a.kind === 'manifest')!
      emu.state.deleteAsset(REPO, child.row)
    }
    proxy.setRules([{ method: 'POST', path: /\/tasks\/gc-1\/run$/, times: 1, fault: { kind: 'hook', run: breakChild } }])
    const inputs: Record<string, string> = { ...inputsFor(emu, { 'dry-run': 'false' }), host: proxy.url }
    const report = await runCleanup(
      parseConfig(n => inputs[n]),
      { log: memoryLogger(), version: 'test', reclaimTiming: FAST }
    ).finally(() => proxy.close())
    expect(report.failures.join('\n')).toMatch(
      /reclaim: after Docker GC, kept content is missing: team\/api:2\.0\.0 \(child sha256:[0-9a-f]{12}\): sha256:[0-9a-f]{64} is gone/
    )
    expect(runPosts(emu).map(r => taskOf(emu, r.path))).toEqual(['repository.docker.gc'])
    // read by digest: nothing was marked pulled by the check
    expect(emu.requests.filter(r => /\/manifests\/(?!sha256:)/.test(r.path) && r.method !== 'DELETE')).toEqual([])
  })

  it('a repository holding OCI manifests is named before GC runs', async () => {
    emu = await emulator()
    const report = await run(emu)
    expect(report.reclaim!.notes.join('\n')).toMatch(
      /repository docker-hosted holds OCI manifests: Sonatype documents that "Docker - Delete unused manifests and images" may delete OCI manifests unexpectedly/
    )
  })
})
