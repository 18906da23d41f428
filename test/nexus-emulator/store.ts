/**
 * In-memory content model of a Nexus instance: repositories, components, assets, blob stores.
 *
 * Docker content follows Nexus's component/asset model (API.md §3.2, §4.1):
 * - one component per tag (`name` = image, `version` = tag) owning exactly one asset, the tagged
 *   manifest `v2/<image>/manifests/<tag>`;
 * - manifests pushed by digest (children of an index) are assets `v2/<image>/manifests/sha256:…`
 *   without a component;
 * - layers/config are repository-global assets `v2/-/blobs/sha256:…` without a component.
 * Every asset owns one blob in its repository's blob store. What deleting an asset does to its blob
 * depends on the database (API.md §14.1): on OrientDB the blob is soft-deleted at once; on the datastore
 * it is only orphaned, until the `assetBlob.cleanup` task soft-deletes orphans whose blob was created at
 * least 60 minutes ago. `compact` hard-deletes soft-deleted blobs (§9), so blob-store sizes shrink only
 * after compaction.
 *
 * Row ids come from one sequence per format and namespace (datastore tables are per format:
 * docker_component, docker_asset), which also gives Orient's insertion ("order by id") ordering.
 * Paths are stored without a leading slash; the REST layer adds one for datastore (§4.3).
 */
import { randomUUID } from 'node:crypto'
import { Clock } from './clock'
import { orientHex } from './ids'
import { MEDIA, blobDescriptors, childManifests, digestOf, isBoundedReport, md5Hex, parseManifest, sha1Hex, sha256Hex } from './manifest'

export type RepositoryType = 'hosted' | 'proxy' | 'group'
export type WritePolicy = 'ALLOW' | 'ALLOW_ONCE' | 'DENY'
export type BlobStoreType = 'File' | 'S3'

export interface DockerSettings {
  v1Enabled: boolean
  /** null → the emulator-wide `forceBasicAuth` option applies. */
  forceBasicAuth: boolean | null
  /** Connector port; when set the emulator starts a `/v2/` server bound to this repository. */
  httpPort: number | null
  httpsPort: number | null
  subdomain: string | null
  pathEnabled: boolean
}

export interface RepositoryConfig {
  name: string
  format: string
  type: RepositoryType
  blobStoreName: string
  online: boolean
  /** Group members, in order. */
  members: string[]
  /** Proxy remote. */
  remoteUrl: string | null
  writePolicy: WritePolicy
  strictContentTypeValidation: boolean
  latestPolicy: boolean
  cleanupPolicyNames: string[]
  /** The datastore content store the repository's rows live in (`nexus` unless configured, §14.1). */
  dataStoreName: string
  docker: DockerSettings
}

export interface Component {
  row: number
  orientId: string
  repository: string
  format: string
  /** Maven groupId; docker components have none (rendered "" on datastore, null on Orient, §3.2). */
  group: string | null
  name: string
  version: string
  assetRows: number[]
  created: Date
}

export type AssetKind = 'tag' | 'manifest' | 'blob' | 'file'

export interface Asset {
  row: number
  orientId: string
  repository: string
  /** Without leading slash, e.g. `v2/team/api/manifests/1.4.2`. */
  path: string
  kind: AssetKind
  /** Docker image name for tag/manifest assets. */
  image: string | null
  /** Tag or digest for manifest assets, digest for blobs. */
  reference: string | null
  componentRow: number | null
  contentType: string
  /** Content; null once the manifest behind a tag was deleted by digest on 3.89+ (dangling tag). */
  data: Buffer | null
  size: number
  sha1: string
  sha256: string
  md5: string
  blobId: string | null
  /** Asset created = first time this path was written. Datastore `blobCreated` (§4.4). */
  created: Date
  /** When the current content was stored. Datastore/Orient `lastModified` (§4.4). */
  blobCreated: Date
  lastDownloaded: Date | null
  uploader: string
  uploaderIp: string
  /** 3.89 delete-by-digest: the tag component survives but its manifest is gone (§8.4). */
  dangling: boolean
  /** Format attributes (datastore any-getter, e.g. maven2 coordinates). */
  attributes: Record<string, string | null>
}

