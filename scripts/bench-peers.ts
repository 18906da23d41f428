// npm run bench -- --peers [--target registry|nexus] [--db orient|datastore] [--dry-run] [--images 30] [--tags 20]
//                          [--keep 5] [--latency-ms 20] [--rounds 3] [--concurrency auto|N] [--listing auto|search|components] [--size-estimate auto|on|off]
//                          [--peer-registry-cli PATH]
//
// Ours beside peers on the same job, every tag a version (so a peer that knows no version families keeps the
// same tags), each run on a fresh copy of one data set behind a loopback proxy that adds --latency-ms to
// each request:
// - registry: the real docker-registry, seeded once, its storage copied for every run. Tools: ours
//   (dist/cli/index.js), the floor (scripts/bench-floor.mjs: tags lists, a HEAD per tag, a DELETE per deleted
//   digest, 16 keep-alive requests in flight) and registry-cli.
// - nexus: the Nexus emulator (--db orient: 3.70, 10 components a page; datastore: 3.77, 100 a page), seeded
//   from the same scenario for every run. Tools: ours (the REST API, one component DELETE per tag), the floor
//   (scripts/bench-floor-nexus.mjs: the components listing page after page, then 32 DELETEs in flight; with
//   --dry-run the pages alone) and registry-cli (the registry API under /repository/<repo>/, Basic auth).
// Per tool: wall time, CPU and peak RSS of the process (Node tools), requests, CPU per request, and per phase
// the requests in flight (scripts/bench-measure.ts).
// registry-cli is andrey-pohilko/registry-cli from a checkout you provide (Debian python3-requests and
// python3-dateutil). Runs are interleaved over --rounds; it prints min and median wall time per tool and the
// ratios ours/peer, and checks every tool left exactly the same tags. Measures only.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { measure, phases, type Phase } from './bench-measure'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { startNexusEmulator } from '../test/nexus-emulator/server'
import { listTags } from '../test/support/push'
import { findRegistryBin, startRegistry } from '../test/support/registry-server'
import { benchScenario, NEXUS_REPOSITORY, seedRegistry } from './bench-seed'
import { startLatencyProxy } from './latency-proxy'

const run = promisify(execFile)
const ROOT = resolve(__dirname, '..')
const NEXUS_USER = 'admin'
const NEXUS_PASSWORD = 'admin123'
const NEXUS_PASSWORD_ENV = 'BENCH_NEXUS_PASSWORD'

export interface PeerArgs {
  target: 'registry' | 'nexus'
  images: number
  tags: number
  keep: number
  latencyMs: number
  rounds: number
  concurrency: string
  db: 'orient' | 'datastore'
  dryRun: boolean
  listing?: string
  sizeEstimate?: string
  registryCli?: string
}

interface Tool {
  name: string
  command: (url: string) => [string, string[]]
}

/** One fresh copy of the data set behind the latency proxy. */
interface Served {
  /** Where the tools are pointed (the proxy). */
  url: string
  /** Every image's tags left, a line per image: what the tools left must be the same. */
  tagsLeft(): Promise<string>
  /** The proxy's log: every request, with when it came and was answered. */
  log: { method: string; path: string; start?: number; end?: number }[]
  stop(): Promise<void>
}

interface Target {
  tools: Tool[]
  serve(): Promise<Served>
  done(): void
}

const log = (m: string): void => {
  process.stderr.write(`[bench peers] ${m}\n`)
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2
}

function oursTool(a: PeerArgs, args: (url: string) => string[]): Tool {
  // BENCH_OURS_CLI: another build of ours (e.g. an earlier commit's dist/cli/index.js), to compare the two
  const cli = process.env['BENCH_OURS_CLI'] ?? join(ROOT, 'dist', 'cli', 'index.js')
  const mode = a.dryRun ? [] : ['--delete']
  const listing = [...(a.listing ? ['--listing', a.listing] : []), ...(a.sizeEstimate ? ['--size-estimate', a.sizeEstimate] : [])]
  return {
    name: 'ours',
    command: url => [process.execPath, [cli, ...args(url), '--keep', String(a.keep), ...mode, ...listing, '--concurrency', a.concurrency]]
  }
}

