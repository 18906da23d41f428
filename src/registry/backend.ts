// Backend for a plain OCI Distribution registry: inventory from the v2 API, delete by digest
// (which removes every tag on that digest, exactly our unit of decision).

import { Backend, ImageRef, StillThere } from '../backend'
import type { SizeEstimate } from '../model'
import { cachingReader, checkedSubject, readManifestDetails, readNeededDates, groupByDigest, readGraph, readIndexTree, TaggedDigest } from './graph'
import { mapLimit } from '../util/concurrency'
import { Decision, ImageInventory, Policy } from '../model'
import { RegistryClient } from './client'
import { isIndexType } from './media'
import { shortDigest } from '../util/digest'
import { isLiteral, literalImages } from '../util/glob'
import { isRepositoryName, partition, refusedNote, requireTagGrammar } from '../util/names'
import { sleep } from '../util/sleep'

export interface RegistryBackendOptions {
  parallel: number
  /** Decides which config dates are read (src/policy/dates.ts). */
  policy: Policy
  /** Also re-read each planned tag before deleting, and skip a manifest whose tag moved. */
  verifyBeforeDelete: boolean
  /** `off`: attach no blobs, so the estimate is unknown; otherwise every read manifest gives its blobs. */
  sizeEstimate: SizeEstimate
  /** Run even against a server that says it is Nexus. */
  forceOnNexus?: boolean
}

export class RegistryBackend implements Backend {
  readonly notes: string[] = []
  private readonly repository: string

  constructor(
    private readonly client: RegistryClient,
    private readonly opts: RegistryBackendOptions
  ) {
    this.repository = new URL(client.base).host
  }

  async preflight(): Promise<void> {
    const server = await this.client.ping()
    // Reading a tag's manifest through Nexus's registry API marks the tag pulled: this mode reads every
    // tag, so the next age-basis last-pulled run would keep everything. Refuse before reading any.
    if (/^Nexus\b/i.test(server) && !this.opts.forceOnNexus) {
      throw new Error(
        `api: registry, but ${this.client.base} is Nexus (Server: ${server}): reading every tag through its registry API marks every tag pulled. Use api: nexus with host and repository (or force-registry-api: true)`
      )
    }
  }

  /**
   * The catalog, and each image named literally in `images` that it leaves out, read directly: a catalog
   * is a claim (filtered by permission, cut short, or switched off) and an image it omits still exists.
   * Without a catalog, the literal names alone, when `images` names nothing else.
   */
  async listImages(): Promise<ImageRef[]> {
    const literal = literalImages(this.opts.policy.images)
    let names: string[]
    try {
      names = await this.client.catalog()
    } catch (e) {
      const images = this.opts.policy.images
      if (images.length === 0 || images.some(g => !isLiteral(g))) throw e
      this.notes.push(`the catalog could not be read (${(e as Error).message}): only the images named in images are looked at`)
      names = []
    }
    // Names off the OCI grammar are never requested: they are kept, counted and named.
    const { good, bad } = partition(names, isRepositoryName)
    if (bad.length > 0) this.notes.push(refusedNote('image name', bad))
    names = good
    const listed = new Set(names)
    const direct: string[] = []
    for (const name of literal.filter(n => !listed.has(n))) if ((await this.client.tags(name)).length > 0) direct.push(name)
    if (direct.length > 0 && names.length > 0) this.notes.push(`the catalog leaves out ${direct.join(', ')}, named in images: read directly`)
    return [...names, ...direct].map(name => ({ repository: this.repository, name }))
  }

  async inventory(ref: ImageRef): Promise<ImageInventory> {
    const inv: ImageInventory = { repository: ref.repository, name: ref.name, manifests: [] }
    try {
      // GET each tag (a plain registry has no pull side effects): the digest and the body in one request,
      // so describing the digest afterwards needs no second read.
      const reader = cachingReader(this.client)
      const tags = await this.client.tags(ref.name)
      requireTagGrammar(tags, '; nothing of the image is deleted')
      const readTag = async (tag: string): Promise<TaggedDigest | undefined> => {
        const body = await this.client.manifest(ref.name, tag)
        if (!body) return undefined
        reader.remember(body)
        const subject = body.manifest.subject ? checkedSubject(body.digest, body.manifest.subject) : undefined
        return { tag, digest: body.digest, mediaType: body.mediaType, ...(subject ? { subject } : {}) }
      }
      const readAll = async (names: string[]): Promise<TaggedDigest[]> =>
        (await mapLimit(names, this.opts.parallel, readTag)).filter((r): r is TaggedDigest => r !== undefined)
      const read = await readAll(tags)
      const missingFrom = (names: string[]): string[] => {
        const found = new Set(read.map(r => r.tag))
        return names.filter(t => !found.has(t))
      }
      let missing = missingFrom(tags)
      const gone: string[] = []
      // Listed but unknown: deleted since the listing (another run, a user; docker-registry removes a
      // manifest's tags one after the other, so for a moment a tag outlives its manifest), or a registry
      // answering wrongly. Listing again tells them apart: a tag no longer listed is gone and protects
      // nothing. One still listed after a few looks leaves the image's picture incomplete (its digest may be
      // shared with a tag we would then delete): fail closed.
      for (let look = 0; missing.length > 0; look++) {
        if (look > 0) await sleep(100 * 2 ** look)
        const listed = new Set(await this.client.tags(ref.name))
        gone.push(...missing.filter(t => !listed.has(t)))
        const still = missing.filter(t => listed.has(t))
        read.push(...(await readAll(still)))
        missing = missingFrom(still)
        if (missing.length > 0 && look >= 2) throw new Error(`tag ${missing[0] ?? ''} is listed but its manifest answers 404; a rerun finishes the job`)
      }
      if (gone.length > 0) {
        inv.notes = [...(inv.notes ?? []), `${gone.length} tag${gone.length === 1 ? '' : 's'} deleted while the run read the image (${gone.join(', ')})`]
      }
      inv.manifests = groupByDigest(read)
      // The graph: nested indexes (the tagged ones were read above) and subjects not in it.
      await readGraph(reader, inv, this.opts.parallel)
      // Every tagged manifest was read anyway, so its blobs cost nothing; an index's descendants are read
      // for theirs too, unless there is to be no estimate.
      await readManifestDetails(reader, ref.name, inv.manifests, this.opts.parallel, { blobs: this.opts.sizeEstimate === 'off' ? 'none' : 'read' })
      // Config blobs only where a decision needs the date (no push dates here: created is the only one).
      await readNeededDates(reader, inv, this.opts.policy, this.opts.parallel)
    } catch (e) {
      inv.error = (e as Error).message
    }
    return inv
  }

