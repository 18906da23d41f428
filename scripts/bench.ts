// npm run bench [-- --images 100 --tags 50 --keep 5 --only registry|nexus --out .tmp/bench-results.json]
//
// Seeds the real docker-registry (through the registry API) and the Nexus emulator (with its in-process
// seed(scenario): fast, but not through its v2 API) with I images x T tags, then runs the bundled CLI
// (dist/cli/index.js, refresh it with `npm run package`) as a child process with keep 5, in a dry run and
// for real, and prints per run: wall time, HTTP requests by kind, requests per tag, the lower bound of
// the job (scripts/bench-bound.ts), the ratio to it, and the CLI's peak RSS. Writes the same as JSON.
// It measures; it asserts nothing about time.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { cpus, tmpdir, totalmem, type as osType, release } from 'node:os'
import { dirname, join } from 'node:path'
import { startNexusEmulator, NexusEmulator } from '../test/nexus-emulator/server'
import { listTags } from '../test/support/push'
import { findRegistryBin, startRegistry } from '../test/support/registry-server'
import { configReadsNeeded, nexusBound, nexusRequestKind, registryBound, type Bound } from './bench-bound'
import { benchScenario, NEXUS_REPOSITORY, pool, seedRegistry } from './bench-seed'
import { benchPeers } from './bench-peers'
import { parseArgs, peerArgs, type Args } from './bench-args'
import { CLI, cleanups, log, RSS_METHOD, runCli, summarize, type RunResult } from './bench-run'
import { render, sourceVersion } from './bench-report'

const NEXUS_PASSWORD_ENV = 'BENCH_NEXUS_PASSWORD'

// ------------------------------------------------------------------ targets

async function benchRegistry(a: Args, work: string): Promise<{ runs: RunResult[]; seeding?: Record<string, unknown>; skipped?: string }> {
  const bin = findRegistryBin()
  if (!bin) return { runs: [], skipped: 'docker-registry not found (Debian package docker-registry, or REGISTRY_BIN)' }
  const srv = await startRegistry(bin)
  // srv.stop() waits for the registry's exit, which never comes if the signal already stopped it
  // (and a parent killed with us may not wait long): remove the directory at once, and again after.
  const stop = async (): Promise<void> => {
    const stopped = srv.stop()
    rmSync(srv.dir, { recursive: true, force: true })
    await Promise.race([stopped, new Promise(r => setTimeout(r, 1000))])
    rmSync(srv.dir, { recursive: true, force: true })
  }
  cleanups.add(stop)
  try {
    log(`registry ${srv.url}: pushing ${a.images} x ${a.tags} through the registry API (${a.seedParallel} in flight)`)
    const seed = await seedRegistry({ base: srv.url }, a.images, a.tags, {
      parallel: a.seedParallel,
      progress: (done, total) => log(`  pushed ${done}/${total} tags`)
    })
    log(`  seeded ${seed.tags} tags with ${seed.requests} requests in ${(seed.ms / 1000).toFixed(1)} s`)
    const seeding = { method: 'registry v2 API (blob uploads + manifest PUT; layers shared, one config per tag)', ms: seed.ms, requests: seed.requests }
    const base = ['--api', 'registry', '--host', srv.url, '--keep', String(a.keep), '--age-basis', 'created']
    const bound = (manifests: number, _tags: number, deleting: boolean): Bound => {
      const job = {
        images: seed.images.map(i => ({ tags: i.tags.length, configs: configReadsNeeded(i.tags, { pushDates: false }) })),
        deletedManifests: deleting ? manifests : 0
      }
      return registryBound(job)
    }
    const runs: RunResult[] = []
    for (const mode of ['dry run', 'delete'] as const) {
      log(`registry ${mode}...`)
      const run = await runCli(mode === 'delete' ? [...base, '--delete'] : base, process.env, work, `registry-${mode.replace(' ', '-')}`)
      const res = summarize('registry', mode, a, run, bound, seed.images)
      if (mode === 'delete') {
        let left = 0
        await pool(seed.images, 8, async img => {
          const n = (await listTags({ base: srv.url }, img.name)).length
          left += n
        })
        res.tagsLeft = left
        res.expectedTagsLeft = a.images * a.tags - res.expectedManifests
      }
      runs.push(res)
      log(`  ${(res.wallMs / 1000).toFixed(1)} s, ${res.requestsTotal} requests, ratio ${res.ratio}, exit ${res.exitCode}`)
    }
    return { runs, seeding }
  } finally {
    cleanups.delete(stop)
    await srv.stop()
  }
}

/** Counts what the emulator receives, draining its request log so a large run does not pile it up. */
function emulatorCounter(emu: NexusEmulator): { take(): Record<string, number>; stop(): void } {
  let counts: Record<string, number> = {}
  const kind = nexusRequestKind
  const drain = (): void => {
    for (const r of emu.requests) counts[kind(r)] = (counts[kind(r)] ?? 0) + 1
    emu.resetRequests()
  }
  const timer = setInterval(drain, 250)
  return {
    take: () => {
      drain()
      const c = counts
      counts = {}
      return c
    },
    stop: () => clearInterval(timer)
  }
}

