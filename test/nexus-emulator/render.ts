/**
 * Builders for the REST transfer objects, in Nexus's field order, with the per-version and
 * per-database differences of API.md §3.2, §4.2–4.4, §6 and §7.2.
 */
import { EmulatorContext, restDate } from './http'
import { datastoreHex, encodeItemId } from './ids'
import { JsonObject, JsonValue, obj } from './json'
import { Asset, BlobStoreState, Component, RepositoryState } from './store'
import { TaskRecord } from './tasks'
import { ASSET_FIELDS_SINCE, SINCE } from './version'

/** Internal id part of an external id (§2). */
export function internalId(ctx: EmulatorContext, item: { row: number; orientId: string }): string {
  return ctx.options.dbMode === 'datastore' ? datastoreHex(item.row) : item.orientId
}

export function externalId(ctx: EmulatorContext, item: { row: number; orientId: string; repository: string }): string {
  return encodeItemId(item.repository, internalId(ctx, item))
}

/**
 * AssetXO. Field order = AssetXO declaration order (§4.2):
 * downloadUrl, path, id, repository, format, checksum, contentType, lastModified, lastDownloaded,
 * uploader, uploaderIp, fileSize, blobCreated, blobStoreName, then the any-getter map.
 */
export function assetXO(ctx: EmulatorContext, base: string, a: Asset): JsonObject {
  const v = ctx.options.version
  const orient = ctx.options.dbMode === 'orient'
  const d = (x: Date | null): string | null => restDate(ctx, x)
  const o = new JsonObject()
  // §4.3: datastore paths start with "/", Orient paths do not; downloadUrl = repoUrl + "/" + path either way.
  o.add('downloadUrl', `${base}/repository/${a.repository}/${a.path}`)
  o.add('path', orient ? a.path : `/${a.path}`)
  o.add('id', externalId(ctx, a))
  o.add('repository', a.repository)
  o.add('format', ctx.store.repo(a.repository)?.config.format ?? 'docker')
  o.add('checksum', a.kind === 'file' ? obj(['sha1', a.sha1], ['sha256', a.sha256], ['md5', a.md5]) : obj(['sha1', a.sha1], ['sha256', a.sha256]))
  if (v.atLeast(ASSET_FIELDS_SINCE.contentType)) o.add('contentType', a.contentType)
  // §4.4: lastModified = when the current content was stored (datastore: the asset blob's created;
  // Orient: blobUpdated ?: blobCreated) — both are `blobCreated` in this model.
  if (v.atLeast(ASSET_FIELDS_SINCE.lastModified)) o.add('lastModified', d(a.blobCreated))
  if (v.atLeast(ASSET_FIELDS_SINCE.lastDownloaded)) {
    // Orient 3.39–3.47: the field exists but the Orient builder never sets it (value is in the map).
    const orientUnset = orient && v.below('3.48')
    o.add('lastDownloaded', orientUnset ? null : d(a.lastDownloaded))
  }
  if (v.atLeast(ASSET_FIELDS_SINCE.uploader)) {
    o.add('uploader', a.uploader)
    o.add('uploaderIp', a.uploaderIp)
  }
  if (v.atLeast(ASSET_FIELDS_SINCE.fileSize)) o.add('fileSize', a.dangling && !orient ? 0 : a.size)
  if (v.atLeast(ASSET_FIELDS_SINCE.blobCreated)) {
    // Datastore: blobCreated = asset created (first write of the path). Orient: field never set.
    o.add('blobCreated', orient ? null : d(a.created))
  }
  if (!orient && v.atLeast(ASSET_FIELDS_SINCE.blobStoreName)) {
    // §4.2: null from the builders of 3.71-era servers; §14.4: filled on recent servers (seen in 2026
    // captures: from 3.87 here, the first 2026 release line, an inference)
    o.add('blobStoreName', v.atLeast(SINCE.blobStoreNameFilled) ? (ctx.store.repo(a.repository)?.config.blobStoreName ?? null) : null)
  }
  if (v.atLeast(ASSET_FIELDS_SINCE.formatAttributes)) {
    const format = ctx.store.repo(a.repository)?.config.format ?? 'docker'
    const attrs = Object.entries(a.attributes) as Array<[string, JsonValue]>
    if (!orient) {
      // Datastore always emits the format map, `"docker" : { }` for docker (§4.2).
      o.add(format, new JsonObject(attrs))
    } else {
      // Orient any-getter: format attributes only when non-empty, plus the version-dependent
      // extras that produce the duplicate keys of §4.2.
      if (attrs.length > 0) o.add(format, new JsonObject(attrs))
      o.add('blobCreated', d(a.created))
      if (v.below('3.48')) o.add('lastDownloaded', d(a.lastDownloaded))
    }
  }
  return o
}

