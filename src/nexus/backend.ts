// Backend for Nexus 3: inventory from the REST components listing (digest = checksum.sha256, pushed =
// lastModified, last pulled = lastDownloaded), because any manifest read by tag through the registry API
// marks the tag downloaded. Manifests are read by digest, and only where a decision needs them.
// Deleting is per tag through the components API (exact on every version), or by digest when asked.

import { Backend, ImageRef, PartialDeleteError, StillThere } from '../backend'
import { Http } from '../http/http'
import { cachingReader, groupByDigest, readManifestDetails, readNeededDates, ManifestReader, readGraph } from '../registry/graph'
import { mapLimit } from '../util/concurrency'
import { Decision, DeleteMethod, ImageInventory, ManifestRecord, Policy, SizeEstimate } from '../model'
import { RegistryClient } from '../registry/client'
import { isIndexType } from '../registry/media'
import {
  checksumDigest,
  componentDigest,
  manifestAssetOf,
  NexusAsset,
  NexusClient,
  NexusComponent,
  parseNexusDate,
  registryBase,
  type ComponentPage
} from './client'
import { ListingSpool } from './listing-spool'
import { provenAgainstTags, searchImage } from './search-listing'
import { checkPrivileges, describeMissing } from './privileges'
import { shortDigest } from '../util/digest'
import { compareStrings } from '../util/compare'
import { literalImages } from '../util/glob'
import { escapeName, isRepositoryName, isTag, refusedNote, requireTagGrammar } from '../util/names'
import { isDigest } from '../util/digest'

/** What the Nexus backend takes: where, which repositories, and how to read and delete. */
export interface NexusBackendOptions {
  /** Nexus's base URL. */
  host: string
  repositories: string[]
  /** Where the Docker v2 API is, when not <host>/repository/<repository>. */
  registryUrl?: string
  /** Which dates decisions need, and which images are named literally. */
  policy: Policy
  concurrency: number
  sizeEstimate: SizeEstimate
  verifyBeforeDelete: boolean
  deleteMethod: DeleteMethod
  /**
   * search: each image through the search API, in parallel, where proven; else the components listing.
   * auto: search for a dry run, and for a real run where the components listing pages by 10 (OrientDB).
   */
  listing?: 'auto' | 'components' | 'search'
  dryRun: boolean
  /** With the reclaim step: its privileges are checked before the first change. */
  runCleanupTasks: boolean
  createMissingTasks: boolean
}

export class NexusBackend implements Backend {
  readonly notes: string[] = []
  private readonly nexus: NexusClient
  private readonly registries = new Map<string, RegistryClient>()
  /** Every listed component (one per tag), slimmed, on disk until its image is inventoried. */
  private readonly listing = new ListingSpool<NexusComponent>()
  private readonly idsByImage = new WeakMap<ImageInventory, Map<string, string>>()
  /** Each image's reads by digest, so the size step re-reads nothing the inventory read. */
  private readonly readers = new WeakMap<ImageInventory, ManifestReader>()
  /** `repository/image` -> tags the registry lists for an image named in `images` but not in the listing. */
  private readonly hidden = new Map<string, number>()
  /** Repositories listed image by image through search, and each one's components listing once needed. */
  private readonly searched = new Set<string>()
  private readonly whole = new Map<string, Promise<void>>()
  /** Page 1 of a repository's components, read by auto to tell the database, for the listing that follows at once. */
  private readonly firstPages = new Map<string, ComponentPage>()
  /** Images whose components came from search: their dates as search gave them, by component id. */
  private readonly searchDates = new WeakMap<ImageInventory, Map<string, string>>()

  constructor(
    private readonly http: Http,
    private readonly cfg: NexusBackendOptions
  ) {
    this.nexus = new NexusClient(http, cfg.host)
  }

