// npm run bench:shards [-- --images 100 --tags 200 --shards 4 --latency-ms 20]
// When sharding pays: one unsharded delete run against the Nexus emulator, then N shard runs started at once
// (as a matrix's jobs are) against a fresh copy, both behind the loopback latency proxy; wall times and
// whether both left the same tags. Measures only.
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { startNexusEmulator } from '../test/nexus-emulator/server'
import { benchScenario, NEXUS_REPOSITORY } from './bench-seed'
import { startLatencyProxy } from './latency-proxy'

const run = promisify(execFile)
const CLI = join(resolve(__dirname, '..'), 'dist', 'cli', 'index.js')

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name}: a whole number`)
  return v
}

async function main(): Promise<void> {
  const images = arg('images', 100)
  const tags = arg('tags', 200)
  const shards = arg('shards', 4)
  const latency = arg('latency-ms', 20)
  const { scenario } = benchScenario(images, tags)
  const walls: Record<string, number> = {}
  const left: Record<string, string> = {}
  for (const n of [1, shards]) {
    const emu = await startNexusEmulator({ scenario })
    const proxy = await startLatencyProxy(emu.url, latency)
    try {
      const args = (k: number) => [
        CLI,
        '--host',
        proxy.url,
        '--repository',
        NEXUS_REPOSITORY,
        '--username',
        'admin',
        '--password-env',
        'P',
        '--keep',
        '5',
        '--delete',
        ...(n > 1 ? ['--shard', `${k}/${n}`] : [])
      ]
      const t0 = Date.now()
      await Promise.all(
        Array.from({ length: n }, (_, i) => run(process.execPath, args(i + 1), { env: { ...process.env, P: 'admin123' }, maxBuffer: 256 << 20 }))
      )
      walls[n === 1 ? 'unsharded' : `${n} shards`] = (Date.now() - t0) / 1000
      left[String(n)] = emu
        .images(NEXUS_REPOSITORY)
        .map(i => `${i}:${emu.tags(NEXUS_REPOSITORY, i).sort().join(',')}`)
        .join('\n')
    } finally {
      await proxy.close()
      await emu.close()
    }
  }
  process.stdout.write(`${images} x ${tags}, keep 5, latency ${latency} ms: ${JSON.stringify(walls)}; same tags left: ${left['1'] === left[String(shards)]}\n`)
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`)
  process.exitCode = 1
})