  /** The inventory already read every manifest and its blobs (or, with size-estimate off, none). */
  async readSizes(): Promise<void> {}

  async recheck(image: ImageInventory, doomed: Decision[]): Promise<Map<string, string>> {
    const changed = new Map<string, string>()
    if (doomed.length === 0) return changed
    const doomedDigests = new Set(doomed.map(d => d.digest))
    const doomedTags = new Set(doomed.flatMap(d => d.tags))
    const known = new Set(image.manifests.flatMap(m => m.tags))
    const now = await this.client.tags(image.name)
    requireTagGrammar(now)
    // A delete by digest takes every tag on it: any tag that is not planned to go (a new tag, or a kept
    // one re-pointed, say a rollback of `stable` to an old build) now on a doomed digest stops that delete.
    const others = await this.resolveTags(
      image.name,
      now.filter(t => !doomedTags.has(t))
    )
    const planned = new Set([...image.manifests, ...(image.untagged ?? [])].map(m => m.digest))
    for (const t of others) {
      const who = `${known.has(t.tag) ? 'kept' : 'new'} tag ${t.tag}`
      if (doomedDigests.has(t.digest)) changed.set(t.digest, `changed since planned: ${who} now points at it`)
      // A tag on an index the plan never saw (pushed meanwhile) protects whatever that index reaches.
      else if (!planned.has(t.digest) && isIndexType(t.mediaType)) {
        for (const d of await this.descendants(image.name, t.digest, t.mediaType)) {
          if (doomedDigests.has(d)) changed.set(d, `changed since planned: ${who} now reaches it through index ${shortDigest(t.digest)}`)
        }
      }
    }
    // A planned tag that moved is harmless here: the delete by digest removes only the content the plan
    // condemned, and the tag keeps its new content. Only when asked is the move looked for, and then it
    // keeps the old content too.
    if (!this.opts.verifyBeforeDelete) return changed
    const current = new Set(now)
    await mapLimit(doomed, this.opts.parallel, async d => {
      for (const tag of d.tags) {
        if (!current.has(tag)) continue // already gone: nothing moved
        const head = await this.client.resolve(image.name, tag)
        if (head && head.digest !== d.digest) {
          changed.set(d.digest, `changed since planned: ${tag} now points at ${shortDigest(head.digest)}`)
          return
        }
      }
    })
    return changed
  }

  delete(image: ImageInventory, decision: Decision): Promise<'deleted' | 'gone'> {
    return this.client.deleteManifest(image.name, decision.digest)
  }

  async gone(image: ImageInventory, decision: Decision): Promise<boolean> {
    return (await this.client.resolve(image.name, decision.digest)) === undefined
  }

  async confirm(image: ImageInventory, deleted: Decision[]): Promise<Map<string, StillThere>> {
    const left = new Map<string, StillThere>()
    if (deleted.length === 0) return left
    const listed = new Set(await this.client.tags(image.name))
    await mapLimit(deleted, this.opts.parallel, async d => {
      const still: string[] = []
      for (const tag of d.tags.filter(t => listed.has(t))) {
        // GET, not HEAD: the body's hash says where the tag is, not a header (never report what did not happen).
        const head = await this.client.manifest(image.name, tag)
        // A tag re-pushed to new content after our delete is someone else's; only the old digest is a problem.
        if (head?.digest === d.digest) still.push(tag)
      }
      if (still.length > 0)
        left.set(d.digest, { tags: still, problem: `tag ${still.join(', ')} still point${still.length === 1 ? 's' : ''} at the deleted digest` })
    })
    return left
  }

  /**
   * Every manifest below an index the plan never saw, read by digest to any depth (the graph's own walk:
   * a nested index that cannot be read fails the recheck, so nothing of the image is deleted).
   */
  private async descendants(name: string, digest: string, mediaType: string): Promise<string[]> {
    const root = { digest, mediaType, tags: [], children: [] }
    const below = await readIndexTree(this.client, name, [root], new Map([[digest, root]]), this.opts.parallel)
    return below.map(m => m.digest)
  }

  private async resolveTags(name: string, tags: string[]): Promise<TaggedDigest[]> {
    const out = await mapLimit(tags, this.opts.parallel, async tag => {
      // GET, not HEAD: a delete goes through this answer, so the digest is the body's, never a header's.
      const head = await this.client.manifest(name, tag)
      return head ? { tag, digest: head.digest, mediaType: head.mediaType } : undefined
    })
    // A tag listed but unknown by the time we read it was deleted meanwhile: nothing to decide.
    return out.filter((t): t is TaggedDigest => t !== undefined)
  }
}
