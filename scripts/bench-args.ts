// npm run bench's arguments: the data set and the targets, and --peers's (scripts/bench-peers.ts).

import { join, resolve } from 'node:path'
import type { PeerArgs } from './bench-peers'

const ROOT = resolve(__dirname, '..')

export interface Args {
  images: number
  tags: number
  keep: number
  out: string
  only?: 'registry' | 'nexus'
  seedParallel: number
}

export function usage(): string {
  return [
    'Usage: npm run bench -- [--images N] [--tags N] [--keep N] [--only registry|nexus] [--out FILE] [--seed-parallel N]',
    '       npm run bench -- --peers [--target registry|nexus] [--db orient|datastore] [--dry-run] [--images N] [--tags N] [--keep N] [--latency-ms N] [--rounds N] [--concurrency auto|N] [--listing auto|search|components] [--size-estimate auto|on|off] [--peer-registry-cli PATH]',
    '  --peers            ours beside the floor client (and registry-cli) on copies of one seeded registry (scripts/bench-peers.ts)',
    '  --images N         images per target (default 100)',
    '  --tags N           tags per image, each on its own manifest (default 50)',
    '  --keep N           keep of the policy (default 5; no older-than, so beyond keep is deleted)',
    '  --only T           only the registry or only the Nexus emulator',
    '  --out FILE         JSON results (default .tmp/bench-results.json)',
    '  --seed-parallel N  pushes in flight while seeding the registry (default 16)'
  ].join('\n')
}

export function parseArgs(argv: string[]): Args {
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

/** `--peers ...`: ours beside the floor and registry-cli (scripts/bench-peers.ts). */
export function peerArgs(argv: string[]): PeerArgs {
  const a: PeerArgs = { target: 'registry', images: 30, tags: 20, keep: 5, latencyMs: 0, rounds: 3, concurrency: 'auto', db: 'datastore', dryRun: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--dry-run') {
      a.dryRun = true
      continue
    }
    const v = argv[++i]
    if (v === undefined) throw new Error(`${flag} needs a value`)
    const n = Number(v)
    if (flag === '--peer-registry-cli') a.registryCli = v
    else if (flag === '--target') {
      if (v !== 'registry' && v !== 'nexus') throw new Error(`--target: registry or nexus, got ${v}`)
      a.target = v
    } else if (flag === '--db') {
      if (v !== 'orient' && v !== 'datastore') throw new Error(`--db: orient or datastore, got ${v}`)
      a.db = v
    } else if (flag === '--listing') a.listing = v
    else if (flag === '--size-estimate') a.sizeEstimate = v
    else if (flag === '--concurrency') a.concurrency = v
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
