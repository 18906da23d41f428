/**
 * REST API `/service/rest/v1/...` (API.md §1, §3, §4, §6, §7).
 *
 * Status codes follow the Nexus resources: 422 for a missing `repository` or a malformed id, 404
 * for unknown repositories/items, 403 from the repository browse check (thrown by the resource,
 * so even anonymous callers get 403 there, §1.3), 401/403 from the authorization mapper
 * elsewhere, 204 for deletes and task runs. Errors have empty bodies on 3.30+ and carry
 * `X-Siesta-FaultId`.
 */
import { randomUUID } from 'node:crypto'
import { Subject } from './auth'
import { Exchange, authorizationFailure, challenge401, fault, frozen, nexusBase, send, sendJson, unexpected } from './http'
import { NumberFormatError, datastoreRowFromHex, decodeItemId } from './ids'
import { JsonObject, JsonValue, obj } from './json'
import { assetXO, blobStoreXO, componentXO, dockerHostedXO, internalId, page, repositoryXO, taskXO } from './render'
import { Asset, Component, RepositoryState } from './store'
import { KNOWN_TASK_TYPES, TaskDefinition } from './tasks'
import { SINCE } from './version'
import { handleSearch } from './search'

const DATASTORE_PAGE = 100 // ComponentsResourceSupport.PAGE_SIZE_LIMIT
const ORIENT_PAGE = 10 // QueryOptions(..., 0, 10, lastId)

export function handleRest(x: Exchange, subPath: string, subject: Subject): void {
  const seg = subPath
    .split('/')
    .filter(s => s !== '')
    .map(s => decodeURIComponent(s))
  const m = x.method
  const v = x.ctx.options.version
  x.ctx.tasks.tick()

  if (seg[0] === 'status') return status(x, seg, subject)
  if (seg[0] === 'components' || seg[0] === 'assets') {
    const kind = seg[0]
    if (seg.length === 1 && m === 'GET') return listItems(x, subject, kind)
    if (seg.length === 2 && (m === 'GET' || m === 'DELETE')) return oneItem(x, subject, kind, seg[1])
    return notMatched(x, seg.length <= 2)
  }
  if (seg[0] === 'repositories') {
    if (seg.length === 1 && m === 'GET') return listRepositories(x, subject)
    if (seg.length === 2 && m === 'GET' && v.atLeast(SINCE.repositoryByName)) return getRepository(x, subject, seg[1])
    if (seg.length === 4 && seg[1] === 'docker' && seg[2] === 'hosted' && m === 'GET' && v.atLeast(SINCE.dockerHostedResource)) {
      return getDockerHosted(x, subject, seg[3])
    }
    return notMatched(x, false)
  }
  if (seg[0] === 'blobstores' && seg.length === 1) {
    if (m !== 'GET') return notMatched(x, true)
    if (!x.ctx.auth.can(subject, 'nexus:blobstores:read')) return authorizationFailure(x, subject)
    return sendJson(
      x,
      200,
      [...x.ctx.store.blobStores.values()].map(bs => blobStoreXO(x.ctx, bs))
    )
  }
  if (seg[0] === 'tasks') return tasks(x, seg, subject)
  if (seg[0] === 'search' && seg.length === 1) {
    const browsable = (name: string): boolean => {
      const repo = x.ctx.store.repo(name)
      return repo !== undefined && canBrowseOrRead(x, subject, repo)
    }
    return m === 'GET' ? handleSearch(x, x.ctx.search, browsable) : notMatched(x, true)
  }
  return notMatched(x, false)
}

/** No resource method: 405 if the path exists with another method, else 404 (empty, fault id). */
function notMatched(x: Exchange, pathExists: boolean): void {
  fault(x, pathExists ? 405 : 404)
}

// ------------------------------------------------------------------ status (§1.5)

