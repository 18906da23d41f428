// Reclaim disk after deleting: Nexus frees nothing until "Docker - Delete unused manifests and images"
// (repository.docker.gc) and then "Admin - Compact blob store" (blobstore.compact) have run, in that order.
// This step finds (or creates) those tasks, runs them one after the other, waits for each by the task
// state machine of shared/nexus/API.md 7.3, and measures the blob stores before and after.

import type { Config } from './config'
import { Http } from './http'
import { Logger } from './log'
import { BlobStoreReport, ReclaimReport, TaskRunReport } from './model'
import { NexusTasks, TaskXO } from './nexus/tasks'
import { formatBytes } from './report'

export const GC_TYPE = 'repository.docker.gc'
export const COMPACT_TYPE = 'blobstore.compact'

export interface ReclaimOptions {
  /** Poll interval bounds, in ms (tests shorten them). */
  pollMinMs?: number
  pollMaxMs?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

interface Planned {
  task: TaskXO
  type: string
  target: string
}

export class ReclaimError extends Error {}

export async function reclaim(cfg: Config, http: Http, log: Logger, deletedSomething: boolean, opts: ReclaimOptions = {}): Promise<ReclaimReport> {
  const tasks = new NexusTasks(http, cfg.host)
  const report: ReclaimReport = { tasks: [], blobStores: [], notes: [] }
  const now = opts.now ?? Date.now
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>(r => setTimeout(r, ms)))

  const stores = new Map<string, string>() // repository -> blob store
  for (const repo of cfg.repositories) stores.set(repo, await tasks.blobStoreOf(repo))

  // GC per repository (one task may serve several: repositoryName `*`), then compact per blob store.
  const plan: Planned[] = []
  for (const repo of cfg.repositories) {
    const task = await findTask(tasks, cfg, GC_TYPE, cfg.gcTask, 'gc-task', repo, t => [repo, '*'].includes(t.properties?.repositoryName ?? ''), {
      repositoryName: repo,
      deployOffset: '0'
    })
    if (!plan.some(p => p.task.id === task.id)) plan.push({ task, type: GC_TYPE, target: repo })
  }
  for (const store of new Set(stores.values())) {
    const task = await findTask(tasks, cfg, COMPACT_TYPE, cfg.compactTask, 'compact-task', store, t => t.properties?.blobstoreName === store, {
      blobstoreName: store
    })
    if (!plan.some(p => p.task.id === task.id)) plan.push({ task, type: COMPACT_TYPE, target: store })
  }

  if (cfg.dryRun || !deletedSomething) {
    const result = cfg.dryRun ? 'would run' : 'not run'
    for (const p of plan) report.tasks.push({ name: p.task.name, id: p.task.id, type: p.type, target: p.target, result })
    report.notes.push(cfg.dryRun ? 'dry run: the cleanup tasks were found but not run' : 'nothing was deleted, so the cleanup tasks were not run')
    return report
  }

  const before = await tasks.blobStores()
  for (const store of new Set(stores.values())) {
    const b = before.find(s => s.name === store)
    report.blobStores.push({ name: store, type: b?.type ?? 'unknown', beforeBytes: b?.totalSizeInBytes, beforeBlobs: b?.blobCount })
  }

  for (const p of plan) {
    const run = await runAndWait(tasks, p, cfg.taskTimeoutMs, log, { now, sleep, min: opts.pollMinMs ?? 500, max: opts.pollMaxMs ?? 5000 })
    report.tasks.push(run)
    if (run.result !== 'OK') {
      throw new ReclaimError(`task '${p.task.name}' (${p.type}) ended ${run.result}${run.message ? `: ${run.message}` : ''}`)
    }
  }

  const after = await tasks.blobStores()
  const measuredAt = new Date(now()).toISOString()
  for (const s of report.blobStores) {
    const a = after.find(x => x.name === s.name)
    s.afterBytes = a?.totalSizeInBytes
    s.afterBlobs = a?.blobCount
    s.measuredAt = measuredAt
    if (s.beforeBytes !== undefined && s.afterBytes !== undefined) s.freedBytes = s.beforeBytes - s.afterBytes
    if (s.type === 'S3') {
      report.notes.push(`blob store ${s.name} is S3: compact does nothing there before Nexus 3.80; the bucket's lifecycle rules free the space`)
    }
  }
  const measured = report.blobStores.filter(s => s.freedBytes !== undefined)
  report.reclaimedBytes = measured.reduce((n, s) => n + (s.freedBytes as number), 0)
  if (measured.some(s => (s.freedBytes as number) <= 0)) {
    report.notes.push(
      `measured at ${measuredAt}: on datastore versions Nexus releases unused blobs in its half-hourly "Cleanup unused asset blobs" task, so the size can drop later`
    )
  }
  log.info(`reclaimed ${formatBytes(report.reclaimedBytes)} (blob store sizes before and after the tasks)`)
  return report
}

