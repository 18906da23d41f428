// The emulator stands alone: `npm run emulator -- --scenario demo` (or a scenario JSON file) serves on
// 127.0.0.1 and answers like Nexus until it is stopped.

import { spawn } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

it('serves the demo scenario from the command line, and stops on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'test/nexus-emulator/cli.ts', '--scenario', 'demo', '--port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)
        if (m) resolve(m[1])
      })
      child.on('exit', code => reject(new Error(`exited ${code}: ${out}`)))
    })
    const auth = { authorization: 'Basic ' + Buffer.from('admin:admin123').toString('base64') }
    const repos = (await (await fetch(`${url}/service/rest/v1/repositories`, { headers: auth })).json()) as { name: string; format: string }[]
    expect(repos.some(r => r.name === 'docker-hosted' && r.format === 'docker')).toBe(true)
    const page = (await (await fetch(`${url}/service/rest/v1/components?repository=docker-hosted`, { headers: auth })).json()) as { items: unknown[] }
    expect(page.items.length).toBeGreaterThan(0)
  } finally {
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}, 30_000)