function status(x: Exchange, seg: string[], subject: Subject): void {
  if (x.method !== 'GET') return notMatched(x, seg.length <= 2)
  if (seg.length === 1) return send(x, 200, null)
  if (seg[1] === 'writable' && seg.length === 2) return send(x, x.ctx.options.readOnly ? 503 : 200, null)
  if (seg[1] === 'check' && seg.length === 2) {
    if (subject.anonymous) return authorizationFailure(x, subject)
    if (!x.ctx.auth.can(subject, 'nexus:metrics:read')) return authorizationFailure(x, subject)
    const healthy = obj(
      ['healthy', true],
      ['message', null],
      ['error', null],
      ['details', null],
      ['time', x.ctx.clock.nowMs()],
      ['duration', 0],
      ['timestamp', new Date(x.ctx.clock.nowMs()).toISOString()]
    )
    return sendJson(x, 200, obj(['Blob Stores Ready', healthy], ['Read-Only Detector', healthy]))
  }
  return notMatched(x, false)
}

// ------------------------------------------------------------------ components / assets (§3, §4)

/** RepositoryManagerRESTAdapterImpl.getRepository: 422 missing, 404 unknown, 403 without read or browse (§14.3). */
function browsableRepository(x: Exchange, subject: Subject, name: string | null): RepositoryState | null {
  if (!name) {
    fault(x, 422, 'repositoryId is required.')
    return null
  }
  const repo = x.ctx.store.repo(name)
  if (!repo) {
    fault(x, 404, `Unable to locate repository with id ${name}`)
    return null
  }
  if (!canBrowseOrRead(x, subject, repo)) {
    fault(x, 403)
    return null
  }
  return repo
}

function canBrowseOrRead(x: Exchange, subject: Subject, repo: RepositoryState): boolean {
  const { format, name } = repo.config
  return x.ctx.auth.canRepo(subject, format, name, 'browse') || x.ctx.auth.canRepo(subject, format, name, 'read')
}

function listItems(x: Exchange, subject: Subject, kind: 'components' | 'assets'): void {
  const repo = browsableRepository(x, subject, x.query.get('repository'))
  if (!repo) return
  const ctx = x.ctx
  const base = nexusBase(x)
  // The page is read first and filtered by permission after (ComponentsResourceSupport): a page may come
  // back short, or empty, with a token still; listingHides stands in for a content selector.
  const visible = (i: Component | Asset): boolean => kind !== 'components' || !ctx.store.listingHides.has((i as Component).name)
  const render = (i: Component | Asset): JsonObject => (kind === 'components' ? componentXO(ctx, base, i as Component) : assetXO(ctx, base, i as Asset))
  const token = x.query.get('continuationToken') || null

  if (ctx.options.dbMode === 'datastore') {
    // Datastore: id-ordered, token = external hex of the last item, non-null iff the page is full
    // (so exactly 100·k items end with an extra empty page).
    let after: number | null = null
    if (token !== null) {
      try {
        after = datastoreRowFromHex(token)
      } catch (e) {
        if (e instanceof NumberFormatError) return unexpected(x, `${e.name}: ${e.message}`)
        throw e
      }
    }
    const { items } = ctx.store.pageAfter(repo.config.name, kind, after, DATASTORE_PAGE)
    const next = items.length === DATASTORE_PAGE ? internalId(ctx, items[items.length - 1]) : null
    return sendJson(x, 200, page(items.filter(visible).map(render), next))
  }

  // Orient: "order by id", 10 per page, token = Orient id of the last item, non-null iff more
  // remain; a token that is not a known id → 406.
  let after: number | null = null
  if (token !== null) {
    const ids = kind === 'components' ? ctx.store.orientComponentIds : ctx.store.orientAssetIds
    const loc = ids.get(token)
    const members = ctx.store.leafRepositories(repo.config.name).map(r => r.config.name)
    if (!loc || !members.includes(loc.repository)) return fault(x, 406)
    after = loc.row
  }
  const { items, remaining } = ctx.store.pageAfter(repo.config.name, kind, after, ORIENT_PAGE)
  const next = remaining > 0 ? internalId(ctx, items[items.length - 1]) : null
  return sendJson(x, 200, page(items.filter(visible).map(render), next))
}

