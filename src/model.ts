// Domain types shared by every stage. Data flows one way:
// Config -> ImageInventory[] (inventory) -> Plan (pure planner) -> Outcome[] (execute) -> RunReport (report).

export type ApiKind = 'nexus' | 'registry'
/** Nexus: delete a tag's component (exact on every version) or the manifest by digest. */
export type DeleteMethod = 'component' | 'manifest'
/** The freed-bytes estimate: auto (a dry run reads what it needs), on, off. */
export type SizeEstimate = 'auto' | 'on' | 'off'
export type AgeBasis = 'pushed' | 'created' | 'last-pulled'
export type SortMode = 'semver' | 'date'

/** The retention policy: everything the pure planner needs besides the inventory and the clock. */
export interface Policy {
  /** Anchored globs over image names (`*` stays inside one path segment, `**` crosses `/`). */
  images: string[]
  excludeImages: string[]
  /** A manifest is a deletion candidate only when every one of its tags matches one of these. */
  tags: string[]
  /** A manifest with any tag matching one of these is never deleted. */
  keepTags: string[]
  /** Newest manifests kept per image in the version family (>= 1). */
  keep: number
  /** Newest manifests kept per image among manifests without a version tag (>= 1). */
  keepOther: number
  /** Only manifests older than this may be deleted; undefined = no age condition. */
  olderThan?: { ms: number; text: string }
  ageBasis: AgeBasis
  sort: SortMode
  /** Delete at most this many manifests this run (referrers travel with their subject, uncounted). */
  maxDeletions?: number
  /** none: `keep` over the whole version family; major / minor: `keep` within each version line. */
  keepPer: KeepPer
  /** With keep-per: only the newest N lines keep slots; undefined = every line. */
  keepLines?: number
  /** Globs of tags deleted now, whatever keep and older-than say (never what a protection keeps). */
  deleteTags: string[]
  /** keep-other was left empty, so it follows keep (also a rule's keep). */
  keepOtherFollowsKeep?: boolean
  /** Rules per image group; the first whose images match an image sets its policy (run-wide). */
  rules?: ImageRule[]
  /** Image references in use (keep-references): what they name is kept with all it reaches (run-wide). */
  references?: ImageReference[]
  /** Nexus: the instance's component budget (max-components), run-wide. */
  maxComponents?: number
  /**
   * delete-orphans: a referrer whose subject is proven absent from its own image and found in no listed
   * image is deleted. Off: kept, since a listing may hide the subject's repository.
   */
  deleteOrphans?: boolean
}

export type KeepPer = 'none' | 'major' | 'minor'

/** The fields a rule may set; each left out comes from the inputs of the same name. */
export type RuleFields = Partial<
  Pick<Policy, 'keep' | 'keepOther' | 'keepPer' | 'keepLines' | 'olderThan' | 'ageBasis' | 'sort' | 'tags' | 'keepTags' | 'deleteTags'>
>

export interface ImageRule {
  /** 1-based, in the order written. */
  index: number
  images: string[]
  excludeImages: string[]
  set: RuleFields
}

/** One reference from keep-references, reduced to what it names. */
export interface ImageReference {
  /** As written (for notes). */
  text: string
  /** The repository named by a `/repository/<repo>/` prefix; undefined = any repository the run cleans. */
  repository?: string
  /** The image path, as the reference writes it after the host (and the repository prefix). */
  name: string
  tag?: string
  digest?: string
}

/** One layer or config blob, for the freed-bytes estimate (each digest counted once). */
export interface BlobRef {
  digest: string
  size: number
}

/** A manifest (digest) of an image with every tag that points at it: the unit of decision. */
export interface ManifestRecord {
  digest: string
  mediaType: string
  /** Tags pointing at this digest, sorted. Never empty for a listed manifest. */
  tags: string[]
  /** Nexus only: the component id of each tag (component delete is per tag). */
  componentIds?: Record<string, string>
  /** When the tag's current content was stored (Nexus `lastModified`); undefined = unknown (plain registry). */
  pushed?: Date
  /** Image config `created`; for an index, its newest child's. undefined = unknown or not read. */
  created?: Date
  /** Nexus `lastDownloaded`: null = never pulled, undefined = unknown (field absent). */
  lastPulled?: Date | null
  /** Child manifest digests of a manifest list / OCI index (empty for an image manifest). */
  children: string[]
  /** OCI 1.1 `subject`: the manifest this one refers to (a signature, attestation, SBOM), when read. */
  subject?: string
  /** OCI 1.1 `artifactType` of a referrer found through the referrers API. */
  artifactType?: string
  /** Blobs this manifest (or, for an index, its children) references, when read. */
  blobs?: BlobRef[]
  /** Size of the manifest itself in bytes, when known. */
  manifestSize?: number
  /** Nexus: bytes of its components' assets other than the manifest, which go with them. */
  extraBytes?: number
}

