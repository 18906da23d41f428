// Shared inventory steps: group tags by digest, then read what decisions need from each digest once
// (children of an index, config `created`, blob sizes for the freed-bytes estimate).

import { BlobRef, ManifestRecord } from './model'
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
 * A reader that answers reads by digest from manifests already fetched (by tag, during the listing),
 * so each manifest body crosses the network once.
 */
export function cachingReader(reader: ManifestReader): ManifestReader & { remember(body: ManifestBody): void } {
  const bodies = new Map<string, ManifestBody>()
  return {
    remember: body => void bodies.set(body.digest, body),
    manifest: async (name, ref) => bodies.get(ref) ?? reader.manifest(name, ref),
    configCreated: (name, digest) => reader.configCreated(name, digest)
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

/**
 * Reads each manifest by digest (never by tag: on Nexus a read by tag marks it pulled) and fills in
 * children, blobs and, when `withCreated`, `created` from the config (an index's is its newest child's).
 * Throws on a failed read, so the caller can fail the whole image closed.
 */
export async function describeManifests(
  reader: ManifestReader,
  name: string,
  records: ManifestRecord[],
  parallel: number,
  withCreated = true
): Promise<void> {
  const configs = new Map<string, Promise<Date | undefined>>()
  const created = (digest: string): Promise<Date | undefined> => {
    let p = configs.get(digest)
    if (!p) {
      p = reader.configCreated(name, digest)
      configs.set(digest, p)
    }
    return p
  }
  const readImage = async (digest: string): Promise<{ created?: Date; blobs: BlobRef[]; size: number }> => {
    const body = await reader.manifest(name, digest)
    if (!body) throw new Error(`manifest ${digest} of ${name} disappeared while reading`)
    const m = body.manifest
    const blobs: BlobRef[] = m.layers.map(l => ({ digest: l.digest, size: l.size }))
    if (m.config) blobs.push({ digest: m.config.digest, size: m.config.size })
    return { created: m.config && withCreated ? await created(m.config.digest) : undefined, blobs, size: body.size }
  }

  await mapLimit(records, parallel, async rec => {
    const body = await reader.manifest(name, rec.digest)
    if (!body) throw new Error(`manifest ${rec.digest} of ${name} disappeared while reading`)
    rec.mediaType = body.mediaType
    rec.manifestSize = body.size
    if (isIndexType(body.mediaType)) {
      rec.children = body.manifest.manifests.map(c => c.digest)
      const kids = await Promise.all(rec.children.map(readImage))
      rec.blobs = dedupe(kids.flatMap(k => k.blobs))
      const dates = kids.map(k => k.created).filter((d): d is Date => d !== undefined)
      if (withCreated) rec.created = dates.length ? new Date(Math.max(...dates.map(d => d.getTime()))) : undefined
    } else {
      const m = body.manifest
      rec.blobs = m.layers.map(l => ({ digest: l.digest, size: l.size }))
      if (m.config) rec.blobs.push({ digest: m.config.digest, size: m.config.size })
      if (withCreated) rec.created = m.config ? await created(m.config.digest) : undefined
    }
  })
}

function dedupe(blobs: BlobRef[]): BlobRef[] {
  const seen = new Map<string, BlobRef>()
  for (const b of blobs) seen.set(b.digest, b)
  return [...seen.values()]
}
