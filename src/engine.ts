// The engine both doors (action and CLI) call: config -> inventory -> plan -> execute -> report, image by
// image: each image is inventoried, planned, executed and handed to the report sink, then dropped, so
// memory stays flat as tags grow. Only max-deletions needs every image planned before the first delete
// (the cap is shared over images), and then holds the inventories until each image has run.

import { Backend, ImageRef } from './backend'
import { Config, securityWarnings } from './config'
import { executeImage } from './execute'
import { Http } from './http'
import { FreeableEstimate } from './freeable'
import { mapLimit, mapOrdered } from './limit'
import { Logger } from './log'
import { relieveHeap } from './memory'
import { ImageInventory, ImagePlan, ImageReport, ImageSummary, RunReport, RunSummary } from './model'
import { ageUnknownCount, ageUnknownNote, plan } from './policy/planner'
import { matchesAny } from './glob'
import { SubjectDirectory } from './subject-directory'
import { RegistryClient } from './registry/client'
import { RegistryBackend } from './registry/backend'
import { NexusBackend } from './nexus/backend'
import { summarizeCounts, zeroCounts } from './report'
import { reclaim, type ReclaimOptions } from './reclaim'
import { KeptContent } from './kept-content'
import { ReclaimReport } from './model'

export interface EngineDeps {
  log: Logger
  version: string
  now?: () => Date
  /** Reclaim's waits: task poll bounds and the metrics flush (tests shorten them). */
  reclaimTiming?: Pick<ReclaimOptions, 'pollMinMs' | 'pollMaxMs' | 'metricsFlushMs'>
}

export const TOOL_NAME = 'nexus-image-lifecycle'

export function createBackend(cfg: Config, http: Http): Backend {
  if (cfg.api === 'registry') {
    const client = new RegistryClient(http, cfg.registryUrl ?? cfg.host)
    return new RegistryBackend(client, {
      parallel: cfg.concurrency,
      policy: cfg.policy,
      verifyBeforeDelete: cfg.verifyBeforeDelete,
      sizeEstimate: cfg.sizeEstimate,
      forceOnNexus: cfg.forceRegistryApi
    })
  }
  return new NexusBackend(http, cfg)
}

/** Receives each image's full report, in image order, once the image is done. */
export type ImageSink = (image: ImageReport) => void

/** Runs the cleanup; the full RunReport, every outcome included (for tests and small embedding). */
export async function runCleanup(cfg: Config, deps: EngineDeps): Promise<RunReport> {
  const images: ImageReport[] = []
  const summary = await runCleanupStreaming(cfg, deps, img => images.push(img))
  return { ...summary, images }
}