  async preflight(): Promise<void> {
    const repos = await this.nexus.repositories()
    const docker = repos.filter(r => r.format === 'docker')
    for (const name of this.cfg.repositories) {
      const repo = repos.find(r => r.name === name)
      if (!repo) {
        const known = docker.map(r => `${r.name} (${r.type})`).join(', ') || 'none visible to this user'
        throw new Error(
          `Nexus repository '${name}' not found (or the user lacks nx-repository-view-docker-${name}-read and -browse). Docker repositories: ${known}`
        )
      }
      if (repo.format !== 'docker') throw new Error(`Nexus repository '${name}' is a ${repo.format} repository, not docker`)
      if (repo.type !== 'hosted') {
        throw new Error(
          `Nexus repository '${name}' is a ${repo.type} repository: only hosted repositories are cleaned (deleting from a ${repo.type} is not cleanup)`
        )
      }
    }
    // Every privilege the run needs, before anything changes, all at once (a dry run: those of its real run).
    const privileges = await checkPrivileges(this.http, this.cfg.host, this.cfg)
    if (privileges.missing.length > 0) {
      const line = `the Nexus user lacks ${describeMissing(privileges.missing)}: grant them to its role (docs/nexus-setup.md "Nexus privileges")`
      if (!this.cfg.dryRun) throw new Error(`${line}. Nothing was changed.`)
      this.notes.push(`the real run would stop before changing anything: ${line}`)
    }
    if (privileges.unchecked.length > 0) {
      this.notes.push(
        `Nexus did not answer its permissions call, and no safe probe tells whether the user has ${privileges.unchecked.map(n => n.privilege).join(', ')}: a missing one shows as failed reads or deletes`
      )
    }
  }

  async listImages(): Promise<ImageRef[]> {
    const refs: ImageRef[] = []
    const seen = nothingSeen()
    for (const repository of this.cfg.repositories) {
      const names = (await this.searchable(repository)) ? await this.catalog(repository) : undefined
      if (names) {
        this.searched.add(repository)
        for (const name of names) refs.push({ repository, name })
        continue
      }
      await this.listWhole(repository, seen)
      const listed = this.listing.images(repository)
      for (const name of listed) refs.push({ repository, name })
      for (const name of await this.unlisted(repository, new Set(listed))) refs.push({ repository, name })
    }
    if (seen.offGrammar.length > 0) this.notes.push(refusedNote('component', [...new Set(seen.offGrammar)]))
    if (seen.lacksModified > 0) this.notes.push(noModifiedNote(seen.lacksModified))
    if (seen.lacksDownloaded > 0) this.notes.push(noDownloadedNote(seen.lacksDownloaded, this.cfg.policy))
    return refs
  }

  /**
   * Whether to list `repository` through search. auto weighs the two costs: a real run re-reads each
   * search-listed tag before deleting it (one request per deleted tag), which costs more than the datastore's
   * components listing (100 a page) saves; OrientDB's (10 a page) costs ten times as many pages in a chain.
   */
  private async searchable(repository: string): Promise<boolean> {
    const mode = this.cfg.listing ?? 'components'
    if (mode !== 'auto') return mode === 'search'
    if (this.cfg.dryRun) return true
    const first = await this.nexus.firstComponentPage(repository)
    if (first.items.length <= 10 && first.continuationToken !== null) return true
    // the listing starts now, from this page (not later, as search's fallback: by then it is stale)
    this.firstPages.set(repository, first)
    return false
  }

  /** Every component of `repository`, spooled: the one authoritative listing (also search's fallback). */
  private listWhole(repository: string, seen = nothingSeen()): Promise<void> {
    let done = this.whole.get(repository)
    if (!done) {
      done = this.nexus.eachComponentPage(
        repository,
        items => {
          for (const c of items) {
            if (!c?.assets?.length) continue
            // An image name off the OCI grammar is never requested: kept, counted and named.
            if (!isRepositoryName(c.name)) {
              seen.offGrammar.push(c.name)
              continue
            }
            const asset = manifestAssetOf(c)
            if (asset && !('lastModified' in asset)) seen.lacksModified++
            if (asset && !('lastDownloaded' in asset)) seen.lacksDownloaded++
            this.listing.add(repository, c.name, slim(c, asset))
          }
        },
        this.firstPages.get(repository)
      )
      this.whole.set(repository, done)
    }
    return done
  }

