// The middle of a run, image by image: inventory -> plan -> execute -> report. Each image is handed to the
// sink once done, then dropped, so memory stays flat as tags grow. Two things hold images back: an image
// whose referrers name subjects it does not hold waits until every image is known (its subjects may be
// elsewhere), and max-deletions plans every image before the first delete (the cap is shared over them).

import type { ImageRef } from '../backend'
import { addCounts, summarizeCounts, zeroCounts } from '../report/counts'
import { executeImage } from './execute'
import { FreeableEstimate } from '../report/freeable'
import { KeptContent } from '../nexus/kept-content'
import { mapLimit, mapOrdered } from '../util/concurrency'
import { collectIfHeapGrew } from './memory'
import type { BudgetReport, Counts, ImageInventory, ImagePlan, ImageReport, ImageSummary } from '../model'
import { ageUnknownCount, ageUnknownNote, plan } from '../policy/planner'
import { SubjectDirectory } from './subject-directory'
import { plural } from '../report/format'
import type { RunContext } from './context'
import type { Listing } from './listing'

/** Receives each image's full report, in image order, once the image is done. */
export type ImageSink = (image: ImageReport) => void

export interface ImagesDone {
  summaries: ImageSummary[]
  tags: Counts
  manifests: Counts
  /** Blobs of deleted manifests no remaining manifest of the repository uses; undefined = unknown. */
  freeableBytes?: number
  /** What the cleanup tasks must leave standing (with run-cleanup-tasks). */
  kept?: KeptContent
  /** max-components: what the budget asked and took. */
  budget?: BudgetReport
  /** Images a stopped run never reached (nothing of them was read or deleted). */
  notReached?: number
}

/** What a run that looked at no image has done (reclaim-only). */
export function noImages(): ImagesDone {
  return { summaries: [], tags: zeroCounts(), manifests: zeroCounts() }
}

/** `usage`: the instance's component count, for max-components (undefined = unknown: no budget). */
export async function runImages(run: RunContext, listing: Listing, sink: ImageSink, usage?: { components?: number }): Promise<ImagesDone> {
  const { cfg, log } = run
  const images = new ImageRun(run, listing, sink)
  await log.group(cfg.dryRun ? 'Plan and dry run (nothing is deleted)' : 'Plan and delete', () =>
    // max-deletions shares a cap over images, max-components a budget: both plan every image together.
    cfg.policy.maxDeletions === undefined && cfg.policy.maxComponents === undefined ? images.oneByOne() : images.together(usage)
  )
  return images.close()
}

/** The images of one run: what each needs on its way through, and what the run keeps of them. */
class ImageRun {
  readonly done: ImagesDone
  /** Images in flight: with concurrency auto its starting point, not its ceiling (requests within an
   * image still fill the adaptive limit; more images at once only hold more inventories in memory). */
  private readonly inFlight: number
  private readonly freeable = new FreeableEstimate()
  private readonly kept: KeptContent | undefined
  private ageUnknown = 0
  private readonly referencesMatched = new Set<string>()
  /** Every manifest of every image inventoried: a referrer whose subject is not in its own image (a
   * signatures repository) is kept while the subject exists anywhere the run lists. */
  private readonly directory = new SubjectDirectory()

  constructor(
    private readonly run: RunContext,
    private readonly listing: Listing,
    private readonly sink: ImageSink
  ) {
    const { cfg } = run
    this.inFlight = cfg.adaptiveStart ?? cfg.concurrency
    this.kept = cfg.runCleanupTasks ? new KeptContent(!cfg.dryRun) : undefined
    this.done = { summaries: [], tags: zeroCounts(), manifests: zeroCounts(), ...(this.kept ? { kept: this.kept } : {}) }
  }

  /** Each image planned alone, as soon as it is read; those whose subjects live elsewhere wait for all. */
  async oneByOne(): Promise<void> {
    const deferred: ImageInventory[] = []
    await mapOrdered(
      this.listing.selected,
      this.inFlight,
      async ref => {
        // A turn of the event loop per image: with nothing to wait for (a Nexus dry run plans from the
        // spooled listing), images would run back to back in microtasks, and V8's GC tasks would wait
        // until the end (measured: +60 MB peak RSS at 100k tags).
        await new Promise(resolve => setImmediate(resolve))
        // a stopped run reads no further image (none of them loses anything)
        if (this.run.stop.stopping) {
          this.done.notReached = (this.done.notReached ?? 0) + 1
          return undefined
        }
        const inv = await this.inventory(ref)
        if (!needsDirectory(inv)) return this.finish(inv, this.planOne(inv))
        deferred.push(inv)
        return undefined
      },
      r => r && this.emit(r)
    )
    if (deferred.length > 0) await this.completeDirectory()
    for (const inv of deferred) this.emit(await this.finish(inv, this.planOne(inv)))
  }

  /** Every image read, then planned together (a shared max-deletions cap, a max-components budget). */
  async together(usage: { components?: number } | undefined): Promise<void> {
    const { cfg, log } = this.run
    const invs: (ImageInventory | undefined)[] = await mapLimit(this.listing.selected, this.inFlight, ref => this.inventory(ref))
    if ((invs as ImageInventory[]).some(needsDirectory)) await this.completeDirectory()
    const budget = cfg.policy.maxComponents !== undefined && usage?.components !== undefined ? { components: usage.components } : undefined
    if (cfg.policy.maxComponents !== undefined && !budget) {
      const note = `max-components ${cfg.policy.maxComponents}: the instance's component count could not be read, so the budget took nothing (the rest of the policy applies)`
      log.warning(note)
      this.run.notes.push(note)
    }
    const whole = plan(invs as ImageInventory[], cfg.policy, this.run.started, this.locate, budget)
    if (whole.budget) this.done.budget = whole.budget
    await mapOrdered(
      whole.images,
      this.inFlight,
      async (ip, i) => {
        const report = await this.finish(invs[i] as ImageInventory, ip)
        invs[i] = undefined
        return report
      },
      r => this.emit(r)
    )
  }

