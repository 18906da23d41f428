// Reclaim disk after deleting: Nexus frees nothing until "Docker - Delete unused manifests and images"
// (repository.docker.gc) and then "Admin - Compact blob store" (blobstore.compact) have run, in that order.
// On a datastore Nexus (3.71+, and any datastore server) a deleted asset only orphans its blob: Nexus's own
// "Cleanup unused docker blobs from <content store>" (assetBlob.cleanup) must soft-delete the orphans
// between the two, or compact frees nearly nothing (API.md 14.1). This step finds (or creates) the tasks,
// runs them one after the other, waits for each (14.2: a run counts only once it started after we asked),
// and measures the blob stores before and after.

import { Http } from '../http/http'
import { Logger } from '../util/log'
import { ReclaimReport, TaskRunReport } from '../model'
import { NexusTasks, TaskXO } from './tasks'
import { formatBytes } from '../util/bytes'
import { sleep } from '../util/sleep'

export const GC_TYPE = 'repository.docker.gc'
export const COMPACT_TYPE = 'blobstore.compact'
/** Created by Nexus per format and content store on the datastore; listed and runnable, not creatable. */
export const BLOB_CLEANUP_TYPE = 'assetBlob.cleanup'
/** Nexus's generated name for the docker one (AssetBlobCleanupTaskManager), read where 3.94's properties are not. */
const BLOB_CLEANUP_NAME = /^Cleanup unused docker blobs from (.+)$/
/** Datastore blob store metrics are flushed every 2 s (nexus.blobstore.metrics.flushInterval, API.md 14.1). */
const METRICS_FLUSH_MS = 2_500

export interface ReclaimOptions {
  /** Poll interval bounds, in ms (tests shorten them). */
  pollMinMs?: number
  pollMaxMs?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  /** What the deleted manifests held, when estimated: a shortfall is explained. */
  expectedBytes?: number
  /** Repositories whose inventory held OCI manifests (a warning before Docker GC). */
  ociRepositories?: string[]
  /** After GC: every kept tag re-read with all it reaches, by digest; one line per problem found. */
  verifyKept?: () => Promise<string[]>
  /** How long to let datastore metrics flush before measuring (default 2.5 s; tests set 0). */
  metricsFlushMs?: number
}

interface Planned {
  task: TaskXO
  type: string
  target: string
  /** False where Nexus (before 3.94) cannot say what the task works on and nobody named it. */
  confirmed: boolean
}

export class ReclaimError extends Error {}

/** What the reclaim step takes of the run's settings (its own small options, not the whole config). */
export interface ReclaimSettings {
  host: string
  repositories: string[]
  dryRun: boolean
  gcTask?: string
  compactTask?: string
  createMissingTasks: boolean
  taskTimeoutMs: number
  gcDeployOffsetHours: number
}

/** The tasks a reclaim runs, in order: Docker GC, the datastore's blob cleanup, compact; and the blob stores. */
interface TaskPlan {
  gcs: Planned[]
  cleanups: Planned[]
  compacts: Planned[]
  /** Repository -> its blob store. */
  stores: Map<string, string>
}

export async function reclaim(cfg: ReclaimSettings, http: Http, log: Logger, deletedSomething: boolean, opts: ReclaimOptions = {}): Promise<ReclaimReport> {
  const tasks = new NexusTasks(http, cfg.host)
  const report: ReclaimReport = { tasks: [], blobStores: [], notes: [] }
  const plan = await planTasks(tasks, cfg)
  report.notes.push(...planNotes(plan))
  for (const repo of opts.ociRepositories ?? []) {
    const note = `repository ${repo} holds OCI manifests: Sonatype documents that "Docker - Delete unused manifests and images" may delete OCI manifests unexpectedly, so every kept tag is re-read after it runs`
    report.notes.push(note)
    if (!cfg.dryRun && deletedSomething) log.warning(note)
  }
  const all = [...plan.gcs, ...plan.cleanups, ...plan.compacts]
  if (cfg.dryRun || !deletedSomething) {
    for (const p of all) report.tasks.push(taskRow(p, cfg.dryRun ? 'would run' : 'not run'))
    report.notes.push(cfg.dryRun ? 'dry run: the cleanup tasks were found but not run' : 'nothing was deleted, so the cleanup tasks were not run')
    return report
  }
  const before = await tasks.blobStores()
  for (const store of new Set(plan.stores.values())) {
    const b = before.find(s => s.name === store)
    report.blobStores.push({ name: store, type: b?.type ?? 'unknown', beforeBytes: b?.totalSizeInBytes, beforeBlobs: b?.blobCount })
  }
  await runPlan(tasks, plan, cfg.taskTimeoutMs, log, report, opts)
  await measure(tasks, plan, log, report, opts)
  return report
}

