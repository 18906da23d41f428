// The run in one value, without its outcomes (those went to the sink image by image): what every report
// renders.

import { REPORT_SCHEMA_VERSION, type ReclaimReport, type RunSummary } from '../model'
import { ruleText } from '../policy/select'
import { TOOL_NAME, type RunContext } from './context'
import type { ImagesDone } from './images'
import type { UsageCounters } from './usage'
import type { Listing } from './listing'

export function summarizeRun(run: RunContext, images: ImagesDone, reclaimed: ReclaimReport | undefined, usage?: UsageCounters, listing?: Listing): RunSummary {
  const { cfg, deps } = run
  const requests = { ...run.http.counts }
  const usageReport = usage?.report(requests)
  const stop = run.stop
  if (stop.reason && !run.failures.some(f => f.startsWith('stopped'))) {
    const missed = images.notReached ?? 0
    run.failures.push(
      `stopped (${stop.reason}) before the run ended${missed > 0 ? `: ${missed} image${missed === 1 ? '' : 's'} not reached` : ''}; what was deleted is in the report, and a rerun continues where it stopped`
    )
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: deps.version },
    api: cfg.api,
    dryRun: cfg.dryRun,
    host: cfg.host,
    repositories: cfg.repositories,
    startedAt: run.started.toISOString(),
    durationMs: Date.now() - run.t0,
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
      ...(cfg.policy.maxDeletions !== undefined ? { maxDeletions: cfg.policy.maxDeletions } : {}),
      keepPer: cfg.policy.keepPer,
      ...(cfg.policy.keepLines !== undefined ? { keepLines: cfg.policy.keepLines } : {}),
      deleteTags: cfg.policy.deleteTags,
      ...(cfg.policy.deleteOrphans ? { deleteOrphans: true } : {}),
      ...(cfg.policy.rules ? { rules: cfg.policy.rules.map(ruleText) } : {}),
      ...(cfg.policy.references ? { references: cfg.policy.references.map(r => r.text) } : {}),
      ...(cfg.policy.maxComponents !== undefined ? { maxComponents: cfg.policy.maxComponents } : {})
    },
    images: images.summaries,
    totals: {
      images: images.summaries.length,
      tags: images.tags,
      manifests: images.manifests,
      ...(images.freeableBytes !== undefined ? { freeableBytes: images.freeableBytes } : {})
    },
    requests,
    notes: run.notes,
    failures: run.failures,
    ...(reclaimed ? { reclaim: reclaimed } : {}),
    ...(usageReport ? { usage: usageReport } : {}),
    ...(images.budget ? { budget: images.budget } : {}),
    concurrency: run.http.concurrency(),
    ...(stop.reason && stop.at ? { stopped: { reason: stop.reason, at: stop.at.toISOString(), imagesNotReached: images.notReached ?? 0 } } : {}),
    ...(cfg.shard && listing ? { shard: { ...cfg.shard, images: listing.selected.length, of: listing.selectedAllShards ?? listing.selected.length } } : {}),
    ...(cfg.reclaimOnly ? { reclaimOnly: true } : {})
  }
}
