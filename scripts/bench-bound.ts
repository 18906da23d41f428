// The benchmark's data set and its request lower bounds, shared by `npm run bench` (scripts/bench.ts) and
// the request-budget test (__tests__/request-budget.test.ts). Pure: no I/O.
//
// Data set: I images x T tags, every tag on its own manifest (own config, so its own `created`). About one
// tag in ten is a branch tag (main, develop, feature-N: the "other" family), the rest are versions
// 1.<minor>.<patch> whose version order is also their date order. Dates increase in push order.

export interface BenchTag {
  tag: string
  /** ISO date: image config `created` (registry) and push date (Nexus lastModified). */
  created: string
  family: 'version' | 'other'
}

const BASE = Date.parse('2024-01-01T00:00:00Z')
const HOUR = 3_600_000

/** Image names of the data set: bench/app-000, bench/app-001, ... */
export function benchImages(count: number): string[] {
  const width = Math.max(3, String(count - 1).length)
  return Array.from({ length: count }, (_, i) => `bench/app-${String(i).padStart(width, '0')}`)
}

/** Number of branch (non-version) tags among `count` tags. */
export function branchCount(count: number): number {
  if (count < 2) return 0
  return Math.max(1, Math.round(count / 10))
}

/** The tags of one image, oldest first. `imageIndex` shifts dates so images do not all look alike. */
export function benchTags(count: number, imageIndex = 0): BenchTag[] {
  const branches = branchCount(count)
  const every = branches > 0 ? Math.floor(count / branches) : Infinity
  const branchNames = (k: number): string => (k === 0 ? 'main' : k === 1 ? 'develop' : `feature-${k - 1}`)
  const out: BenchTag[] = []
  let v = 0
  let b = 0
  for (let i = 0; i < count; i++) {
    const created = new Date(BASE + (imageIndex * 7 + i) * HOUR).toISOString()
    // every `every`-th push is a branch build, until the branch quota is used
    if (b < branches && (i + 1) % every === 0) {
      out.push({ tag: branchNames(b++), created, family: 'other' })
    } else {
      out.push({ tag: `1.${Math.floor(v / 10)}.${v % 10}`, created, family: 'version' })
      v++
    }
  }
  // if rounding left branch quota unused, the newest versions become branches (keeps counts exact)
  for (let k = out.length - 1; b < branches && k >= 0; k--) {
    if (out[k].family === 'version') out[k] = { tag: branchNames(b++), created: out[k].created, family: 'other' }
  }
  return out
}

/**
 * Manifests (= tags here) the policy `keep` (no older-than, nothing protected) deletes in one image:
 * `keep` applies to each family separately (keep-other defaults to keep).
 */
export function expectedDeletes(tags: BenchTag[], keep: number): number {
  const versions = tags.filter(t => t.family === 'version').length
  const others = tags.length - versions
  return Math.max(0, versions - keep) + Math.max(0, others - keep)
}

export interface BoundPart {
  what: string
  requests: number
}

export interface Bound {
  total: number
  parts: BoundPart[]
}

const bound = (parts: BoundPart[]): Bound => ({ total: parts.reduce((n, p) => n + p.requests, 0), parts })

export interface RegistryJob {
  /** Per image: tags, distinct manifest digests, distinct config digests. */
  images: { tags: number; digests: number; configs: number; planned?: number }[]
  /** Tags of the manifests the plan deletes (would delete, in a dry run). */
  plannedTags: number
  /** Manifests deleted (0 for a dry run: it sends no deleting request). */
  deletedManifests: number
  /** Page size the client asks for (`n`); docker-registry caps it at 1000. */
  pageSize?: number
}

/**
 * The lower bound of issue 6 for a plain registry: catalog pages + tags/list pages per image + one
 * manifest read (HEAD or GET) per tag to learn its digest + one config read per distinct config (the
 * registry records no push date, so the config `created` is the only date) + one DELETE per deleted
 * manifest. Nothing else is required to do the job; the /v2/ ping (one request) is not counted.
 */
export function registryBound(job: RegistryJob): Bound {
  const n = job.pageSize ?? 1000
  const pages = (items: number): number => Math.max(1, Math.ceil(items / n))
  return bound([
    { what: 'catalog pages', requests: pages(job.images.length) },
    { what: 'tags/list pages', requests: job.images.reduce((s, i) => s + pages(i.tags), 0) },
    { what: 'manifest reads (1 per tag)', requests: job.images.reduce((s, i) => s + i.tags, 0) },
    { what: 'config reads (1 per distinct config)', requests: job.images.reduce((s, i) => s + i.configs, 0) },
    { what: 'manifest DELETEs', requests: job.deletedManifests }
  ])
}

