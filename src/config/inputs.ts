// The one list of inputs. action.yml, the README tables, docs/inputs.md and the CLI flags are checked against it in tests,
// so the three cannot drift apart.

export interface InputSpec {
  name: string
  /** Default as written in action.yml ('' = empty). */
  default: string
  /** The full meaning: docs/inputs.md and CLI --help. */
  description: string
  /** One short line for action.yml (the Marketplace shows it in a table); details are in docs/inputs.md. */
  summary: string
  /** true / false (a CLI flag then works with or without a value). */
  boolean?: boolean
  /** A comma or newline separated list (a repeated CLI flag adds to it). */
  list?: boolean
  required?: boolean
  secret?: boolean
}

export const INPUTS: InputSpec[] = [
  {
    name: 'host',
    summary: 'Nexus base URL (or the registry URL with api: registry).',
    default: '',
    required: true,
    description: 'Base URL of Nexus (e.g. https://nexus.example.com), or of the registry when api is registry.'
  },
  { name: 'username', summary: 'User for basic authentication.', default: '', description: 'User for basic authentication.' },
  {
    name: 'password',
    summary: 'Password or token; masked in logs.',
    default: '',
    secret: true,
    description: 'Password or token for basic authentication; masked in logs.'
  },
  {
    name: 'api',
    summary: 'nexus or registry (plain OCI Distribution API).',
    default: 'nexus',
    description: 'nexus (Nexus REST + Docker API) or registry (plain OCI Distribution API only).'
  },
  {
    name: 'force-registry-api',
    summary: 'Allow api: registry against a Nexus (marks every tag pulled).',
    boolean: true,
    default: 'false',
    description: 'With api registry, run even against a server that says it is Nexus (reading every tag by tag marks it pulled there: use api nexus instead).'
  },
  {
    name: 'repository',
    list: true,
    summary: 'Nexus Docker repository name(s). Required with api: nexus.',
    default: '',
    description: 'Nexus Docker repository name(s), comma or newline separated. Required with api nexus.'
  },
  {
    name: 'registry-url',
    summary: "The repository's Docker v2 API, when not <host>/repository/<repository>/.",
    default: '',
    description: 'Where the Docker v2 API of the repository is served, when not <host>/repository/<repository>/ (a connector port or another host).'
  },
  {
    name: 'images',
    list: true,
    summary: 'Globs of image names to clean.',
    default: '*',
    description: 'Globs over image names to clean (anchored; * alone selects every image, inside a pattern * stays within one path segment and ** crosses /).'
  },
  { name: 'exclude-images', list: true, summary: 'Globs of image names never touched.', default: '', description: 'Globs of image names never touched.' },
  {
    name: 'tags',
    list: true,
    summary: 'Globs of tags that may be deleted.',
    default: '*',
    description: 'Globs of tags that may be deleted; a manifest is a candidate only when all its tags match.'
  },
  {
    name: 'keep-tags',
    list: true,
    summary: 'Globs of tags never deleted.',
    default: 'latest',
    description: 'Globs of tags whose manifest is never deleted (anchored: latest protects latest, not not-latest).'
  },
  {
    name: 'keep',
    summary: 'Newest versions kept per image.',
    default: '10',
    description: 'Newest manifests kept per image in the version family (at least 1).'
  },
  {
    name: 'keep-other',
    summary: 'Newest non-version tags kept per image (default: keep).',
    default: '',
    description: 'Newest manifests kept per image among manifests with no version tag. Empty = the value of keep.'
  },
  {
    name: 'older-than',
    summary: 'Delete only what is older than this (30d, 12h, P30D).',
    default: '',
    description: 'Only manifests older than this may be deleted: 30d, 12h, 2w, 90m or ISO-8601 P30D. Empty = no age condition.'
  },
  {
    name: 'age-basis',
    summary: 'pushed, created or last-pulled.',
    default: 'pushed',
    description: 'Which date is the age: pushed (Nexus lastModified), created (image config), or last-pulled (the newer of Nexus lastDownloaded and pushed).'
  },
  { name: 'sort', summary: 'semver or date.', default: 'semver', description: 'semver (version tags by version, others by date) or date.' },
  {
    name: 'keep-per',
    summary: 'Apply keep per version line: none, major or minor.',
    default: 'none',
    description:
      'none: keep applies to the whole version family. minor: the family is split into lines by major.minor (1.4.x, 1.5.x, 2.0.x) and keep applies within each; major: by major.'
  },
  {
    name: 'keep-lines',
    summary: 'With keep-per: keep slots only in the newest N lines.',
    default: '',
    description:
      'With keep-per major or minor: only the newest N version lines keep slots; manifests of older lines are candidates like any beyond keep. Empty = every line.'
  },
  {
    name: 'delete-tags',
    list: true,
    summary: 'Globs of tags to delete now, whatever keep and older-than say.',
    default: '',
    description:
      "Globs of tags to delete now, whatever keep and older-than say (after a release: 2.0.0-rc.*; when a PR closes: pr-123). Never deletes what keep-tags, keep-references or the manifest graph keeps; a manifest with another tag that does not match is kept ('also tagged main')."
  },
  {
    name: 'delete-orphans',
    boolean: true,
    summary: 'Delete signatures and SBOMs whose subject is gone (docs/policy.md).',
    default: 'false',
    description:
      'Delete a signature, SBOM or attestation whose subject answers 404 in its own image and is in no image the run lists. Off by default: a catalog or listing that hides a repository (permissions, content selectors) makes a subject there look gone. Turn on where every repository the subjects live in is listed. A referrer of a manifest this run deletes goes with it either way.'
  },
  {
    name: 'keep-references',
    summary: 'Image references in use, kept with all they reach.',
    default: '',
    description:
      'Image references in use (name:tag, name@sha256:..., name:tag@sha256:..., with or without a registry host and /repository/<repo>/), one per line or comma-separated: each is kept with everything it reaches, whatever keep and older-than say.'
  },
  {
    name: 'keep-references-file',
    summary: 'A file of image references in use (as keep-references).',
    default: '',
    description: 'A path to a file of image references in use, one per line (lines starting with # are comments); added to keep-references.'
  },
  {
    name: 'rules',
    summary: 'YAML rules per image group (docs/policy.md).',
    default: '',
    description:
      'YAML: a list of rules, each with images (globs) and any of exclude-images, keep, keep-other, keep-per, keep-lines, older-than, age-basis, sort, tags, keep-tags, delete-tags. An image takes the first rule whose images match; a field a rule leaves out comes from the input of the same name.'
  },
  {
    name: 'rules-file',
    summary: 'A YAML file of rules (as rules).',
    default: '',
    description: 'A path to a YAML file of rules, read as rules is (give one of the two).'
  },
  {
    name: 'delete-method',
    summary: 'Nexus: component (per tag) or manifest (by digest).',
    default: 'component',
    description: 'Nexus only. component: delete each tag with the components API (exact on every version); manifest: delete by digest through the registry API.'
  },
  {
    name: 'verify-before-delete',
    summary: 'Re-read each tag just before deleting it.',
    boolean: true,
    default: 'false',
    description:
      'Re-read every planned tag just before deleting it and skip its manifest when the tag moved: one more request per deleted tag. Off: on Nexus (delete-method component) a doomed tag re-pushed during the run is deleted with its new content. Deletes by digest always check that no kept or new tag points at a doomed digest.'
  },
  {
    name: 'size-estimate',
    summary: 'Freed-bytes estimate: auto, on or off.',
    default: 'auto',
    description:
      'Freed-bytes estimate. auto: on a plain registry from what the inventory reads anyway; on Nexus, in a dry run, one manifest read by digest per deleted manifest (reads by digest mark nothing pulled), in a real run none (the reclaim step measures the blob stores). on: those reads on Nexus in real runs too. off: no estimate.'
  },
  {
    name: 'dry-run',
    summary: 'Plan and report only (default). false deletes.',
    boolean: true,
    default: 'true',
    description: 'Plan and report only. Deleting needs dry-run: false.'
  },
  {
    name: 'max-deletions',
    summary: 'Delete at most this many manifests per run.',
    default: '',
    description: 'Delete at most this many manifests this run, lowest-ranked first; the rest are reported as pending. Empty = no cap.'
  },
  {
    name: 'max-components',
    summary: "Nexus: the instance's component budget (e.g. 38000 on CE).",
    default: '',
    description:
      "Nexus only. The instance's component budget (e.g. 38000 for a Community Edition kept under its 40,000 limit). When the instance's total (its usage counters) is above it, manifests beyond keep but younger than older-than are deleted too, lowest-ranked first across all images, until the total is at most the budget; keep, protections and the graph still hold. Empty = no budget."
  },
  {
    name: 'concurrency',
    summary: 'Parallel HTTP requests: auto (adaptive) or 1 to 64.',
    default: 'auto',
    description:
      'Parallel HTTP requests. auto: starts at 8 and adapts: up while each step up buys more answers per second, down at once on 429, 503, timeouts or latency growth, never above max-concurrency. A number fixes it (1 to 64).'
  },
  {
    name: 'listing',
    summary: 'Nexus: how components are listed: auto, search or components.',
    default: 'auto',
    description:
      "Nexus only. components: the repository's components listing, page after page (each page's token comes from the one before: one request at a time). search: each image on its own, in parallel, through the search API, trusted for an image only when the versions it returns are exactly the tags the registry lists for it, no id repeats, and the result window was not reached; otherwise that image is read from the components listing. The dates of every tag to be deleted are re-read from the components API just before the delete. auto: search for a dry run, and for a real run where the components listing pages by 10 (OrientDB, up to 3.70: one request to see); the components listing on the datastore (100 a page, cheaper than re-reading every deleted tag) and with delete-orphans or max-components, which need the whole repository listed (docs/performance.md)."
  },
  {
    name: 'max-concurrency',
    summary: 'The ceiling of concurrency auto (1 to 64).',
    default: '32',
    description: 'The most parallel HTTP requests concurrency auto may reach (1 to 64).'
  },
  {
    name: 'request-timeout',
    summary: 'Idle timeout of each HTTP request; its whole answer gets 3 times this.',
    default: '30s',
    description: 'Idle timeout of each HTTP request (e.g. 30s, 2m); the whole answer of a request must arrive within 3 times this.'
  },
  {
    name: 'max-duration',
    summary: 'Stop the run after this long, with its record (e.g. 50m).',
    default: '',
    description:
      "Stop the run after this long (e.g. 50m, below the job's timeout-minutes), as a cancel does: no new deletion starts, the ones in flight are confirmed, and the summary, outputs and report are written (stopped: max-duration) before the runner's own timeout kills the job. Empty: no limit."
  },
  {
    name: 'ca-cert',
    summary: 'CA certificate(s) to trust: a PEM path or PEM text.',
    default: '',
    description: 'CA certificate(s) to trust for HTTPS, for a private CA: a PEM file path or the PEM text itself.'
  },
  {
    name: 'insecure-skip-tls-verify',
    summary: 'Do not verify TLS certificates.',
    boolean: true,
    default: 'false',
    description: 'Do not verify TLS certificates (warns loudly). Prefer ca-cert.'
  },
  {
    name: 'token-realm-hosts',
    list: true,
    summary: 'Token servers on another host that may receive the credentials.',
    default: '',
    description:
      "Hosts (host or host:port) of a registry's Bearer token realm on another origin than host / registry-url that may receive the credentials, over HTTPS only. Empty: the credentials go to no other origin, and a realm elsewhere stops the run naming its host."
  },
  {
    name: 'retries',
    summary: 'Retries of a failed request (0 to 10).',
    default: '3',
    description: 'Retries of a failed request (5xx, 429, connection errors), 0 to 10.'
  },
  {
    name: 'report-file',
    summary: 'Write the full JSON report to this path.',
    default: '',
    description: 'Also write the full plan and result as JSON to this path (its directory must exist and be writable; checked before anything is deleted).'
  },
  {
    name: 'shard',
    summary: 'K/N: take only shard K of N of the images (a CI matrix).',
    default: '',
    description:
      'K/N (1 <= K <= N): plan and delete only the images whose stable hash of repository/name falls in shard K of N (FNV-1a 32-bit of the UTF-8 text, mod N, plus 1). The listing stays complete, so cross-image facts are decided on the whole repository. max-deletions applies per shard. Empty = every image.'
  },
  {
    name: 'reclaim-only',
    boolean: true,
    summary: 'Nexus: only the reclaim step, for the job after all shards.',
    default: 'false',
    description:
      'Nexus only. No inventory and no deletion: run the reclaim step (GC, blob cleanup, compact, as run-cleanup-tasks) once, for the final job after the shards. The post-GC re-read of kept tags needs the inventory, so it is not done.'
  },
  {
    name: 'merge-reports',
    list: true,
    summary: "Globs of shards' JSON reports to merge into one summary.",
    default: '',
    description:
      "Globs of JSON reports (each shard's report-file): this job's summary, outputs and report-file are those of the whole run (counts add up; an image in two reports is counted once and noted). With reclaim-only, the reclaim step joins them."
  },
  {
    name: 'run-cleanup-tasks',
    summary: 'Nexus: run GC, blob cleanup and compact after deleting.',
    boolean: true,
    default: 'false',
    description:
      'Nexus only. After a real run that deleted something, run the Docker GC task for each repository, on a datastore Nexus its docker blob cleanup, then compact the blob store(s) they use; wait, and report the bytes.'
  },
  {
    name: 'gc-task',
    summary: 'Id or name of the Docker GC task (default: found by type).',
    default: '',
    description: 'Id or exact name of the "Docker - Delete unused manifests and images" task. Empty = find it by type (repository.docker.gc).'
  },
  {
    name: 'compact-task',
    summary: 'Id or name of the compact task (default: found by type).',
    default: '',
    description: 'Id or exact name of the "Admin - Compact blob store" task. Empty = find it by type (blobstore.compact).'
  },
  {
    name: 'create-missing-tasks',
    summary: 'Create a missing GC or compact task (Nexus 3.74+).',
    boolean: true,
    default: 'false',
    description: 'Create a missing GC or compact task (manual schedule) through the REST API (Nexus 3.74+); otherwise fail with the steps to create it.'
  },
  { name: 'task-timeout', summary: 'How long to wait for each task.', default: '30m', description: 'How long to wait for each task.' },
  {
    name: 'gc-deploy-offset',
    summary: 'deployOffset of a GC task this action creates.',
    default: '24h',
    description: "deployOffset of a GC task this action creates: content pushed within it is kept by GC (whole hours, e.g. 24h, 0h). Nexus's default is 24h."
  }
]