function findItem(x: Exchange, kind: 'components' | 'assets', repo: RepositoryState, internal: string): Component | Asset | undefined | 'malformed' {
  const ctx = x.ctx
  let row: number
  if (ctx.options.dbMode === 'datastore') {
    try {
      row = datastoreRowFromHex(internal)
    } catch {
      return 'malformed' // NumberFormatException is an IllegalArgumentException → 422
    }
  } else {
    const loc = (kind === 'components' ? ctx.store.orientComponentIds : ctx.store.orientAssetIds).get(internal)
    if (!loc || loc.repository !== repo.config.name) return undefined
    row = loc.row
  }
  return kind === 'components' ? repo.components.get(row) : repo.assets.get(row)
}

function oneItem(x: Exchange, subject: Subject, kind: 'components' | 'assets', id: string): void {
  const what = kind === 'components' ? 'component' : 'asset'
  const decoded = decodeItemId(id)
  if (!decoded.ok) return fault(x, decoded.status, decoded.status === 404 ? `Unable to locate ${what} with id ${id}` : `Malformed ID`)
  const repo = x.ctx.store.repo(decoded.repository)
  if (!repo) return fault(x, 404, `Unable to locate repository with id ${decoded.repository}`)
  if (!canBrowseOrRead(x, subject, repo)) return fault(x, 403)
  const item = findItem(x, kind, repo, decoded.internal)
  if (item === 'malformed') return fault(x, 422, 'Malformed ID')
  if (!item) return fault(x, 404, `Unable to locate ${what} with id ${id}`)

  if (x.method === 'GET') {
    const base = nexusBase(x)
    return sendJson(x, 200, kind === 'components' ? componentXO(x.ctx, base, item as Component) : assetXO(x.ctx, base, item as Asset))
  }
  // DELETE: needs delete permission (on every asset of a component, §3.4); anonymous → 401.
  if (!x.ctx.auth.canRepo(subject, repo.config.format, repo.config.name, 'delete')) return authorizationFailure(x, subject)
  if (x.ctx.options.readOnly) return frozen(x)
  const ok = kind === 'components' ? x.ctx.store.deleteComponent(repo.config.name, item.row) : x.ctx.store.deleteAsset(repo.config.name, item.row)
  if (!ok) return fault(x, 404)
  return send(x, 204, null)
}

// ------------------------------------------------------------------ repositories (§6)

function listRepositories(x: Exchange, subject: Subject): void {
  const base = nexusBase(x)
  const visible = [...x.ctx.store.repositories.values()]
    // RepositoryPermissionChecker.userCanBrowseRepositories: browse or read (§14.3)
    .filter(r => canBrowseOrRead(x, subject, r))
    .sort((a, b) => a.config.name.localeCompare(b.config.name))
  sendJson(
    x,
    200,
    visible.map(r => repositoryXO(base, r))
  )
}

function getRepository(x: Exchange, subject: Subject, name: string): void {
  const repo = x.ctx.store.repo(name)
  if (!repo) return fault(x, 404, 'Repository not found')
  const auth = x.ctx.auth
  const canRead = (n: string): boolean => {
    const r = x.ctx.store.repo(n)
    return !!r && (auth.canRepo(subject, r.config.format, n, 'read') || auth.canRepo(subject, r.config.format, n, 'browse'))
  }
  // Read on a group containing the repository also counts (§6.1).
  if (!canRead(name) && !x.ctx.store.groupsContaining(name).some(canRead)) return fault(x, 403)
  sendJson(x, 200, repositoryXO(nexusBase(x), repo))
}

function getDockerHosted(x: Exchange, subject: Subject, name: string): void {
  if (subject.anonymous) return authorizationFailure(x, subject)
  const repo = x.ctx.store.repo(name)
  // 404 if missing or if format/type do not match the path (§6.2).
  if (!repo || repo.config.format !== 'docker' || repo.config.type !== 'hosted') return fault(x, 404, 'Repository not found')
  // §14.3: without the admin read privilege the lookup comes back empty: 404, not 403
  // (AuthorizingRepositoryManagerImpl.getRepositoryWithAdmin).
  if (!x.ctx.auth.canRepoAdmin(subject, 'docker', name, 'read')) return fault(x, 404, 'Repository not found')
  sendJson(x, 200, dockerHostedXO(x.ctx, nexusBase(x), repo))
}

