/**
 * Scheduled tasks and their run state machine (API.md §7).
 *
 * `run` sets RUNNING synchronously (QuartzTaskInfo.runNow, §7.3); the run ends later and the task
 * goes back to WAITING with `lastRunResult` OK/FAILED/CANCELED and `lastRun` = start time. When a
 * run ends is configurable:
 * - `timer`: after `durationMs` of real time (setTimeout);
 * - `clock`: once the emulator clock has moved `durationMs` past the start (setNow/advance);
 * - `polls`: after `polls` reads of the task (GET /tasks or /tasks/{id}) have shown it running,
 *   which makes "RUNNING then WAITING" deterministic in tests.
 * The task's effect (docker GC, compaction) happens when the run ends, so a client that does not
 * wait sees the old state — as on a real server.
 */
import { randomUUID } from 'node:crypto'
import { Clock } from './clock'
import { Store } from './store'
import { NexusVersion, SINCE } from './version'

export type TaskTimingMode = 'timer' | 'clock' | 'polls'

export interface TaskTimingOptions {
  mode?: TaskTimingMode
  /** timer/clock modes; default 50 ms. */
  durationMs?: number
  /** polls mode: number of reads that show RUNNING; default 1. */
  polls?: number
  /** Report "RUNNING: <progress>" on 3.66+ (§7.2); default true. */
  progress?: boolean
}

export interface TaskDefinition {
  id?: string
  name: string
  type: string
  properties?: Record<string, string>
  enabled?: boolean
  /** Hidden tasks are not listed and 404 by id (assetBlob.cleanup is NOT_EXPOSED but VISIBLE: listed, §14.1). */
  visible?: boolean
  message?: string | null
  lastRun?: string | null
  lastRunResult?: 'OK' | 'FAILED' | 'CANCELED' | 'INTERRUPTED' | null
  /** Per-task override of the run duration (timer/clock modes). */
  durationMs?: number
  /** Every run of this task fails (string = failure message). */
  fail?: boolean | string
  alertEmail?: string | null
  notificationCondition?: 'FAILURE' | 'SUCCESS_FAILURE'
  frequency?: { schedule: string; startDate?: number; timeZoneOffset?: string; recurringDays?: number[]; cronExpression?: string }
}

interface RunState {
  started: Date
  startedClockMs: number
  reads: number
  timer: NodeJS.Timeout | null
  progress: string | null
}

export interface TaskRecord {
  id: string
  name: string
  type: string
  message: string | null
  properties: Record<string, string>
  enabled: boolean
  visible: boolean
  lastRun: Date | null
  lastRunResult: string | null
  durationMs: number | null
  fail: boolean | string
  /** Injected one-off failures still to apply. */
  failNext: number
  alertEmail: string | null
  notificationCondition: string
  frequency: { schedule: string; [key: string]: unknown }
  run: RunState | null
  /** Results of the last completed run of this task's action (for tests). */
  lastOutcome: unknown
}

export type RunOutcome = 'started' | 'notFound' | 'disabled' | 'alreadyRunning' | 'paused'
export type StopOutcome = 'stopped' | 'notFound' | 'notRunning'

/** Known type ids (§7.5), used to validate task creation. */
export const KNOWN_TASK_TYPES = [
  'repository.docker.gc',
  'repository.docker.upload-purge',
  'blobstore.compact',
  'repository.cleanup',
  'assetBlob.cleanup',
  'db.backup',
  'script'
]