  /**
   * The images a search-listed repository holds: the registry's catalog, and the images named literally
   * in `images` that it leaves out but whose tags the registry lists. undefined when the catalog cannot be
   * read: the repository is then listed whole.
   */
  private async catalog(repository: string): Promise<string[] | undefined> {
    let names: string[]
    try {
      names = await this.registry(repository).catalog()
    } catch (e) {
      this.notes.push(`listing search: the catalog of ${repository} could not be read (${(e as Error).message}): its components are listed whole`)
      return undefined
    }
    const off = names.filter(n => !isRepositoryName(n))
    if (off.length > 0) this.notes.push(refusedNote('catalog name', off))
    const listed = new Set(names.filter(isRepositoryName))
    for (const name of literalImages(this.cfg.policy.images).filter(n => !listed.has(n))) {
      if ((await this.registry(repository).tags(name)).length > 0) listed.add(name)
    }
    return [...listed].sort(compareStrings)
  }

  /**
   * Images named literally in `images` that the components listing does not hold, though the registry
   * lists tags for them: a listing filtered by a content selector or a privilege. They are inventoried
   * as failed (kept whole): their components cannot be known.
   */
  private async unlisted(repository: string, listed: ReadonlySet<string>): Promise<string[]> {
    const out: string[] = []
    for (const name of literalImages(this.cfg.policy.images).filter(n => !listed.has(n))) {
      const tags = await this.registry(repository).tags(name)
      if (tags.length === 0) continue
      this.hidden.set(`${repository}/${name}`, tags.length)
      out.push(name)
    }
    return out
  }

  async inventory(ref: ImageRef): Promise<ImageInventory> {
    const inv: ImageInventory = { repository: ref.repository, name: ref.name, manifests: [] }
    try {
      const hidden = this.hidden.get(`${ref.repository}/${ref.name}`)
      if (hidden !== undefined) {
        throw new Error(
          `named in images, absent from the components listing, yet the registry lists ${hidden} tags for it (a content selector or a missing privilege hides its components): kept`
        )
      }
      const shapes = splitComponents(await this.componentsOf(ref, inv))
      inv.manifests = recordsFromComponents(shapes.tagged)
      if (shapes.unidentified.length > 0) {
        const which = shapes.unidentified.map(c => escapeName(c.version)).join(', ')
        // A delete by digest would take their tags too, unseen: only a delete per component is exact.
        if (this.cfg.deleteMethod === 'manifest')
          throw new Error(`no manifest asset could be identified for ${which} (or its version is off the OCI grammar): nothing of the image is deleted`)
        inv.notes = [...(inv.notes ?? []), `kept ${which}: no manifest asset could be identified among its assets, or its version is off the OCI grammar`]
      }
      const reader = this.reader(inv)
      // Blobs only from bodies read anyway (reading more for the estimate is size-estimate: on).
      const blobs = this.cfg.sizeEstimate === 'off' ? 'none' : 'free'
      // The graph: index children are only known from the index itself (to any depth; an asset without
      // contentType, before 3.29, might be one), and subjects not in it are read by digest.
      const structure = inv.manifests.filter(m => !m.mediaType || isIndexType(m.mediaType))
      await readGraph(reader, inv, this.cfg.concurrency)
      // Components pushed by digest (index children, referrers, cosign by digest) are manifests of the
      // graph, never versions: untagged, kept, and left to Nexus's own Docker GC.
      inv.untagged = mergeUntagged(inv.untagged ?? [], shapes.byDigest)
      // Blobs of the bodies just read (the reader's cache answers: no second request).
      if (blobs !== 'none') await readManifestDetails(reader, ref.name, structure, this.cfg.concurrency, { blobs })
      // Then manifest and config by digest only where a decision needs `created` (src/policy/dates.ts).
      await readNeededDates(reader, inv, this.cfg.policy, this.cfg.concurrency, blobs)
    } catch (e) {
      inv.error = (e as Error).message
    }
    return inv
  }