export interface BlobRecord {
  id: string
  store: string
  size: number
  created: Date
  softDeleted: boolean
  deletedAt: Date | null
  /** Datastore: its asset was deleted, the blob not yet cleaned up; the repository it belonged to. */
  orphanOf: string | null
}

/** `nexus.assetBlobCleanupTask.blobCreatedDelayMinute` default (AssetBlobCleanupTask.java, §14.1). */
export const BLOB_CLEANUP_DELAY_MS = 60 * 60_000

export interface BlobStoreState {
  name: string
  type: BlobStoreType
  availableSpaceInBytes: number
  unavailable: boolean
  blobs: Map<string, BlobRecord>
}

export interface RepositoryState {
  config: RepositoryConfig
  components: Map<number, Component>
  assets: Map<number, Asset>
  assetByPath: Map<string, number>
  /** Sorted (ascending) component rows, for id-ordered paging. */
  componentRows: number[]
  assetRows: number[]
  /** image → tag → component row. */
  tagIndex: Map<string, Map<string, number>>
}

export interface WriteMeta {
  when?: Date
  uploader?: string
  uploaderIp?: string
  /** Seeding: an existing blob seen with an earlier date moves its dates back. */
  seeding?: boolean
}

export interface PutManifestResult {
  asset: Asset
  digest: string
  /** Tag/manifest path did not exist before. */
  createdPath: boolean
  /** Content changed (new path or different digest). */
  changed: boolean
}

export interface GcResult {
  repositories: string[]
  manifestsDeleted: number
  blobsDeleted: number
}

function insertSorted(rows: number[], row: number): void {
  if (rows.length === 0 || rows[rows.length - 1] < row) {
    rows.push(row)
    return
  }
  rows.splice(lowerBound(rows, row), 0, row)
}

/** First index whose value is >= row. */
export function lowerBound(rows: number[], row: number): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (rows[mid] < row) lo = mid + 1
    else hi = mid
  }
  return lo
}

function removeSorted(rows: number[], row: number): void {
  const i = lowerBound(rows, row)
  if (rows[i] === row) rows.splice(i, 1)
}

export function defaultDockerSettings(): DockerSettings {
  return { v1Enabled: false, forceBasicAuth: null, httpPort: null, httpsPort: null, subdomain: null, pathEnabled: true }
}

export class Store {
  readonly repositories = new Map<string, RepositoryState>()
  readonly blobStores = new Map<string, BlobStoreState>()
  private readonly sequences = new Map<string, number>()
  /** Orient external id → location; deleted entries stay so an old token still pages on (§3.1). */
  readonly orientComponentIds = new Map<string, { repository: string; row: number }>()
  readonly orientAssetIds = new Map<string, { repository: string; row: number }>()

  /** What deleting an asset does to its blob (§14.1): orphan it (datastore) or soft-delete it (OrientDB). */
  lifecycle: 'datastore' | 'orient' = 'datastore'
  /** A manifest pushed by digest becomes a component whose version is the digest (options.ts). */
  digestComponents = false
  /** Each tag component gets a second asset, listed before its manifest (options.ts). */
  extraAssets = false
  /** Image names the REST components listing leaves out, as a content selector would (options.ts). */
  listingHides = new Set<string>()

  constructor(readonly clock: Clock) {}

  // ---------------------------------------------------------------- blob stores

  /** Create a blob store, or update the type/space of an existing one when given. */
  addBlobStore(name: string, type?: BlobStoreType, availableSpaceInBytes?: number): BlobStoreState {
    const existing = this.blobStores.get(name)
    if (existing) {
      if (type) existing.type = type
      if (availableSpaceInBytes !== undefined) existing.availableSpaceInBytes = availableSpaceInBytes
      return existing
    }
    const bs: BlobStoreState = {
      name,
      type: type ?? 'File',
      availableSpaceInBytes: availableSpaceInBytes ?? 101234567890,
      unavailable: false,
      blobs: new Map()
    }
    this.blobStores.set(name, bs)
    return bs
  }