/** ComponentXO: @JsonPropertyOrder id, repository, format, group, name, version, assets (§3.2). */
export function componentXO(ctx: EmulatorContext, base: string, c: Component): JsonObject {
  const orient = ctx.options.dbMode === 'orient'
  const group = c.group ?? (orient ? null : '')
  const o = obj(
    ['id', externalId(ctx, c)],
    ['repository', c.repository],
    ['format', c.format],
    ['group', group],
    ['name', c.name],
    ['version', c.version],
    ['assets', ctx.store.componentAssets(c).map(a => assetXO(ctx, base, a))]
  )
  // Pro's tagging feature appends "tags" : [ ] (§3.2).
  if (ctx.options.edition === 'PRO') o.add('tags', [])
  return o
}

/** RepositoryXO (§6.1): name, format, type, url, attributes. */
export function repositoryXO(base: string, r: RepositoryState): JsonObject {
  const c = r.config
  const attributes = c.type === 'proxy' ? obj(['proxy', obj(['remoteUrl', c.remoteUrl ?? ''])]) : obj()
  return obj(['name', c.name], ['format', c.format], ['type', c.type], ['url', `${base}/repository/${c.name}`], ['attributes', attributes])
}

/** DockerHostedApiRepository, field order of examples/repository-docker-hosted.json (§6.2). */
export function dockerHostedXO(ctx: EmulatorContext, base: string, r: RepositoryState): JsonObject {
  const v = ctx.options.version
  const c = r.config
  const storage = obj(['blobStoreName', c.blobStoreName], ['strictContentTypeValidation', c.strictContentTypeValidation], ['writePolicy', c.writePolicy])
  if (v.atLeast(SINCE.latestPolicy)) storage.add('latestPolicy', c.latestPolicy)
  const docker = obj(
    ['v1Enabled', c.docker.v1Enabled],
    ['forceBasicAuth', c.docker.forceBasicAuth ?? ctx.options.forceBasicAuth],
    ['httpPort', c.docker.httpPort],
    ['httpsPort', c.docker.httpsPort],
    ['subdomain', c.docker.subdomain]
  )
  if (v.atLeast(SINCE.pathEnabled)) docker.add('pathEnabled', c.docker.pathEnabled)
  return obj(
    ['name', c.name],
    ['format', c.format],
    ['type', c.type],
    ['url', `${base}/repository/${c.name}`],
    ['online', c.online],
    ['storage', storage],
    ['cleanup', c.cleanupPolicyNames.length > 0 ? obj(['policyNames', c.cleanupPolicyNames]) : obj(['policyNames', []])],
    ['component', obj(['proprietaryComponents', false])],
    ['docker', docker]
  )
}

/** GenericBlobStoreApiResponse (§6.3); soft-deleted blobs count until compacted (§9). */
export function blobStoreXO(ctx: EmulatorContext, bs: BlobStoreState): JsonObject {
  const stats = ctx.store.blobStoreStats(bs.name)
  return obj(
    ['softQuota', null],
    ['name', bs.name],
    ['type', bs.type],
    ['unavailable', bs.unavailable],
    ['blobCount', stats.blobCount],
    ['totalSizeInBytes', stats.totalSizeInBytes],
    ['availableSpaceInBytes', bs.availableSpaceInBytes]
  )
}

/** TaskXO (§7.2): id, name, type, message, currentState, lastRunResult, nextRun, lastRun. */
export function taskXO(ctx: EmulatorContext, t: TaskRecord): JsonObject {
  return obj(
    ['id', t.id],
    ['name', t.name],
    ['type', t.type],
    ['message', t.message],
    ['currentState', ctx.tasks.currentState(t)],
    ['lastRunResult', t.lastRunResult],
    ['nextRun', null], // manual schedules never have a next run
    ['lastRun', restDate(ctx, t.lastRun)],
    // §14.2: properties (a GC task's repositoryName, a compact task's blobstoreName) only from 3.94;
    // their place in the object is not confirmed (openapi lists fields alphabetically).
    ...(ctx.options.version.atLeast(SINCE.taskProperties) ? [['properties', obj(...Object.entries(t.properties))] as [string, JsonValue]] : [])
  )
}

export function page(items: JsonValue[], continuationToken: string | null): JsonObject {
  return obj(['items', items], ['continuationToken', continuationToken])
}