  /**
   * One image's components: from the components listing, or, for a search-listed repository, from search
   * where proven against the tags list (else from the components listing, which then must hold every tag
   * the registry lists: a tag it lacks is hidden from it, and the image is kept whole).
   */
  private async componentsOf(ref: ImageRef, inv: ImageInventory): Promise<NexusComponent[]> {
    if (!this.searched.has(ref.repository)) return this.listing.read(ref.repository, ref.name)
    const registry = this.registry(ref.repository)
    const found = await searchImage(this.http, this.cfg.host, ref.repository, ref.name)
    // read after the last page: a tag pushed or deleted meanwhile makes the two disagree (not proven)
    const tags = await registry.tags(ref.name)
    const why = 'components' in found ? provenAgainstTags(found.components, tags) : found.unproven
    if (why === undefined && 'components' in found) {
      const listed = found.components.map(c => slim(c, manifestAssetOf(c)))
      datesGiven(listed, this.cfg.policy, inv)
      this.searchDates.set(inv, new Map(listed.map(c => [c.id, datesOf(c, this.byPulls)])))
      return listed
    }
    inv.notes = [...(inv.notes ?? []), `listed through the components API: ${why}`]
    await this.listWhole(ref.repository)
    const listed = this.listing.read(ref.repository, ref.name)
    const versions = new Set(listed.map(c => c.version))
    const hidden = tags.filter(t => !isDigest(t) && !versions.has(t))
    if (hidden.length > 0) {
      throw new Error(
        `the registry lists ${hidden.length} tags the components listing does not hold (a content selector or a missing privilege hides them, or they were pushed meanwhile): kept`
      )
    }
    return listed
  }

  /**
   * One manifest read by digest per deleted manifest not read yet (and an index's children): with
   * size-estimate on, and by default (auto) in a dry run, whose question is "how much will I get back?".
   * Reads by digest do not mark anything pulled (NEXUS-25991). A real run measures the blob stores instead.
   */
  async readSizes(image: ImageInventory, digests: string[]): Promise<void> {
    if (this.cfg.sizeEstimate === 'off' || (this.cfg.sizeEstimate === 'auto' && !this.cfg.dryRun)) return
    const want = new Set(digests)
    const records = image.manifests.filter(m => want.has(m.digest) && !m.blobs)
    await readManifestDetails(this.reader(image), image.name, records, this.cfg.concurrency, { blobs: 'read' })
  }

  async recheck(image: ImageInventory, doomed: Decision[]): Promise<Map<string, string>> {
    const changed = new Map<string, string>()
    const ids = this.componentIds(image)
    // Nexus has no conditional delete and a component id survives a re-push: only this read, when asked
    // for, stops a doomed tag re-pushed since the listing from being deleted with its new content.
    // Search's answer may lag the store: its ids and dates are re-read here, always.
    const given = this.searchDates.get(image)
    if (this.cfg.verifyBeforeDelete || given) {
      await mapLimit(doomed, this.cfg.concurrency, async d => {
        for (const tag of d.tags) {
          const id = ids.get(`${d.digest} ${tag}`) as string
          const now = await this.nexus.component(id)
          if (!now && given) {
            changed.set(d.digest, `changed since planned: the component search gave for ${tag} no longer exists`)
            return
          }
          if (!now) continue // already gone: nothing moved
          const asset = manifestAssetOf(now)
          const digest = checksumDigest(asset)
          if (digest !== d.digest) {
            changed.set(d.digest, `changed since planned: ${tag} was re-pushed (now ${digest ? shortDigest(digest) : 'unknown'})`)
            return
          }
          if (given && given.get(id) !== datesOf(slim(now, asset), this.byPulls)) {
            changed.set(d.digest, `changed since planned: ${tag}'s dates differ from what search gave`)
            return
          }
        }
      })
    }
    // A component delete takes one tag and never the content another tag holds, but what hangs from a
    // doomed manifest (its signatures, its tagged children) goes with it; a delete by digest takes every
    // tag on it on some versions. Either way a tag that arrived on a doomed manifest since the plan, or a
    // kept tag re-pointed onto it, must stop it (and so what hangs from it).
    if (this.cfg.deleteMethod === 'manifest' ? doomed.length > 0 : doomed.some(d => (d.after?.length ?? 0) > 0)) {
      const doomedDigests = new Set(doomed.map(d => d.digest))
      for (const [digest, tag] of await this.newTagsOn(image, doomedDigests)) changed.set(digest, `changed since planned: new tag ${tag} now points at it`)
      await this.keptTagsOnDoomed(image, doomed, changed)
    }
    return changed
  }

