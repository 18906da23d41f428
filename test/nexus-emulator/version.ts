/**
 * Nexus version parsing and the feature gates that depend on it.
 *
 * Every "since 3.N" in API.md is a comparison against the emulated version; keeping all gates in
 * one place makes it easy to see which version range produces which response shape.
 */

export class NexusVersion {
  readonly parts: number[]

  constructor(readonly text: string) {
    const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?$/.exec(text.trim())
    if (!m) throw new Error(`Unparseable Nexus version "${text}" (expected e.g. 3.77.0-08)`)
    this.parts = [m[1], m[2], m[3] ?? '0', m[4] ?? '0'].map(Number)
  }

  /** `atLeast('3.29')` is true for 3.29.0-00 and later. */
  atLeast(v: string): boolean {
    const other = new NexusVersion(v).parts
    for (let i = 0; i < 4; i++) {
      if (this.parts[i] !== other[i]) return this.parts[i] > other[i]
    }
    return true
  }

  below(v: string): boolean {
    return !this.atLeast(v)
  }
}

/** AssetXO field gates, API.md §4.2 table. */
export const ASSET_FIELDS_SINCE = {
  contentType: '3.29',
  lastModified: '3.29',
  formatAttributes: '3.29',
  uploader: '3.38',
  lastDownloaded: '3.39',
  fileSize: '3.44',
  blobCreated: '3.59',
  blobStoreName: '3.71'
} as const

/** Other version gates, each cited where it is used. */
export const SINCE = {
  /** §1.2: Jackson 2.11+ writes the offset as +00:00 (3.26+); 3.25 and older write +0000. */
  colonOffset: '3.26',
  /** §6.2: /v1/repositories/docker/hosted/{name}. */
  dockerHostedResource: '3.27',
  /** §1.4: error bodies stripped (CVE-2020-25633) since 3.30. */
  emptyErrorBodies: '3.30',
  /** §6.1: GET /v1/repositories/{name}. */
  repositoryByName: '3.38',
  /** §6.2: storage.latestPolicy. */
  latestPolicy: '3.41',
  /** §8.4: tags/list Link header "started working" ~3.64. */
  tagsListLink: '3.64',
  /** §7.2: "RUNNING: <progress>" states. */
  runningProgress: '3.66',
  /** §0: Orient REST resources removed in 3.71. */
  orientRemoved: '3.71',
  /** §7.4: POST /v1/tasks (create) present in 3.74.0-05. */
  taskCreate: '3.74',
  /** §1: "OSS" renamed Community Edition from 3.77. */
  communityEdition: '3.77',
  /** §9.4: S3 compact does something from 3.80 (blobsOlderThan). */
  s3Compact: '3.80',
  /** §6.2: docker.pathEnabled. */
  pathEnabled: '3.83',
  /** §8.4: delete-by-digest leaves dangling tags (regression reported for 3.89). */
  deleteByDigestKeepsTags: '3.89',
  /** §7.4: POST /v1/tasks answers a full TaskXO from 3.89 (community spec). */
  taskCreateReturnsTaskXO: '3.89',
  /** §8.3: X-XSS-Protection "0" seen on 3.90, "1; mode=block" on 3.18. */
  xssZero: '3.90',
  /** §14.4: assets[].blobStoreName filled (captures from 2026 servers; the version is inferred). */
  blobStoreNameFilled: '3.87',
  /** §14.4: Community Edition limits and the UI's usage counters (GET /internal/ui/usage-metrics) from 3.87. */
  usageMetrics: '3.87',
  /** §14.2: TaskXO carries `properties` only from 3.94 (openapi 3.94). */
  taskProperties: '3.94'
} as const
