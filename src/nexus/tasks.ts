// Nexus scheduled tasks, repositories' blob stores and blob store sizes (the team's Nexus reference, API.md 6.2, 6.3, 7).

import { Http } from '../http/http'
import { authFailure, restBase } from './client'

export interface TaskXO {
  id: string
  name: string
  type?: string
  message: string | null
  /** WAITING, RUNNING..., or since 3.66 `RUNNING: <progress>`. */
  currentState: string
  lastRunResult: string | null
  nextRun: string | null
  lastRun: string | null
  /** Only 3.94+ returns a task's properties. */
  properties?: Record<string, string>
  enabled?: boolean
}

export interface BlobStoreXO {
  name: string
  type: string
  blobCount: number
  totalSizeInBytes: number
  availableSpaceInBytes?: number
}

/** `refused`: Nexus answered 500, which means any failure to start (already running, a paused scheduler, ...). */
export type RunAnswer = 'started' | 'refused' | 'disabled' | 'missing'

export class NexusTasks {
  private readonly rest: string

  constructor(
    private readonly http: Http,
    host: string
  ) {
    this.rest = restBase(host)
  }

  async list(type?: string): Promise<TaskXO[]> {
    const url = new URL(`${this.rest}/tasks`)
    if (type) url.searchParams.set('type', type)
    const res = await this.http.request('GET', url.toString(), { kind: 'nexus GET tasks', headers: { accept: 'application/json' }, handles: [401, 403] })
    authFailure(res.status, 'list tasks', 'nx-tasks-read')
    return (JSON.parse(res.body.toString('utf8')) as { items: TaskXO[] }).items ?? []
  }

  async get(id: string): Promise<TaskXO | undefined> {
    const res = await this.http.request('GET', `${this.rest}/tasks/${encodeURIComponent(id)}`, {
      kind: 'nexus GET task',
      headers: { accept: 'application/json' },
      handles: [401, 403, 404]
    })
    authFailure(res.status, 'read tasks', 'nx-tasks-read')
    return res.status === 404 ? undefined : (JSON.parse(res.body.toString('utf8')) as TaskXO)
  }

  /**
   * Starts a task. Never retried: a second POST could start a second run. A 500 is any exception while
   * starting (already running, the scheduler paused: TasksResource / QuartzSchedulerSPI, API.md 14.2), so it
   * is `refused` with Nexus's text (empty on 3.30+); only a read of the task tells whether it is running.
   */
  async run(id: string): Promise<{ answer: RunAnswer; detail: string }> {
    const res = await this.http.request('POST', `${this.rest}/tasks/${encodeURIComponent(id)}/run`, {
      kind: 'nexus POST task run',
      retry: false,
      handles: [401, 403, 404, 405, 500]
    })
    authFailure(res.status, 'run tasks', 'nx-tasks-run')
    const detail = (res.body.toString('utf8').trim().split('\n')[0] ?? '').slice(0, 200)
    if (res.status === 404) return { answer: 'missing', detail }
    if (res.status === 405) return { answer: 'disabled', detail }
    if (res.status === 500) return { answer: 'refused', detail }
    return { answer: 'started', detail }
  }

  /** Creates a manual task (3.74+). undefined when this Nexus has no such endpoint (404/405). */
  async create(body: { type: string; name: string; properties: Record<string, string> }): Promise<string | undefined> {
    const res = await this.http.request('POST', `${this.rest}/tasks`, {
      kind: 'nexus POST tasks',
      retry: false,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        type: body.type,
        name: body.name,
        enabled: true,
        notificationCondition: 'FAILURE',
        frequency: { schedule: 'manual' },
        properties: body.properties
      }),
      handles: [401, 403, 404, 405]
    })
    authFailure(res.status, 'create tasks', 'nx-tasks-create')
    if (res.status === 404 || res.status === 405) return undefined
    const json = JSON.parse(res.body.toString('utf8') || '{}') as { id?: string }
    if (!json.id) throw new Error('Nexus created the task but its answer carries no id')
    return json.id
  }

  /** The blob store of a Docker hosted repository (needs the repository admin read privilege). */
  async blobStoreOf(repository: string): Promise<string> {
    const res = await this.http.request('GET', `${this.rest}/repositories/docker/hosted/${encodeURIComponent(repository)}`, {
      kind: 'nexus GET repository settings',
      headers: { accept: 'application/json' },
      handles: [401, 403, 404]
    })
    authFailure(res.status, `read the settings of ${repository}`, `nx-repository-admin-docker-${repository}-read`)
    // Without the admin read privilege Nexus answers 404, not 403 (API.md 14.3).
    if (res.status === 404) {
      throw new Error(
        `Nexus answered 404 for the settings of '${repository}': the user lacks nx-repository-admin-docker-${repository}-read (Nexus says 404, not 403, without it), or it is not a Docker hosted repository`
      )
    }
    const name = (JSON.parse(res.body.toString('utf8')) as { storage?: { blobStoreName?: string } }).storage?.blobStoreName
    if (!name) throw new Error(`Nexus did not say which blob store '${repository}' uses`)
    return name
  }

  async blobStores(): Promise<BlobStoreXO[]> {
    const res = await this.http.request('GET', `${this.rest}/blobstores`, {
      kind: 'nexus GET blobstores',
      headers: { accept: 'application/json' },
      handles: [401, 403]
    })
    authFailure(res.status, 'read blob stores', 'nx-blobstores-read')
    return JSON.parse(res.body.toString('utf8')) as BlobStoreXO[]
  }
}