  /**
   * Tags the registry lists now that the plan never saw, and on which of `digests` they are: read by GET
   * (the body's own digest, not a header). Only new tags are read by tag, so only they are marked pulled.
   */
  private async newTagsOn(image: ImageInventory, digests: ReadonlySet<string>): Promise<Map<string, string>> {
    const registry = this.registry(image.repository)
    const known = new Set(image.manifests.flatMap(m => m.tags))
    const found = new Map<string, string>()
    const listed = await registry.tags(image.name)
    // a tag that cannot be read may be on doomed content: keep (the caller's image, or the follower)
    requireTagGrammar(listed)
    for (const tag of listed.filter(t => !known.has(t))) {
      const body = await registry.manifest(image.name, tag)
      if (body && digests.has(body.digest)) found.set(body.digest, tag)
    }
    return found
  }

  /** Marks each doomed digest that a kept tag (read now, by component id) points at. */
  private async keptTagsOnDoomed(image: ImageInventory, doomed: Decision[], changed: Map<string, string>): Promise<void> {
    const doomedDigests = new Set(doomed.map(d => d.digest))
    const kept = image.manifests.filter(m => !doomedDigests.has(m.digest))
    await mapLimit(
      kept.flatMap(m => Object.entries(m.componentIds ?? {})),
      this.cfg.concurrency,
      async ([tag, id]) => {
        const now = await this.nexus.component(id)
        const digest = now && componentDigest(now)
        if (digest && doomedDigests.has(digest)) changed.set(digest, `changed since planned: kept tag ${tag} now points at it`)
      }
    )
  }

  async delete(image: ImageInventory, d: Decision): Promise<'deleted' | 'gone'> {
    const ids = this.componentIds(image)
    if (this.cfg.deleteMethod === 'manifest') {
      const r = await this.registry(image.repository).deleteManifest(image.name, d.digest)
      // Nexus 3.89+ removes only the manifest and leaves the tag components dangling: finish them.
      for (const tag of d.tags) {
        if (await this.holds(image, d.digest, tag)) await this.nexus.deleteComponent(ids.get(`${d.digest} ${tag}`) as string, image.repository)
      }
      return r
    }
    const results = await mapLimit(d.tags, this.cfg.concurrency, async tag => {
      try {
        return { tag, result: await this.nexus.deleteComponent(ids.get(`${d.digest} ${tag}`) as string, image.repository) }
      } catch (e) {
        return { tag, error: e as Error }
      }
    })
    const failed = results.find(r => r.error)
    if (failed?.error) {
      // Some tags may be gone already: say exactly which, so the counts stay true.
      throw new PartialDeleteError(
        failed.error.message,
        results.filter(r => r.result === 'deleted').map(r => r.tag)
      )
    }
    return results.every(r => r.result === 'gone') ? 'gone' : 'deleted'
  }

  async gone(image: ImageInventory, decision: Decision): Promise<boolean> {
    if (this.cfg.deleteMethod === 'manifest') return (await this.registry(image.repository).resolve(image.name, decision.digest)) === undefined
    // a component delete removes tags: gone when no tag's component still holds this manifest, and no
    // tag arrived on it since the plan (what hangs from it must then stay)
    for (const tag of decision.tags) if (await this.holds(image, decision.digest, tag)) return false
    return (await this.newTagsOn(image, new Set([decision.digest]))).size === 0
  }

  /** Whether the component of `tag` (by the id the listing gave) still holds `digest`: read through REST. */
  private async holds(image: ImageInventory, digest: string, tag: string): Promise<boolean> {
    const c = await this.nexus.component(this.componentIds(image).get(`${digest} ${tag}`) as string)
    return c !== undefined && componentDigest(c) === digest
  }