export const OUTPUTS: { name: string; description: string }[] = [
  { name: 'deleted-count', description: 'Tags deleted this run.' },
  { name: 'would-delete-count', description: 'Tags a dry run would delete.' },
  { name: 'kept-count', description: 'Tags kept.' },
  { name: 'failed-count', description: 'Tags whose deletion failed (an image whose inventory failed is listed in the report and fails the run).' },
  { name: 'pending-count', description: 'Tags left for a later run by max-deletions.' },
  { name: 'skipped-count', description: 'Tags skipped because they changed since the plan was made.' },
  { name: 'manifests-deleted-count', description: 'Manifests (digests) deleted this run.' },
  {
    name: 'stopped',
    description: 'Why the run stopped early (SIGINT, SIGTERM, SIGHUP, max-duration), empty when it ran to its end; the report then has stopped.'
  },
  {
    name: 'deleted',
    description:
      'JSON array of image:tag deleted this run; past 200,000 characters only the first ones (GitHub caps outputs at 1 MB; the summary says so, report-file has all).'
  },
  { name: 'would-delete', description: 'JSON array of image:tag a dry run would delete; cut like deleted.' },
  { name: 'freeable-bytes', description: 'Upper-bound estimate of bytes the deletions may free (empty when unknown).' },
  { name: 'report-file', description: 'Path of the JSON report, when report-file was set.' },
  { name: 'reclaimed-bytes', description: 'Blob store bytes freed by the cleanup tasks, as measured before and after (empty when they did not run).' },
  { name: 'tasks', description: 'JSON array of the cleanup tasks run (name, type, target, result, duration).' }
]

