// docs/sharding.md's sharded workflow, run as the runner runs it: each matrix job's step through dist/index.js with
// its INPUT_* (the report uploaded where download-artifact puts it), then the final job's step
// (reclaim-only + merge-reports), against the Nexus emulator. It leaves what one unsharded run leaves, and
// the merged summary shows the whole run.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { benchScenario, NEXUS_REPOSITORY } from '../../scripts/bench-seed'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { runAction } from '../../test/support/run-action'

const README = readFileSync(join(__dirname, '..', '..', 'docs', 'sharding.md'), 'utf8')

interface Workflow {
  jobs: Record<string, { strategy?: { matrix: { shard: string[] } }; steps: { uses: string; with?: Record<string, unknown> }[] }>
}

function workflow(): Workflow {
  const m = /<!-- example: sharded -->\n```yaml\n([\s\S]*?)```/.exec(README)
  if (!m?.[1]) throw new Error('docs/sharding.md lacks the sharded workflow')
  return parse(m[1]) as Workflow
}

/** The `with:` of the action's step in a job, as the runner passes it: strings, expressions filled in. */
function inputsOf(job: Workflow['jobs'][string], emu: NexusEmulator, values: Record<string, string>): Record<string, string> {
  const step = job.steps.find(s => s.uses.includes('nexus-image-lifecycle'))
  if (!step?.with) throw new Error('no nexus-image-lifecycle step')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(step.with))
    out[k] = String(v).replace(
      /\$\{\{\s*([^}]+?)\s*\}\}/g,
      (_m, expr: string) => ({ "vars.NEXUS_CLEANUP_DELETE != 'true'": 'false', ...values })[expr] ?? `<${expr}>`
    )
  return { ...out, host: emu.url, username: 'admin', password: 'admin123' }
}

const start = (): Promise<NexusEmulator> => startNexusEmulator({ scenario: benchScenario(12, 10).scenario, tasks: { mode: 'timer', durationMs: 20 } })

test('the README sharded workflow leaves what one unsharded run leaves, and its merged summary shows the whole run', async () => {
  const wf = workflow()
  const shardJob = wf.jobs['shard']
  const reclaimJob = wf.jobs['reclaim']
  if (!shardJob || !reclaimJob) throw new Error('the workflow has no shard and reclaim jobs')
  const shards = shardJob.strategy?.matrix.shard ?? []
  expect(shards).toEqual(['1/4', '2/4', '3/4', '4/4'])
  const [whole, split] = [await start(), await start()]
  try {
    const unsharded = inputsOf(shardJob, whole, {})
    delete unsharded['shard']
    delete unsharded['report-file']
    const one = await runAction(unsharded)
    expect(one.code).toBe(0)

    const workspace = mkdtempSync(join(tmpdir(), 'nil-workspace-'))
    for (const [i, shard] of shards.entries()) {
      // upload-artifact report-<job-index>, then download-artifact into reports/report-<i>/
      const runnerTemp = join(workspace, 'reports', `report-${i}`)
      mkdirSync(runnerTemp, { recursive: true })
      const r = await runAction(inputsOf(shardJob, split, { 'matrix.shard': shard, 'runner.temp': runnerTemp }), { cwd: workspace })
      expect({ shard, code: r.code }).toEqual({ shard, code: 0 })
      expect(r.summary).toContain(`shard ${shard}: `)
    }
    const final = await runAction(inputsOf(reclaimJob, split, {}), { cwd: workspace })
    expect(final.code).toBe(0)

    for (const image of benchScenario(12, 10).images.map(i => i.name)) {
      expect({ image, left: split.tags(NEXUS_REPOSITORY, image).sort() }).toEqual({ image, left: whole.tags(NEXUS_REPOSITORY, image).sort() })
    }
    // the merged summary is the whole run's: the same counts and outputs as the unsharded run, and the reclaim step
    expect(final.outputs['deleted-count']).toBe(one.outputs['deleted-count'])
    expect(final.outputs['manifests-deleted-count']).toBe(one.outputs['manifests-deleted-count'])
    expect(JSON.parse(final.outputs['deleted'] ?? '[]').sort()).toEqual(JSON.parse(one.outputs['deleted'] ?? '[]').sort())
    expect(final.summary).toContain('merged from 4 reports')
    expect(final.summary).toMatch(/<h2>✅ Deleted \d+ tags \(\d+ manifests\) in 12 images · /)
    expect(final.summary).toContain('Reclaim space (Nexus cleanup tasks)')
    expect(final.summary).toContain('came back (measured on the blob store')
  } finally {
    await whole.close()
    await split.close()
  }
}, 120_000)
