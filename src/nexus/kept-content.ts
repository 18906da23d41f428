// What must still be there after Nexus's Docker GC: every manifest a run kept (or did not get to delete),
// with the untagged children it reaches, by digest. Sonatype documents that the GC task may delete OCI
// manifests unexpectedly (API.md 14.4), so after it runs every one is read again, by digest (which marks
// nothing pulled). Collected only when the run will run the cleanup tasks.

import { shortDigest } from '../util/digest'
import { Http } from '../http/http'
import { mapLimit } from '../util/concurrency'
import type { ImageInventory, ManifestRecord, Outcome } from '../model'
import { RegistryClient } from '../registry/client'

interface Entry {
  repository: string
  image: string
  /** Digest -> the tag (or `child of <tag>`) a problem names. */
  digests: Map<string, string>
}

export class KeptContent {
  private readonly entries: Entry[] = []
  /** Repositories whose manifests include OCI ones. */
  readonly ociRepositories = new Set<string>()

  /** @param digests false in a dry run: only which repositories hold OCI manifests is kept. */
  constructor(private readonly digests = true) {}

  add(inv: ImageInventory, outcomes: Outcome[]): void {
    const records = new Map<string, ManifestRecord>([...inv.manifests, ...(inv.untagged ?? [])].map(m => [m.digest, m]))
    for (const m of records.values()) if (m.mediaType.startsWith('application/vnd.oci.')) this.ociRepositories.add(inv.repository)
    if (!this.digests) return
    const digests = new Map<string, string>()
    const queue: [string, string][] = outcomes.filter(o => o.status !== 'deleted').map(o => [o.decision.digest, `${inv.name}:${o.decision.tags[0]}`])
    while (queue.length > 0) {
      const [digest, name] = queue.shift() as [string, string]
      if (digests.has(digest)) continue
      digests.set(digest, name)
      for (const c of records.get(digest)?.children ?? []) queue.push([c, `${name} (child ${shortDigest(c)})`])
    }
    if (digests.size > 0) this.entries.push({ repository: inv.repository, image: inv.name, digests })
  }

  /** One line per kept manifest that no longer resolves. */
  async verify(http: Http, registryBase: (repository: string) => string, parallel: number): Promise<string[]> {
    const clients = new Map<string, RegistryClient>()
    const problems: string[] = []
    for (const e of this.entries) {
      let client = clients.get(e.repository)
      if (!client) {
        client = new RegistryClient(http, registryBase(e.repository))
        clients.set(e.repository, client)
      }
      const c = client
      await mapLimit([...e.digests], parallel, async ([digest, name]) => {
        if (!(await c.resolve(e.image, digest))) problems.push(`${name}: ${digest} is gone`)
      })
    }
    return problems.sort()
  }
}