export class TaskManager {
  readonly tasks = new Map<string, TaskRecord>()
  /** The scheduler is paused: every run request fails with 500 (QuartzSchedulerSPI, §14.2). */
  paused = false
  private readonly failTypesOrIds: Set<string>

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly version: NexusVersion,
    private readonly timing: Required<TaskTimingOptions>,
    failTasks: string[] = []
  ) {
    this.failTypesOrIds = new Set(failTasks)
    clock.onChange(() => this.tick())
  }

  add(def: TaskDefinition): TaskRecord {
    const id = def.id ?? randomUUID()
    const t: TaskRecord = {
      id,
      name: def.name,
      type: def.type,
      message: def.message ?? null,
      properties: { ...(def.properties ?? {}) },
      enabled: def.enabled ?? true,
      visible: def.visible ?? true,
      lastRun: def.lastRun ? new Date(def.lastRun) : null,
      lastRunResult: def.lastRunResult ?? null,
      durationMs: def.durationMs ?? null,
      fail: def.fail ?? false,
      failNext: 0,
      alertEmail: def.alertEmail ?? null,
      notificationCondition: def.notificationCondition ?? 'FAILURE',
      frequency: { schedule: 'manual', ...(def.frequency ?? {}) },
      run: null,
      lastOutcome: null
    }
    this.tasks.set(id, t)
    return t
  }

  remove(id: string): boolean {
    const t = this.tasks.get(id)
    if (t?.run?.timer) clearTimeout(t.run.timer)
    return this.tasks.delete(id)
  }

  /** Visible tasks, optionally filtered by exact type id (§7.1). */
  list(type?: string): TaskRecord[] {
    this.tick()
    return [...this.tasks.values()].filter(t => t.visible && (type === undefined || t.type === type))
  }

  get(id: string): TaskRecord | undefined {
    this.tick()
    const t = this.tasks.get(id)
    return t?.visible ? t : undefined
  }

  /** Find by id or by type (first match), for test helpers. */
  find(idOrType: string): TaskRecord | undefined {
    return this.tasks.get(idOrType) ?? [...this.tasks.values()].find(t => t.type === idOrType)
  }

  /** Record that a client read the task's state (drives `polls` mode). Call after rendering. */
  observed(t: TaskRecord): void {
    if (t.run) t.run.reads++
  }

  /** The `currentState` string: WAITING, RUNNING or (3.66+) "RUNNING: <progress>". */
  currentState(t: TaskRecord): string {
    if (!t.run) return 'WAITING'
    if (this.timing.progress && t.run.progress && this.version.atLeast(SINCE.runningProgress)) return `RUNNING: ${t.run.progress}`
    return 'RUNNING'
  }

  /** Fail the next `times` runs of a task (by id or type). */
  injectFailure(idOrType: string, times = 1): void {
    const t = this.find(idOrType)
    if (!t) throw new Error(`No task ${idOrType}`)
    t.failNext += times
  }

  run(id: string): RunOutcome {
    this.tick()
    const t = this.tasks.get(id)
    if (!t || !t.visible) return 'notFound'
    if (!t.enabled) return 'disabled' // 405 since 3.15
    if (this.paused) return 'paused' // "Cannot run tasks while scheduler is paused" → 500
    if (t.run) return 'alreadyRunning' // checkState(!isRunning) → 500
    const started = this.clock.now()
    t.run = { started, startedClockMs: started.getTime(), reads: 0, timer: null, progress: this.progressText(t) }
    if (t.type === 'blobstore.compact') t.message = `Compacting ${t.properties.blobstoreName ?? ''} blob store`
    const duration = t.durationMs ?? this.timing.durationMs
    if (this.timing.mode === 'timer') {
      const run = t.run
      run.timer = setTimeout(() => {
        if (t.run === run) this.finish(t, 'natural')
      }, duration)
      run.timer.unref?.()
    }
    return 'started'
  }

  stop(id: string): StopOutcome {
    this.tick()
    const t = this.tasks.get(id)
    if (!t || !t.visible) return 'notFound'
    if (!t.run) return 'notRunning' // 409
    this.finish(t, 'canceled')
    return 'stopped'
  }

  /** Complete runs that are due (clock and polls modes). */
  tick(): void {
    for (const t of this.tasks.values()) {
      if (!t.run) continue
      if (this.timing.mode === 'clock') {
        const duration = t.durationMs ?? this.timing.durationMs
        if (this.clock.nowMs() - t.run.startedClockMs >= duration) this.finish(t, 'natural')
      } else if (this.timing.mode === 'polls') {
        if (t.run.reads >= this.timing.polls) this.finish(t, 'natural')
      }
    }
  }

  /** Force every running task to finish now (test helper). */
  finishAll(): void {
    for (const t of this.tasks.values()) if (t.run) this.finish(t, 'natural')
  }

  isRunning(idOrType?: string): boolean {
    if (idOrType === undefined) return [...this.tasks.values()].some(t => t.run !== null)
    return this.find(idOrType)?.run != null
  }

  close(): void {
    for (const t of this.tasks.values()) if (t.run?.timer) clearTimeout(t.run.timer)
  }

  private progressText(t: TaskRecord): string | null {
    switch (t.type) {
      case 'repository.docker.gc':
        return `Processing repository ${t.properties.repositoryName ?? '*'}`
      case 'blobstore.compact':
        return `Compacting blob store ${t.properties.blobstoreName ?? ''}`
      default:
        return null
    }
  }

  private finish(t: TaskRecord, how: 'natural' | 'canceled'): void {
    const run = t.run
    if (!run) return
    if (run.timer) clearTimeout(run.timer)
    t.run = null
    t.lastRun = run.started
    if (how === 'canceled') {
      t.lastRunResult = 'CANCELED'
      return
    }
    const injected = t.failNext > 0 || t.fail !== false || this.failTypesOrIds.has(t.id) || this.failTypesOrIds.has(t.type)
    if (t.failNext > 0) t.failNext--
    if (injected) {
      t.lastRunResult = 'FAILED'
      t.lastOutcome = { error: typeof t.fail === 'string' ? t.fail : 'injected failure' }
      return
    }
    try {
      t.lastOutcome = this.execute(t)
      t.lastRunResult = 'OK'
    } catch (e) {
      t.lastRunResult = 'FAILED'
      t.lastOutcome = { error: (e as Error).message }
    }
  }

  /** What the task does (§7.5, §9). Unknown types succeed without effect. */
  private execute(t: TaskRecord): unknown {
    switch (t.type) {
      case 'repository.docker.gc': {
        const repositoryName = t.properties.repositoryName
        if (!repositoryName) throw new Error('repositoryName is required')
        const hours = Number(t.properties.deployOffset ?? '24')
        return this.store.dockerGc(repositoryName, (Number.isFinite(hours) ? hours : 24) * 3600_000)
      }
      case 'assetBlob.cleanup':
        // §14.1: soft-deletes orphaned blobs of the format on the content store, created >= 60 min ago.
        return { softDeleted: this.store.cleanupOrphanBlobs(t.properties.format ?? '', t.properties.contentStore ?? 'nexus') }
      case 'blobstore.compact': {
        const name = t.properties.blobstoreName
        const bs = name ? this.store.blobStores.get(name) : undefined
        if (!bs) throw new Error(`Blob store '${name ?? ''}' not found`)
        // §9.4: S3 compact is a no-op through 3.77 (bucket lifecycle expires soft-deleted blobs);
        // 3.80+ compacts blobs deleted more than `blobsOlderThan` days ago.
        if (bs.type === 'S3') {
          if (this.version.below(SINCE.s3Compact)) return { removed: 0 }
          const days = Number(t.properties.blobsOlderThan ?? '0')
          return { removed: this.store.compact(bs.name, (Number.isFinite(days) ? days : 0) * 86400_000) }
        }
        return { removed: this.store.compact(bs.name) }
      }
      default:
        return null
    }
  }
}