/**
 * The inputs by purpose, for --help (and the README table): every input in exactly one group, in the
 * order of INPUTS within it (a test holds both).
 */
export const INPUT_GROUPS: { title: string; inputs: string[] }[] = [
  {
    title: 'Connection',
    inputs: [
      'host',
      'username',
      'password',
      'api',
      'force-registry-api',
      'repository',
      'registry-url',
      'request-timeout',
      'ca-cert',
      'insecure-skip-tls-verify',
      'token-realm-hosts',
      'retries'
    ]
  },
  {
    title: 'What to keep',
    inputs: [
      'images',
      'exclude-images',
      'tags',
      'keep-tags',
      'keep',
      'keep-other',
      'older-than',
      'age-basis',
      'sort',
      'keep-per',
      'keep-lines',
      'keep-references',
      'keep-references-file',
      'rules',
      'rules-file'
    ]
  },
  { title: 'What to delete', inputs: ['delete-tags', 'delete-orphans', 'delete-method', 'dry-run', 'max-deletions', 'max-components'] },
  { title: 'Safety', inputs: ['verify-before-delete', 'max-duration'] },
  { title: 'Reclaim space (Nexus)', inputs: ['run-cleanup-tasks', 'gc-task', 'compact-task', 'create-missing-tasks', 'task-timeout', 'gc-deploy-offset'] },
  { title: 'Output', inputs: ['size-estimate', 'report-file'] },
  { title: 'Performance and sharding', inputs: ['concurrency', 'listing', 'max-concurrency', 'shard', 'reclaim-only', 'merge-reports'] }
]