export interface ImageInventory {
  /** Nexus repository name, or the registry host for `api: registry`. */
  repository: string
  name: string
  /** Tagged manifests: the units of decision. */
  manifests: ManifestRecord[]
  /**
   * Untagged manifests the graph reaches: children of indexes at any depth, and subjects of referrers
   * that exist without a tag. Never deleted by a run; they carry retention from a kept manifest to its
   * descendants and their referrers.
   */
  untagged?: ManifestRecord[]
  /**
   * Subjects named by this image's referrers that a read by digest proved absent from the image. Their
   * referrers are orphans unless another image of the run holds the subject.
   */
  missingSubjects?: string[]
  /** A listing or manifest read failed after retries: nothing of this image may be deleted (fail closed). */
  error?: string
  /** Facts worth telling the user once (e.g. a date basis that is unavailable). */
  notes?: string[]
}

export type Family = 'version' | 'other' | 'referrer'
export type Action = 'keep' | 'delete' | 'pending'

/** Which rule decided; `reason` is the human sentence naming it. */
export type Rule =
  | 'protected' // a tag matches keep-tags
  | 'not-selected' // a tag is outside `tags`
  | 'keep-newest' // within the `keep` / `keep-other` newest of its family
  | 'younger' // younger than older-than (or pulled within it, for last-pulled)
  | 'age-unknown' // older-than set but the age cannot be known
  | 'child-of-kept-index' // reached by a retained manifest, last through an index's children (any depth)
  | 'referrer-of-kept' // reached by a retained manifest, last as a signature/attestation/SBOM of it
  | 'subject-exists' // a referrer whose subject exists outside what this run deletes (untagged, another image)
  | 'image-failed' // inventory of the image failed: fail closed
  | 'delete' // beyond keep (and older than older-than)
  | 'referrer-of-deleted' // goes with its deleted subject
  | 'child-of-deleted' // a tagged child that goes with the index(es) it belongs to
  | 'orphan-referrer' // its subject no longer exists
  | 'max-deletions' // would be deleted but the per-run cap was reached
  | 'in-use' // named by keep-references (or reaching a manifest that is)
  | 'on-demand' // every tag matches delete-tags
  | 'also-tagged' // some tags match delete-tags, another does not
  | 'budget' // beyond keep, younger than older-than, taken by max-components

export interface Decision {
  repository: string
  image: string
  digest: string
  tags: string[]
  action: Action
  rule: Rule
  reason: string
  /** For a manifest held back by max-deletions: why it is due to go (the reason a later run deletes it for). */
  dueReason?: string
  family: Family
  /** 1-based rank within its family, newest first (version/other only). */
  rank?: number
  /** Highest version tag of the manifest, as written in the tag. */
  version?: string
  /** The date the age rule used, and which basis it came from. */
  ageDate?: Date
  ageBasis?: AgeBasis | 'none'
  /** For referrers: the subject digest named by the tag. */
  subject?: string
  /**
   * Position in the deletion order (1 = first) of the image, or of the run when max-deletions shares a
   * cap over images; set for delete and pending.
   */
  deleteOrder?: number
  /**
   * For a manifest that hangs from others (a tagged child, a referrer): the digests of the tagged
   * manifests above it. It is deleted only after every one of them was.
   */
  after?: string[]
}

export interface ImagePlan {
  repository: string
  image: string
  decisions: Decision[]
  error?: string
  notes: string[]
  /** The rule that decided the image (`rule 2 (feature/**)`); undefined = the inputs alone. */
  rule?: string
  /** The keep-references that named something in this image (as written). */
  referencesMatched?: string[]
}

export interface Plan {
  images: ImagePlan[]
  /** Run-wide notes (e.g. "age unknown for 3 manifests: created before 2013-03-20"). */
  notes: string[]
  /** max-components: what the budget asked and what it took. */
  budget?: BudgetReport
}

/** max-components against the instance's total: how far over it was, what the budget took, what is left. */
export interface BudgetReport {
  max: number
  /** The instance's components before the run (its usage counters). */
  before: number
  /** Components the plan removes without the budget (tags of the manifests it deletes). */
  planned: number
  /** Manifests (and their tags) the budget added, beyond keep but younger than older-than. */
  tookManifests: number
  tookTags: number
  /** The instance's total once the plan is carried out. */
  after: number
  /** after <= max. */
  met: boolean
}

export type OutcomeStatus =
  | 'kept'
  | 'deleted' // deleted this run (or found already gone: detail says so)
  | 'would-delete' // dry run
  | 'pending' // beyond max-deletions
  | 'skipped' // changed since planned, or its image failed after planning
  | 'failed' // the delete request failed

export interface Outcome {
  decision: Decision
  status: OutcomeStatus
  detail?: string
  /** For a failed manifest deleted tag by tag (Nexus): the tags that did go before the failure. */
  deletedTags?: string[]
}

/** Tag and manifest counts by outcome. */
export interface Counts {
  kept: number
  deleted: number
  wouldDelete: number
  pending: number
  skipped: number
  failed: number
}