/** Runs the cleanup, handing each image's report to `sink` and keeping only counts (RunSummary). */
export async function runCleanupStreaming(cfg: Config, deps: EngineDeps, sink: ImageSink): Promise<RunSummary> {
  const { log } = deps
  const now = deps.now ?? (() => new Date())
  const started = now()
  const t0 = Date.now()
  const http = new Http({
    username: cfg.username,
    password: cfg.password,
    timeoutMs: cfg.requestTimeoutMs,
    retries: cfg.retries,
    concurrency: cfg.concurrency,
    userAgent: `${TOOL_NAME}/${deps.version}`,
    log,
    caCert: cfg.caCert,
    insecureSkipTlsVerify: cfg.insecureSkipTlsVerify
  })
  const backend = createBackend(cfg, http)
  try {
    const notes: string[] = []
    for (const w of securityWarnings(cfg)) {
      log.warning(w)
      notes.push(w)
    }
    if (cfg.api === 'registry' && cfg.policy.ageBasis === 'pushed') {
      const note = 'age-basis pushed: a plain registry does not record push dates, so the image config created date is used'
      log.warning(note)
      notes.push(note)
    }

    const { all, selected } = await log.group('Inventory', async () => {
      await backend.preflight()
      const listed = await backend.listImages()
      const chosen = listed.filter(r => matchesAny(r.name, cfg.policy.images) && !matchesAny(r.name, cfg.policy.excludeImages))
      log.info(`${listed.length} images found, ${chosen.length} selected by images/exclude-images`)
      for (const n of backend.notes) log.warning(n)
      notes.push(...backend.notes)
      return { all: listed, selected: chosen }
    })

    const freeable = new FreeableEstimate()
    // What the cleanup tasks must leave standing, read again after Docker GC.
    const kept = cfg.runCleanupTasks ? new KeptContent(!cfg.dryRun) : undefined
    const summaries: ImageSummary[] = []
    const failures: string[] = []
    let ageUnknown = 0
    // Every manifest of every image inventoried, so a referrer whose subject is not in its own image (a
    // signatures repository) is kept while the subject exists anywhere the run lists.
    const directory = new SubjectDirectory()
    const locate = (digest: string) => directory.locate(digest)
    const inventory = async (ref: ImageRef): Promise<ImageInventory> => {
      const inv = await backend.inventory(ref)
      if (inv.error) log.warning(`${inv.name}: inventory failed, nothing of it will be deleted: ${inv.error}`)
      directory.add(inv)
      return inv
    }
    /** Before deciding an orphan: the listed images not selected may hold its subject too (read-only). */
    const completeDirectory = async (): Promise<void> => {
      const rest = all.filter(r => !directory.has(r.repository, r.name))
      if (rest.length === 0) return
      log.info(`referrers name subjects outside their image: reading the ${rest.length} images not selected to look for them (nothing of them is deleted)`)
      await mapLimit(rest, cfg.concurrency, async ref => directory.add(await backend.inventory(ref)))
    }
    const needsDirectory = (inv: ImageInventory): boolean => !inv.error && (inv.missingSubjects?.length ?? 0) > 0
    // Everything an image needs after its plan: the size reads, the execute step, its report.
    const finish = async (inv: ImageInventory, ip: ImagePlan): Promise<ImageReport> => {
      ageUnknown += ageUnknownCount(ip)
      const going = ip.decisions.filter(d => d.action === 'delete').map(d => d.digest)
      if (going.length > 0) {
        // The estimate of freed bytes needs the blobs of what goes; read them now, before they are gone.
        try {
          await backend.describeSizes(inv, going)
        } catch (e) {
          log.warning(`${ip.image}: size estimate unavailable: ${(e as Error).message}`)
        }
      }
      const outcomes = await executeImage(ip, inv, backend, { dryRun: cfg.dryRun, parallel: cfg.concurrency, log })
      kept?.add(inv, outcomes)
      const counts = summarizeCounts(outcomes)
      // size-estimate off: unknown, even where nothing goes (0 would read as measured)
      const bytes = cfg.sizeEstimate === 'off' ? undefined : freeable.add(inv, outcomes)
      const tagCount = inv.manifests.reduce((n, m) => n + m.tags.length, 0)
      const gone = cfg.dryRun ? counts.tags.wouldDelete : counts.tags.deleted
      if (!inv.error)
        log.info(
          `${inv.repository}/${inv.name}: ${tagCount} tags on ${inv.manifests.length} manifests, ${cfg.dryRun ? 'would delete' : 'deleted'} ${gone} tags`
        )
      return {
        repository: ip.repository,
        image: ip.image,
        ...(ip.error ? { error: ip.error } : {}),
        notes: ip.notes,
        outcomes,
        tags: counts.tags,
        manifests: counts.manifests,
        ...(bytes !== undefined ? { freeableBytes: bytes } : {})
      }
    }
    const emit = (r: ImageReport): void => {
      if (r.error) failures.push(`${r.repository}/${r.image}: inventory failed: ${r.error}`)
      for (const o of r.outcomes) {
        if (o.status === 'failed') failures.push(`${r.image}:${o.decision.tags.join(',')}: ${o.detail ?? 'failed'}`)
      }
      const { outcomes: _dropped, ...summary } = r
      summaries.push(summary)
      sink(r)
      relieveHeap()
    }

    await log.group(cfg.dryRun ? 'Plan and dry run (nothing is deleted)' : 'Plan and delete', async () => {
      if (cfg.policy.maxDeletions === undefined) {
        // An image whose referrers name subjects it does not hold waits until every image is known.
        const deferred: ImageInventory[] = []
        await mapOrdered(
          selected,
          cfg.concurrency,
          async ref => {
            // A turn of the event loop per image: with nothing to wait for (a Nexus dry run plans from
            // the spooled listing), images would run back to back in microtasks, and V8's GC tasks would
            // wait until the end (measured: +60 MB peak RSS at 100k tags).
            await new Promise(resolve => setImmediate(resolve))
            const inv = await inventory(ref)
            if (needsDirectory(inv)) {
              deferred.push(inv)
              return undefined
            }
            return finish(inv, plan([inv], cfg.policy, started, locate).images[0])
          },
          r => r && emit(r)
        )
        if (deferred.length > 0) await completeDirectory()
        for (const inv of deferred) emit(await finish(inv, plan([inv], cfg.policy, started, locate).images[0]))
        return
      }
      // The cap is shared round robin over images, so every image is planned before the first delete.
      const invs: (ImageInventory | undefined)[] = await mapLimit(selected, cfg.concurrency, inventory)
      if ((invs as ImageInventory[]).some(needsDirectory)) await completeDirectory()
      const whole = plan(invs as ImageInventory[], cfg.policy, started, locate)
      await mapOrdered(
        whole.images,
        cfg.concurrency,
        async (ip, i) => {
          const report = await finish(invs[i] as ImageInventory, ip)
          invs[i] = undefined
          return report
        },
        emit
      )
    })
    const unknownNote = ageUnknownNote(ageUnknown)
    if (unknownNote) {
      log.info(unknownNote)
      notes.push(unknownNote)
    }

    const tags = zeroCounts()
    const manifests = zeroCounts()
    for (const s of summaries) {
      for (const k of Object.keys(tags) as (keyof typeof tags)[]) {
        tags[k] += s.tags[k]
        manifests[k] += s.manifests[k]
      }
    }
    const freeableTotal = cfg.sizeEstimate === 'off' ? undefined : freeable.total()

    let reclaimed: ReclaimReport | undefined
    if (cfg.runCleanupTasks) {
      reclaimed = await log.group('Reclaim space (Nexus cleanup tasks)', async () => {
        try {
          return await reclaim(cfg, http, log, tags.deleted > 0, {
            expectedBytes: freeableTotal,
            ...deps.reclaimTiming,
            ociRepositories: [...(kept?.ociRepositories ?? [])],
            ...(kept && !cfg.dryRun
              ? { verifyKept: () => kept.verify(http, repo => cfg.registryUrl ?? `${cfg.host}/repository/${repo}`, cfg.concurrency) }
              : {})
          })
        } catch (e) {
          failures.push(`reclaim: ${(e as Error).message}`)
          log.error(`reclaim: ${(e as Error).message}`)
          return undefined
        }
      })
      for (const n of reclaimed?.notes ?? []) log.info(n)
    }
    return {
      tool: { name: TOOL_NAME, version: deps.version },
      api: cfg.api,
      dryRun: cfg.dryRun,
      host: cfg.host,
      repositories: cfg.repositories,
      startedAt: started.toISOString(),
      durationMs: Date.now() - t0,
      policy: {
        images: cfg.policy.images,
        excludeImages: cfg.policy.excludeImages,
        tags: cfg.policy.tags,
        keepTags: cfg.policy.keepTags,
        keep: cfg.policy.keep,
        keepOther: cfg.policy.keepOther,
        ...(cfg.policy.olderThan ? { olderThan: cfg.policy.olderThan.text } : {}),
        ageBasis: cfg.policy.ageBasis,
        sort: cfg.policy.sort,
        ...(cfg.policy.maxDeletions !== undefined ? { maxDeletions: cfg.policy.maxDeletions } : {})
      },
      images: summaries,
      totals: {
        images: summaries.length,
        tags,
        manifests,
        ...(freeableTotal !== undefined ? { freeableBytes: freeableTotal } : {})
      },
      requests: { ...http.counts },
      notes,
      failures,
      ...(reclaimed ? { reclaim: reclaimed } : {})
    }
  } finally {
    // e.g. the spooled Nexus listing: removed however the run ends
    backend.close?.()
  }
}
