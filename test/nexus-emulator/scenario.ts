/**
 * Seeding the emulator from a small JSON-able scenario.
 *
 * Images are built for real: a config blob (JSON with `created`, architecture, os, rootfs), layer
 * blobs of deterministic bytes (so sizes and digests are real and stable), a manifest (Docker v2
 * schema 2, or OCI), and for multi-platform tags an OCI index whose child manifests are stored by
 * digest (assets without a component, API.md §4.1). With two or more layers the first one is a
 * base layer shared by all tags of the image (as real images share base layers), so docker GC
 * after deleting one tag frees only that tag's own layers.
 *
 * Dates: `pushed` becomes the tag asset's `lastModified` (§4.4), `firstPushed` (default `pushed`)
 * its `created` (datastore `blobCreated`), `created` the image config's `created`.
 */
import { Clock } from './clock'
import { MEDIA, deterministicBytes, digestOf } from './manifest'
import { BlobStoreType, RepositoryType, Store, WritePolicy, defaultDockerSettings } from './store'
import { TaskDefinition, TaskManager } from './tasks'

export interface ScenarioTag {
  tag: string
  /** Image config `created` (ISO). Default: `pushed`. */
  created?: string
  /** When this tag's current content was pushed (ISO) → asset lastModified. Default: now. */
  pushed?: string
  /** First push of the tag path (ISO) → datastore blobCreated. Default: `pushed`. */
  firstPushed?: string
  lastDownloaded?: string | null
  /** Share the manifest (digest) of another tag of the same image. */
  sameAs?: string
  /** e.g. ['linux/amd64', 'linux/arm64'] → OCI index with one child manifest per platform. */
  platforms?: string[]
  /** Number of layers (default 2). */
  layers?: number
  /** Bytes per layer (default 1024). */
  layerSize?: number
  /** Manifest flavour for single-platform images (default 'docker'). */
  mediaType?: 'docker' | 'oci'
  uploader?: string
  uploaderIp?: string
  /** Extra config labels. */
  labels?: Record<string, string>
}

export interface ScenarioImage {
  name: string
  tags: ScenarioTag[]
}

export interface ScenarioRepository {
  name: string
  type?: RepositoryType
  /** 'docker' (default), 'maven2', or any other format name. */
  format?: string
  blobStore?: string
  /** docker: images; maven2: `name` "group.id/artifact", tags = versions. */
  images?: ScenarioImage[]
  /** Group members. */
  members?: string[]
  remoteUrl?: string
  online?: boolean
  writePolicy?: WritePolicy
  latestPolicy?: boolean
  cleanupPolicies?: string[]
  /** Per-repository docker forceBasicAuth (default: emulator option). */
  forceBasicAuth?: boolean
  /** Start a connector server for this repository (0 = free port). */
  httpPort?: number
}

export interface ScenarioBlobStore {
  name: string
  type: BlobStoreType
  availableSpaceInBytes?: number
}

export type ScenarioTask = TaskDefinition

export interface Scenario {
  repositories?: ScenarioRepository[]
  blobStores?: ScenarioBlobStore[]
  /** Omitted → default tasks (cleanup, docker GC for '*', one compact per blob store). */
  tasks?: ScenarioTask[]
  /** Freeze the clock at this instant before seeding. */
  now?: string
}

const DEFAULT_LAYERS = 2
const DEFAULT_LAYER_SIZE = 1024

function date(iso: string | undefined | null, fallback: Date): Date {
  if (iso === undefined || iso === null) return fallback
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) throw new Error(`Invalid date in scenario: ${iso}`)
  return d
}

function platformOf(p: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = p.split('/')
  return variant ? { os, architecture, variant } : { os, architecture }
}

