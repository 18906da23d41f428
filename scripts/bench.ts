// npm run bench [-- --images 100 --tags 50 --keep 5 --only registry|nexus --out .tmp/bench-results.json]
//
// Seeds the real docker-registry (through the registry API) and the Nexus emulator (with its in-process
// seed(scenario): fast, but not through its v2 API) with I images x T tags, then runs the bundled CLI
// (dist/cli/index.js, refresh it with `npm run package`) as a child process with keep 5, in a dry run and
// for real, and prints per run: wall time, HTTP requests by kind, requests per tag, the lower bound of
// the job (scripts/bench-bound.ts), the ratio to it, and the CLI's peak RSS. Writes the same as JSON.
// It measures; it asserts nothing about time.

import { ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { RunReport } from '../src/model'
import { startNexusEmulator, NexusEmulator } from '../test/nexus-emulator/server'
import { listTags } from '../test/support/push'
import { findRegistryBin, startRegistry } from '../test/support/registry-server'
import { Bound, BenchTag, configReadsNeeded, expectedDeletes, nexusBound, nexusRequestKind, registryBound, totalRequests } from './bench-bound'
import { benchScenario, NEXUS_REPOSITORY, pool, seedRegistry } from './bench-seed'
import { benchPeers, type PeerArgs } from './bench-peers'

const ROOT = resolve(__dirname, '..')
const CLI = join(ROOT, 'dist', 'cli', 'index.js')
const TIME_BIN = '/usr/bin/time'
const NEXUS_PASSWORD_ENV = 'BENCH_NEXUS_PASSWORD'

interface Args {
  images: number
  tags: number
  keep: number
  out: string
  only?: 'registry' | 'nexus'
  seedParallel: number
}

function usage(): string {
  return [
    'Usage: npm run bench -- [--images N] [--tags N] [--keep N] [--only registry|nexus] [--out FILE] [--seed-parallel N]',
    '       npm run bench -- --peers [--target registry|nexus] [--images N] [--tags N] [--keep N] [--latency-ms N] [--rounds N] [--concurrency auto|N] [--peer-registry-cli PATH]',
    '  --peers            ours beside the floor client (and registry-cli) on copies of one seeded registry (scripts/bench-peers.ts)',
    '  --images N         images per target (default 100)',
    '  --tags N           tags per image, each on its own manifest (default 50)',
    '  --keep N           keep of the policy (default 5; no older-than, so beyond keep is deleted)',
    '  --only T           only the registry or only the Nexus emulator',
    '  --out FILE         JSON results (default .tmp/bench-results.json)',
    '  --seed-parallel N  pushes in flight while seeding the registry (default 16)'
  ].join('\n')
}

function parseArgs(argv: string[]): Args {
  const a: Args = { images: 100, tags: 50, keep: 5, out: join(ROOT, '.tmp', 'bench-results.json'), seedParallel: 16 }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    const count = (min: number): number => {
      const v = value()
      const n = Number(v)
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected a whole number >= ${min}, got ${v}`)
      return n
    }
    switch (flag) {
      case '--images':
        a.images = count(1)
        break
      case '--tags':
        a.tags = count(1)
        break
      case '--keep':
        a.keep = count(1)
        break
      case '--seed-parallel':
        a.seedParallel = count(1)
        break
      case '--out':
        a.out = resolve(value())
        break
      case '--only': {
        const v = value()
        if (v !== 'registry' && v !== 'nexus') throw new Error(`--only: registry or nexus, got ${v}`)
        a.only = v
        break
      }
      case '-h':
      case '--help':
        process.stdout.write(usage() + '\n')
        process.exit(0)
        break
      default:
        throw new Error(`unknown option ${flag}\n${usage()}`)
    }
  }
  return a
}

/** Servers and directories to remove if the bench is interrupted (Ctrl-C, SIGTERM). */
const cleanups = new Set<() => Promise<void> | void>()
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`[bench] ${sig}: stopping servers and removing temporary files\n`)
    void Promise.allSettled([...cleanups].map(c => Promise.resolve().then(c))).then(() => process.exit(130))
  })
}

const log = (m: string): void => {
  process.stderr.write(`[bench] ${m}\n`)
}

// ------------------------------------------------------------------ running the CLI

interface CliRun {
  exitCode: number
  wallMs: number
  /** KiB; from /usr/bin/time, or from process.resourceUsage() at exit when it is missing. */
  peakRssKb?: number
  report?: RunReport
  stderrTail: string
  /** 1-minute load average before and after: other work on the machine skews wall times. */
  load: [number, number]
  /** sha256 (12 hex) of the dist/cli/index.js that ran: dist/ may be rebuilt between runs. */
  cli: string
}

function timeUsable(): boolean {
  try {
    accessSync(TIME_BIN, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const RSS_METHOD = timeUsable() ? `${TIME_BIN} (%M, max resident set size of the CLI process)` : 'process.resourceUsage().maxRSS at exit (preloaded)'

async function runCli(args: string[], env: NodeJS.ProcessEnv, work: string, name: string): Promise<CliRun> {
  const reportFile = join(work, `${name}.report.json`)
  const rssFile = join(work, `${name}.rss`)
  const cliArgs = [...args, '--json', '--report-file', reportFile]
  let child: ChildProcess
  const cli = createHash('sha256').update(readFileSync(CLI)).digest('hex').slice(0, 12)
  const loadBefore = loadavg()[0]
  const t0 = process.hrtime.bigint()
  if (timeUsable()) {
    child = spawn(TIME_BIN, ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...cliArgs], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  } else {
    // Fallback: a preload that writes the process's own peak RSS when it exits (bin.ts ends with process.exit).
    const preload = join(work, 'rss-preload.js')
    writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))\n")
    child = spawn(process.execPath, ['--require', preload, CLI, ...cliArgs], { env: { ...env, BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'ignore', 'pipe'] })
  }
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const exitCode: number = await new Promise((res, rej) => {
    child.once('error', rej)
    child.once('exit', code => res(code ?? -1))
  })
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  let peakRssKb: number | undefined
  if (existsSync(rssFile)) {
    // /usr/bin/time may prefix "Command exited with non-zero status N"; the figure is the last line.
    const last = readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? ''
    peakRssKb = Number(last) || undefined
  }
  const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport) : undefined
  if (report) {
    // keep what the figures need; the decisions of a large run are tens of MB
    const size = statSync(reportFile).size
    ;(report as unknown as { reportBytes: number }).reportBytes = size
  }
  rmSync(reportFile, { force: true })
  rmSync(rssFile, { force: true })
  const round = (n: number): number => Math.round(n * 100) / 100
  return { exitCode, wallMs, peakRssKb, report, stderrTail: stderr, load: [round(loadBefore), round(loadavg()[0])], cli }
}

// ------------------------------------------------------------------ results

interface RunResult {
  target: 'registry' | 'nexus'
  mode: 'dry run' | 'delete'
  images: number
  tagsPerImage: number
  tags: number
  exitCode: number
  failures: string[]
  wallMs: number
  cliDurationMs?: number
  peakRssMb?: number
  requests: Record<string, number>
  requestsTotal: number
  requestsPerTag: number
  /** Nexus only: what the emulator received, by method and route. */
  serverRequests?: Record<string, number>
  /** Issue 6's lower bound (scripts/bench-bound.ts) and the ratio of the requests to it. */
  bound: Bound
  ratio: number
  plannedManifests: number
  plannedTags: number
  expectedManifests: number
  tagsLeft?: number
  expectedTagsLeft?: number
  reportBytes?: number
  load: [number, number]
  cli: string
}

function summarize(
  target: RunResult['target'],
  mode: RunResult['mode'],
  a: Args,
  run: CliRun,
  bound: (plannedManifests: number, plannedTags: number, deleting: boolean) => Bound,
  images: { tags: BenchTag[] }[]
): RunResult {
  const r = run.report
  const counts = r?.requests ?? {}
  const m = r?.totals.manifests
  const t = r?.totals.tags
  // What the plan deletes; the bound counts its deleting requests only in a real run.
  const plannedManifests = m ? (mode === 'delete' ? m.deleted + m.failed : m.wouldDelete) : 0
  const plannedTags = t ? (mode === 'delete' ? t.deleted + t.failed : t.wouldDelete) : 0
  const b = bound(plannedManifests, plannedTags, mode === 'delete')
  const total = totalRequests(counts)
  return {
    target,
    mode,
    images: a.images,
    tagsPerImage: a.tags,
    tags: a.images * a.tags,
    exitCode: run.exitCode,
    failures: r?.failures.slice(0, 5) ?? [run.stderrTail.split('\n').slice(-5).join('\n')],
    wallMs: Math.round(run.wallMs),
    cliDurationMs: r?.durationMs,
    peakRssMb: run.peakRssKb !== undefined ? Math.round((run.peakRssKb / 1024) * 10) / 10 : undefined,
    requests: Object.fromEntries(Object.entries(counts).sort((x, y) => y[1] - x[1])),
    requestsTotal: total,
    requestsPerTag: Math.round((total / (a.images * a.tags)) * 100) / 100,
    bound: b,
    ratio: Math.round((total / b.total) * 100) / 100,
    plannedManifests,
    plannedTags,
    expectedManifests: images.reduce((n, i) => n + expectedDeletes(i.tags, a.keep), 0),
    reportBytes: (r as unknown as { reportBytes?: number } | undefined)?.reportBytes,
    load: run.load,
    cli: run.cli
  }
}

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

// ------------------------------------------------------------------ output

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)))
  const line = (r: string[]): string => '| ' + r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ') + ' |'
  return [
    line(rows[0]),
    '|' + widths.map((w, c) => (c < 2 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.slice(1).map(line)
  ].join('\n')
}

function render(runs: RunResult[]): string {
  const main = [
    ['run', 'size', 'wall s', 'requests', 'req/tag', 'lower bound', 'ratio', 'peak RSS MB', 'deleted (manifests)', 'load', 'exit'],
    ...runs.map(r => [
      `${r.target} ${r.mode}`,
      `${r.images}x${r.tagsPerImage}`,
      (r.wallMs / 1000).toFixed(1),
      String(r.requestsTotal),
      r.requestsPerTag.toFixed(2),
      String(r.bound.total),
      r.ratio.toFixed(2),
      r.peakRssMb !== undefined ? r.peakRssMb.toFixed(0) : '?',
      `${r.plannedManifests}${r.mode === 'dry run' ? ' (would)' : ''}`,
      r.load.map(l => l.toFixed(1)).join('→'),
      String(r.exitCode)
    ])
  ]
  const out = [table(main), '']
  for (const r of runs) {
    out.push(
      `${r.target} ${r.mode}: ${Object.entries(r.requests)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`
    )
    out.push(`  lower bound ${r.bound.total} = ${r.bound.parts.map(p => `${p.what} ${p.requests}`).join(' + ')}`)
    if (r.serverRequests)
      out.push(
        `  emulator saw: ${Object.entries(r.serverRequests)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      )
    if (r.tagsLeft !== undefined) out.push(`  tags left ${r.tagsLeft} (expected ${r.expectedTagsLeft})`)
    out.push(`  dist/cli/index.js sha256 ${r.cli}, report ${((r.reportBytes ?? 0) / 2 ** 20).toFixed(1)} MB, load ${r.load.join(' -> ')}`)
    if (r.plannedManifests !== r.expectedManifests)
      out.push(`  NOTE: the plan deletes ${r.plannedManifests} manifests, the data set predicts ${r.expectedManifests}`)
    if (r.exitCode !== 0) out.push(`  FAILED: ${r.failures.join(' | ')}`)
  }
  return out.join('\n')
}

/** The commit the measured dist/ was built from (read-only git), and whether the tree had local changes. */
function sourceVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'dist'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
    return dirty ? `${head} + local changes in src/ or dist/` : head
  } catch {
    return 'unknown'
  }
}

/** `--peers ...`: ours beside the floor and registry-cli (scripts/bench-peers.ts). */
function peerArgs(argv: string[]): PeerArgs {
  const a: PeerArgs = { target: 'registry', images: 30, tags: 20, keep: 5, latencyMs: 0, rounds: 3, concurrency: 'auto' }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const v = argv[++i]
    if (v === undefined) throw new Error(`${flag} needs a value`)
    const n = Number(v)
    if (flag === '--peer-registry-cli') a.registryCli = v
    else if (flag === '--target') {
      if (v !== 'registry' && v !== 'nexus') throw new Error(`--target: registry or nexus, got ${v}`)
      a.target = v
    } else if (flag === '--concurrency') a.concurrency = v
    else if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a whole number, got ${v}`)
    else if (flag === '--images') a.images = n
    else if (flag === '--tags') a.tags = n
    else if (flag === '--keep') a.keep = n
    else if (flag === '--latency-ms') a.latencyMs = n
    else if (flag === '--rounds') a.rounds = Math.max(1, n)
    else throw new Error(`unknown option ${flag} with --peers`)
  }
  return a
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
