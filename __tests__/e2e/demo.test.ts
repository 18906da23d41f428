// `npm run demo` end to end: the script as a newcomer runs it, in a child process.

import { spawn } from 'node:child_process'
import { join } from 'node:path'

const root = join(__dirname, '..', '..')

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/demo.ts'], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

test('npm run demo: dry run, then delete with the reclaim step, against the emulator', async () => {
  const { code, stdout, stderr } = await runDemo()
  if (code !== 0) throw new Error(`demo exited ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`)

  const dry = stdout.indexOf('\n✅ Would delete ')
  const real = stdout.indexOf('\n✅ Deleted ')
  expect(dry).toBeGreaterThan(-1)
  expect(real).toBeGreaterThan(dry)
  const dryPart = stdout.slice(dry, real)
  const realPart = stdout.slice(real)

  // the first line answers: how much goes, in how many images, what stays, what space comes back
  expect(dryPart).toMatch(
    /^\n✅ Would delete 16 tags \(16 manifests\) in 3 images · kept 18 tags \(14 manifests\) · up to [\d.]+ MiB would come back \(estimate\)\n/
  )
  expect(dryPart).toMatch(/\nDRY RUN: nothing was deleted · nexus-image-lifecycle /)
  expect(dryPart).toContain("Components: 34 (under 1% of Community Edition's limit of 40,000; each Docker tag is one); the real run would remove 16.")
  expect(realPart).toMatch(
    /^\n✅ Deleted 16 tags \(16 manifests\) in 3 images · kept 18 tags \(14 manifests\) · [\d.]+ MiB came back \(measured on the blob store/
  )
  expect(realPart).toContain("Components: 34 before, 18 after (under 1% of Community Edition's limit of 40,000; each Docker tag is one).")
  expect(realPart).toMatch(/Requests: this run sent \d+ to the Docker API/)
  expect(dryPart).toMatch(/shop\/api\s+1\.9\.0\s.*would delete\s+beyond keep 3 and older than 30d/)
  expect(dryPart).toMatch(/Docker - Delete unused manifests and images\s.*would run/)
  expect(stdout).toContain('protected by keep-tags: latest')
  expect(stdout).toContain('protected by keep-tags: stable')
  expect(stdout).toMatch(/tools\/migrate\s+0\.3\.0\s.*pulled 4 days ago/)

  expect(realPart).toMatch(/shop\/api\s+1\.9\.0\s.*deleted\s+beyond keep 3/)
  expect(realPart).toContain('Reclaim space (Nexus cleanup tasks)')
  expect(realPart).toMatch(/Docker - Delete unused manifests and images\s+repository\.docker\.gc\s+docker-hosted \(unconfirmed\)\s+OK\b/)
  expect(realPart).toMatch(/Cleanup unused docker blobs from nexus\s+assetBlob\.cleanup\s+docker blobs of nexus\s+OK\b/)
  expect(realPart).toMatch(/Compact default blob store\s+blobstore\.compact\s+default \(unconfirmed\)\s+OK\b/)

  // What is left, read from the emulator after the real run.
  const after = realPart.slice(realPart.indexOf('After (tags left in the emulator):'))
  expect(after).toMatch(/shop\/api\s+1\.10 1\.10\.0 2\.0\.0 2\.0\.0-rc\.1 2\.0\.0-rc\.2 develop latest main pr-42 stable\n/)
  expect(after).toMatch(/shop\/web\s+3\.0\.0 3\.1\.0 3\.2\.0 latest\n/)
  expect(after).toMatch(/tools\/migrate\s+0\.3\.0 0\.4\.0 0\.5\.0 0\.6\.0\n/)
}, 60_000)