/** Build config + layers for one platform; returns the manifest bytes. */
function buildImageManifest(
  store: Store,
  repo: string,
  image: string,
  t: ScenarioTag,
  platform: string,
  oci: boolean,
  when: Date,
  meta: { uploader?: string; uploaderIp?: string },
  salt = ''
): Buffer {
  const layers = Math.max(1, t.layers ?? DEFAULT_LAYERS)
  const layerSize = Math.max(1, t.layerSize ?? DEFAULT_LAYER_SIZE)
  const layerType = oci ? MEDIA.ociLayer : MEDIA.dockerLayer
  const layerDescs: Array<{ mediaType: string; size: number; digest: string }> = []
  for (let i = 0; i < layers; i++) {
    // Layer 0 is the image's shared base when there are several layers.
    const seed = i === 0 && layers > 1 ? `base:${image}:${platform}:${layerSize}` : `layer:${image}:${t.tag}${salt}:${platform}:${i}`
    const data = deterministicBytes(seed, layerSize)
    const blob = store.putBlob(repo, data, { when, contentType: layerType, seeding: true, ...meta })
    layerDescs.push({ mediaType: layerType, size: blob.size, digest: `sha256:${blob.sha256}` })
  }
  const p = platformOf(platform)
  const created = date(t.created, when).toISOString()
  const config = {
    architecture: p.architecture,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/app'],
      Labels: { 'org.opencontainers.image.title': image, 'org.opencontainers.image.version': t.tag, ...(t.labels ?? {}) }
    },
    created,
    history: layerDescs.map((_, i) => ({ created, created_by: `emulator layer ${i}` })),
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    rootfs: { type: 'layers', diff_ids: layerDescs.map(l => l.digest) }
  }
  const configData = Buffer.from(JSON.stringify(config))
  const configType = oci ? MEDIA.ociConfig : MEDIA.dockerConfig
  store.putBlob(repo, configData, { when, contentType: configType, seeding: true, ...meta })
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
    config: { mediaType: configType, size: configData.length, digest: digestOf(configData) },
    layers: layerDescs
  }
  return Buffer.from(JSON.stringify(manifest, null, 3))
}

/**
 * Build (and store the blobs of) a tag's content: an image manifest, or for `platforms` an OCI
 * index with child manifests stored by digest. `salt` makes re-pushed content differ.
 */
export function buildTagContent(store: Store, repo: string, image: string, t: ScenarioTag, when: Date, salt = ''): { data: Buffer; mediaType: string } {
  const meta = { uploader: t.uploader, uploaderIp: t.uploaderIp }
  if (t.platforms && t.platforms.length > 0) {
    const children = t.platforms.map(p => {
      const data = buildImageManifest(store, repo, image, t, p, true, when, meta, salt)
      store.putManifest(repo, image, digestOf(data), data, MEDIA.ociManifest, { when, ...meta })
      return { mediaType: MEDIA.ociManifest, size: data.length, digest: digestOf(data), platform: platformOf(p) }
    })
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: children }, null, 3))
    return { data: index, mediaType: MEDIA.ociIndex }
  }
  const oci = t.mediaType === 'oci'
  const data = buildImageManifest(store, repo, image, t, 'linux/amd64', oci, when, meta, salt)
  return { data, mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest }
}

/** Seed one docker repository's images. */
function seedDocker(store: Store, clock: Clock, repoName: string, images: ScenarioImage[]): void {
  for (const img of images) {
    const digests = new Map<string, { data: Buffer; mediaType: string }>()
    const deferred: ScenarioTag[] = []
    const finishTag = (t: ScenarioTag, data: Buffer, mediaType: string): void => {
      const pushed = date(t.pushed, clock.now())
      const first = date(t.firstPushed, pushed)
      const meta = { uploader: t.uploader, uploaderIp: t.uploaderIp }
      const r = store.putManifest(repoName, img.name, t.tag, data, mediaType, { when: first, ...meta })
      // firstPushed ≠ pushed: the path was created earlier, content replaced at `pushed`.
      r.asset.blobCreated = pushed
      r.asset.created = first
      r.asset.lastDownloaded = t.lastDownloaded ? date(t.lastDownloaded, pushed) : null
      const c = store.mustRepo(repoName).components.get(r.asset.componentRow ?? -1)
      if (c) c.created = first
      digests.set(t.tag, { data, mediaType })
    }
    for (const t of img.tags) {
      if (t.sameAs) {
        deferred.push(t)
        continue
      }
      const content = buildTagContent(store, repoName, img.name, t, date(t.pushed, clock.now()))
      finishTag(t, content.data, content.mediaType)
    }
    // sameAs may chain; resolve until no progress.
    let pending = deferred
    while (pending.length > 0) {
      const next: ScenarioTag[] = []
      for (const t of pending) {
        const src = digests.get(t.sameAs!)
        // A sameAs tag defaults to the source tag's dates and uploader (pushed together).
        const from = img.tags.find(o => o.tag === t.sameAs)
        if (src)
          finishTag(
            { ...t, pushed: t.pushed ?? from?.pushed, uploader: t.uploader ?? from?.uploader, uploaderIp: t.uploaderIp ?? from?.uploaderIp },
            src.data,
            src.mediaType
          )
        else next.push(t)
      }
      if (next.length === pending.length) {
        throw new Error(`Unresolvable sameAs in ${repoName}/${img.name}: ${next.map(t => `${t.tag}→${t.sameAs}`).join(', ')}`)
      }
      pending = next
    }
  }
}