  async confirm(image: ImageInventory, deleted: Decision[]): Promise<Map<string, StillThere>> {
    const left = new Map<string, StillThere>()
    // One tags/list per image (no manifest read, so nothing is marked pulled); only tags still listed
    // are looked at one by one.
    const listed = new Set(await this.registry(image.repository).tags(image.name))
    for (const d of deleted) {
      const still: string[] = []
      for (const tag of d.tags.filter(t => listed.has(t))) if (await this.holds(image, d.digest, tag)) still.push(tag)
      if (still.length > 0) left.set(d.digest, { tags: still, problem: `tag ${still.join(', ')} ${still.length === 1 ? 'is' : 'are'} still present` })
    }
    return left
  }

  close(): void {
    this.listing.close()
  }

  private get byPulls(): boolean {
    return this.cfg.policy.ageBasis === 'last-pulled'
  }

  private registry(repository: string): RegistryClient {
    let r = this.registries.get(repository)
    if (!r) {
      r = new RegistryClient(this.http, registryBase(this.cfg.host, repository, this.cfg.registryUrl))
      this.registries.set(repository, r)
    }
    return r
  }

  private reader(image: ImageInventory): ManifestReader {
    let r = this.readers.get(image)
    if (!r) {
      // Nexus 3 has no OCI referrers API: asking would only spend requests (counted by CE's daily limit).
      const registry = this.registry(image.repository)
      r = cachingReader({
        manifest: registry.manifest.bind(registry),
        resolve: registry.resolve.bind(registry),
        configCreated: registry.configCreated.bind(registry)
      })
      this.readers.set(image, r)
    }
    return r
  }

  /** `${digest} ${tag}` -> component id; built once per image (delete runs once per manifest). */
  private componentIds(image: ImageInventory): Map<string, string> {
    let ids = this.idsByImage.get(image)
    if (!ids) {
      ids = new Map<string, string>()
      for (const m of image.manifests) for (const [tag, id] of Object.entries(m.componentIds ?? {})) ids.set(`${m.digest} ${tag}`, id)
      this.idsByImage.set(image, ids)
    }
    return ids
  }
}

/** What the components listing met that the run reports: names off the grammar, tags without dates. */
interface ListingSeen {
  lacksModified: number
  lacksDownloaded: number
  offGrammar: unknown[]
}

const nothingSeen = (): ListingSeen => ({ lacksModified: 0, lacksDownloaded: 0, offGrammar: [] })

/**
 * A slimmed component's push date (and pull date, where the policy ages by it), as one comparable string:
 * instants, not texts (search and the components API may print them differently).
 */
function datesOf(c: NexusComponent, pulled: boolean): string {
  const a = c.assets[0]
  const ms = (t: string | null | undefined): string => String(parseNexusDate(t)?.getTime() ?? t)
  return pulled ? `${ms(a?.lastModified)} ${ms(a?.lastDownloaded)}` : ms(a?.lastModified)
}

function noModifiedNote(count: number): string {
  return `This Nexus (before 3.29) reports no lastModified: the pushed date is unknown for ${count} tags, so the image config created date is used`
}

/** The note for tags without lastDownloaded; an error when the policy ages by it. */
function noDownloadedNote(count: number, policy: Policy): string {
  if (policy.ageBasis === 'last-pulled') {
    throw new Error(`age-basis last-pulled: this Nexus (before 3.39) reports no lastDownloaded for ${count} tags; use age-basis pushed or created`)
  }
  return `This Nexus (before 3.39) reports no lastDownloaded: the last-pulled basis is unavailable`
}

/** The same notes for one search-listed image, on the image. */
function datesGiven(listed: NexusComponent[], policy: Policy, inv: ImageInventory): void {
  const modified = listed.filter(c => c.assets[0] && !('lastModified' in c.assets[0])).length
  const downloaded = listed.filter(c => c.assets[0] && !('lastDownloaded' in c.assets[0])).length
  const notes = [modified > 0 ? noModifiedNote(modified) : undefined, downloaded > 0 ? noDownloadedNote(downloaded, policy) : undefined]
  for (const n of notes) if (n) inv.notes = [...(inv.notes ?? []), n]
}