function registryCliTool(a: PeerArgs, args: (url: string) => string[]): Tool[] {
  if (!a.registryCli) return []
  const script = join(resolve(a.registryCli), 'registry.py')
  // registry-cli imports www_authenticate (PyPI only, not in Debian): a small stand-in (scripts/bench-py)
  process.env['PYTHONPATH'] = [join(ROOT, 'scripts', 'bench-py'), process.env['PYTHONPATH']].filter(Boolean).join(':')
  return [{ name: 'registry-cli', command: url => ['python3', [script, ...args(url), ...(a.dryRun ? [] : ['--delete']), '--num', String(a.keep)]] }]
}

async function registryTarget(a: PeerArgs): Promise<Target> {
  const bin = findRegistryBin()
  if (!bin) throw new Error('docker-registry not found (Debian package docker-registry, or REGISTRY_BIN)')
  const golden = await startRegistry(bin)
  const copyFrom = mkdtempSync(join(tmpdir(), 'nil-golden-'))
  let names: string[]
  try {
    log(`seeding ${a.images} x ${a.tags} (versions only) into ${golden.url}`)
    const seed = await seedRegistry({ base: golden.url }, a.images, a.tags, { versionsOnly: true })
    names = seed.images.map(i => i.name)
    rmSync(copyFrom, { recursive: true, force: true })
    await run('cp', ['-a', join(golden.dir, 'data'), copyFrom])
  } finally {
    await golden.stop()
  }
  return {
    tools: [
      oursTool(a, url => ['--api', 'registry', '--host', url, '--age-basis', 'created']),
      {
        name: 'floor',
        command: url => [process.execPath, [join(ROOT, 'scripts', 'bench-floor.mjs'), url, String(a.keep), '16', ...(a.dryRun ? ['--dry-run'] : [])]]
      },
      ...registryCliTool(a, url => ['-r', url])
    ],
    serve: async () => {
      const srv = await startRegistry(bin, undefined, { dataFrom: copyFrom })
      const proxy = await startLatencyProxy(srv.url, a.latencyMs)
      const tagsLeft = async (): Promise<string> => {
        const left: string[] = []
        for (const name of names) left.push(`${name}: ${(await listTags({ base: srv.url }, name)).sort().join(' ')}`)
        return left.join('\n')
      }
      const stop = async (): Promise<void> => {
        await proxy.close()
        await srv.stop()
      }
      return { url: proxy.url, tagsLeft, log: proxy.log, stop }
    },
    done: () => rmSync(copyFrom, { recursive: true, force: true })
  }
}

function nexusTarget(a: PeerArgs): Target {
  const { scenario } = benchScenario(a.images, a.tags, { versionsOnly: true })
  process.env[NEXUS_PASSWORD_ENV] = NEXUS_PASSWORD
  const floor = join(ROOT, 'scripts', 'bench-floor-nexus.mjs')
  const credentials = `${NEXUS_USER}:${NEXUS_PASSWORD}`
  const version = a.db === 'orient' ? '3.70.1-02' : '3.77.0-08'
  return {
    tools: [
      oursTool(a, url => ['--host', url, '--repository', NEXUS_REPOSITORY, '--username', NEXUS_USER, '--password-env', NEXUS_PASSWORD_ENV]),
      {
        name: 'floor',
        command: url => [process.execPath, [floor, url, NEXUS_REPOSITORY, credentials, String(a.keep), '32', ...(a.dryRun ? ['--dry-run'] : [])]]
      },
      ...registryCliTool(a, url => ['-r', `${url}/repository/${NEXUS_REPOSITORY}`, '-l', `${NEXUS_USER}:${NEXUS_PASSWORD}`])
    ],
    serve: async () => {
      const emu = await startNexusEmulator({ scenario, dbMode: a.db, version })
      const proxy = await startLatencyProxy(emu.url, a.latencyMs)
      const tagsLeft = (): Promise<string> =>
        Promise.resolve(
          emu
            .images(NEXUS_REPOSITORY)
            .sort()
            .map(name => `${name}: ${emu.tags(NEXUS_REPOSITORY, name).sort().join(' ')}`)
            .join('\n')
        )
      const stop = async (): Promise<void> => {
        await proxy.close()
        await emu.close()
      }
      return { url: proxy.url, tagsLeft, log: proxy.log, stop }
    },
    done: () => undefined
  }
}

