// The engine both doors (action and CLI) call: config -> inventory -> plan -> execute -> report.

import { Backend, ImageRef } from './backend'
import { Config, securityWarnings } from './config'
import { executeImage } from './execute'
import { Http } from './http'
import { mapLimit } from './limit'
import { Logger } from './log'
import { ImageInventory, ImageReport, Outcome, RunReport } from './model'
import { plan } from './policy/planner'
import { matchesAny } from './glob'
import { RegistryClient } from './registry/client'
import { RegistryBackend } from './registry/backend'
import { NexusBackend } from './nexus/backend'
import { summarizeCounts } from './report'
import { reclaim } from './reclaim'
import { ReclaimReport } from './model'

export interface EngineDeps {
  log: Logger
  version: string
  now?: () => Date
}

export const TOOL_NAME = 'nexus-image-lifecycle'

export function createBackend(cfg: Config, http: Http): Backend {
  if (cfg.api === 'registry') return new RegistryBackend(new RegistryClient(http, cfg.registryUrl ?? cfg.host), cfg.concurrency)
  return new NexusBackend(http, cfg)
}

export async function runCleanup(cfg: Config, deps: EngineDeps): Promise<RunReport> {
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

  const inventories = await log.group('Inventory', async () => {
    await backend.preflight()
    const all = await backend.listImages()
    const selected = all.filter(r => matchesAny(r.name, cfg.policy.images) && !matchesAny(r.name, cfg.policy.excludeImages))
    log.info(`${all.length} images found, ${selected.length} selected by images/exclude-images`)
    for (const n of backend.notes) log.warning(n)
    notes.push(...backend.notes)
    const invs = await mapLimit(selected, cfg.concurrency, (ref: ImageRef) => backend.inventory(ref))
    for (const inv of invs) {
      const tags = inv.manifests.reduce((n, m) => n + m.tags.length, 0)
      if (inv.error) log.warning(`${inv.name}: inventory failed, nothing of it will be deleted: ${inv.error}`)
      else log.info(`${inv.repository}/${inv.name}: ${tags} tags on ${inv.manifests.length} manifests`)
    }
    return invs
  })

  const thePlan = await log.group('Plan', async () => {
    const p = plan(inventories, cfg.policy, started)
    for (const n of p.notes) log.info(n)
    return p
  })
  notes.push(...thePlan.notes)

  // The estimate of freed bytes needs the blobs of what goes; read them now, before they are gone.
  await mapLimit(thePlan.images, cfg.concurrency, async (ip, i) => {
    const going = ip.decisions.filter(d => d.action === 'delete').map(d => d.digest)
    if (going.length === 0) return
    try {
      await backend.describeSizes(inventories[i], going)
    } catch (e) {
      log.warning(`${ip.image}: size estimate unavailable: ${(e as Error).message}`)
    }
  })

  const outcomes = await log.group(cfg.dryRun ? 'Dry run (nothing is deleted)' : 'Delete', () =>
    mapLimit(thePlan.images, cfg.concurrency, (ip, i) => executeImage(ip, inventories[i], backend, { dryRun: cfg.dryRun, parallel: cfg.concurrency, log }))
  )

  const images: ImageReport[] = thePlan.images.map((ip, i) => {
    const counts = summarizeCounts(outcomes[i])
    return {
      repository: ip.repository,
      image: ip.image,
      ...(ip.error ? { error: ip.error } : {}),
      notes: ip.notes,
      outcomes: outcomes[i],
      tags: counts.tags,
      manifests: counts.manifests
    }
  })
  const freeable = estimateFreeable(inventories, outcomes)
  images.forEach((r, i) => {
    if (freeable.perImage[i] !== undefined) r.freeableBytes = freeable.perImage[i]
  })

  const failures: string[] = []
  for (const r of images) {
    if (r.error) failures.push(`${r.repository}/${r.image}: inventory failed: ${r.error}`)
    for (const o of r.outcomes) {
      if (o.status === 'failed') failures.push(`${r.image}:${o.decision.tags.join(',')}: ${o.detail ?? 'failed'}`)
    }
  }
  const totalCounts = summarizeCounts(outcomes.flat())

  let reclaimed: ReclaimReport | undefined
  if (cfg.runCleanupTasks) {
    reclaimed = await log.group('Reclaim space (Nexus cleanup tasks)', async () => {
      try {
        return await reclaim(cfg, http, log, totalCounts.tags.deleted > 0)
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
    images,
    totals: {
      images: images.length,
      tags: totalCounts.tags,
      manifests: totalCounts.manifests,
      ...(freeable.total !== undefined ? { freeableBytes: freeable.total } : {})
    },
    requests: { ...http.counts },
    notes,
    failures,
    ...(reclaimed ? { reclaim: reclaimed } : {})
  }
}

/**
 * Upper bound of the bytes deleting may free: blobs of deleted (or would-delete) manifests that no
 * remaining manifest of the same repository is known to use, each digest counted once. Upper bound
 * because images outside the selection, or other repositories, may share them.
 */
function estimateFreeable(invs: ImageInventory[], outcomes: Outcome[][]): { perImage: (number | undefined)[]; total?: number } {
  const gone = (o: Outcome): boolean => o.status === 'deleted' || o.status === 'would-delete'
  const stillUsed = new Map<string, Set<string>>()
  let known = true
  invs.forEach((inv, i) => {
    const used = stillUsed.get(inv.repository) ?? new Set<string>()
    stillUsed.set(inv.repository, used)
    const byDigest = new Map(inv.manifests.map(m => [m.digest, m]))
    for (const o of outcomes[i]) {
      const m = byDigest.get(o.decision.digest)
      if (!m) continue
      if (!m.blobs && gone(o)) known = false
      // Kept manifests whose blobs were read (plain registry) shrink the estimate; on Nexus they are
      // not read (that would mark them pulled), so the bound is looser there.
      if (!gone(o)) for (const b of m.blobs ?? []) used.add(b.digest)
    }
  })
  if (!known) return { perImage: invs.map(() => undefined) }
  const counted = new Set<string>()
  const perImage = invs.map((inv, i) => {
    const used = stillUsed.get(inv.repository) as Set<string>
    const byDigest = new Map(inv.manifests.map(m => [m.digest, m]))
    let bytes = 0
    for (const o of outcomes[i].filter(gone)) {
      for (const b of byDigest.get(o.decision.digest)?.blobs ?? []) {
        const key = `${inv.repository}\u0000${b.digest}`
        if (used.has(b.digest) || counted.has(key)) continue
        counted.add(key)
        bytes += b.size
      }
      bytes += byDigest.get(o.decision.digest)?.manifestSize ?? 0
    }
    return bytes
  })
  return { perImage, total: perImage.reduce((a: number, b) => a + (b ?? 0), 0) }
}