  blobStoreStats(name: string): { blobCount: number; totalSizeInBytes: number; softDeletedCount: number } {
    const bs = this.blobStores.get(name)
    if (!bs) throw new Error(`No blob store ${name}`)
    let total = 0
    let soft = 0
    for (const b of bs.blobs.values()) {
      total += b.size
      if (b.softDeleted) soft++
    }
    return { blobCount: bs.blobs.size, totalSizeInBytes: total, softDeletedCount: soft }
  }

  private newBlob(storeName: string, size: number, created: Date): string {
    const bs = this.blobStores.get(storeName) ?? this.addBlobStore(storeName)
    const id = randomUUID()
    bs.blobs.set(id, { id, store: storeName, size, created, softDeleted: false, deletedAt: null, orphanOf: null })
    return id
  }

  /** An asset of `repo` lets go of its blob: orphaned on the datastore, soft-deleted on OrientDB. */
  private releaseBlob(blobId: string | null, repo: string): void {
    if (this.lifecycle === 'orient') return this.softDeleteBlob(blobId)
    if (!blobId) return
    for (const bs of this.blobStores.values()) {
      const b = bs.blobs.get(blobId)
      if (b && !b.softDeleted) b.orphanOf = repo
    }
  }

  /**
   * `assetBlob.cleanup` (§14.1): soft-deletes the orphaned blobs of the repositories of `format` on the
   * content store, created at least `delayMs` ago. Returns how many.
   */
  cleanupOrphanBlobs(format: string, contentStore: string, delayMs = BLOB_CLEANUP_DELAY_MS): number {
    const repos = new Set(
      [...this.repositories.values()].filter(r => r.config.format === format && r.config.dataStoreName === contentStore).map(r => r.config.name)
    )
    const cutoff = this.clock.nowMs() - delayMs
    let n = 0
    for (const bs of this.blobStores.values()) {
      for (const b of bs.blobs.values()) {
        if (b.softDeleted || b.orphanOf === null || !repos.has(b.orphanOf) || b.created.getTime() > cutoff) continue
        b.softDeleted = true
        b.deletedAt = this.clock.now()
        n++
      }
    }
    return n
  }

  private softDeleteBlob(blobId: string | null): void {
    if (!blobId) return
    for (const bs of this.blobStores.values()) {
      const b = bs.blobs.get(blobId)
      if (b && !b.softDeleted) {
        b.softDeleted = true
        b.deletedAt = this.clock.now()
      }
    }
  }

  /**
   * Hard-delete soft-deleted blobs (§9.3). `olderThanMs` keeps blobs deleted more recently
   * (S3 `blobsOlderThan`, 3.80+). Returns the number of blobs removed.
   */
  compact(storeName: string, olderThanMs = 0): number {
    const bs = this.blobStores.get(storeName)
    if (!bs) throw new Error(`Blob store '${storeName}' not found`)
    const cutoff = this.clock.nowMs() - olderThanMs
    let removed = 0
    for (const [id, b] of bs.blobs) {
      if (b.softDeleted && (b.deletedAt?.getTime() ?? 0) <= cutoff) {
        bs.blobs.delete(id)
        removed++
      }
    }
    return removed
  }

  // ---------------------------------------------------------------- repositories

  addRepository(config: RepositoryConfig): RepositoryState {
    if (this.repositories.has(config.name)) throw new Error(`Repository ${config.name} already exists`)
    if (config.name.includes(':')) throw new Error('Repository names cannot contain ":" (ids split on it, §2)')
    if (config.type !== 'group') this.addBlobStore(config.blobStoreName)
    const state: RepositoryState = {
      config,
      components: new Map(),
      assets: new Map(),
      assetByPath: new Map(),
      componentRows: [],
      assetRows: [],
      tagIndex: new Map()
    }
    this.repositories.set(config.name, state)
    return state
  }

  repo(name: string): RepositoryState | undefined {
    return this.repositories.get(name)
  }

  mustRepo(name: string): RepositoryState {
    const r = this.repositories.get(name)
    if (!r) throw new Error(`Unknown repository ${name}`)
    return r
  }

