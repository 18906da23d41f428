// Seeding the benchmark's data set (scripts/bench-bound.ts): into a registry through the v2 API (the way
// docker pushes: blobs, then the manifest), and into the Nexus emulator as a scenario.
//
// Registry pushes are made cheap without cheating: the two layers of an image are uploaded once and shared
// by all its tags; each tag gets its own config blob (its own `created`) and therefore its own manifest.
// Per tag that is 3 requests (config POST + PUT, manifest PUT), run through a bounded pool.

import { createHash } from 'node:crypto'
import type { Scenario } from '../test/nexus-emulator/scenario'
import { pushBlob, PushTarget, putManifest } from '../test/support/push'
import { benchImages, benchTags, benchVersionTags, BenchTag } from './bench-bound'

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip'

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')

/** Runs `fn` over `items` with at most `size` in flight; the first error rejects (after in-flight ones end). */
export async function pool<T>(items: readonly T[], size: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed: unknown
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const i = next++
      try {
        await fn(items[i], i)
      } catch (e) {
        failed ??= e
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker))
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(JSON.stringify(failed))
}

/** A config blob whose digest is new: upload without the HEAD that would always answer 404. */
async function uploadNewBlob(t: PushTarget, name: string, content: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha(content)
  const start = await fetch(`${t.base}/v2/${name}/blobs/uploads/`, { method: 'POST' })
  await start.arrayBuffer()
  if (start.status !== 202) throw new Error(`blob upload start ${name}: ${start.status}`)
  const loc = new URL(start.headers.get('location') as string, t.base)
  loc.searchParams.set('digest', digest)
  const put = await fetch(loc, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: content })
  await put.arrayBuffer()
  if (put.status !== 201) throw new Error(`blob upload ${name}: ${put.status}`)
  return { digest, size: content.length }
}

export interface RegistrySeed {
  images: { name: string; tags: BenchTag[] }[]
  tags: number
  requests: number
  ms: number
}

/**
 * Pushes `images` x `tags` through the registry API with `parallel` pushes in flight.
 * `progress` is called now and then with (pushed tags, total tags).
 */
export async function seedRegistry(
  t: PushTarget,
  imageCount: number,
  tagCount: number,
  opts: { parallel?: number; progress?: (done: number, total: number) => void; versionsOnly?: boolean } = {}
): Promise<RegistrySeed> {
  const t0 = Date.now()
  const parallel = opts.parallel ?? 16
  // versionsOnly: every tag a version (peers that know no families then keep the same tags as we do)
  const images = benchImages(imageCount).map((name, i) => ({ name, tags: opts.versionsOnly ? benchVersionTags(tagCount, i) : benchTags(tagCount, i) }))
  let requests = 0
  const layers = new Map<string, { digest: string; size: number }[]>()
  await pool(images, parallel, async img => {
    const ls = []
    for (const content of [`base layer of ${img.name}`, `app layer of ${img.name}`]) ls.push(await pushBlob(t, img.name, Buffer.from(content)))
    requests += 6
    layers.set(img.name, ls)
  })
  const jobs = images.flatMap(img => img.tags.map(tag => ({ name: img.name, tag })))
  let done = 0
  let lastReport = Date.now()
  await pool(jobs, parallel, async ({ name, tag }) => {
    const config = Buffer.from(
      JSON.stringify({
        created: tag.created,
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
        config: { Labels: { image: name, tag: tag.tag } }
      })
    )
    const cfg = await uploadNewBlob(t, name, config)
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, ...cfg },
        layers: (layers.get(name) ?? []).map(l => ({ mediaType: DOCKER_LAYER, ...l }))
      })
    )
    await putManifest(t, name, tag.tag, manifest, DOCKER_MANIFEST)
    requests += 3
    done++
    if (opts.progress && Date.now() - lastReport > 5000) {
      lastReport = Date.now()
      opts.progress(done, jobs.length)
    }
  })
  return { images, tags: jobs.length, requests, ms: Date.now() - t0 }
}

export const NEXUS_REPOSITORY = 'docker-hosted'

/** The same data set as a Nexus emulator scenario: push date = config created, 2 small layers (one shared). */
export function benchScenario(
  imageCount: number,
  tagCount: number,
  opts: { versionsOnly?: boolean } = {}
): { scenario: Scenario; images: { name: string; tags: BenchTag[] }[] } {
  const images = benchImages(imageCount).map((name, i) => ({ name, tags: opts.versionsOnly ? benchVersionTags(tagCount, i) : benchTags(tagCount, i) }))
  return {
    images,
    scenario: {
      repositories: [
        {
          name: NEXUS_REPOSITORY,
          images: images.map(img => ({
            name: img.name,
            tags: img.tags.map(t => ({ tag: t.tag, created: t.created, pushed: t.created, lastDownloaded: null, layers: 2, layerSize: 64 }))
          }))
        }
      ]
    }
  }
}