/** Keeps only what decisions need of a listed component, so memory stays small for large repositories. */
function slim(c: NexusComponent, manifest: NexusAsset | undefined): NexusComponent {
  const base = { id: c.id, repository: c.repository, format: c.format, group: null, name: c.name, version: c.version }
  // No identifiable manifest asset: listed with no asset, so the inventory keeps it and says so.
  if (!manifest) return { ...base, assets: [] }
  const asset: NexusAsset = { path: '', checksum: { sha256: manifest.checksum?.sha256 } }
  if (manifest.contentType !== undefined) asset.contentType = manifest.contentType
  if ('lastModified' in manifest) asset.lastModified = manifest.lastModified
  if ('lastDownloaded' in manifest) asset.lastDownloaded = manifest.lastDownloaded
  const other = c.assets.filter(a => a !== manifest).reduce((n, a) => n + (typeof a?.fileSize === 'number' ? a.fileSize : 0), 0)
  return { ...base, assets: [asset], ...(other > 0 ? { otherAssetBytes: other } : {}) }
}

/** The digest of a slimmed component: its one asset is its manifest. */
function digestOf(c: NexusComponent): string | undefined {
  return checksumDigest(c.assets?.[0])
}

/**
 * One image's slimmed components by shape: tags; manifests pushed by digest (the version is a digest);
 * and those whose manifest asset could not be identified (slim left them without an asset).
 */
export function splitComponents(components: NexusComponent[]): { tagged: NexusComponent[]; byDigest: NexusComponent[]; unidentified: NexusComponent[] } {
  const out = { tagged: [] as NexusComponent[], byDigest: [] as NexusComponent[], unidentified: [] as NexusComponent[] }
  for (const c of components) {
    if (c.assets.length === 0 || !digestOf(c)) out.unidentified.push(c)
    else if (isDigest(c.version)) out.byDigest.push(c)
    else if (isTag(c.version)) out.tagged.push(c)
    else out.unidentified.push(c) // a version off the grammar: never requested, kept
  }
  return out
}

/** The graph's untagged manifests, and each component pushed by digest that it did not reach. */
function mergeUntagged(untagged: ManifestRecord[], byDigest: NexusComponent[]): ManifestRecord[] {
  const have = new Set(untagged.map(m => m.digest))
  for (const c of byDigest) {
    const digest = digestOf(c) as string // splitComponents put only digested components here
    if (have.has(digest)) continue
    have.add(digest)
    untagged.push({ digest, mediaType: c.assets[0]?.contentType ?? '', tags: [], children: [] })
  }
  return untagged.sort((a, b) => compareStrings(a.digest, b.digest))
}

/** Groups one image's components (one per tag) into manifests; dates are the newest among the tags. */
export function recordsFromComponents(components: NexusComponent[]): ManifestRecord[] {
  const tagged = components.map(c => {
    const asset = c.assets[0]
    const digest = digestOf(c)
    if (!asset) throw new Error(`component ${c.name}:${c.version} has no asset`)
    if (!digest) throw new Error(`component ${c.name}:${c.version} has no sha256 checksum`)
    return { tag: c.version, digest, mediaType: asset.contentType ?? '', c, asset }
  })
  const records = groupByDigest(tagged)
  const byDigest = new Map(records.map(r => [r.digest, r]))
  // What Nexus adds per tag: its component id, and the newest push and pull among the tags of a digest.
  for (const { tag, digest, c, asset } of tagged) {
    const rec = byDigest.get(digest) as ManifestRecord
    rec.componentIds = { ...rec.componentIds, [tag]: c.id }
    if (c.otherAssetBytes) rec.extraBytes = (rec.extraBytes ?? 0) + c.otherAssetBytes
    const pushed = parseNexusDate(asset.lastModified)
    if (pushed && (!rec.pushed || pushed > rec.pushed)) rec.pushed = pushed
    if ('lastDownloaded' in asset) {
      const pulled = parseNexusDate(asset.lastDownloaded) ?? null
      if (rec.lastPulled === undefined || (pulled && (!rec.lastPulled || pulled > rec.lastPulled))) rec.lastPulled = pulled
    }
  }
  return records
}
