// npm run bench's runs: the bundled CLI as a child process under /usr/bin/time, and each run's figures
// against the lower bound of its job (scripts/bench-bound.ts). Measures; asserts nothing about time.

import { createHash } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import type { RunReport } from '../src/model'
import type { Args } from './bench-args'
import { Bound, BenchTag, expectedDeletes, totalRequests } from './bench-bound'

const ROOT = resolve(__dirname, '..')
export const CLI = join(ROOT, 'dist', 'cli', 'index.js')
const TIME_BIN = '/usr/bin/time'

/** Servers and directories to remove if the bench is interrupted (Ctrl-C, SIGTERM). */
export const cleanups = new Set<() => Promise<void> | void>()
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`[bench] ${sig}: stopping servers and removing temporary files\n`)
    void Promise.allSettled([...cleanups].map(c => Promise.resolve().then(c))).then(() => process.exit(130))
  })
}

export const log = (m: string): void => {
  process.stderr.write(`[bench] ${m}\n`)
}

// ------------------------------------------------------------------ running the CLI

export interface CliRun {
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

export const RSS_METHOD = timeUsable() ? `${TIME_BIN} (%M, max resident set size of the CLI process)` : 'process.resourceUsage().maxRSS at exit (preloaded)'

export async function runCli(args: string[], env: NodeJS.ProcessEnv, work: string, name: string): Promise<CliRun> {
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

export interface RunResult {
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

export function summarize(
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
