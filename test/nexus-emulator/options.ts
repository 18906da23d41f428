/**
 * Emulator options (the behaviour switches of API.md §12) and their defaults, which are derived
 * from the emulated version where API.md ties a behaviour to one.
 */
import { ANONYMOUS_DEFAULT_PRIVILEGES, UserDefinition } from './auth'
import type { Scenario } from './scenario'
import type { TaskTimingOptions } from './tasks'
import { NexusVersion, SINCE } from './version'

export type DbMode = 'datastore' | 'orient'
export type Edition = 'OSS' | 'PRO' | 'COMMUNITY'
/**
 * tags/list pagination Link header (§8.4):
 * - none: never sent (pre-3.64, and always for group repositories);
 * - relative: `</…/v2/<name>/tags/list?n=&last=>` using the prefix the client used (spec-conformant);
 * - absolute: absolute URL using the prefix the client used;
 * - connectorBug: absolute URL that always contains `/repository/<repo>/` — correct on the main
 *   port, wrong through a connector port (nexus-public#1011). Default on 3.64+.
 */
export type LinkHeaderMode = 'none' | 'relative' | 'absolute' | 'connectorBug'

export interface EmulatorOptions {
  /** Main port; 0 (default) = a free port. Always bound to 127.0.0.1. */
  port?: number
  /** Base URL written into downloadUrl/url fields; default: from the request's Host header. */
  baseUrl?: string
  /** Nexus's `nexus-context-path` (e.g. `/nexus`): everything is served under it; default none. */
  contextPath?: string
  /** Database era (§0): page size, ids, paths, group null/"", duplicate keys. Default datastore. */
  dbMode?: DbMode
  /** Nexus version, e.g. '3.77.0-08' (default). Gates fields and endpoints (§4.2, §7, §1.2). */
  version?: string
  /** Edition in the Server header; default COMMUNITY on 3.77+, OSS before. PRO adds `"tags" : [ ]` to components. */
  edition?: Edition
  /** Answer HEAD /v2/<name>/manifests/<ref> with 404 while GET works (§8.4). */
  headManifest404?: boolean
  /** Delete-by-digest removes all tags sharing the manifest (true, default before 3.89) or leaves them dangling (false, 3.89+). */
  deleteByDigestRemovesTags?: boolean
  tagsListLinkHeader?: LinkHeaderMode
  /** Paginate `_catalog` with n/last and a Link header (UNCONFIRMED on Nexus, §8.4). Default true. */
  catalogPagination?: boolean
  /** Registry challenge: BASIC (true, default) or Bearer token realm (false) (§8.2). Repos may override. */
  forceBasicAuth?: boolean
  /** Anonymous access: false (default) or true (nx-anonymous: browse+read all) or an explicit privilege list. */
  anonymousAccess?: boolean | string[]
  /** Extra users; `admin`/`admin123` with nx-all always exists unless overridden here. */
  users?: UserDefinition[]
  /** LastDownloadedHandler interval (§4.5), default 12 h. */
  lastDownloadedIntervalMs?: number
  /** Error bodies: empty (3.30+, default) or legacy text messages (before 3.30) (§1.4). */
  errorBodies?: 'empty' | 'legacy'
  /** Read-only ("frozen") mode: writes answer 503 (§1.4). */
  readOnly?: boolean
  /** Task run timing (§7.3). */
  tasks?: TaskTimingOptions
  /** Task ids or type ids whose runs always fail. */
  failTasks?: string[]
  /** The usage counters (§14.4, 3.87+): served (default from 3.87), absent (false: 404) or 'forbidden' (403). */
  usageMetrics?: boolean | 'forbidden'
  /**
   * A manifest pushed by digest (an index's child, an OCI 1.1 referrer, cosign by digest) is stored as a
   * component whose version is the digest, not as an asset alone. Default false.
   */
  digestComponents?: boolean
  /** Each tag component holds a second asset (a JSON attachment) listed before its manifest. Default false. */
  extraAssets?: boolean
  /** Image names the REST components listing leaves out (a content selector); the Docker API still serves them. */
  listingHides?: string[]
  /** What answers `/v1/search` (§15): Elasticsearch (default; OrientDB and datastore without HA) or HA's table search. */
  searchEngine?: 'elasticsearch' | 'table'
  /** Elasticsearch: a change shows in search after the next refresh, every this many ms of wall time. Default 0 (at once). */
  searchRefreshMs?: number
  /** Elasticsearch's result window (10,000): past it, an empty page without a token. */
  searchWindow?: number
  /** Seed on start. */
  scenario?: Scenario
  /** Freeze the emulator clock at this instant on start. */
  now?: Date | string
}

