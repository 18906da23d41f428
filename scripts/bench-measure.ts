// What `npm run bench -- --peers` measures of one tool's run: wall time, the process's CPU (user + system)
// and peak RSS (a preload writes process.resourceUsage() at exit: Node tools only), and from the proxy's log
// the requests, by phase, with how many were in flight (mean over the phase's span, and the most at once).
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Usage {
  wallMs: number
  /** undefined for a tool that is not a Node process. */
  cpuMs?: number
  rssMb?: number
}

export interface Phase {
  phase: string
  requests: number
  /** Time-weighted mean of requests in flight over the phase's span (first start to last end). */
  meanInFlight: number
  maxInFlight: number
}

/** Runs `cmd args`; a Node tool gets the preload, so its own CPU and peak RSS are read at its exit. */
export async function measure(cmd: string, args: string[], work: string, log: (m: string) => void, label: string): Promise<Usage> {
  const node = cmd === process.execPath
  const out = join(work, 'usage.json')
  const preload = join(work, 'usage-preload.js')
  writeFileSync(
    preload,
    "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1000, rss: u.maxRSS / 1024 })) })\n"
  )
  rmSync(out, { force: true })
  const t0 = process.hrtime.bigint()
  await new Promise<void>(resolve =>
    execFile(cmd, node ? ['--require', preload, ...args] : args, { maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1', BENCH_USAGE_FILE: out } }, e => {
      // ours exits 1 when something failed: the tags check says what
      if (e) log(`${label} exited ${(e as { code?: number }).code ?? '?'}: ${e.message.split('\n')[0] ?? ''}`)
      resolve()
    })
  )
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  if (!node || !existsSync(out)) return { wallMs }
  const u = JSON.parse(readFileSync(out, 'utf8')) as { cpu: number; rss: number }
  return { wallMs, cpuMs: u.cpu, rssMb: u.rss }
}

/** A request's phase: listing (components, search, catalog, tags lists), reads (manifests, blobs, one component), deletes. */
export function phaseOf(method: string, path: string): string {
  const p = path.split('?')[0] ?? ''
  if (method === 'DELETE') return 'delete'
  if (/\/service\/rest\/v1\/(components|search)$/.test(p) || /\/v2\/_catalog$/.test(p) || /\/tags\/list$/.test(p)) return 'list'
  if (/\/service\/rest\/v1\/components\/[^/]+$/.test(p)) return 'recheck'
  if (/\/(manifests|blobs)\//.test(p)) return 'read'
  return 'other'
}

/** Requests per phase, with their concurrency, from a proxy log with start and end times. */
export function phases(entries: { method: string; path: string; start?: number; end?: number }[]): Phase[] {
  const by = new Map<string, { start: number; end: number }[]>()
  for (const e of entries) {
    if (e.start === undefined || e.end === undefined) continue
    const k = phaseOf(e.method, e.path)
    const spans = by.get(k) ?? []
    spans.push({ start: e.start, end: e.end })
    by.set(k, spans)
  }
  return [...by].map(([phase, spans]) => {
    // a loop, not Math.min(...spans): a phase of a big run holds 100,000 requests and more
    const first = spans.reduce((m, s) => Math.min(m, s.start), Infinity)
    const last = spans.reduce((m, s) => Math.max(m, s.end), -Infinity)
    const busy = spans.reduce((n, s) => n + (s.end - s.start), 0)
    const edges = spans.flatMap((s): [number, number][] => [
      [s.start, 1],
      [s.end, -1]
    ])
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    let now = 0
    let max = 0
    for (const [, d] of edges) max = Math.max(max, (now += d))
    return { phase, requests: spans.length, meanInFlight: last > first ? busy / (last - first) : spans.length, maxInFlight: max }
  })
}