/** Finds (or creates) the GC task of each repository, the docker blob cleanups, the compact of each blob store. */
async function planTasks(tasks: NexusTasks, cfg: ReclaimSettings): Promise<TaskPlan> {
  const stores = new Map<string, string>()
  for (const repo of cfg.repositories) stores.set(repo, await tasks.blobStoreOf(repo))
  // GC per repository (one task may serve several: repositoryName `*`)
  const gcs: Planned[] = []
  for (const repo of cfg.repositories) {
    const p = await findTask(tasks, cfg, GC_TYPE, cfg.gcTask, 'gc-task', repo, t => [repo, '*'].includes(t.properties?.repositoryName ?? ''), {
      repositoryName: repo,
      deployOffset: String(cfg.gcDeployOffsetHours)
    })
    if (!gcs.some(x => x.task.id === p.task.id)) gcs.push(p)
  }
  const cleanups: Planned[] = (await tasks.list(BLOB_CLEANUP_TYPE))
    .filter(t => (t.properties ? t.properties.format === 'docker' : BLOB_CLEANUP_NAME.test(t.name)))
    .map(t => ({
      task: t,
      type: BLOB_CLEANUP_TYPE,
      target: `docker blobs of ${t.properties?.contentStore ?? BLOB_CLEANUP_NAME.exec(t.name)?.[1] ?? '?'}`,
      confirmed: true
    }))
  const compacts: Planned[] = []
  for (const store of new Set(stores.values())) {
    const p = await findTask(tasks, cfg, COMPACT_TYPE, cfg.compactTask, 'compact-task', store, t => t.properties?.blobstoreName === store, {
      blobstoreName: store
    })
    if (!compacts.some(x => x.task.id === p.task.id)) compacts.push(p)
  }
  return { gcs, cleanups, compacts, stores }
}

function planNotes(plan: TaskPlan): string[] {
  const notes: string[] = []
  if ([...plan.gcs, ...plan.cleanups, ...plan.compacts].some(p => !p.confirmed)) {
    notes.push(
      'Nexus before 3.94 does not show which repository or blob store a task works on: the tasks marked "unconfirmed" were ' +
        'the only ones of their type, but may clean another one (name them with gc-task / compact-task, or set create-missing-tasks ' +
        'on 3.74+ to create dedicated ones)'
    )
  }
  if (plan.cleanups.length === 0) {
    notes.push(
      `no "Cleanup unused docker blobs" task (${BLOB_CLEANUP_TYPE}) is listed: on OrientDB deleted blobs are released at once; on a datastore ` +
        'Nexus compact frees only what its half-hourly cleanup released'
    )
  }
  return notes
}

function taskRow(p: Planned, result: string): TaskRunReport {
  return { name: p.task.name, id: p.task.id, type: p.type, target: p.confirmed ? p.target : `${p.target} (unconfirmed)`, result }
}

/** GC, the re-read of what was kept, the blob cleanups, compact: one after the other, each to its end. */
async function runPlan(tasks: NexusTasks, plan: TaskPlan, timeoutMs: number, log: Logger, report: ReclaimReport, opts: ReclaimOptions): Promise<void> {
  const clock = { now: opts.now ?? Date.now, sleep: opts.sleep ?? sleep, min: opts.pollMinMs ?? 500, max: opts.pollMaxMs ?? 5000 }
  const runAll = async (list: Planned[]): Promise<void> => {
    for (const p of list) {
      const run = await runAndWait(tasks, p, taskRow(p, 'not run'), timeoutMs, log, clock)
      report.tasks.push(run)
      if (run.result !== 'OK') {
        throw new ReclaimError(`task '${p.task.name}' (${p.type}) ended ${run.result}${run.message ? `: ${run.message}` : ''}`)
      }
    }
  }
  await runAll(plan.gcs)
  if (opts.verifyKept) {
    const broken = await opts.verifyKept()
    if (broken.length > 0)
      throw new ReclaimError(
        `after Docker GC, kept content is missing: ${broken.slice(0, 5).join('; ')}${broken.length > 5 ? ` (and ${broken.length - 5} more)` : ''}`
      )
    log.info('after Docker GC every kept tag still resolves with all it reaches')
  }
  await runAll(plan.cleanups)
  await runAll(plan.compacts)
}

