// Shared inventory steps: group tags by digest, read the manifest graph (indexes to any depth, and the
// subjects of referrers), then what decisions need from each digest once (config `created` where
// src/policy/dates.ts says, blob sizes for the estimate).

import { compareStrings } from '../util/compare'
import { BlobRef, ImageInventory, ManifestRecord, Policy } from '../model'
import { createdNeeded } from '../policy/dates'
import { policyFor } from '../policy/select'
import { referrerTagsOf } from '../policy/referrers'
import { isIndexType } from './media'
import type { ManifestBody, ManifestHead } from './client'
import type { Descriptor } from './media'
import { mapLimit } from '../util/concurrency'
import { isDigest } from '../util/digest'
import { escapeName } from '../util/names'

export interface ManifestReader {
  manifest(name: string, ref: string): Promise<ManifestBody | undefined>
  /** OCI 1.1 referrers of a digest; undefined where the server has no referrers API. */
  referrers?(name: string, digest: string): Promise<Descriptor[] | undefined>
  /** Digest and media type only (HEAD where the server allows); undefined when unknown. */
  resolve(name: string, ref: string): Promise<ManifestHead | undefined>
  configCreated(name: string, digest: string): Promise<Date | undefined>
}

export interface TaggedDigest {
  tag: string
  digest: string
  mediaType: string
  /** OCI 1.1 `subject` of the manifest, when its body was read. */
  subject?: string
}

/** Indexes nested deeper than this are refused (the image fails closed): no real build nests so deep. */
export const MAX_INDEX_DEPTH = 32

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
    referrers: reader.referrers ? (name, digest) => reader.referrers!(name, digest) : undefined,
    resolve: async (name, ref) => {
      const body = ref.includes(':') ? await bodies.get(ref) : undefined
      return body ? { digest: body.digest, mediaType: body.mediaType } : reader.resolve(name, ref)
    },
    configCreated: (name, digest) => once(configs, digest, () => reader.configCreated(name, digest))
  }
}

/** One record per digest with every tag on it (sorted); dates and details are filled in later. */
export function groupByDigest(tagged: TaggedDigest[]): ManifestRecord[] {
  const byDigest = new Map<string, ManifestRecord>()
  for (const t of tagged) {
    const rec: ManifestRecord = byDigest.get(t.digest) ?? { digest: t.digest, mediaType: t.mediaType, tags: [], children: [] }
    if (t.subject) rec.subject = t.subject
    rec.tags.push(t.tag)
    byDigest.set(t.digest, rec)
  }
  const out = [...byDigest.values()]
  for (const r of out) r.tags.sort()
  return out.sort((a, b) => compareStrings(a.digest, b.digest))
}

/**
 * Reads the image's manifest graph by digest (never by tag: on Nexus a read by tag marks it pulled):
 * every manifest that is or may be an index, to any depth, so `children` is known everywhere and every
 * untagged descendant is in `inv.untagged`; then each subject a referrer names that is not in the graph,
 * by digest: present ones join `inv.untagged`, absent ones are `inv.missingSubjects`. Throws on a failed
 * or missing read, so the caller fails the whole image closed.
 */