// ------------------------------------------------------------------ tasks (§7)

function tasks(x: Exchange, seg: string[], subject: Subject): void {
  const ctx = x.ctx
  const m = x.method
  const v = ctx.options.version
  // @RequiresAuthentication: anonymous → 401 (§1.3).
  if (subject.anonymous) return authorizationFailure(x, subject)
  const need = (perm: string): boolean => {
    if (ctx.auth.can(subject, perm)) return true
    authorizationFailure(x, subject)
    return false
  }

  if (seg.length === 1) {
    if (m === 'GET') {
      if (!need('nexus:tasks:read')) return
      const type = x.query.get('type') ?? undefined
      const list = ctx.tasks.list(type)
      sendJson(
        x,
        200,
        page(
          list.map(t => taskXO(ctx, t)),
          null
        )
      ) // continuationToken always null
      for (const t of list) ctx.tasks.observed(t)
      return
    }
    if (m === 'POST') {
      // Task creation appeared between 3.69 and 3.74 (§7.4); before that only GET exists → 405.
      if (v.below(SINCE.taskCreate)) return notMatched(x, true)
      if (!need('nexus:tasks:create')) return
      return createTask(x)
    }
    return notMatched(x, true)
  }
  if (seg[1] === 'templates' && v.atLeast(SINCE.taskCreate) && m === 'GET') {
    if (!need('nexus:tasks:read')) return
    const templates = KNOWN_TASK_TYPES.filter(t => t !== 'assetBlob.cleanup').map(type =>
      obj(
        ['name', type],
        ['type', type],
        ['enabled', true],
        ['alertEmail', null],
        ['notificationCondition', 'FAILURE'],
        ['frequency', obj(['schedule', 'manual'])],
        ['properties', obj()]
      )
    )
    if (seg.length === 2) return sendJson(x, 200, templates)
    const one = templates.find(t => t.get('type') === seg[2])
    return one ? sendJson(x, 200, one) : fault(x, 404)
  }
  const id = seg[1]
  if (seg.length === 2) {
    if (m === 'GET') {
      if (!need('nexus:tasks:read')) return
      const t = ctx.tasks.get(id)
      if (!t) return fault(x, 404)
      sendJson(x, 200, taskXO(ctx, t))
      ctx.tasks.observed(t)
      return
    }
    if (m === 'DELETE' && v.atLeast(SINCE.taskCreate)) {
      if (!need('nexus:tasks:delete')) return
      return ctx.tasks.get(id) && ctx.tasks.remove(id) ? send(x, 204, null) : fault(x, 404)
    }
    return notMatched(x, true)
  }
  if (seg.length === 3 && (seg[2] === 'run' || seg[2] === 'stop')) {
    if (m !== 'POST') return notMatched(x, true)
    if (seg[2] === 'run') {
      if (!need('nexus:tasks:start')) return
      const r = ctx.tasks.run(id)
      if (r === 'notFound') return fault(x, 404)
      if (r === 'disabled') return fault(x, 405)
      if (r === 'alreadyRunning') return fault(x, 500, 'Error running task') // WebApplicationMessageException
      if (r === 'paused') return fault(x, 500, 'Cannot run tasks while scheduler is paused')
      return send(x, 204, null)
    }
    if (!need('nexus:tasks:stop')) return
    const r = ctx.tasks.stop(id)
    if (r === 'notFound') return fault(x, 404)
    if (r === 'notRunning') return fault(x, 409)
    return send(x, 204, null)
  }
  return notMatched(x, false)
}

