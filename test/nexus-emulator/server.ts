/**
 * Nexus Repository 3 emulator: HTTP servers (main + optional docker connectors) on 127.0.0.1,
 * request log, and helpers tests use to seed and inspect state and to control time.
 *
 * Main server routes (API.md §1.1, §8.1):
 *   /service/rest/v1/...            REST (rest.ts)
 *   /repository/<repo>/v2/...       Docker registry, path-based (registry.ts)
 *   /repository/<repo>/<path>       raw asset download (maven etc.)
 *   /v2/token                       bearer token realm (UNCONFIRMED path)
 *   /v2/<repo>/<image>/...          3.83+ path-based routing
 * Connector servers: /v2/... bound to one repository.
 * Every response carries `Server: Nexus/<version> (<edition>)` and `X-Content-Type-Options: nosniff` (§1.4).
 */
import { SearchIndex } from './search'
import { AddressInfo } from 'node:net'
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http'
import { Auth, AuthResult, BASIC_CHALLENGE, UserDefinition } from './auth'
import { Clock } from './clock'
import { EmulatorContext, Exchange, fault, readBody, send, unexpected } from './http'
import { datastoreHex, encodeItemId } from './ids'
import { EmulatorOptions, ResolvedOptions, resolveOptions } from './options'
import { childManifests, parseManifest } from './manifest'
import { RegistryTarget, handleRegistry, handleToken } from './registry'
import { handleExtDirect, handleServiceRest } from './rest'
import { Scenario, ScenarioTag, applyScenario, buildTagContent } from './scenario'
import { Asset, Store } from './store'
import { TaskManager, TaskRecord } from './tasks'
import { SINCE } from './version'

export type { EmulatorOptions } from './options'

export interface RequestRecord {
  method: string
  /** Decoded path without query string. */
  path: string
  query: Record<string, string>
  status: number
  /** Authenticated user name, 'anonymous', or null for bad credentials. */
  user: string | null
  /** Repository name when received by a connector server. */
  connector?: string
  time: Date
}

export interface ComponentInfo {
  /** REST component id. */
  id: string
  /** REST id of the tagged-manifest asset. */
  assetId: string
  repository: string
  image: string
  tag: string
  /** `sha256:…` of the tagged manifest (= REST checksum.sha256). */
  digest: string
  contentType: string
  size: number
  /** REST lastModified: when the current content was pushed (§4.4). */
  lastModified: Date
  /** Datastore REST blobCreated: first creation of the tag path (§4.4). */
  created: Date
  lastDownloaded: Date | null
  uploader: string
  /** Manifest deleted by digest on 3.89+ while the tag component stayed (§8.4). */
  dangling: boolean
}

interface Listener {
  server: Server
  url: string
  repository: string | null
}

export class NexusEmulator {
  url = ''
  readonly requests: RequestRecord[] = []
  readonly options: ResolvedOptions
  readonly clock = new Clock()
  readonly state: Store
  readonly auth: Auth
  readonly tasks: TaskManager
  private readonly ctx: EmulatorContext
  private readonly listeners: Listener[] = []
  private rePushCounter = 0