/** One image's counts, without its outcomes: what a run keeps of every image while it streams. */
export interface ImageSummary {
  /** merge-reports only: the host, when the merged reports come from more than one. */
  host?: string
  repository: string
  image: string
  /** Set when the image's inventory failed (nothing of it was deleted). */
  error?: string
  notes: string[]
  tags: Counts
  manifests: Counts
  /**
   * Upper-bound estimate of bytes deleting this image's manifests may free: blobs that no remaining
   * manifest of this image uses (another image of the repository may still use them), when known.
   */
  freeableBytes?: number
  /** The rule that decided the image (`rule 2 (feature/**)`); absent = the inputs alone. */
  rule?: string
}

export interface ImageReport extends ImageSummary {
  outcomes: Outcome[]
}

/**
 * A run without its outcomes: the run streams image by image, handing each ImageReport to a sink (JSON
 * file, bounded tables) and keeping only this, so memory does not grow with the number of tags.
 */
export type RunSummary = Omit<RunReport, 'images'> & { images: ImageSummary[] }

/** Everything a run did, in one value: rendered to the job summary, the terminal, outputs and JSON. */
/** The JSON report's schema (schema/report.schema.json): bumped whenever a field changes meaning. */
export const REPORT_SCHEMA_VERSION = 1

export interface RunReport {
  /** REPORT_SCHEMA_VERSION of the tool that wrote it. */
  schemaVersion: number
  tool: { name: string; version: string }
  api: ApiKind
  dryRun: boolean
  /** Base URL only; never credentials. */
  host: string
  repositories: string[]
  startedAt: string
  durationMs: number
  /** The policy as the user wrote it (older-than as its text, each rule as one line). */
  policy: Omit<Policy, 'olderThan' | 'rules' | 'references' | 'keepOtherFollowsKeep' | 'keepPer' | 'deleteTags'> & {
    olderThan?: string
    keepPer?: KeepPer
    deleteTags?: string[]
    rules?: string[]
    references?: string[]
  }
  images: ImageReport[]
  /** freeableBytes: blobs of deleted manifests no remaining manifest of the repository uses, each once. */
  totals: { images: number; tags: Counts; manifests: Counts; freeableBytes?: number }
  /** HTTP requests by kind (e.g. `GET tags/list`, `DELETE manifest`), for performance work. */
  requests: Record<string, number>
  /** Run-wide notes and warnings in the order they arose. */
  notes: string[]
  /** One line per failure (image inventory, delete, verification). Non-empty => exit code 1. */
  failures: string[]
  /** The Nexus GC and compact step, when run-cleanup-tasks is on. */
  reclaim?: ReclaimReport
  /** Community Edition's counters around the run (api nexus). */
  usage?: UsageReport
  /** max-components: how far over the instance was and what the budget took. */
  budget?: BudgetReport
  /** shard K/N: this run planned and deleted `images` of the `of` images selected over every shard. */
  shard?: { index: number; count: number; images: number; of: number }
  /** reclaim-only: no inventory, no deletion, the reclaim step alone. */
  reclaimOnly?: boolean
  /** merge-reports: how many reports were merged into this one, and images found in more than one. */
  merged?: { reports: number; duplicates: string[] }
  /** Why the run stopped early (a signal, max-duration), when, and how many images it never reached. */
  stopped?: { reason: string; at: string; imagesNotReached: number }
  /** Requests in flight: fixed, or where concurrency auto settled. */
  concurrency?: { adaptive: boolean; settled: number; peak: number; ceiling: number; backoffs: number }
}

/** Community Edition's component limit and daily request count (Nexus 3.87+), read around the run. */
export interface UsageReport {
  componentLimit: number
  /** Read before the first delete. */
  componentsBefore?: number
  /** Read again after a real run deleted something (Nexus may update it on its own schedule). */
  componentsAfter?: number
  /** Requests under /repository/* of the last 24 hours, as Nexus counted them before the run. */
  requests24hBefore?: number
  /** This run's Docker API requests (under /repository/<repo>/ or a connector): what CE counts per day. */
  runRequests: number
  /** Why the counters could not be read. */
  unavailable?: string
}

/** One Nexus task the reclaim step ran, would run, or could not run. */
export interface TaskRunReport {
  name: string
  id?: string
  type: string
  /** The repository (GC) or blob store (compact) it works on. */
  target: string
  /** OK / FAILED / CANCELED / INTERRUPTED as Nexus says, or `would run` (dry run), `not run`. */
  result: string
  message?: string
  startedAt?: string
  durationMs?: number
}

export interface BlobStoreReport {
  name: string
  type: string
  beforeBytes?: number
  afterBytes?: number
  /** before - after, as measured (may be 0 where Nexus releases blobs later). */
  freedBytes?: number
  beforeBlobs?: number
  afterBlobs?: number
  /** When `after` was read. */
  measuredAt?: string
}

export interface ReclaimReport {
  tasks: TaskRunReport[]
  blobStores: BlobStoreReport[]
  /** Sum of freedBytes over the blob stores measured; undefined when nothing ran. */
  reclaimedBytes?: number
  notes: string[]
}