/** The blob stores again, after the datastore's metrics flushed: what came back, and why less if less. */
async function measure(tasks: NexusTasks, plan: TaskPlan, log: Logger, report: ReclaimReport, opts: ReclaimOptions): Promise<void> {
  const flush = opts.metricsFlushMs ?? METRICS_FLUSH_MS
  if (plan.cleanups.length > 0 && flush > 0) await (opts.sleep ?? sleep)(flush)
  const after = await tasks.blobStores()
  const measuredAt = new Date((opts.now ?? Date.now)()).toISOString()
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
  const short = opts.expectedBytes !== undefined ? report.reclaimedBytes < opts.expectedBytes : report.reclaimedBytes <= 0
  if (short) report.notes.push(shortfall(report.reclaimedBytes, opts.expectedBytes, plan.cleanups.length > 0, measuredAt))
  log.info(`reclaimed ${formatBytes(report.reclaimedBytes)} (blob store sizes before and after the tasks)`)
}

/** Why less came back than the deleted manifests held, in words a Nexus admin acts on. */
function shortfall(reclaimed: number, expected: number | undefined, datastore: boolean, at: string): string {
  const than = expected !== undefined ? ` of the ${formatBytes(expected)} the deleted manifests held` : ''
  const why = [
    datastore
      ? 'blobs created less than 60 minutes ago stay orphaned until a later "Cleanup unused docker blobs" run (nexus.assetBlobCleanupTask.blobCreatedDelayMinute) and compact'
      : 'on a datastore Nexus without a listed blob cleanup task, blobs are released only by its own half-hourly cleanup, then a later compact',
    'layers that kept images of the repository share stay (on Nexus the estimate is an upper bound: kept manifests are not read)',
    'layers another repository also uses are never deleted by Docker GC',
    `content pushed within the GC task's deployOffset (hours) is kept`,
    'an S3 blob store frees space by its bucket lifecycle, not compact',
    `blob store metrics can lag a few seconds (measured at ${at})`
  ]
  return `${formatBytes(reclaimed)} came back${than}. Possible reasons: ${why.join('; ')}`
}

async function findTask(
  tasks: NexusTasks,
  cfg: ReclaimSettings,
  type: string,
  wanted: string | undefined,
  input: string,
  target: string,
  matches: (t: TaskXO) => boolean,
  properties: Record<string, string>
): Promise<Planned> {
  const planned = (task: TaskXO, confirmed: boolean): Planned => ({ task, type, target, confirmed })
  if (wanted) {
    const all = await tasks.list()
    const t = all.find(x => x.id === wanted) ?? all.find(x => x.name === wanted)
    if (!t) throw new ReclaimError(`${input} '${wanted}': no Nexus task has that id or name`)
    if (t.type && t.type !== type) throw new ReclaimError(`${input} '${wanted}' is a ${t.type} task, not ${type}`)
    return planned(t, true) // the user named it for this
  }
  const name = type === GC_TYPE ? `Docker GC ${target} (nexus-image-lifecycle)` : `Compact ${target} blob store (nexus-image-lifecycle)`
  const candidates = await tasks.list(type)
  // One this tool created for this target (it carries the name it was given): known to target it.
  const ours = candidates.find(t => t.name === name)
  if (ours) return planned(ours, true)
  // Nexus before 3.94 returns no task properties: a match by repository / blob store is only possible from
  // 3.94; before, a lone task of the type is taken but its target stays unconfirmed.
  const withProps = candidates.filter(t => t.properties)
  const matching = withProps.length > 0 ? withProps.filter(matches) : candidates
  const confirmed = withProps.length > 0
  if (matching.length > 1) {
    throw new ReclaimError(`several ${type} tasks could serve ${target} (${matching.map(t => `'${t.name}'`).join(', ')}): name one with ${input}`)
  }
  const create = !cfg.dryRun && cfg.createMissingTasks && (matching.length === 0 || !confirmed)
  const only = matching.length === 1 ? matching[0] : undefined
  if (only && !create) return planned(only, confirmed)
  if (create) {
    const id = await tasks.create({ type, name, properties })
    if (id) {
      const created = await tasks.get(id)
      if (created) return planned(created, true)
    }
    if (!id && only) return planned(only, confirmed)
    if (!id) throw new ReclaimError(`this Nexus cannot create tasks through the REST API (before 3.74). ${uiSteps(type, target)}`)
  }
  throw new ReclaimError(
    `no ${type} task for ${target}. ${uiSteps(type, target)}${cfg.createMissingTasks ? '' : ' (or set create-missing-tasks: true on Nexus 3.74+)'}`
  )
}