async function benchNexus(a: Args, work: string): Promise<{ runs: RunResult[]; seeding: Record<string, unknown> }> {
  const t0 = Date.now()
  const { scenario, images } = benchScenario(a.images, a.tags)
  const emu = await startNexusEmulator({ scenario })
  const seedMs = Date.now() - t0
  log(`nexus emulator ${emu.url}: seeded ${a.images} x ${a.tags} with seed(scenario) in ${(seedMs / 1000).toFixed(1)} s (in-process, not through the v2 API)`)
  const counter = emulatorCounter(emu)
  try {
    counter.take()
    const base = ['--host', emu.url, '--repository', NEXUS_REPOSITORY, '--username', 'admin', '--password-env', NEXUS_PASSWORD_ENV, '--keep', String(a.keep)]
    const env = { ...process.env, [NEXUS_PASSWORD_ENV]: 'admin123' }
    const components = a.images * a.tags
    const runs: RunResult[] = []
    for (const mode of ['dry run', 'delete'] as const) {
      log(`nexus ${mode}...`)
      const run = await runCli(mode === 'delete' ? [...base, '--delete'] : base, env, work, `nexus-${mode.replace(' ', '-')}`)
      const res = summarize(
        'nexus',
        mode,
        a,
        run,
        (manifests, tags, deleting) => {
          const policyReads = images.reduce((n, i) => n + configReadsNeeded(i.tags, { pushDates: true }), 0)
          return nexusBound({ components, deletedTags: deleting ? tags : 0, policyReads, sizeReads: deleting ? 0 : manifests })
        },
        images
      )
      res.serverRequests = Object.fromEntries(Object.entries(counter.take()).sort((x, y) => y[1] - x[1]))
      if (mode === 'delete') {
        res.tagsLeft = emu.images(NEXUS_REPOSITORY).reduce((n, img) => n + emu.tags(NEXUS_REPOSITORY, img).length, 0)
        res.expectedTagsLeft = components - res.expectedManifests
      }
      runs.push(res)
      log(`  ${(res.wallMs / 1000).toFixed(1)} s, ${res.requestsTotal} requests, ratio ${res.ratio}, exit ${res.exitCode}`)
    }
    return { runs, seeding: { method: 'emulator seed(scenario), in-process (not through its v2 API)', ms: seedMs } }
  } finally {
    counter.stop()
    await emu.close()
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv[0] === '--peers') return benchPeers(peerArgs(argv.slice(1)))
  const a = parseArgs(argv)
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run package first`)
  const work = mkdtempSync(join(tmpdir(), 'nil-bench-'))
  cleanups.add(() => rmSync(work, { recursive: true, force: true }))
  const runs: RunResult[] = []
  const seeding: Record<string, unknown> = {}
  const notes: string[] = []
  try {
    if (a.only !== 'nexus') {
      const r = await benchRegistry(a, work)
      runs.push(...r.runs)
      if (r.seeding) seeding.registry = r.seeding
      if (r.skipped) notes.push(`registry skipped: ${r.skipped}`)
    }
    if (a.only !== 'registry') {
      const r = await benchNexus(a, work)
      runs.push(...r.runs)
      seeding.nexus = r.seeding
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  notes.push(
    'Registry seeded through the registry v2 API; the Nexus emulator seeded in-process with seed(scenario), not through its v2 API.',
    `Peak RSS: ${RSS_METHOD}. Wall time: spawn to exit of the CLI, node start-up included. Load: 1-minute load average before→after the run (${cpus().length} cores).`,
    'Lower bound (issue 6, scripts/bench-bound.ts): registry: catalog + tags/list pages, 1 manifest read per tag, 1 config ' +
      'read where the policy needs a date (here the other family, ranked by date), 1 DELETE per deleted manifest; nexus: ' +
      'the preflight (repositories list and permissions call, 2), floor(C/100)+1 component pages, 1 DELETE per deleted tag. ' +
      'A dry run deletes nothing: its bound is the listing and the reads. The registry preflight (GET /v2/, and one referrers ' +
      'API probe) is not counted. Default inputs (verify-before-delete false, size-estimate auto).'
  )
  const result = {
    date: new Date().toISOString(),
    source: sourceVersion(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()}`,
      node: process.version
    },
    params: { images: a.images, tagsPerImage: a.tags, keep: a.keep, concurrency: 8 },
    seeding,
    notes,
    runs
  }
  mkdirSync(dirname(a.out), { recursive: true })
  writeFileSync(a.out, JSON.stringify(result, null, 2) + '\n')
  process.stdout.write(
    `\n${result.date.slice(0, 10)}, ${result.machine.cpus} cores (${result.machine.cpuModel}), node ${process.version}, keep ${a.keep}, ${a.images} images x ${a.tags} tags\n\n` +
      render(runs) +
      '\n\n' +
      notes.map(n => `- ${n}`).join('\n') +
      `\n\nJSON: ${a.out}\n`
  )
  if (runs.some(r => r.exitCode !== 0)) process.exitCode = 1
}

main().catch(e => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`)
  process.exit(2)
})
