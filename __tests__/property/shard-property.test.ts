// Sharding as a property over the generated graphs of graph-property (nested indexes, referrers in a
// signatures image, shared digests): N shards run one after another delete exactly what one unsharded run
// plans, and keep everything it keeps, but for one case: a referrer kept only because its subject lives in
// another image may go one run early, when that subject's shard already deleted it (it would go on the next
// unsharded run). Each image is in exactly one shard. GRAPH_SEEDS=1-100 explores further.
import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { registryReader, seedGraph, tagsNow } from '../../test/support/graph-seed'
import { memoryLogger } from '../../test/support/memory-logger'
import { randomGraph } from '../../test/support/random-graph'
import { registryOrSkip, startRegistry } from '../../test/support/registry-server'
import { runCleanup } from '../../test/support/run-cleanup'

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

function seeds(): number[] {
  const spec = process.env['GRAPH_SEEDS']
  if (!spec) return Array.from({ length: 10 }, (_, i) => i + 1)
  const [a = 1, b] = spec.split('-').map(Number)
  return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i)
}

const run = (host: string, policy: Record<string, string>, extra: Record<string, string>): Promise<RunReport> => {
  const inputs: Record<string, string> = { api: 'registry', host, ...policy, ...extra }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}
const tagsOf = (r: RunReport, pick: (status: string, rule: string) => boolean): string[] =>
  r.images.flatMap(i => i.outcomes.filter(o => pick(o.status, o.decision.rule)).flatMap(o => o.decision.tags.map(t => `${i.image}:${t}`)))

maybe('sharded runs of generated graphs against docker-registry', () => {
  it.each(seeds())(
    'seed %i',
    async seed => {
      const g = randomGraph(seed)
      // max-deletions applies per shard (documented): a capped policy is not the same job sharded
      const { ['max-deletions']: _cap, ...policy } = g.policy
      const shards = 2 + (seed % 3)
      const srv = await startRegistry(bin as string)
      try {
        const seeded = await seedGraph({ base: srv.url }, g.nodes, `seed ${seed}`)
        const reader = registryReader({ base: srv.url })
        const before = await tagsNow(reader, seeded)
        const plan = await run(srv.url, policy, { 'dry-run': 'true' })
        expect(plan.failures).toEqual([])
        const doomed = tagsOf(plan, s => s === 'would-delete')
        const mayGoEarly = new Set(tagsOf(plan, (s, rule) => s === 'kept' && rule === 'subject-exists'))
        const reports: RunReport[] = []
        for (let k = 1; k <= shards; k++) reports.push(await run(srv.url, policy, { 'dry-run': 'false', shard: `${k}/${shards}` }))
        const context = `seed ${seed}, ${shards} shards`
        expect({ context, failures: reports.flatMap(r => r.failures) }).toEqual({ context, failures: [] })
        const names = reports.flatMap(r => r.images.map(i => i.image))
        expect({ context, names: [...names].sort() }).toEqual({ context, names: [...new Set(names)].sort() })
        expect({ context, names: names.length }).toEqual({ context, names: plan.images.length })
        const after = await tagsNow(reader, seeded)
        const kept = before.filter(t => !doomed.includes(t))
        expect({ context, lost: kept.filter(t => !after.includes(t) && !mayGoEarly.has(t)) }).toEqual({ context, lost: [] })
        expect({ context, notDeleted: doomed.filter(t => after.includes(t)) }).toEqual({ context, notDeleted: [] })
      } finally {
        await srv.stop()
      }
    },
    60_000
  )
})