function uiSteps(type: string, target: string): string {
  const what =
    type === GC_TYPE
      ? `'Docker - Delete unused manifests and images', Repository: ${target} (or all docker repositories)`
      : `'Admin - Compact blob store', Blob store: ${target}`
  return `Create it in Nexus: Administration > System > Tasks > Create task > ${what}, Task frequency: Manual; then run again`
}

const isRunning = (t: TaskXO): boolean => t.currentState.startsWith('RUNNING')

async function runAndWait(
  tasks: NexusTasks,
  p: Planned,
  out: TaskRunReport,
  timeoutMs: number,
  log: Logger,
  clock: { now: () => number; sleep: (ms: number) => Promise<void>; min: number; max: number }
): Promise<TaskRunReport> {
  const start = clock.now()
  const what = `task '${p.task.name}' (${p.type})`
  const poll = async (done: (t: TaskXO) => boolean): Promise<TaskXO> => {
    for (let wait = clock.min; ; wait = Math.min(clock.max, Math.round(wait * 1.5))) {
      const t = await tasks.get(p.task.id)
      if (!t) throw new ReclaimError(`${what} disappeared while running`)
      if (done(t)) return t
      if (clock.now() - start > timeoutMs) {
        throw new ReclaimError(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s: state ${t.currentState}${t.message ? `, ${t.message}` : ''}`)
      }
      await clock.sleep(wait)
    }
  }
  let seen = await tasks.get(p.task.id)
  if (!seen) throw new ReclaimError(`${what} disappeared`)
  if (isRunning(seen)) {
    // A run that started before our deletes may not see them: let it end, then start one of ours.
    log.info(`${what} is already running: waiting for that run to end, then starting one that sees this run's deletions`)
    seen = await poll(t => !isRunning(t))
  }
  const lastRunBefore = seen.lastRun
  const { answer, detail } = await tasks.run(p.task.id)
  if (answer === 'missing') throw new ReclaimError(`${what} disappeared`)
  if (answer === 'disabled') throw new ReclaimError(`${what} is disabled in Nexus: enable it, or name another with gc-task/compact-task`)
  if (answer === 'refused') {
    // 500 is any failure to start; it means "already running" only if the task now says so.
    const now = await tasks.get(p.task.id)
    if (!now || !isRunning(now)) {
      throw new ReclaimError(
        `Nexus answered 500 to starting ${what}, and the task is not running: nothing was started (${detail || 'Nexus gives no reason; a paused scheduler answers so'})`
      )
    }
    log.info(`${what} was started by someone else a moment ago: waiting for that run`)
  } else log.info(`started ${what}`)
  out.startedAt = new Date(start).toISOString()

  // Done once it no longer runs and its last run is one that started after we asked.
  const t = await poll(x => !isRunning(x) && x.lastRun !== null && x.lastRun !== lastRunBefore)
  out.result = t.lastRunResult ?? 'unknown'
  out.message = t.message ?? undefined
  out.durationMs = clock.now() - start
  log.info(`${what} ended ${out.result} after ${Math.round(out.durationMs / 1000)} s`)
  return out
}
