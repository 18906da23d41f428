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
  const { cfg, log, backend } = run
  // Images in flight: with concurrency auto its starting point, not its ceiling. Requests within an image
  // still fill the adaptive limit; more images at once only hold more inventories in memory.
  const imagesInFlight = cfg.adaptiveStart ?? cfg.concurrency
  const freeable = new FreeableEstimate()
  const kept = cfg.runCleanupTasks ? new KeptContent(!cfg.dryRun) : undefined
  const done: ImagesDone = { summaries: [], tags: zeroCounts(), manifests: zeroCounts(), ...(kept ? { kept } : {}) }
  let ageUnknown = 0
  const referencesMatched = new Set<string>()
  // Every manifest of every image inventoried, so a referrer whose subject is not in its own image (a
  // signatures repository) is kept while the subject exists anywhere the run lists.
  const directory = new SubjectDirectory()
  const locate = (digest: string) => directory.locate(digest)

  const inventory = async (ref: ImageRef): Promise<ImageInventory> => {
    const inv = await backend.inventory(ref)
    directory.add(inv)
    return inv
  }
  /** Before deciding an orphan: the listed images not selected may hold its subject too (read-only). */
  const completeDirectory = async (): Promise<void> => {
    const rest = listing.all.filter(r => !directory.has(r.repository, r.name))
    if (rest.length === 0) return
    log.info(`referrers name subjects outside their image: reading the ${rest.length} images not selected to look for them (nothing of them is deleted)`)
    await mapLimit(rest, imagesInFlight, async ref => directory.add(await backend.inventory(ref)))
  }
  const needsDirectory = (inv: ImageInventory): boolean => !inv.error && (inv.missingSubjects?.length ?? 0) > 0

  /** One image planned alone (its subjects found through the directory). */
  const planOne = (inv: ImageInventory): ImagePlan => plan([inv], cfg.policy, run.started, locate).images[0] as ImagePlan

  // Everything an image needs after its plan: the size reads, the execute step, its report.
  const finish = async (inv: ImageInventory, ip: ImagePlan): Promise<ImageReport> => {
    ageUnknown += ageUnknownCount(ip)
    const going = ip.decisions.filter(d => d.action === 'delete').map(d => d.digest)
    if (going.length > 0) {
      // The estimate of freed bytes needs the blobs of what goes; read them now, before they are gone.
      try {
        await backend.readSizes(inv, going)
      } catch (e) {
        log.warning(`${ip.image}: size estimate unavailable: ${(e as Error).message}`)
      }
    }
    run.progress.tagsPlanned += ip.decisions.reduce((n, d) => n + (d.action === 'delete' ? d.tags.length : 0), 0)
    const outcomes = await executeImage(ip, inv, backend, {
      dryRun: cfg.dryRun,
      parallel: cfg.concurrency,
      log,
      stop: run.stop,
      onDeleted: tags => (run.progress.tagsDeleted += tags)
    })
    run.progress.imagesDone++
    kept?.add(inv, outcomes)
    const counts = summarizeCounts(outcomes)
    // size-estimate off: unknown, even where nothing goes (0 would read as measured)
    const bytes = cfg.sizeEstimate === 'off' ? undefined : freeable.add(inv, outcomes)
    for (const text of ip.referencesMatched ?? []) referencesMatched.add(text)
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
  // Per-image lines are said here, in listing order, so two runs print them alike.
  const emit = (r: ImageReport): void => {
    const sum = (c: Counts): number => c.kept + c.deleted + c.wouldDelete + c.pending + c.skipped + c.failed
    if (r.error) log.warning(`${r.image}: inventory failed, nothing of it will be deleted: ${r.error}`)
    else {
      const gone = cfg.dryRun ? r.tags.wouldDelete : r.tags.deleted
      log.info(
        `${r.repository}/${r.image}: ${plural(sum(r.tags), 'tag')} on ${plural(sum(r.manifests), 'manifest')}, ${cfg.dryRun ? 'would delete' : 'deleted'} ${plural(gone, 'tag')}`
      )
    }
    if (r.error) run.failures.push(`${r.repository}/${r.image}: inventory failed: ${r.error}`)
    for (const o of r.outcomes) {
      if (o.status === 'failed') run.failures.push(`${r.image}:${o.decision.tags.join(',')}: ${o.detail ?? 'failed'}`)
    }
    const { outcomes: _dropped, ...summary } = r
    done.summaries.push(summary)
    addCounts(done.tags, summary.tags)
    addCounts(done.manifests, summary.manifests)
    sink(r)
    collectIfHeapGrew()
  }

  await log.group(cfg.dryRun ? 'Plan and dry run (nothing is deleted)' : 'Plan and delete', async () => {
    // max-deletions shares a cap over images, max-components a budget: both plan every image together.
    if (cfg.policy.maxDeletions === undefined && cfg.policy.maxComponents === undefined) {
      const deferred: ImageInventory[] = []
      await mapOrdered(
        listing.selected,
        imagesInFlight,
        async ref => {
          // A turn of the event loop per image: with nothing to wait for (a Nexus dry run plans from
          // the spooled listing), images would run back to back in microtasks, and V8's GC tasks would
          // wait until the end (measured: +60 MB peak RSS at 100k tags).
          await new Promise(resolve => setImmediate(resolve))
          // a stopped run reads no further image (none of them loses anything)
          if (run.stop.stopping) {
            done.notReached = (done.notReached ?? 0) + 1
            return undefined
          }
          const inv = await inventory(ref)
          if (needsDirectory(inv)) {
            deferred.push(inv)
            return undefined
          }
          return finish(inv, planOne(inv))
        },
        r => r && emit(r)
      )
      if (deferred.length > 0) await completeDirectory()
      for (const inv of deferred) emit(await finish(inv, planOne(inv)))
      return
    }
    const invs: (ImageInventory | undefined)[] = await mapLimit(listing.selected, imagesInFlight, inventory)
    if ((invs as ImageInventory[]).some(needsDirectory)) await completeDirectory()
    const budget = cfg.policy.maxComponents !== undefined && usage?.components !== undefined ? { components: usage.components } : undefined
    if (cfg.policy.maxComponents !== undefined && !budget) {
      const note = `max-components ${cfg.policy.maxComponents}: the instance's component count could not be read, so the budget took nothing (the rest of the policy applies)`
      log.warning(note)
      run.notes.push(note)
    }
    const whole = plan(invs as ImageInventory[], cfg.policy, run.started, locate, budget)
    if (whole.budget) done.budget = whole.budget
    await mapOrdered(
      whole.images,
      imagesInFlight,
      async (ip, i) => {
        const report = await finish(invs[i] as ImageInventory, ip)
        invs[i] = undefined
        return report
      },
      emit
    )
  })

  const unmatched = (cfg.policy.references ?? []).filter(r => !referencesMatched.has(r.text)).map(r => r.text)
  if (unmatched.length > 0) {
    const note = `keep-references: ${unmatched.length} of ${cfg.policy.references?.length ?? 0} matched nothing in the images this run cleans: ${unmatched.join(', ')}`
    log.info(note)
    run.notes.push(note)
  }
  const unknownNote = ageUnknownNote(ageUnknown)
  if (unknownNote) {
    log.info(unknownNote)
    run.notes.push(unknownNote)
  }
  const freeableBytes = cfg.sizeEstimate === 'off' ? undefined : freeable.total()
  if (freeableBytes !== undefined) done.freeableBytes = freeableBytes
  return done
}
