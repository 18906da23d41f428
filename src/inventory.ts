// Shared inventory steps: group tags by digest, then read what decisions need from each digest once
// (children of an index, config `created` where src/policy/dates.ts says, blob sizes for the estimate).

import { BlobRef, ManifestRecord, Policy } from './model'
import { createdNeeded } from './policy/dates'
import { isIndexType } from './registry/media'
import type { ManifestBody } from './registry/client'
import { mapLimit } from './limit'

export interface ManifestReader {
  manifest(name: string, ref: string): Promise<ManifestBody | undefined>
  configCreated(name: string, digest: string): Promise<Date | undefined>
}

export interface TaggedDigest {
  tag: string
  digest: string
  mediaType: string
}

/**
 * A reader that reads each manifest (by digest) and each config at most once: manifests already fetched
 * by tag during the listing are remembered by digest, so a body crosses the network once.
 */
export function cachingReader(reader: ManifestReader): ManifestReader & { remember(body: ManifestBody): void } {
  const bodies = new Map<string, Promise<ManifestBody | undefined>>()
  const configs = new Map<string, Promise<Date | undefined>>()
  const once = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    let p = cache.get(key)
    if (!p) {
      p = read()
      cache.set(key, p)
    }
    return p
  }
  return {
    remember: body => void bodies.set(body.digest, Promise.resolve(body)),
    // A digest has a colon, a tag cannot: only reads by digest are cached (a tag may move).
    manifest: (name, ref) => (ref.includes(':') ? once(bodies, ref, () => reader.manifest(name, ref)) : reader.manifest(name, ref)),
    configCreated: (name, digest) => once(configs, digest, () => reader.configCreated(name, digest))
  }
}

/** One record per digest with every tag on it (sorted); dates and details are filled in later. */
export function groupByDigest(tagged: TaggedDigest[]): ManifestRecord[] {
  const byDigest = new Map<string, ManifestRecord>()
  for (const t of tagged) {
    const rec = byDigest.get(t.digest) ?? { digest: t.digest, mediaType: t.mediaType, tags: [], children: [] }
    rec.tags.push(t.tag)
    byDigest.set(t.digest, rec)
  }
  const out = [...byDigest.values()]
  for (const r of out) r.tags.sort()
  return out.sort((a, b) => a.digest.localeCompare(b.digest))
}

export interface DescribeOptions {
  /** Digests whose config `created` is needed (src/policy/dates.ts); an index's is its newest child's. */
  created?: ReadonlySet<string>
  /**
   * Blobs for the freed-bytes estimate: none; `free`: from the bodies read anyway; `read`: also read an
   * index's children for theirs.
   */
  blobs?: 'none' | 'free' | 'read'
}

/**
 * Reads each manifest by digest (never by tag: on Nexus a read by tag marks it pulled) and fills in its
 * media type, size and children, then blobs and `created` as `opts` asks; an index's children are read
 * only when its `created` or (with `read`) its blobs are wanted. Never clears what an earlier call filled.
 * Throws on a failed read, so the caller can fail the whole image closed. Pass a cachingReader so calls
 * over the same image read nothing twice.
 */
export async function describeManifests(
  reader: ManifestReader,
  name: string,
  records: ManifestRecord[],
  parallel: number,
  opts: DescribeOptions = {}
): Promise<void> {
  const wanted = opts.created ?? new Set<string>()
  const blobs = opts.blobs ?? 'none'
  const read = async (digest: string): Promise<ManifestBody> => {
    const body = await reader.manifest(name, digest)
    if (!body) throw new Error(`manifest ${digest} of ${name} disappeared while reading`)
    return body
  }
  const imageBlobs = (m: ManifestBody['manifest']): BlobRef[] => [
    ...m.layers.map(l => ({ digest: l.digest, size: l.size })),
    ...(m.config ? [{ digest: m.config.digest, size: m.config.size }] : [])
  ]
  const createdOf = async (m: ManifestBody['manifest']): Promise<Date | undefined> =>
    m.config ? reader.configCreated(name, m.config.digest) : undefined

  await mapLimit(records, parallel, async rec => {
    const body = await read(rec.digest)
    rec.mediaType = body.mediaType
    rec.manifestSize = body.size
    const withCreated = wanted.has(rec.digest)
    if (isIndexType(body.mediaType)) {
      rec.children = body.manifest.manifests.map(c => c.digest)
      if (!withCreated && blobs !== 'read') return
      const kids = await Promise.all(rec.children.map(read))
      if (blobs !== 'none') rec.blobs = dedupe(kids.flatMap(k => imageBlobs(k.manifest)))
      if (withCreated) {
        const dates = (await Promise.all(kids.map(k => createdOf(k.manifest)))).filter((d): d is Date => d !== undefined)
        rec.created = dates.length ? new Date(Math.max(...dates.map(d => d.getTime()))) : undefined
      }
    } else {
      if (blobs !== 'none') rec.blobs = imageBlobs(body.manifest)
      if (withCreated) rec.created = await createdOf(body.manifest)
    }
  })
}
/**
 * Reads config `created` (and an index's children's) only for the manifests whose date the plan needs
 * (src/policy/dates.ts); the reader's cache keeps anything read before from being read again.
 */
export async function describeNeededDates(
  reader: ManifestReader,
  name: string,
  manifests: ManifestRecord[],
  policy: Policy,
  parallel: number,
  blobs: DescribeOptions['blobs'] = 'none'
): Promise<void> {
  const created = createdNeeded(manifests, policy)
  const dated = manifests.filter(m => created.has(m.digest))
  if (dated.length > 0) await describeManifests(reader, name, dated, parallel, { created, blobs })
}

function dedupe(blobs: BlobRef[]): BlobRef[] {
  const seen = new Map<string, BlobRef>()
  for (const b of blobs) seen.set(b.digest, b)
  return [...seen.values()]
}