export async function readGraph(reader: ManifestReader, inv: ImageInventory, parallel: number): Promise<void> {
  const nodes = new Map<string, ManifestRecord>(inv.manifests.map(m => [m.digest, m]))
  const untagged = await readIndexTree(reader, inv.name, inv.manifests, nodes, parallel)

  // Referrers pushed without a tag (OCI 1.1), where the server offers the referrers API: asked once per
  // manifest of the graph, and of each referrer found, so a tagged signature of an untagged SBOM follows
  // the image the SBOM describes. The first "no such API" answer stops the asking.
  const ask = reader.referrers?.bind(reader)
  const first = [...nodes.keys()].sort()
  // The first answer says whether there is an API at all; the rest go in parallel.
  const probe = ask && first.length > 0 ? await ask(inv.name, first[0] as string) : undefined
  if (ask && probe) {
    let level = first
    for (let depth = 1; level.length > 0 && depth <= MAX_INDEX_DEPTH; depth++) {
      const found: ManifestRecord[] = []
      const lists = await mapLimit(level, parallel, d => (depth === 1 && d === first[0] ? Promise.resolve(probe) : ask(inv.name, d)))
      for (const [i, subject] of level.entries()) {
        for (const d of lists[i] ?? []) {
          if (nodes.has(d.digest)) continue
          const rec: ManifestRecord = {
            digest: d.digest,
            mediaType: d.mediaType ?? '',
            tags: [],
            children: [],
            subject,
            ...(d.artifactType ? { artifactType: d.artifactType } : {})
          }
          nodes.set(d.digest, rec)
          untagged.push(rec)
          found.push(rec)
        }
      }
      level = found.map(r => r.digest)
    }
  }

  // Subjects a referrer's fate depends on: of manifests whose every tag is a referrer tag, or that name
  // an OCI subject. One not in the graph is read by digest before anyone calls the referrer an orphan.
  const subjects = new Set<string>()
  for (const m of inv.manifests) {
    for (const r of referrerTagsOf(m.tags) ?? []) subjects.add(r.subject)
    if (m.subject) subjects.add(m.subject)
  }
  const unknown = [...subjects].filter(d => !nodes.has(d)).sort()
  const heads = await mapLimit(unknown, parallel, d => reader.resolve(inv.name, d))
  const missing: string[] = []
  unknown.forEach((digest, i) => {
    const head = heads[i]
    // Only a 404 proves the subject gone; any answer with a body is a subject that exists.
    if (head) untagged.push({ digest, mediaType: head.mediaType, tags: [], children: [] })
    else missing.push(digest)
  })
  inv.untagged = untagged.sort((a, b) => compareStrings(a.digest, b.digest))
  inv.missingSubjects = missing
}

/**
 * Reads, by digest, each of `roots` that is or may be an index, and every index below, to any depth: sets
 * each one's media type, size, subject and children, and returns the manifests met that `nodes` did not
 * hold (added to it). Only an index, or a child whose descriptor names no media type, is read. Throws on a
 * failed or missing read, and on nesting deeper than MAX_INDEX_DEPTH.
 */
export async function readIndexTree(
  reader: ManifestReader,
  name: string,
  roots: ManifestRecord[],
  nodes: Map<string, ManifestRecord>,
  parallel: number
): Promise<ManifestRecord[]> {
  const found: ManifestRecord[] = []
  let level = roots.filter(m => !m.mediaType || isIndexType(m.mediaType))
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > MAX_INDEX_DEPTH) throw new Error(`indexes nested deeper than ${MAX_INDEX_DEPTH} levels`)
    const bodies = await mapLimit(level, parallel, rec => mustRead(reader, name, rec.digest))
    const next: ManifestRecord[] = []
    level.forEach((rec, i) => {
      const body = bodies[i] as ManifestBody // one per record read
      rec.mediaType = body.mediaType
      rec.manifestSize = body.size
      if (body.manifest.subject) rec.subject = checkedSubject(rec.digest, body.manifest.subject)
      if (!isIndexType(body.mediaType)) return
      rec.children = [...new Set(body.manifest.manifests.map(c => c.digest))]
      for (const c of body.manifest.manifests) {
        if (typeof c.digest !== 'string' || !isDigest(c.digest)) throw new Error(`index ${rec.digest} has a child without a well-formed digest`)
        if (nodes.has(c.digest)) continue
        const child: ManifestRecord = { digest: c.digest, mediaType: c.mediaType ?? '', tags: [], children: [] }
        nodes.set(c.digest, child)
        found.push(child)
        // A descriptor says what the child is; only an index (or an unknown) has to be read.
        if (!c.mediaType || isIndexType(c.mediaType)) next.push(child)
      }
    })
    level = next
  }
  return found
}