interface Sample {
  wallMs: number
  cpuMs?: number
  rssMb?: number
  requests: number
  phases: Phase[]
}

export async function benchPeers(a: PeerArgs): Promise<void> {
  const target = a.target === 'nexus' ? nexusTarget(a) : await registryTarget(a)
  const samples = new Map<string, Sample[]>(target.tools.map(t => [t.name, []]))
  const work = mkdtempSync(join(tmpdir(), 'nil-peers-'))
  const expected = a.images * (a.dryRun ? a.tags : Math.min(a.keep, a.tags))
  let reference: string | undefined
  for (let round = 1; round <= a.rounds; round++) {
    for (const tool of target.tools) {
      const served = await target.serve()
      try {
        const [cmd, args] = tool.command(served.url)
        const usage = await measure(cmd, args, work, log, tool.name)
        samples.get(tool.name)?.push({ ...usage, requests: served.log.length, phases: phases(served.log) })
        const text = await served.tagsLeft()
        reference ??= text
        // the same tags as the first tool, and the job done: `keep` tags per image (every tag is a version)
        const left = text.split(/\s+/).filter(w => w !== '' && !w.endsWith(':')).length
        const same = text === reference && left === expected
        log(
          `round ${round} ${tool.name}: ${(usage.wallMs / 1000).toFixed(2)} s, ${served.log.length} requests, ${left} tags left${same ? '' : '  NOT WHAT WAS EXPECTED'}`
        )
        if (!same) process.exitCode = 1
      } finally {
        await served.stop()
      }
    }
  }
  target.done()
  rmSync(work, { recursive: true, force: true })
  process.stdout.write(peersTable(a, samples, expected) + '\n')
}

function peersTable(a: PeerArgs, samples: Map<string, Sample[]>, expected: number): string {
  const med = (xs: (number | undefined)[]): number | undefined => (xs.some(x => x === undefined) ? undefined : median(xs as number[]))
  const f = (x: number | undefined, digits = 2): string => (x === undefined ? '-' : x.toFixed(digits))
  const ours = samples.get('ours') ?? []
  const where = a.target === 'nexus' ? `nexus (${a.db})` : 'registry'
  const lines = [
    `peers on ${where}${a.dryRun ? ', dry run' : ''}: ${a.images} x ${a.tags}, keep ${a.keep}, latency ${a.latencyMs} ms, ${a.rounds} rounds, ours with --concurrency ${a.concurrency}${a.listing ? ` --listing ${a.listing}` : ''}${a.sizeEstimate ? ` --size-estimate ${a.sizeEstimate}` : ''}`,
    '| tool | min s | median s | ours/tool (min) | ours/tool (median) | CPU s | requests | CPU ms/request | peak RSS MB | in flight per phase (mean/max) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|'
  ]
  for (const [name, xs] of samples) {
    const walls = xs.map(x => x.wallMs)
    const r = (g: (v: number[]) => number) => (g(ours.map(x => x.wallMs)) / g(walls)).toFixed(2)
    const cpu = med(xs.map(x => x.cpuMs))
    const requests = median(xs.map(x => x.requests))
    const last = xs.at(-1)
    const inFlight = (last?.phases ?? []).map(p => `${p.phase} ${p.requests}: ${p.meanInFlight.toFixed(1)}/${p.maxInFlight}`).join(', ')
    lines.push(
      `| ${name} | ${f(Math.min(...walls) / 1000)} | ${f(median(walls) / 1000)} | ${r(v => Math.min(...v))} | ${r(median)} | ${f(cpu === undefined ? undefined : cpu / 1000)} | ${requests} | ${f(cpu === undefined ? undefined : cpu / requests, 3)} | ${f(med(xs.map(x => x.rssMb)), 0)} | ${inFlight} |`
    )
  }
  lines.push(process.exitCode === 1 ? 'NOT every tool left the expected tags (see above)' : `every tool left the same ${expected} tags`)
  return lines.join('\n')
}