  /** A group's leaf members (recursively, de-duplicated, in order); a non-group is its own member. */
  leafRepositories(name: string, seen = new Set<string>()): RepositoryState[] {
    const r = this.repositories.get(name)
    if (!r || seen.has(name)) return []
    seen.add(name)
    if (r.config.type !== 'group') return [r]
    return r.config.members.flatMap(m => this.leafRepositories(m, seen))
  }

  groupsContaining(name: string): string[] {
    return [...this.repositories.values()]
      .filter(r => r.config.type === 'group' && this.leafRepositories(r.config.name).some(m => m.config.name === name))
      .map(r => r.config.name)
  }

  // ---------------------------------------------------------------- ids

  private nextRow(format: string, ns: 'component' | 'asset'): number {
    const key = `${format}:${ns}`
    const row = (this.sequences.get(key) ?? 0) + 1
    this.sequences.set(key, row)
    return row
  }

  // ---------------------------------------------------------------- components & assets

  private createComponent(repo: RepositoryState, group: string | null, name: string, version: string, created: Date, tagged = true): Component {
    const row = this.nextRow(repo.config.format, 'component')
    const c: Component = {
      row,
      orientId: orientHex('component', row),
      repository: repo.config.name,
      format: repo.config.format,
      group,
      name,
      version,
      assetRows: [],
      created
    }
    repo.components.set(row, c)
    insertSorted(repo.componentRows, row)
    this.orientComponentIds.set(c.orientId, { repository: repo.config.name, row })
    if (repo.config.format === 'docker' && tagged) {
      let tags = repo.tagIndex.get(name)
      if (!tags) repo.tagIndex.set(name, (tags = new Map<string, number>()))
      tags.set(version, row)
    }
    return c
  }

  private createAsset(
    repo: RepositoryState,
    init: {
      path: string
      kind: AssetKind
      image: string | null
      reference: string | null
      data: Buffer
      contentType: string
      componentRow?: number | null
      attributes?: Record<string, string | null>
    },
    meta: WriteMeta
  ): Asset {
    if (repo.config.type === 'group') throw new Error('Group repositories hold no content')
    const when = meta.when ?? this.clock.now()
    const row = this.nextRow(repo.config.format, 'asset')
    const a: Asset = {
      row,
      orientId: orientHex('asset', row),
      repository: repo.config.name,
      path: init.path,
      kind: init.kind,
      image: init.image,
      reference: init.reference,
      componentRow: init.componentRow ?? null,
      contentType: init.contentType,
      data: init.data,
      size: init.data.length,
      sha1: sha1Hex(init.data),
      sha256: sha256Hex(init.data),
      md5: md5Hex(init.data),
      blobId: this.newBlob(repo.config.blobStoreName, init.data.length, when),
      created: when,
      blobCreated: when,
      lastDownloaded: null,
      uploader: meta.uploader ?? 'admin',
      uploaderIp: meta.uploaderIp ?? '127.0.0.1',
      dangling: false,
      attributes: init.attributes ?? {}
    }
    repo.assets.set(row, a)
    insertSorted(repo.assetRows, row)
    repo.assetByPath.set(a.path, row)
    this.orientAssetIds.set(a.orientId, { repository: repo.config.name, row })
    if (a.componentRow !== null) repo.components.get(a.componentRow)?.assetRows.push(row)
    return a
  }

  /** Replace an asset's content in place (re-push): new blob, old blob soft-deleted, `created` kept. */
  private replaceContent(asset: Asset, data: Buffer, contentType: string, meta: WriteMeta): void {
    const repo = this.mustRepo(asset.repository)
    const when = meta.when ?? this.clock.now()
    this.releaseBlob(asset.blobId, repo.config.name)
    asset.blobId = this.newBlob(repo.config.blobStoreName, data.length, when)
    asset.data = data
    asset.size = data.length
    asset.sha1 = sha1Hex(data)
    asset.sha256 = sha256Hex(data)
    asset.md5 = md5Hex(data)
    asset.contentType = contentType
    asset.blobCreated = when
    asset.dangling = false
    if (meta.uploader) asset.uploader = meta.uploader
    if (meta.uploaderIp) asset.uploaderIp = meta.uploaderIp
  }