function createTask(x: Exchange): void {
  const ctx = x.ctx
  let body: Partial<TaskDefinition> & { frequency?: { schedule?: string } }
  try {
    body = JSON.parse(x.body.toString('utf8') || '{}') as typeof body
  } catch {
    return fault(x, 400)
  }
  // TaskTemplateXO bean validation (§7.4): name, type, enabled, notificationCondition, frequency.
  const missing = (['name', 'type', 'enabled', 'notificationCondition', 'frequency'] as const).filter(k => body[k] === undefined || body[k] === null)
  if (missing.length > 0) {
    const errors = missing.map(k => obj(['id', `PARAMETER ${k}`], ['message', 'must not be null']))
    return sendJson(x, 400, errors)
  }
  if (!KNOWN_TASK_TYPES.includes(String(body.type))) {
    return sendJson(x, 400, [obj(['id', '*'], ['message', `Unknown task type: ${String(body.type)}`])])
  }
  const t = ctx.tasks.add({
    id: randomUUID(),
    name: String(body.name),
    type: String(body.type),
    enabled: Boolean(body.enabled),
    properties: body.properties ?? {},
    alertEmail: body.alertEmail ?? null,
    notificationCondition: body.notificationCondition,
    frequency: { schedule: body.frequency?.schedule ?? 'manual' }
  })
  // 201 body: `{ "id" : … }` before 3.89, a full TaskXO after (UNCONFIRMED, §7.4).
  if (ctx.options.version.atLeast(SINCE.taskCreateReturnsTaskXO)) return sendJson(x, 201, taskXO(ctx, t))
  return sendJson(x, 201, obj(['id', t.id]))
}

/** Entry for requests under /service/rest: only v1 is emulated (§1.1). */
/**
 * POST /service/extdirect, `rapture_Security.getPermissions` (§14.3): the permission strings of the
 * privileges the user holds (SecurityComponent.calculatePermissions). Other Ext.Direct calls are not modelled.
 */
export function handleExtDirect(x: Exchange, subject: Subject | null): void {
  if (x.method !== 'POST') return fault(x, 405)
  let call: { action?: string; method?: string; tid?: number }
  try {
    call = JSON.parse(x.body.toString('utf8') || '{}') as typeof call
  } catch {
    return fault(x, 400)
  }
  const envelope = (result: JsonValue) =>
    obj(['tid', call.tid ?? 1], ['action', call.action ?? null], ['method', call.method ?? null], ['type', 'rpc'], ['result', result])
  if (call.action !== 'rapture_Security' || call.method !== 'getPermissions') return sendJson(x, 200, envelope(obj(['success', false])))
  const perms = subject && !subject.anonymous ? x.ctx.auth.permissionsOf(subject) : []
  sendJson(x, 200, envelope(obj(['success', true], ['data', perms.map(p => obj(['id', p]))])))
}

export function handleServiceRest(x: Exchange, rest: string, subject: Subject | null): void {
  if (subject === null) return challenge401(x)
  if (rest === '/v1' || rest.startsWith('/v1/')) return handleRest(x, rest.slice(3), subject)
  if (rest === '/internal/ui/usage-metrics' && x.method === 'GET') return usageMetrics(x)
  return fault(x, 404)
}

const DAY_MS = 86_400_000

/**
 * The counters the UI's usage page reads (§14.4, internal): components in every hosted and proxy
 * repository, and the requests under /repository/* of the last 24 hours. The body follows the one captured
 * from a 2026 Community Edition server. Absent before 3.87 (404), as the CE limits are.
 */
function usageMetrics(x: Exchange): void {
  const { store, options, clock } = x.ctx
  if (!options.version.atLeast(SINCE.usageMetrics) || options.usageMetrics === false) return fault(x, 404)
  if (options.usageMetrics === 'forbidden') return fault(x, 403)
  const components = [...store.repositories.values()].filter(r => r.config.type !== 'group').reduce((n, r) => n + r.components.size, 0)
  const now = clock.now().getTime()
  const requests = x.ctx.repositoryRequestTimes.filter(t => t > now - DAY_MS).length
  const usage = obj(
    ['date', new Date(now).toISOString().slice(0, 10)],
    ['component_total_count', components],
    ['unique_users_last_30d', 1],
    ['peak_component_total_count_per_day_30d', components],
    ['requests_per_last_24h', requests],
    ['aggregated_components_count', components],
    ['request_rates', obj(['peak_requests_per_minute_1d', requests], ['peak_requests_per_day_30d', requests])]
  )
  sendJson(x, 200, obj(['usage', [usage]]))
}