/** A subject is a digest; a manifest naming anything else fails its image (nothing is read by it). */
export function checkedSubject(digest: string, subject: unknown): string {
  if (typeof subject !== 'string' || !isDigest(subject)) throw new Error(`manifest ${digest} names a subject off the digest grammar: ${escapeName(subject)}`)
  return subject
}

async function mustRead(reader: ManifestReader, name: string, digest: string): Promise<ManifestBody> {
  const body = await reader.manifest(name, digest)
  if (!body) throw new Error(`manifest ${digest} of ${name} disappeared while reading`)
  return body
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
 * media type, size and children, then blobs and `created` as `opts` asks; an index's descendants (to any
 * depth) are read only when its `created` or (with `read`) its blobs are wanted: an index's blobs are its
 * image manifests', its `created` their newest. Never clears what an earlier call filled. Throws on a
 * failed read, so the caller can fail the whole image closed. Pass a cachingReader so calls over the
 * same image read nothing twice.
 */
export async function readManifestDetails(
  reader: ManifestReader,
  name: string,
  records: ManifestRecord[],
  parallel: number,
  opts: DescribeOptions = {}
): Promise<void> {
  const wanted = opts.created ?? new Set<string>()
  const blobs = opts.blobs ?? 'none'
  const imageBlobs = (m: ManifestBody['manifest']): BlobRef[] => [
    ...m.layers.map(l => ({ digest: l.digest, size: l.size })),
    ...(m.config ? [{ digest: m.config.digest, size: m.config.size }] : [])
  ]
  const createdOf = async (m: ManifestBody['manifest']): Promise<Date | undefined> => (m.config ? reader.configCreated(name, m.config.digest) : undefined)
  /** The image manifests below an index, each once. */
  const leaves = async (body: ManifestBody, depth: number, seen: Set<string>): Promise<ManifestBody[]> => {
    if (depth > MAX_INDEX_DEPTH) throw new Error(`indexes nested deeper than ${MAX_INDEX_DEPTH} levels`)
    const kids = body.manifest.manifests.map(c => c.digest).filter(d => !seen.has(d) && seen.add(d))
    const bodies = await Promise.all(kids.map(d => mustRead(reader, name, d)))
    const out = await Promise.all(bodies.map(k => (isIndexType(k.mediaType) ? leaves(k, depth + 1, seen) : Promise.resolve([k]))))
    return out.flat()
  }

  await mapLimit(records, parallel, async rec => {
    const body = await mustRead(reader, name, rec.digest)
    rec.mediaType = body.mediaType
    rec.manifestSize = body.size
    if (body.manifest.subject) rec.subject = checkedSubject(rec.digest, body.manifest.subject)
    const withCreated = wanted.has(rec.digest)
    if (isIndexType(body.mediaType)) {
      rec.children = [...new Set(body.manifest.manifests.map(c => c.digest))]
      if (!withCreated && blobs !== 'read') return
      const kids = await leaves(body, 1, new Set([rec.digest]))
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
export async function readNeededDates(
  reader: ManifestReader,
  inv: ImageInventory,
  policy: Policy,
  parallel: number,
  blobs: DescribeOptions['blobs'] = 'none'
): Promise<void> {
  // the policy of the rule that decides this image (rules may set older-than, age-basis, sort)
  const created = createdNeeded(inv.manifests, policyFor(policy, inv.name).policy, inv.untagged)
  const dated = inv.manifests.filter(m => created.has(m.digest))
  if (dated.length > 0) await readManifestDetails(reader, inv.name, dated, parallel, { created, blobs })
}

function dedupe(blobs: BlobRef[]): BlobRef[] {
  const seen = new Map<string, BlobRef>()
  for (const b of blobs) seen.set(b.digest, b)
  return [...seen.values()]
}