  private removeAsset(repo: RepositoryState, asset: Asset): void {
    repo.assets.delete(asset.row)
    removeSorted(repo.assetRows, asset.row)
    if (repo.assetByPath.get(asset.path) === asset.row) repo.assetByPath.delete(asset.path)
    this.releaseBlob(asset.blobId, repo.config.name)
  }

  /** A manifest stored by digest goes, with its component when it has one (digestComponents). */
  private dropManifest(repo: RepositoryState, a: Asset): void {
    if (a.componentRow !== null) this.deleteComponent(repo.config.name, a.componentRow)
    else this.removeAsset(repo, a)
  }

  /** DELETE /v1/components/{id}: the component and its assets only (§3.4). */
  deleteComponent(repoName: string, row: number): boolean {
    const repo = this.repo(repoName)
    const c = repo?.components.get(row)
    if (!repo || !c) return false
    for (const ar of c.assetRows) {
      const a = repo.assets.get(ar)
      if (a) this.removeAsset(repo, a)
    }
    repo.components.delete(row)
    removeSorted(repo.componentRows, row)
    const tags = repo.tagIndex.get(c.name)
    if (tags?.get(c.version) === row) {
      tags.delete(c.version)
      if (tags.size === 0) repo.tagIndex.delete(c.name)
    }
    return true
  }

  /**
   * DELETE /v1/assets/{id}. Removing the last asset of a component removes the component too
   * (inferred: the datastore maintenance facet deletes components left without assets).
   */
  deleteAsset(repoName: string, row: number): boolean {
    const repo = this.repo(repoName)
    const a = repo?.assets.get(row)
    if (!repo || !a) return false
    this.removeAsset(repo, a)
    if (a.componentRow !== null) {
      const c = repo.components.get(a.componentRow)
      if (c) {
        c.assetRows = c.assetRows.filter(r => r !== row)
        if (c.assetRows.length === 0) this.deleteComponent(repoName, c.row)
      }
    }
    return true
  }

  /** Components of a repository in id order; a group lists its members' content (§3.1). */
  componentsInOrder(repoName: string): Component[] {
    const members = this.leafRepositories(repoName)
    if (members.length === 1 && members[0].config.name === repoName) {
      const r = members[0]
      return r.componentRows.map(row => r.components.get(row)!)
    }
    return members.flatMap(r => [...r.components.values()]).sort((a, b) => a.row - b.row)
  }

  /**
   * One id-ordered page: up to `limit` items with row > `afterRow`, and how many come after them.
   * Non-group repositories page over the sorted row index without materializing everything, so
   * large benchmark repositories page in O(limit · log n).
   */
  pageAfter<K extends 'components' | 'assets'>(
    repoName: string,
    kind: K,
    afterRow: number | null,
    limit: number
  ): { items: Array<K extends 'components' ? Component : Asset>; remaining: number } {
    type Item = K extends 'components' ? Component : Asset
    const members = this.leafRepositories(repoName)
    if (members.length === 1 && members[0].config.name === repoName) {
      const r = members[0]
      const rows = kind === 'components' ? r.componentRows : r.assetRows
      const map = (kind === 'components' ? r.components : r.assets) as Map<number, Item>
      const start = afterRow === null ? 0 : lowerBound(rows, afterRow + 1)
      const slice = rows.slice(start, start + limit)
      return { items: slice.map(row => map.get(row)!), remaining: rows.length - start - slice.length }
    }
    const all = (kind === 'components' ? this.componentsInOrder(repoName) : this.assetsInOrder(repoName)) as Item[]
    const start =
      afterRow === null
        ? 0
        : lowerBound(
            all.map(i => i.row),
            afterRow + 1
          )
    const items = all.slice(start, start + limit)
    return { items, remaining: all.length - start - items.length }
  }

  assetsInOrder(repoName: string): Asset[] {
    const members = this.leafRepositories(repoName)
    if (members.length === 1 && members[0].config.name === repoName) {
      const r = members[0]
      return r.assetRows.map(row => r.assets.get(row)!)
    }
    return members.flatMap(r => [...r.assets.values()]).sort((a, b) => a.row - b.row)
  }