  constructor(opts: EmulatorOptions = {}) {
    this.options = resolveOptions(opts)
    if (opts.now !== undefined) this.clock.set(opts.now)
    this.state = new Store(this.clock)
    this.state.lifecycle = this.options.dbMode
    this.state.digestComponents = opts.digestComponents ?? false
    this.state.extraAssets = opts.extraAssets ?? false
    this.state.listingHides = new Set(opts.listingHides ?? [])
    this.auth = new Auth(this.options.users, this.options.anonymousPrivileges)
    this.tasks = new TaskManager(this.state, this.clock, this.options.version, this.options.tasks, this.options.failTasks)
    this.ctx = {
      options: this.options,
      clock: this.clock,
      store: this.state,
      auth: this.auth,
      tasks: this.tasks,
      search: new SearchIndex(this.options.searchRefreshMs),
      mainUrl: '',
      uploads: new Map(),
      repositoryRequestTimes: []
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async listen(port: number): Promise<void> {
    const l = await this.startListener(port, null)
    this.url = l.url
    this.ctx.mainUrl = l.url
  }

  async close(): Promise<void> {
    this.tasks.close()
    await Promise.all(
      this.listeners.splice(0).map(
        l =>
          new Promise<void>(resolve => {
            l.server.close(() => resolve())
            l.server.closeAllConnections()
          })
      )
    )
  }

  resetRequests(): void {
    this.requests.length = 0
  }

  /** Seed content, users' repositories and tasks; starts connector servers the scenario asks for. */
  async seed(scenario: Scenario): Promise<void> {
    const connectors = applyScenario(this.state, this.tasks, this.clock, scenario)
    for (const c of connectors) await this.startConnector(c.repository, c.port)
  }

  /** Start a connector-style server (`/v2/...`) bound to one docker repository (§8.1). */
  async startConnector(repository: string, port = 0): Promise<string> {
    const repo = this.state.mustRepo(repository)
    const l = await this.startListener(port, repository)
    repo.config.docker.httpPort = Number(new URL(l.url).port)
    return l.url
  }

  connectorUrl(repository: string): string | undefined {
    return this.listeners.find(l => l.repository === repository)?.url
  }

  addUser(user: UserDefinition): void {
    this.auth.addUser(user)
  }

  // ---------------------------------------------------------------- clock

  now(): Date {
    return this.clock.now()
  }

  /** Freeze the emulator clock at `date`. */
  setNow(date: Date | string | number): void {
    this.clock.set(date)
  }

  advance(ms: number): void {
    this.clock.advance(ms)
  }

  useRealTime(): void {
    this.clock.useRealTime()
  }

  // ---------------------------------------------------------------- inspection helpers

  /** Current tag names of an image (sorted). */
  tags(repository: string, image: string): string[] {
    return this.state.tags(repository, image)
  }

  images(repository: string): string[] {
    return this.state.images(repository)
  }

  component(repository: string, image: string, tag: string): ComponentInfo | undefined {
    const a = this.state.findTag(repository, image, tag)
    if (!a || a.componentRow === null) return undefined
    const c = this.state.mustRepo(repository).components.get(a.componentRow)
    if (!c) return undefined
    return {
      id: this.externalId(c.repository, c.row, c.orientId),
      assetId: this.externalId(a.repository, a.row, a.orientId),
      repository,
      image,
      tag,
      digest: `sha256:${a.sha256}`,
      contentType: a.contentType,
      size: a.size,
      lastModified: a.blobCreated,
      created: a.created,
      lastDownloaded: a.lastDownloaded,
      uploader: a.uploader,
      dangling: a.dangling
    }
  }

  digest(repository: string, image: string, tag: string): string | undefined {
    return this.component(repository, image, tag)?.digest
  }

  asset(repository: string, path: string): Asset | undefined {
    return this.state.findAssetByPath(repository, path.replace(/^\//, ''))
  }

  blobStore(name = 'default'): { blobCount: number; totalSizeInBytes: number; softDeletedCount: number } {
    return this.state.blobStoreStats(name)
  }

  task(idOrType: string): TaskRecord | undefined {
    return this.tasks.find(idOrType)
  }

  /** Complete every running task now. */
  finishTasks(): void {
    this.tasks.finishAll()
  }

  /** Make the next `times` runs of a task (id or type) end FAILED. */
  failNextRun(idOrType: string, times = 1): void {
    this.tasks.injectFailure(idOrType, times)
  }

  // ---------------------------------------------------------------- mutation helpers

  /**
   * Push a tag directly into the store (as a docker push would). Returns the manifest digest.
   * `spec.pushed` defaults to the emulator's now.
   */
  pushImage(repository: string, image: string, spec: ScenarioTag): string {
    const when = spec.pushed ? new Date(spec.pushed) : this.clock.now()
    const content = buildTagContent(this.state, repository, image, spec, when)
    return this.state.putManifest(repository, image, spec.tag, content.data, content.mediaType, { when, uploader: spec.uploader, uploaderIp: spec.uploaderIp })
      .digest
  }

  /**
   * Re-push a tag with new content (new config `created`, new top layer) at the emulator's now:
   * new digest and lastModified, same created/blobCreated (§4.4). For "changed between plan and
   * delete" tests. Returns the new digest.
   */
  rePushTag(repository: string, image: string, tag: string, spec: Partial<ScenarioTag> = {}): string {
    const current = this.state.findTag(repository, image, tag)
    if (!current) throw new Error(`No tag ${repository}/${image}:${tag}`)
    const when = this.clock.now()
    const salt = `#repush${++this.rePushCounter}`
    // Keep the tag's shape: an index stays an index over the same platforms.
    const parsed = current.data ? parseManifest(current.data) : null
    const children = parsed ? childManifests(parsed) : []
    const platforms = children.length > 0 ? children.map(d => `${d.platform?.os ?? 'linux'}/${d.platform?.architecture ?? 'amd64'}`) : undefined
    const mediaType = current.contentType === 'application/vnd.oci.image.manifest.v1+json' ? 'oci' : 'docker'
    const content = buildTagContent(this.state, repository, image, { platforms, mediaType, ...spec, tag, created: when.toISOString() }, when, salt)
    return this.state.putManifest(repository, image, tag, content.data, content.mediaType, { when, uploader: spec.uploader, uploaderIp: spec.uploaderIp })
      .digest
  }

  private externalId(repository: string, row: number, orientId: string): string {
    return encodeItemId(repository, this.options.dbMode === 'datastore' ? datastoreHex(row) : orientId)
  }

  // ---------------------------------------------------------------- HTTP

  private startListener(port: number, repository: string | null): Promise<Listener> {
    const server = createServer((req, res) => {
      this.handle(req, res, repository).catch(err => {
        if (!res.headersSent) {
          res.statusCode = 500
          res.end(String(err))
        } else res.destroy()
      })
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address() as AddressInfo
        const l: Listener = { server, url: `http://127.0.0.1:${addr.port}`, repository }
        this.listeners.push(l)
        resolve(l)
      })
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse, connector: string | null): Promise<void> {
    const body = await readBody(req)
    const parsed = new URL(req.url ?? '/', 'http://emulator')
    let path: string
    try {
      path = decodeURIComponent(parsed.pathname)
    } catch {
      path = parsed.pathname
    }
    const x: Exchange = {
      ctx: this.ctx,
      req,
      res,
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      query: parsed.searchParams,
      body,
      requestBase: `http://${req.headers.host ?? '127.0.0.1'}`,
      user: null
    }
    res.setHeader('Server', `Nexus/${this.options.version.text} (${this.options.edition})`)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.on('finish', () => {
      this.requests.push({
        method: x.method,
        path: x.path,
        query: Object.fromEntries(parsed.searchParams),
        status: res.statusCode,
        user: x.user,
        ...(connector ? { connector } : {}),
        time: new Date()
      })
    })
    const auth = this.auth.authenticate(req)
    x.user = auth.kind === 'subject' ? auth.subject.name : null
    this.tasks.tick()
    try {
      if (connector) this.routeConnector(x, connector, auth)
      else this.routeMain(x, auth)
    } catch (e) {
      if (!res.headersSent) unexpected(x, `java.lang.RuntimeException: ${(e as Error).message}`)
      else res.destroy()
    }
  }

  private routeMain(x: Exchange, auth: AuthResult): void {
    const ctxPath = this.options.contextPath
    if (ctxPath && x.path !== ctxPath && !x.path.startsWith(`${ctxPath}/`)) return send(x, 404, null)
    const p = ctxPath ? x.path.slice(ctxPath.length) || '/' : x.path
    if (p.startsWith('/repository/')) this.ctx.repositoryRequestTimes.push(this.clock.now().getTime())
    if (p === '/service/extdirect') return handleExtDirect(x, auth.kind === 'subject' ? auth.subject : null)
    if (p === '/service/rest' || p.startsWith('/service/rest/')) {
      return handleServiceRest(x, p.slice('/service/rest'.length), auth.kind === 'subject' ? auth.subject : null)
    }
    let m: RegExpExecArray | null
    if ((m = /^\/repository\/([^/]+)(\/.*)?$/.exec(p))) {
      const repo = this.state.repo(m[1])
      if (!repo) return send(x, 404, null)
      const rest = m[2] ?? ''
      if (rest === '/v2' || rest.startsWith('/v2/')) {
        if (rest === '/v2/token') return handleToken(x, auth)
        const t: RegistryTarget = { repo, prefix: `${ctxPath}/repository/${m[1]}`, namePrefix: '', connector: false }
        return handleRegistry(x, t, rest.slice(3), auth)
      }
      return this.rawAsset(x, m[1], rest.replace(/^\//, ''), auth)
    }
    if (p === '/v2/token') return handleToken(x, auth)
    // 3.83+: path-based routing on the main host, `/v2/<repo>/<image>/...` (§8.1).
    if ((p === '/v2' || p.startsWith('/v2/')) && this.options.version.atLeast(SINCE.pathEnabled)) {
      const rest = p.slice(3)
      const seg = /^\/([^/]+)(\/.*)$/.exec(rest)
      const repo = seg ? this.state.repo(seg[1]) : undefined
      if (repo && repo.config.format === 'docker' && repo.config.docker.pathEnabled && seg && seg[2] !== '/') {
        const t: RegistryTarget = { repo, prefix: ctxPath, namePrefix: `${seg[1]}/`, connector: false }
        return handleRegistry(x, t, seg[2], auth)
      }
      if (rest === '' || rest === '/') {
        if (auth.kind !== 'subject' || auth.subject.anonymous) {
          return send(x, 401, null, { 'WWW-Authenticate': BASIC_CHALLENGE, 'Docker-Distribution-Api-Version': 'registry/2.0' })
        }
        return send(x, 200, '{}', { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0' })
      }
    }
    return send(x, 404, null)
  }

  private routeConnector(x: Exchange, repository: string, auth: AuthResult): void {
    const repo = this.state.repo(repository)
    if (!repo) return send(x, 404, null)
    if (x.path === '/v2/token') return handleToken(x, auth)
    if (x.path === '/v2' || x.path.startsWith('/v2/')) {
      return handleRegistry(x, { repo, prefix: '', namePrefix: '', connector: true }, x.path.slice(3), auth)
    }
    // Following the buggy `/repository/<repo>/…` Link through a connector fails (nexus-public#1011).
    if (x.path.startsWith('/repository/')) return send(x, 400, null)
    return send(x, 404, null)
  }

  /** GET/HEAD /repository/<repo>/<path>: raw asset download, marks lastDownloaded (§4.5). */
  private rawAsset(x: Exchange, repoName: string, path: string, auth: AuthResult): void {
    if (auth.kind !== 'subject') return send(x, 401, null, { 'WWW-Authenticate': BASIC_CHALLENGE })
    if (x.method !== 'GET' && x.method !== 'HEAD') return fault(x, 405)
    const repo = this.state.mustRepo(repoName)
    if (!this.auth.canRepo(auth.subject, repo.config.format, repoName, 'read')) {
      return auth.subject.anonymous ? send(x, 401, null, { 'WWW-Authenticate': BASIC_CHALLENGE }) : send(x, 403, null)
    }
    const a = this.state.findAssetByPath(repoName, path)
    if (!a || !a.data) return send(x, 404, null)
    this.state.markDownloaded(a, this.options.lastDownloadedIntervalMs)
    send(x, 200, a.data, { 'Content-Type': a.contentType, 'Last-Modified': a.blobCreated.toUTCString(), ETag: `"${a.sha1}"` })
  }
}

/** Start an emulator listening on 127.0.0.1 (port 0 = a free port). */
export async function startNexusEmulator(opts: EmulatorOptions = {}): Promise<NexusEmulator> {
  const emulator = new NexusEmulator(opts)
  await emulator.listen(emulator.options.port)
  try {
    // No scenario still gets what a fresh instance has: the `default` File blob store and tasks.
    await emulator.seed(opts.scenario ?? {})
  } catch (e) {
    await emulator.close()
    throw e
  }
  return emulator
}