function seedMaven(store: Store, clock: Clock, repoName: string, images: ScenarioImage[]): void {
  for (const img of images) {
    const cut = Math.max(img.name.lastIndexOf('/'), img.name.lastIndexOf(':'))
    const groupId = cut > 0 ? img.name.slice(0, cut).replace(/\//g, '.') : 'org.example'
    const artifactId = cut > 0 ? img.name.slice(cut + 1) : img.name
    for (const t of img.tags) {
      const when = date(t.pushed, clock.now())
      const c = store.putMavenComponent(repoName, groupId, artifactId, t.tag, { when, uploader: t.uploader, uploaderIp: t.uploaderIp })
      for (const a of store.componentAssets(c)) a.lastDownloaded = t.lastDownloaded ? new Date(t.lastDownloaded) : null
    }
  }
}

/** Tasks a fresh instance gets when the scenario lists none. */
export function defaultTasks(store: Store): TaskDefinition[] {
  const tasks: TaskDefinition[] = [
    { name: 'Cleanup service', type: 'repository.cleanup' },
    {
      name: 'Docker - Delete unused manifests and images',
      type: 'repository.docker.gc',
      properties: { repositoryName: '*', deployOffset: '24' }
    }
  ]
  for (const bs of store.blobStores.values()) {
    tasks.push({ name: `Compact ${bs.name} blob store`, type: 'blobstore.compact', properties: { blobstoreName: bs.name } })
  }
  // §14.1: on the datastore Nexus creates one per format and content store as repositories start
  // (AssetBlobCleanupTaskManager): not creatable by users, but listed and runnable.
  if (store.lifecycle === 'datastore') {
    const formats = new Set(
      [...store.repositories.values()].filter(r => r.config.type !== 'group').map(r => `${r.config.format}\u0000${r.config.dataStoreName}`)
    )
    for (const key of [...formats].sort()) {
      const [format, contentStore] = key.split('\u0000')
      tasks.push({
        name: `Cleanup unused ${format} blobs from ${contentStore}`,
        type: 'assetBlob.cleanup',
        properties: { format, contentStore },
        frequency: { schedule: 'cron', cronExpression: '0 */30 * * * ?' }
      })
    }
  }
  return tasks
}

/**
 * Apply a scenario to a store and task manager. Repositories are created in order, so group
 * members must come before their groups. Returns the names of repositories wanting a connector.
 */
export function applyScenario(store: Store, tasks: TaskManager, clock: Clock, scenario: Scenario): Array<{ repository: string; port: number }> {
  if (scenario.now) clock.set(scenario.now)
  for (const bs of scenario.blobStores ?? []) store.addBlobStore(bs.name, bs.type, bs.availableSpaceInBytes)
  if (store.blobStores.size === 0) store.addBlobStore('default', 'File')
  const connectors: Array<{ repository: string; port: number }> = []
  for (const r of scenario.repositories ?? []) {
    const type = r.type ?? 'hosted'
    const format = r.format ?? 'docker'
    const docker = defaultDockerSettings()
    if (r.forceBasicAuth !== undefined) docker.forceBasicAuth = r.forceBasicAuth
    if (r.httpPort !== undefined) {
      docker.httpPort = r.httpPort
      connectors.push({ repository: r.name, port: r.httpPort })
    }
    store.addRepository({
      name: r.name,
      format,
      type,
      blobStoreName: r.blobStore ?? 'default',
      online: r.online ?? true,
      members: r.members ?? [],
      remoteUrl: type === 'proxy' ? (r.remoteUrl ?? 'https://registry-1.docker.io') : null,
      writePolicy: r.writePolicy ?? 'ALLOW',
      strictContentTypeValidation: true,
      latestPolicy: r.latestPolicy ?? false,
      cleanupPolicyNames: r.cleanupPolicies ?? [],
      dataStoreName: 'nexus',
      docker
    })
    if (type === 'group') {
      if ((r.images ?? []).length > 0) throw new Error(`Group repository ${r.name} cannot hold images; seed its members`)
      continue
    }
    if (format === 'docker') seedDocker(store, clock, r.name, r.images ?? [])
    else seedMaven(store, clock, r.name, r.images ?? [])
  }
  const taskDefs = scenario.tasks ?? (tasks.tasks.size === 0 ? defaultTasks(store) : [])
  for (const t of taskDefs) tasks.add(t)
  return connectors
}