  componentAssets(c: Component): Asset[] {
    const repo = this.mustRepo(c.repository)
    return c.assetRows.map(r => repo.assets.get(r)).filter((a): a is Asset => a !== undefined)
  }

  // ---------------------------------------------------------------- docker content

  findBlob(repoName: string, digest: string): Asset | undefined {
    const repo = this.repo(repoName)
    const row = repo?.assetByPath.get(`v2/-/blobs/${digest}`)
    return row === undefined ? undefined : repo!.assets.get(row)
  }

  findTag(repoName: string, image: string, tag: string): Asset | undefined {
    const repo = this.repo(repoName)
    const row = repo?.assetByPath.get(`v2/${image}/manifests/${tag}`)
    const a = row === undefined ? undefined : repo!.assets.get(row)
    return a?.kind === 'tag' ? a : undefined
  }

  /** Tag-manifest assets of an image (including dangling ones). */
  tagAssets(repoName: string, image: string): Asset[] {
    const repo = this.repo(repoName)
    const tags = repo?.tagIndex.get(image)
    if (!repo || !tags) return []
    const out: Asset[] = []
    for (const row of tags.values()) {
      const c = repo.components.get(row)
      for (const ar of c?.assetRows ?? []) {
        const a = repo.assets.get(ar)
        if (a?.kind === 'tag') out.push(a)
      }
    }
    return out
  }

  /**
   * A manifest of `image` addressable by digest: the digest-path asset if any, else a tagged
   * manifest with that content. Dangling tags have no content and do not count.
   */
  findManifestByDigest(repoName: string, image: string, digest: string): Asset | undefined {
    const repo = this.repo(repoName)
    if (!repo) return undefined
    const row = repo.assetByPath.get(`v2/${image}/manifests/${digest}`)
    const direct = row === undefined ? undefined : repo.assets.get(row)
    if (direct && !direct.dangling) return direct
    const hex = digest.slice('sha256:'.length)
    return this.tagAssets(repoName, image).find(a => !a.dangling && a.sha256 === hex)
  }

  /** Image names that have at least one tag component. */
  images(repoName: string): string[] {
    return [...(this.repo(repoName)?.tagIndex.keys() ?? [])].sort()
  }

  tags(repoName: string, image: string): string[] {
    return [...(this.repo(repoName)?.tagIndex.get(image)?.keys() ?? [])].sort()
  }

  /** Store a layer/config blob; idempotent by digest (blobs are repository-global, §4.1). */
  putBlob(repoName: string, data: Buffer, meta: WriteMeta & { contentType?: string } = {}): Asset {
    const repo = this.mustRepo(repoName)
    const digest = digestOf(data)
    const existing = this.findBlob(repoName, digest)
    if (existing) {
      if (meta.contentType && existing.contentType === MEDIA.octet) existing.contentType = meta.contentType
      if (meta.seeding && meta.when && meta.when < existing.created) {
        existing.created = meta.when
        existing.blobCreated = meta.when
      }
      return existing
    }
    return this.createAsset(
      repo,
      { path: `v2/-/blobs/${digest}`, kind: 'blob', image: null, reference: digest, data, contentType: meta.contentType ?? MEDIA.octet },
      meta
    )
  }

  /**
   * First reference of a manifest that is not stored (for MANIFEST_BLOB_UNKNOWN), or null.
   * Image manifests need their config and layers as blobs; an index needs its children as
   * manifests of the same image.
   */
  missingReference(repoName: string, image: string, data: Buffer): string | null {
    const m = parseManifest(data)
    if (!m) return null
    for (const d of childManifests(m)) if (!this.findManifestByDigest(repoName, image, d.digest)) return d.digest
    for (const d of blobDescriptors(m)) if (!this.findBlob(repoName, d.digest)) return d.digest
    return null
  }