export interface ResolvedOptions {
  port: number
  baseUrl: string | null
  contextPath: string
  dbMode: DbMode
  version: NexusVersion
  edition: Edition
  headManifest404: boolean
  deleteByDigestRemovesTags: boolean
  tagsListLinkHeader: LinkHeaderMode
  catalogPagination: boolean
  forceBasicAuth: boolean
  anonymousPrivileges: string[] | false
  users: UserDefinition[]
  lastDownloadedIntervalMs: number
  errorBodies: 'empty' | 'legacy'
  readOnly: boolean
  tasks: Required<TaskTimingOptions>
  failTasks: string[]
  usageMetrics: boolean | 'forbidden'
  searchEngine: 'elasticsearch' | 'table'
  searchRefreshMs: number
  searchWindow: number
}

export function resolveOptions(opts: EmulatorOptions = {}): ResolvedOptions {
  const version = new NexusVersion(opts.version ?? '3.77.0-08')
  const dbMode = opts.dbMode ?? 'datastore'
  if (dbMode === 'orient' && version.atLeast(SINCE.orientRemoved)) {
    throw new Error(`OrientDB REST resources were removed in 3.71.0 (API.md §0); version ${version.text} cannot run dbMode 'orient'`)
  }
  const anon = opts.anonymousAccess ?? false
  return {
    port: opts.port ?? 0,
    baseUrl: opts.baseUrl ? opts.baseUrl.replace(/\/+$/, '') : null,
    contextPath: (opts.contextPath ?? '').replace(/\/+$/, ''),
    dbMode,
    version,
    edition: opts.edition ?? (version.atLeast(SINCE.communityEdition) ? 'COMMUNITY' : 'OSS'),
    headManifest404: opts.headManifest404 ?? false,
    deleteByDigestRemovesTags: opts.deleteByDigestRemovesTags ?? version.below(SINCE.deleteByDigestKeepsTags),
    tagsListLinkHeader: opts.tagsListLinkHeader ?? (version.atLeast(SINCE.tagsListLink) ? 'connectorBug' : 'none'),
    catalogPagination: opts.catalogPagination ?? true,
    forceBasicAuth: opts.forceBasicAuth ?? true,
    anonymousPrivileges: anon === false ? false : anon === true ? ANONYMOUS_DEFAULT_PRIVILEGES : anon,
    users: opts.users ?? [],
    lastDownloadedIntervalMs: opts.lastDownloadedIntervalMs ?? 12 * 3600_000,
    errorBodies: opts.errorBodies ?? (version.atLeast(SINCE.emptyErrorBodies) ? 'empty' : 'legacy'),
    readOnly: opts.readOnly ?? false,
    tasks: {
      mode: opts.tasks?.mode ?? 'timer',
      durationMs: opts.tasks?.durationMs ?? 50,
      polls: opts.tasks?.polls ?? 1,
      progress: opts.tasks?.progress ?? true
    },
    failTasks: opts.failTasks ?? [],
    usageMetrics: opts.usageMetrics ?? true,
    searchEngine: opts.searchEngine ?? 'elasticsearch',
    searchRefreshMs: opts.searchRefreshMs ?? 0,
    searchWindow: opts.searchWindow ?? 10_000
  }
}
