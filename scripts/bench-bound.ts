// The benchmark's data set and its request lower bounds, shared by `npm run bench` (scripts/bench.ts) and
// the request-budget test (__tests__/run/request-budget.test.ts). Pure: no I/O.
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
/** The tags of one image as versions only (1.0.0, 1.0.1, ...), oldest first. */
export function benchVersionTags(count: number, imageIndex = 0): BenchTag[] {
  return Array.from({ length: count }, (_, i) => ({
    tag: `1.${Math.floor(i / 10)}.${i % 10}`,
    created: new Date(BASE + (imageIndex * 7 + i) * HOUR).toISOString(),
    family: 'version' as const
  }))
}

export function expectedDeletes(tags: BenchTag[], keep: number): number {
  const versions = tags.filter(t => t.family === 'version').length
  const others = tags.length - versions
  return Math.max(0, versions - keep) + Math.max(0, others - keep)
}

/**
 * Config reads the policy needs for one image of the data set (keep, no older-than unless said), as
 * src/policy/dates.ts decides them: without push dates (a plain registry) the other family is ranked by
 * `created` when it has more than one member; versions never tie here (each is distinct), so they need
 * none; with older-than every manifest needs its age. Nexus records push dates: no read at all.
 */
export function configReadsNeeded(tags: BenchTag[], opts: { pushDates: boolean; olderThan?: boolean }): number {
  if (opts.pushDates) return 0
  if (opts.olderThan) return tags.length
  const others = tags.filter(t => t.family === 'other').length
  return others > 1 ? others : 0
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
  /** Per image: tags, and the config reads the policy needs (configReadsNeeded; one per distinct config). */
  images: { tags: number; configs: number }[]
  /** Manifests deleted (0 for a dry run: it sends no deleting request). */
  deletedManifests: number
  /** Page size the client asks for (`n`); docker-registry caps it at 1000. */
  pageSize?: number
}

/**
 * Issue 6's lower bound for a plain registry: catalog pages + tags/list pages per image + one manifest
 * read (HEAD or GET) per tag to learn its digest (the listing gives names only) + one config read where the
 * policy needs a date + one DELETE per deleted manifest. The /v2/ ping (one request) is not counted.
 */
export function registryBound(job: RegistryJob): Bound {
  const n = job.pageSize ?? 1000
  const pages = (items: number): number => Math.max(1, Math.ceil(items / n))
  return bound([
    { what: 'catalog pages', requests: pages(job.images.length) },
    { what: 'tags/list pages', requests: job.images.reduce((s, i) => s + pages(i.tags), 0) },
    { what: 'manifest reads (1 per tag)', requests: job.images.reduce((s, i) => s + i.tags, 0) },
    { what: 'config reads the policy needs', requests: job.images.reduce((s, i) => s + i.configs, 0) },
    { what: 'manifest DELETEs', requests: job.deletedManifests }
  ])
}

export interface NexusJob {
  /** Components (tags) in the repository, over all images. */
  components: number
  /** Tags deleted (one component DELETE each); 0 for a dry run. */
  deletedTags: number
  /** Manifest/config reads by digest the policy needs (dates, indexes); 0 for pushed + single-arch. */
  policyReads?: number
  /** REST page size: 100 on the datastore. */
  pageSize?: number
  /** Manifests read by digest for the freed-bytes estimate: every deleted one in a dry run (size-estimate auto). */
  sizeReads?: number
}

/**
 * Issue 6's lower bound for Nexus (delete-method component): component pages + one component DELETE
 * per deleted tag + the manifest reads the policy needs. The datastore answers a full page with a
 * continuation token, so C components take floor(C/100)+1 pages, not ceil(C/100). Plus the preflight a
 * safe run cannot skip: the repositories list and the user's permissions (one request each, per run).
 */
export function nexusBound(job: NexusJob): Bound {
  const n = job.pageSize ?? 100
  return bound([
    { what: 'preflight (repositories, permissions)', requests: 2 },
    { what: 'component pages', requests: Math.floor(job.components / n) + 1 },
    { what: 'component DELETEs (1 per deleted tag)', requests: job.deletedTags },
    { what: 'manifest/config reads the policy needs', requests: job.policyReads ?? 0 },
    { what: 'manifest reads for the size estimate', requests: job.sizeReads ?? 0 }
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