  /**
   * Store a manifest under a tag or a digest (PUT /v2/<name>/manifests/<ref>).
   * A new tag creates its component; re-pushing a tag with different content replaces the asset's
   * blob, so `lastModified` moves while the asset's `created` (datastore `blobCreated`) stays (§4.4).
   */
  putManifest(repoName: string, image: string, reference: string, data: Buffer, mediaType: string, meta: WriteMeta = {}): PutManifestResult {
    const repo = this.mustRepo(repoName)
    const digest = digestOf(data)
    const path = `v2/${image}/manifests/${reference}`
    // Classify referenced blobs now that their media type is known (upload stored octet-stream).
    const parsed = parseManifest(data)
    if (parsed) {
      for (const d of blobDescriptors(parsed)) {
        const b = this.findBlob(repoName, d.digest)
        if (b && b.contentType === MEDIA.octet && d.mediaType) b.contentType = d.mediaType
      }
    }
    const existingRow = repo.assetByPath.get(path)
    const existing = existingRow === undefined ? undefined : repo.assets.get(existingRow)
    if (existing) {
      if (!existing.dangling && existing.sha256 === digest.slice(7)) return { asset: existing, digest, createdPath: false, changed: false }
      this.replaceContent(existing, data, mediaType, meta)
      return { asset: existing, digest, createdPath: false, changed: true }
    }
    if (isBoundedReport(reference)) {
      const c = this.digestComponents ? this.createComponent(repo, null, image, reference, meta.when ?? this.clock.now(), false) : undefined
      const asset = this.createAsset(repo, { path, kind: 'manifest', image, reference, data, contentType: mediaType, componentRow: c?.row ?? null }, meta)
      return { asset, digest, createdPath: true, changed: true }
    }
    const c = this.createComponent(repo, null, image, reference, meta.when ?? this.clock.now())
    if (this.extraAssets) {
      const note = Buffer.from(JSON.stringify({ image, tag: reference, note: 'an attachment' }))
      const extra = {
        path: `v2/${image}/attachments/${reference}.json`,
        kind: 'file' as const,
        image: null,
        reference: null,
        data: note,
        contentType: 'application/json'
      }
      this.createAsset(repo, { ...extra, componentRow: c.row }, meta)
    }
    const asset = this.createAsset(repo, { path, kind: 'tag', image, reference, data, contentType: mediaType, componentRow: c.row }, meta)
    return { asset, digest, createdPath: true, changed: true }
  }

  /**
   * DELETE /v2/<name>/manifests/<digest> (§8.4). Returns false when no manifest has that digest
   * (→ MANIFEST_UNKNOWN).
   * - removesTags (≤ ~3.81): every tag component of the image pointing at the digest goes too.
   * - otherwise (3.89+): the manifest goes, tag components stay without content ("dangling"), so
   *   a second DELETE answers MANIFEST_UNKNOWN.
   */
  deleteManifestByDigest(repoName: string, image: string, digest: string, removesTags: boolean): boolean {
    const repo = this.repo(repoName)
    if (!repo) return false
    const hex = digest.slice('sha256:'.length)
    let found = false
    const row = repo.assetByPath.get(`v2/${image}/manifests/${digest}`)
    const direct = row === undefined ? undefined : repo.assets.get(row)
    if (direct) {
      this.dropManifest(repo, direct)
      found = true
    }
    for (const a of this.tagAssets(repoName, image)) {
      if (a.dangling || a.sha256 !== hex) continue
      found = true
      if (removesTags) {
        if (a.componentRow !== null) this.deleteComponent(repoName, a.componentRow)
      } else {
        this.releaseBlob(a.blobId, repoName)
        a.blobId = null
        a.data = null
        a.dangling = true
      }
    }
    return found
  }

  /** LastDownloadedHandler (§4.5): mark at most once per interval. */
  markDownloaded(asset: Asset, intervalMs: number): void {
    const now = this.clock.now()
    if (asset.lastDownloaded === null || now.getTime() - asset.lastDownloaded.getTime() >= intervalMs) {
      asset.lastDownloaded = now
    }
  }

  // ---------------------------------------------------------------- maven (non-docker content)

