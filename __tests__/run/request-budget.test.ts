// Request budget (not timed): for a fixed data set the engine may send at most 20% more requests than
// issue 6's bare lower bound of the job (scripts/bench-bound.ts), computed from the scenario, never
// hard-coded: the listing pages, the reads the policy needs (config dates only where src/policy/dates.ts
// says), the deletes, and a Nexus dry run's size-estimate reads. Default inputs (verify-before-delete false,
// size-estimate auto). What a run adds on top (the preflight, the usage counters, and in a real run the guard around deleting by digest and the check that deleted
// tags are gone) must fit in the slack. `npm run bench` measures the same thing at scale, with time and memory.

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { memoryLogger } from '../../test/support/memory-logger'
import { RunReport } from '../../src/model'
import { startNexusEmulator } from '../../test/nexus-emulator/server'
import { startFaultProxy } from '../../test/support/fault-proxy'
import { registryOrSkip, startRegistry } from '../../test/support/registry-server'
import {
  Bound,
  configReadsNeeded,
  describeCounts,
  expectedDeletes,
  nexusBound,
  nexusRequestKind,
  registryBound,
  totalRequests
} from '../../scripts/bench-bound'
import { benchScenario, NEXUS_REPOSITORY, seedRegistry } from '../../scripts/bench-seed'

// Large enough that the one preflight request of a run (not in the bound) is small beside 7 listing pages.
const IMAGES = 10
const TAGS = 60
const KEEP = 5
const SLACK = 1.2

function run(inputs: Record<string, string>): Promise<RunReport> {
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1
  return out
}

/** Asserts the count against issue 6's bare bound; on failure the message breaks both down. */
function expectWithinBudget(label: string, seen: Record<string, number>, bare: Bound): void {
  const actual = totalRequests(seen)
  const parts = bare.parts.map(p => `${p.what} ${p.requests}`).join(' + ')
  const text =
    `${label}: ${actual} requests, issue 6's bare bound ${bare.total} (${parts}), ` +
    `ratio ${(actual / bare.total).toFixed(2)} (at most ${SLACK})\n  sent: ${describeCounts(seen)}`
  if (process.env.REQUEST_BUDGET_PRINT) process.stdout.write(text + '\n')
  if (actual > SLACK * bare.total) throw new Error(text)
  expect(actual).toBeLessThanOrEqual(SLACK * bare.total)
}

describe.each([false, true])(`request budget, Nexus emulator, ${IMAGES} images x ${TAGS} tags, keep ${KEEP} (dry run: %s)`, dryRun => {
  it(`stays within ${SLACK} x issue 6's bare bound`, async () => {
    const { scenario, images } = benchScenario(IMAGES, TAGS)
    const emu = await startNexusEmulator({ scenario })
    try {
      const report = await run({
        host: emu.url,
        repository: NEXUS_REPOSITORY,
        username: 'admin',
        password: 'admin123',
        keep: String(KEEP),
        'dry-run': String(dryRun)
      })
      expect(report.failures).toEqual([])
      const planned = images.reduce((n, i) => n + expectedDeletes(i.tags, KEEP), 0)
      expect(dryRun ? report.totals.tags.wouldDelete : report.totals.tags.deleted).toBe(planned)
      const seen = countBy(emu.requests, nexusRequestKind)
      // the engine's own counters agree with what the server saw
      expect(totalRequests(report.requests)).toBe(emu.requests.length)
      // one component DELETE per deleted tag; push dates are known, so no date is read
      const job = {
        components: images.reduce((n, i) => n + i.tags.length, 0),
        deletedTags: dryRun ? 0 : planned,
        // a dry run answers "how much would come back?" with one read by digest per manifest it would delete
        sizeReads: dryRun ? report.totals.manifests.wouldDelete : 0,
        policyReads: images.reduce((n, i) => n + configReadsNeeded(i.tags, { pushDates: true }), 0)
      }
      expectWithinBudget(`nexus ${dryRun ? 'dry run' : 'delete'}`, seen, nexusBound(job))
    } finally {
      await emu.close()
    }
  })
})

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

maybe(`request budget, docker-registry, ${IMAGES} images x ${TAGS} tags, keep ${KEEP}`, () => {
  // Seeded once: the dry run changes nothing, so the delete run that follows sees the same registry.
  let srv: Awaited<ReturnType<typeof startRegistry>>
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>
  let seed: Awaited<ReturnType<typeof seedRegistry>>
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
    // Requests are counted by a pass-through proxy in front of the registry (no rules: no faults).
    proxy = await startFaultProxy(srv.url)
    seed = await seedRegistry({ base: srv.url }, IMAGES, TAGS, { parallel: 8 })
  })
  afterAll(async () => {
    await proxy?.close()
    await srv?.stop()
  })

  it.each([true, false])(`dry run %s: stays within ${SLACK} x issue 6's bare bound`, async dryRun => {
    proxy.log.splice(0)
    const report = await run({ host: proxy.url, api: 'registry', 'age-basis': 'created', keep: String(KEEP), 'dry-run': String(dryRun) })
    expect(report.failures).toEqual([])
    const planned = seed.images.reduce((n, i) => n + expectedDeletes(i.tags, KEEP), 0)
    expect(dryRun ? report.totals.manifests.wouldDelete : report.totals.manifests.deleted).toBe(planned)
    const seen = countBy(proxy.log, r => `${r.method} ${r.path.replace(/\?.*$/, '').replace(/^\/v2\/.*\/(manifests|blobs|tags)\/.*$/, '$1')}`)
    expect(totalRequests(report.requests)).toBe(proxy.log.length)
    const job = {
      // every tag has its own manifest and config in this data set; no push dates on a registry
      images: seed.images.map(i => ({ tags: i.tags.length, configs: configReadsNeeded(i.tags, { pushDates: false }) })),
      deletedManifests: dryRun ? 0 : planned
    }
    // the config reads are exactly those the policy needs
    expect(report.requests['registry GET config blob']).toBe(job.images.reduce((n, i) => n + i.configs, 0))
    expectWithinBudget(`registry ${dryRun ? 'dry run' : 'delete'}`, seen, registryBound(job))
  })
})
