// `npm run demo`: the whole job without a Nexus. Starts the Nexus emulator (test/nexus-emulator) on a free
// 127.0.0.1 port with a seeded repository (scripts/demo-scenario.ts), runs the real CLI against it, first as
// a dry run and then for real with the reclaim step (Docker GC, then compact), and shows what is left.
// Exit status: 0 when both runs succeeded, otherwise the CLI's status.

import { main } from '../src/cli/cli'
import { startNexusEmulator, type NexusEmulator } from '../test/nexus-emulator/server'
import { DEMO_POLICY, DEMO_REPOSITORY, demoScenario } from './demo-scenario'

const PASSWORD_ENV = 'DEMO_NEXUS_PASSWORD'
const color = process.stdout.isTTY === true
const bold = (s: string): string => (color ? `\u001b[1m${s}\u001b[0m` : s)

function banner(title: string, lines: string[]): void {
  const rule = '='.repeat(100)
  process.stdout.write(`\n${rule}\n${bold(title)}\n${lines.map(l => `  ${l}`).join('\n')}\n${rule}\n\n`)
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function showTags(nexus: NexusEmulator, heading: string): void {
  process.stdout.write(`${bold(heading)}\n`)
  for (const image of nexus.images(DEMO_REPOSITORY)) {
    process.stdout.write(`  ${image.padEnd(14)} ${nexus.tags(DEMO_REPOSITORY, image).join(' ')}\n`)
  }
  const bs = nexus.blobStore('default')
  process.stdout.write(`  blob store 'default': ${bs.blobCount} blobs, ${mib(bs.totalSizeInBytes)}\n`)
}

async function demo(): Promise<number> {
  // Tasks end 300 ms after they start, so the reclaim step finishes in a second or two.
  // A 3.9x Community Edition, with its usage counters (3.87+).
  const nexus = await startNexusEmulator({ scenario: demoScenario(), version: '3.90.1-01', tasks: { mode: 'timer', durationMs: 300 } })
  try {
    process.env[PASSWORD_ENV] = 'admin123' // the emulator's default admin password
    const common = [
      '--host',
      nexus.url,
      '--repository',
      DEMO_REPOSITORY,
      '--username',
      'admin',
      '--password-env',
      PASSWORD_ENV,
      ...DEMO_POLICY,
      '--run-cleanup-tasks',
      'true'
    ]
    const command = (extra: string[]): string => `nexus-image-lifecycle ${[...common, ...extra].map(a => (a === nexus.url ? '$NEXUS' : a)).join(' ')}`

    banner('nexus-image-lifecycle demo', [
      `A Nexus 3 emulator is listening on ${nexus.url} ($NEXUS), with a Docker repository '${DEMO_REPOSITORY}':`,
      'shop/api (versions 1.0.0 … 1.10.0, 2.0.0 release candidates, 2.0.0 = latest, 1.10.0 = 1.10 = stable,',
      'branch and commit tags), shop/web (multi-arch: linux/amd64 + linux/arm64 indexes) and tools/migrate',
      '(an old version that was pulled 4 days ago). Dates are relative to now.'
    ])
    showTags(nexus, 'Before:')

    banner('1/2  DRY RUN: plan and report only, nothing is deleted', [
      `$ ${command([])}`,
      'Keep the 3 newest versions and the 2 newest other tags of each image, never latest or stable,',
      'and delete the rest only if not pushed or pulled within 30 days.'
    ])
    const dry = await main([...common])
    if (dry !== 0) {
      process.stderr.write(`demo: the dry run exited ${dry}\n`)
      return dry
    }

    banner('2/2  DELETE: the same plan, for real, then reclaim the disk space', [
      `$ ${command(['--delete'])}`,
      'Deletes each planned tag, checks it is gone, then runs the Nexus tasks that free the disk:',
      "'Docker - Delete unused manifests and images' (GC), on a datastore Nexus 'Cleanup unused docker blobs', then 'Compact blob store'."
    ])
    const real = await main([...common, '--delete'])
    if (real !== 0) {
      process.stderr.write(`demo: the real run exited ${real}\n`)
      return real
    }

    process.stdout.write('\n')
    showTags(nexus, 'After (tags left in the emulator):')
    process.stdout.write(`\nRun it against your own Nexus: npx nexus-image-lifecycle --host https://nexus.example.com ... (dry run by default)\n`)
    return 0
  } finally {
    await nexus.close()
  }
}

demo().then(
  code => {
    process.exitCode = code
  },
  (e: Error) => {
    process.stderr.write(`demo failed: ${e.stack ?? e.message}\n`)
    process.exitCode = 1
  }
)