async function findTask(
  tasks: NexusTasks,
  cfg: Config,
  type: string,
  wanted: string | undefined,
  input: string,
  target: string,
  matches: (t: TaskXO) => boolean,
  properties: Record<string, string>
): Promise<TaskXO> {
  if (wanted) {
    const all = await tasks.list()
    const t = all.find(x => x.id === wanted) ?? all.find(x => x.name === wanted)
    if (!t) throw new ReclaimError(`${input} '${wanted}': no Nexus task has that id or name`)
    if (t.type && t.type !== type) throw new ReclaimError(`${input} '${wanted}' is a ${t.type} task, not ${type}`)
    return t
  }
  const candidates = await tasks.list(type)
  // Nexus before 3.94 does not return task properties, so a match by repository / blob store is only
  // possible there; elsewhere a single task of the type is taken, and several need naming.
  const withProps = candidates.filter(t => t.properties)
  const matching = withProps.length > 0 ? withProps.filter(matches) : candidates
  if (matching.length === 1) return matching[0]
  if (matching.length > 1) {
    throw new ReclaimError(`several ${type} tasks could serve ${target} (${matching.map(t => `'${t.name}'`).join(', ')}): name one with ${input}`)
  }
  if (!cfg.dryRun && cfg.createMissingTasks) {
    const name = type === GC_TYPE ? `Docker GC ${target} (nexus-image-lifecycle)` : `Compact ${target} blob store (nexus-image-lifecycle)`
    const id = await tasks.create({ type, name, properties })
    if (id) {
      const created = await tasks.get(id)
      if (created) return created
    }
    if (!id) throw new ReclaimError(`this Nexus cannot create tasks through the REST API (before 3.74). ${uiSteps(type, target)}`)
  }
  throw new ReclaimError(`no ${type} task for ${target}. ${uiSteps(type, target)}${cfg.createMissingTasks ? '' : ' (or set create-missing-tasks: true on Nexus 3.74+)'}`)
}

function uiSteps(type: string, target: string): string {
  const what =
    type === GC_TYPE
      ? `'Docker - Delete unused manifests and images', Repository: ${target} (or all docker repositories)`
      : `'Admin - Compact blob store', Blob store: ${target}`
  return `Create it in Nexus: Administration > System > Tasks > Create task > ${what}, Task frequency: Manual; then run again`
}

async function runAndWait(
  tasks: NexusTasks,
  p: Planned,
  timeoutMs: number,
  log: Logger,
  clock: { now: () => number; sleep: (ms: number) => Promise<void>; min: number; max: number }
): Promise<TaskRunReport> {
  const out: TaskRunReport = { name: p.task.name, id: p.task.id, type: p.type, target: p.target, result: 'not run' }
  const start = clock.now()
  const seen = await tasks.get(p.task.id)
  if (!seen) throw new ReclaimError(`task '${p.task.name}' (${p.type}) disappeared`)
  const lastRunBefore = seen.lastRun
  const answer = await tasks.run(p.task.id)
  if (answer === 'missing') throw new ReclaimError(`task '${p.task.name}' (${p.type}) disappeared`)
  if (answer === 'disabled') throw new ReclaimError(`task '${p.task.name}' (${p.type}) is disabled in Nexus: enable it, or name another with gc-task/compact-task`)
  if (answer === 'already-running') log.info(`task '${p.task.name}' is already running: waiting for that run instead of starting another`)
  else log.info(`started task '${p.task.name}' (${p.type})`)
  out.startedAt = new Date(start).toISOString()

  let wait = clock.min
  for (;;) {
    const t = await tasks.get(p.task.id)
    if (!t) throw new ReclaimError(`task '${p.task.name}' (${p.type}) disappeared while running`)
    const running = t.currentState.startsWith('RUNNING')
    // Done when no longer running and the run is a new one (or the one we waited for instead).
    const newRun = answer === 'already-running' ? t.lastRunResult !== null : t.lastRun !== lastRunBefore && t.lastRun !== null
    if (!running && newRun) {
      out.result = t.lastRunResult ?? 'unknown'
      out.message = t.message ?? undefined
      out.durationMs = clock.now() - start
      log.info(`task '${p.task.name}' ended ${out.result} after ${Math.round(out.durationMs / 1000)} s`)
      return out
    }
    if (clock.now() - start > timeoutMs) {
      throw new ReclaimError(`task '${p.task.name}' (${p.type}) did not finish within ${Math.round(timeoutMs / 1000)} s: state ${t.currentState}${t.message ? `, ${t.message}` : ''}`)
    }
    await clock.sleep(wait)
    wait = Math.min(clock.max, Math.round(wait * 1.5))
  }
}