  /** The run-wide notes the images left, and the estimate over all of them. */
  close(): ImagesDone {
    const { cfg, log } = this.run
    const references = cfg.policy.references ?? []
    const unmatched = references.filter(r => !this.referencesMatched.has(r.text)).map(r => r.text)
    const notes = [
      unmatched.length > 0
        ? `keep-references: ${unmatched.length} of ${references.length} matched nothing in the images this run cleans: ${unmatched.join(', ')}`
        : undefined,
      ageUnknownNote(this.ageUnknown)
    ]
    for (const note of notes.filter((n): n is string => n !== undefined)) {
      log.info(note)
      this.run.notes.push(note)
    }
    const freeableBytes = cfg.sizeEstimate === 'off' ? undefined : this.freeable.total()
    if (freeableBytes !== undefined) this.done.freeableBytes = freeableBytes
    return this.done
  }

  private readonly locate = (digest: string): string | undefined => this.directory.locate(digest)

  private async inventory(ref: ImageRef): Promise<ImageInventory> {
    const inv = await this.run.backend.inventory(ref)
    this.directory.add(inv)
    return inv
  }

  /** Before deciding an orphan: the listed images not selected may hold its subject too (read-only). */
  private async completeDirectory(): Promise<void> {
    const rest = this.listing.all.filter(r => !this.directory.has(r.repository, r.name))
    if (rest.length === 0) return
    this.run.log.info(
      `referrers name subjects outside their image: reading the ${rest.length} images not selected to look for them (nothing of them is deleted)`
    )
    await mapLimit(rest, this.inFlight, async ref => this.directory.add(await this.run.backend.inventory(ref)))
  }

  /** One image planned alone (its subjects found through the directory). */
  private planOne(inv: ImageInventory): ImagePlan {
    return plan([inv], this.run.cfg.policy, this.run.started, this.locate).images[0] as ImagePlan
  }

  /** Everything an image needs after its plan: the size reads, the execute step, its report. */
  private async finish(inv: ImageInventory, ip: ImagePlan): Promise<ImageReport> {
    const { cfg, log, backend, progress } = this.run
    this.ageUnknown += ageUnknownCount(ip)
    const going = ip.decisions.filter(d => d.action === 'delete')
    if (going.length > 0) {
      // The estimate of freed bytes needs the blobs of what goes; read them now, before they are gone.
      await backend
        .readSizes(
          inv,
          going.map(d => d.digest)
        )
        .catch((e: Error) => log.warning(`${ip.image}: size estimate unavailable: ${e.message}`))
    }
    progress.tagsPlanned += going.reduce((n, d) => n + d.tags.length, 0)
    const outcomes = await executeImage(ip, inv, backend, {
      dryRun: cfg.dryRun,
      parallel: cfg.concurrency,
      log,
      stop: this.run.stop,
      onDeleted: tags => (progress.tagsDeleted += tags)
    })
    progress.imagesDone++
    this.kept?.add(inv, outcomes)
    const counts = summarizeCounts(outcomes)
    // size-estimate off: unknown, even where nothing goes (0 would read as measured)
    const bytes = cfg.sizeEstimate === 'off' ? undefined : this.freeable.add(inv, outcomes)
    for (const text of ip.referencesMatched ?? []) this.referencesMatched.add(text)
    return {
      repository: ip.repository,
      image: ip.image,
      ...(ip.error ? { error: ip.error } : {}),
      ...(ip.rule ? { rule: ip.rule } : {}),
      notes: ip.notes,
      outcomes,
      tags: counts.tags,
      manifests: counts.manifests,
      ...(bytes !== undefined ? { freeableBytes: bytes } : {})
    }
  }

  /** An image done: its line (said here, in listing order, so two runs print them alike), its failures, the sink. */
  private emit(r: ImageReport): void {
    const { cfg, log, failures } = this.run
    const sum = (c: Counts): number => c.kept + c.deleted + c.wouldDelete + c.pending + c.skipped + c.failed
    if (r.error) {
      log.warning(`${r.image}: inventory failed, nothing of it will be deleted: ${r.error}`)
      failures.push(`${r.repository}/${r.image}: inventory failed: ${r.error}`)
    } else {
      const gone = cfg.dryRun ? r.tags.wouldDelete : r.tags.deleted
      log.info(
        `${r.repository}/${r.image}: ${plural(sum(r.tags), 'tag')} on ${plural(sum(r.manifests), 'manifest')}, ${cfg.dryRun ? 'would delete' : 'deleted'} ${plural(gone, 'tag')}`
      )
    }
    for (const o of r.outcomes) {
      if (o.status === 'failed') failures.push(`${r.image}:${o.decision.tags.join(',')}: ${o.detail ?? 'failed'}`)
    }
    const { outcomes: _dropped, ...summary } = r
    this.done.summaries.push(summary)
    addCounts(this.done.tags, summary.tags)
    addCounts(this.done.manifests, summary.manifests)
    this.sink(r)
    collectIfHeapGrew()
  }
}

function needsDirectory(inv: ImageInventory): boolean {
  return !inv.error && (inv.missingSubjects?.length ?? 0) > 0
}
