// npm run bench -- --peers [--images 30] [--tags 20] [--keep 5] [--latency-ms 20] [--rounds 3]
//                          [--concurrency auto|N] [--peer-registry-cli PATH]
//
// Ours beside peers on the same job: the real docker-registry is seeded once (versions only, so that a peer
// that knows no version families keeps the same tags), and every run gets a fresh copy of that storage,
// behind a loopback proxy that adds --latency-ms to each request. Tools: ours (dist/cli/index.js), the floor
// (scripts/bench-floor.mjs: tags lists, a HEAD per tag, a DELETE per deleted digest, 16 keep-alive requests in
// flight) and, with --peer-registry-cli, andrey-pohilko/registry-cli from a checkout you provide (Debian
// python3-requests and python3-dateutil). Runs are interleaved over --rounds; it prints min and median wall
// time per tool and the ratios ours/peer, and checks every tool left exactly the same tags. Measures only.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { listTags } from '../test/support/push'
import { findRegistryBin, startRegistry } from '../test/support/registry-server'
import { seedRegistry } from './bench-seed'
import { startLatencyProxy } from './latency-proxy'

const run = promisify(execFile)
const ROOT = resolve(__dirname, '..')

export interface PeerArgs {
  images: number
  tags: number
  keep: number
  latencyMs: number
  rounds: number
  concurrency: string
  registryCli?: string
}

interface Tool {
  name: string
  command: (url: string) => [string, string[]]
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2
}

export async function benchPeers(a: PeerArgs): Promise<void> {
  const bin = findRegistryBin()
  if (!bin) throw new Error('docker-registry not found (Debian package docker-registry, or REGISTRY_BIN)')
  const tools: Tool[] = [
    {
      name: 'ours',
      command: url => [
        process.execPath,
        [
          join(ROOT, 'dist', 'cli', 'index.js'),
          '--api',
          'registry',
          '--host',
          url,
          '--keep',
          String(a.keep),
          '--age-basis',
          'created',
          '--delete',
          '--concurrency',
          a.concurrency
        ]
      ]
    },
    { name: 'floor', command: url => [process.execPath, [join(ROOT, 'scripts', 'bench-floor.mjs'), url, String(a.keep), '16']] }
  ]
  if (a.registryCli) {
    const script = join(resolve(a.registryCli), 'registry.py')
    tools.push({ name: 'registry-cli', command: url => ['python3', [script, '-r', url, '--delete', '--num', String(a.keep)]] })
    // registry-cli imports www_authenticate (PyPI only); the bench's registries need no auth: a stand-in
    process.env['PYTHONPATH'] = [join(ROOT, 'scripts', 'bench-py'), process.env['PYTHONPATH']].filter(Boolean).join(':')
  }

  const golden = await startRegistry(bin)
  const log = (m: string) => process.stderr.write(`[bench peers] ${m}\n`)
  let goldenTags: Map<string, string[]>
  const copyFrom = mkdtempSync(join(tmpdir(), 'nil-golden-'))
  try {
    log(`seeding ${a.images} x ${a.tags} (versions only) into ${golden.url}`)
    const seed = await seedRegistry({ base: golden.url }, a.images, a.tags, { versionsOnly: true })
    goldenTags = new Map(seed.images.map(i => [i.name, i.tags.map(t => t.tag)]))
    rmSync(copyFrom, { recursive: true, force: true })
    await run('cp', ['-a', join(golden.dir, 'data'), copyFrom])
  } finally {
    await golden.stop()
  }

  const walls = new Map<string, number[]>(tools.map(t => [t.name, []]))
  let reference: string | undefined
  for (let round = 1; round <= a.rounds; round++) {
    for (const tool of tools) {
      const srv = await startRegistry(bin, undefined, { dataFrom: copyFrom })
      const proxy = await startLatencyProxy(srv.url, a.latencyMs)
      try {
        const [cmd, args] = tool.command(proxy.url)
        const t0 = process.hrtime.bigint()
        await run(cmd, args, { maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1' } }).catch((e: Error & { code?: number }) => {
          // ours exits 1 when something failed: the tags check below says what
          log(`${tool.name} exited ${e.code ?? '?'}: ${e.message.split('\n')[0] ?? ''}`)
        })
        const ms = Number(process.hrtime.bigint() - t0) / 1e6
        walls.get(tool.name)?.push(ms)
        const left: string[] = []
        for (const name of goldenTags.keys()) left.push(`${name}: ${(await listTags({ base: srv.url }, name)).sort().join(' ')}`)
        const text = left.join('\n')
        reference ??= text
        const same = text === reference
        log(`round ${round} ${tool.name}: ${(ms / 1000).toFixed(2)} s${same ? '' : '  LEFT DIFFERENT TAGS'}`)
        if (!same) process.exitCode = 1
      } finally {
        await proxy.close()
        await srv.stop()
      }
    }
  }
  rmSync(copyFrom, { recursive: true, force: true })

  const ours = walls.get('ours') ?? []
  const lines = [`peers: ${a.images} x ${a.tags}, keep ${a.keep}, latency ${a.latencyMs} ms, ${a.rounds} rounds, ours with --concurrency ${a.concurrency}`]
  lines.push('| tool | min s | median s | ours/tool (min) | ours/tool (median) |', '|---|---:|---:|---:|---:|')
  for (const [name, xs] of walls) {
    const r = (f: (v: number[]) => number) => (f(ours) / f(xs)).toFixed(2)
    lines.push(`| ${name} | ${(Math.min(...xs) / 1000).toFixed(2)} | ${(median(xs) / 1000).toFixed(2)} | ${r(v => Math.min(...v))} | ${r(median)} |`)
  }
  lines.push(process.exitCode === 1 ? 'NOT every tool left the same tags (see above)' : 'every tool left the same tags')
  process.stdout.write(lines.join('\n') + '\n')
}