  /** A maven2 component with jar + pom assets, so non-docker repositories have realistic content. */
  putMavenComponent(repoName: string, groupId: string, artifactId: string, version: string, meta: WriteMeta = {}): Component {
    const repo = this.mustRepo(repoName)
    const when = meta.when ?? this.clock.now()
    const c = this.createComponent(repo, groupId, artifactId, version, when)
    const base = `${groupId.replace(/\./g, '/')}/${artifactId}/${version}/${artifactId}-${version}`
    const pom = Buffer.from(
      `<project><modelVersion>4.0.0</modelVersion><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></project>\n`
    )
    const jar = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(`${groupId}:${artifactId}:${version}`)])
    for (const [ext, data, ct] of [
      ['jar', jar, 'application/java-archive'],
      ['pom', pom, 'application/xml']
    ] as const) {
      this.createAsset(
        repo,
        {
          path: `${base}.${ext}`,
          kind: 'file',
          image: null,
          reference: null,
          data,
          contentType: ct,
          componentRow: c.row,
          attributes: { extension: ext, groupId, artifactId, version, classifier: null }
        },
        { ...meta, when }
      )
    }
    return c
  }

  findAssetByPath(repoName: string, path: string): Asset | undefined {
    for (const r of this.leafRepositories(repoName)) {
      const row = r.assetByPath.get(path)
      if (row !== undefined) return r.assets.get(row)
    }
    return undefined
  }

  // ---------------------------------------------------------------- docker GC (§9.6)

  /**
   * "Docker - Delete unused manifests and images" (repository.docker.gc): deletes digest-addressed
   * manifests not reachable from any tag, then blobs no remaining manifest references. Content
   * stored within `deployOffsetMs` is kept; a blob that also exists in another docker repository
   * is kept ("Found asset referenced in another repository").
   */
  dockerGc(target: string, deployOffsetMs: number): GcResult {
    const targets =
      target === '*'
        ? [...this.repositories.values()].filter(r => r.config.format === 'docker' && r.config.type !== 'group')
        : [this.repo(target)].filter((r): r is RepositoryState => r !== undefined)
    if (targets.length === 0 && target !== '*') throw new Error(`Repository '${target}' not found`)
    for (const r of targets) {
      if (r.config.format !== 'docker') throw new Error(`Repository '${r.config.name}' is not a docker repository`)
    }
    const cutoff = this.clock.nowMs() - deployOffsetMs
    const result: GcResult = { repositories: targets.map(r => r.config.name), manifestsDeleted: 0, blobsDeleted: 0 }
    for (const repo of targets) {
      const name = repo.config.name
      const reachable = new Set<number>()
      const queue: Asset[] = [...repo.assets.values()].filter(a => a.kind === 'tag' && !a.dangling)
      while (queue.length > 0) {
        const a = queue.pop()!
        if (reachable.has(a.row)) continue
        reachable.add(a.row)
        const m = a.data ? parseManifest(a.data) : null
        if (!m || !a.image) continue
        for (const d of childManifests(m)) {
          const child = this.findManifestByDigest(name, a.image, d.digest)
          if (child) queue.push(child)
        }
      }
      for (const a of [...repo.assets.values()]) {
        if (a.kind === 'manifest' && !reachable.has(a.row) && a.blobCreated.getTime() <= cutoff) {
          this.dropManifest(repo, a)
          result.manifestsDeleted++
        }
      }
      const referenced = new Set<string>()
      for (const a of repo.assets.values()) {
        if ((a.kind === 'tag' || a.kind === 'manifest') && a.data) {
          const m = parseManifest(a.data)
          if (m) for (const d of blobDescriptors(m)) referenced.add(d.digest)
        }
      }
      for (const a of [...repo.assets.values()]) {
        if (a.kind !== 'blob' || referenced.has(a.reference ?? '') || a.blobCreated.getTime() > cutoff) continue
        const elsewhere = [...this.repositories.values()].some(o => o !== repo && o.config.format === 'docker' && o.assetByPath.has(a.path))
        if (elsewhere) continue
        this.removeAsset(repo, a)
        result.blobsDeleted++
      }
    }
    return result
  }
}
