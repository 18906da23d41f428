// Makes README's picture of the job summary from a real run: the bundled action (dist/index.js, as the
// runner starts it) deletes for real against the Nexus emulator seeded with the demo repository and runs the
// reclaim step; its GITHUB_STEP_SUMMARY is rendered as GitHub renders it and shot in headless Chromium
// (Debian's `chromium`, with `fonts-noto-color-emoji` for the headline's mark). Writes docs/summary.html, docs/summary.png and docs/terminal.txt (the CLI's table
// of the same run, a dry run, as text).
//   npm run screenshot
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_REPOSITORY, demoScenario } from './demo-scenario'
import { summaryHtml } from './summary-html'
import { startNexusEmulator } from '../test/nexus-emulator/server'
import { runAction } from '../test/support/run-action'

const root = join(__dirname, '..')
const docs = join(root, 'docs')
const POLICY = { keep: '3', 'keep-other': '2', 'older-than': '30d', 'age-basis': 'last-pulled', 'keep-tags': 'latest,stable' }

async function main(): Promise<void> {
  const now = Date.now()
  const dry = await startNexusEmulator({ scenario: demoScenario(now), version: '3.90.1-01' })
  try {
    const env = { ...process.env, NIL_PW: 'admin123', NO_COLOR: '1' }
    const args = ['--host', dry.url, '--repository', DEMO_REPOSITORY, '--username', 'admin', '--password-env', 'NIL_PW']
    for (const [k, v] of Object.entries(POLICY)) args.push(`--${k}`, v)
    // async: the emulator answers from this process's event loop
    const { stdout: text } = await promisify(execFile)(process.execPath, [join(root, 'dist', 'cli', 'index.js'), ...args], { env, encoding: 'utf8' })
    writeFileSync(join(docs, 'terminal.txt'), text.replace(/host http:\/\/127\.0\.0\.1:\d+/g, 'host https://nexus.example.com'))
  } finally {
    await dry.close()
  }

  const nexus = await startNexusEmulator({ scenario: demoScenario(now), version: '3.90.1-01', tasks: { mode: 'timer', durationMs: 300 } })
  try {
    const run = await runAction({
      host: nexus.url,
      repository: DEMO_REPOSITORY,
      username: 'admin',
      password: 'admin123',
      ...POLICY,
      'dry-run': 'false',
      'run-cleanup-tasks': 'true'
    })
    if (run.code !== 0) throw new Error(`the action exited ${run.code}:\n${run.stdout}`)
    // The emulator listens on a random loopback port; the picture shows the host a user would have.
    const markdown = run.summary.replace(/http:\/\/127\.0\.0\.1:\d+/g, 'https://nexus.example.com')
    const html = summaryHtml(markdown, 'nexus-image-lifecycle job summary')
    const htmlFile = join(docs, 'summary.html')
    writeFileSync(htmlFile, html)
    const profile = mkdtempSync(join(tmpdir(), 'nil-chromium-'))
    execFileSync(
      process.env['CHROMIUM'] ?? 'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        '--window-size=1240,1500',
        `--screenshot=${join(docs, 'summary.png')}`,
        `file://${htmlFile}`
      ],
      { stdio: 'ignore' }
    )
    process.stdout.write(`wrote docs/summary.html, docs/summary.png and docs/terminal.txt\n`)
  } finally {
    await nexus.close()
  }
}

main().catch((e: Error) => {
  process.stderr.write(`screenshot failed: ${e.message}\n`)
  process.exitCode = 1
})