/**
 * What the current design needs on top of `registryBound`: just before deleting, every tag of an image
 * with a planned deletion is resolved again (one HEAD each: planned tags for "changed since planned",
 * kept and new tags because a delete by digest would take a tag re-pointed onto a doomed digest with it).
 * A dry run runs the same path. Images without a planned deletion are not re-checked.
 */
export function registryBoundWithChecks(job: RegistryJob): Bound {
  const b = registryBound(job)
  const rechecked = job.images.reduce((n, i) => n + ((i.planned ?? 0) > 0 ? i.tags : 0), 0)
  return bound([...b.parts, { what: 'tag re-resolutions before delete (1 HEAD per tag of an image with a planned deletion)', requests: rechecked }])
}

export interface NexusJob {
  /** Components (tags) in the repository, over all images. */
  components: number
  /** Tags the plan deletes (would delete, in a dry run). */
  plannedTags: number
  /** Manifests the plan deletes (would delete, in a dry run). */
  plannedManifests: number
  /** Tags deleted (one component DELETE each); 0 for a dry run. */
  deletedTags: number
  /** Manifest/config reads by digest the policy needs (age-basis created, indexes); 0 for pushed + single-arch. */
  policyReads?: number
  /** REST page size: 100 on the datastore. */
  pageSize?: number
}

/**
 * The lower bound of issue 6 for Nexus (delete-method component, age-basis pushed): component pages + one
 * component DELETE per deleted tag + one GET of that component just before deleting it + the manifest
 * reads the policy needs. The pre-delete GET is counted as required in a real run only: a component id
 * survives a re-push (the tag's asset gets new content in place), so a DELETE without that read could
 * destroy content pushed after the plan. A dry run deletes nothing, so it needs no such read. The datastore
 * answers a full page with a continuation token, so C components take floor(C/100)+1 pages, not
 * ceil(C/100). The preflight `GET repositories` (one request) is not counted.
 */
export function nexusBound(job: NexusJob): Bound {
  const n = job.pageSize ?? 100
  return bound([
    { what: 'component pages', requests: Math.floor(job.components / n) + 1 },
    { what: 'component GETs before delete (1 per deleted tag)', requests: job.deletedTags },
    { what: 'component DELETEs (1 per deleted tag)', requests: job.deletedTags },
    { what: 'manifest/config reads the policy needs', requests: job.policyReads ?? 0 }
  ])
}

/**
 * What the current design needs: component pages + one component GET per planned tag (the recheck, in a
 * dry run too) + one manifest read by digest per planned manifest (the freed-bytes estimate, which no
 * decision needs) + one DELETE per deleted tag + the policy's reads. Informational, next to `nexusBound`.
 */
export function nexusBoundWithChecks(job: NexusJob): Bound {
  const n = job.pageSize ?? 100
  return bound([
    { what: 'component pages', requests: Math.floor(job.components / n) + 1 },
    { what: 'component GETs before delete (1 per planned tag)', requests: job.plannedTags },
    { what: 'manifest reads for the size estimate (1 per planned manifest)', requests: job.plannedManifests },
    { what: 'component DELETEs (1 per deleted tag)', requests: job.deletedTags },
    { what: 'manifest/config reads the policy needs', requests: job.policyReads ?? 0 }
  ])
}

/** Sum of a report's `requests` counters, without `retries` (a retry's request is counted under its kind). */
export function totalRequests(counts: Record<string, number>): number {
  return Object.entries(counts).reduce((n, [k, v]) => (k === 'retries' ? n : n + v), 0)
}

/** One line per kind, largest first, for messages and tables. */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')
}

/** A request to the Nexus emulator reduced to a kind: `GET component`, `DELETE component`, `GET manifests`... */
export function nexusRequestKind(r: { method: string; path: string }): string {
  const p = r.path
  if (p === '/service/rest/v1/components') return `${r.method} components`
  if (p.startsWith('/service/rest/v1/components/')) return `${r.method} component`
  if (p.startsWith('/service/rest/v1/')) return `${r.method} ${p.slice('/service/rest/v1/'.length)}`
  const m = /\/v2\/.*\/(manifests|blobs|tags)\/[^/]+$/.exec(p)
  return m ? `${r.method} ${m[1]}` : `${r.method} ${p}`
}
