// A failed run looks failed: a job summary with a ❌ headline, what failed and the usual fix, and what was
// already done; `--json` prints one JSON document with an error object; an input or flag that is not ours
// is named with the closest one.

import { execFile } from 'node:child_process'
import { distCli } from '../../test/support/dist-current'
import { FakeRegistry, imageBody, startFakeRegistry } from '../../test/support/fake-registry'
import { startServer } from '../../test/support/http-fixtures'
import { runAction } from '../../test/support/run-action'

/** A loopback port nothing listens on (a server started and closed). */
async function closedPort(): Promise<string> {
  const s = await startServer()
  const origin = s.origin
  await s.close()
  return origin
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve =>
    execFile(process.execPath, [distCli(), ...args], (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  )
}

describe('a failed run writes a failed summary', () => {
  it('refused connection: the host named, the usual causes, nothing deleted', async () => {
    const host = await closedPort()
    const r = await runAction({ api: 'registry', host, retries: '0' })
    expect(r.code).toBe(1)
    expect(r.summary).toContain('❌ Failed before deleting anything')
    expect(r.summary).toContain('<strong>unreachable</strong>')
    expect(r.summary).toContain(`Fix: nothing answered at ${host}`)
    expect(r.outputs['deleted-count']).toBe('0')
    expect(r.stdout).toContain('::error::')
  })

  it('401: the credentials named as the fix', async () => {
    const fake: FakeRegistry = await startFakeRegistry()
    fake.put('app', imageBody('x'), '1.0.0')
    fake.before = (_q, res) => (res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end(), true)
    try {
      const r = await runAction({ api: 'registry', host: fake.origin, username: 'u', password: 'wrong-pass', retries: '0' })
      expect(r.code).toBe(1)
      expect(r.summary).toContain('❌ Failed before deleting anything')
      expect(r.summary).toContain('<strong>unauthorized</strong>')
      expect(r.summary).toContain('Fix: check username and password')
      // masked before anything ran; never in the summary or any other line
      expect(r.summary).not.toContain('wrong-pass')
      expect(r.stdout.split('\n').filter(l => l.includes('wrong-pass') && !l.startsWith('::add-mask::'))).toEqual([])
    } finally {
      await fake.close()
    }
  })

  it('a bad input: the input, what it accepts, no request', async () => {
    const r = await runAction({ api: 'registry', host: 'http://127.0.0.1:9', keep: '-1' })
    expect(r.code).toBe(1)
    expect(r.summary).toContain('<strong>bad-input</strong>: Invalid input &#39;keep&#39;: &quot;-1&quot;. Expected a whole number')
  })
})

describe('inputs and flags that are not ours', () => {
  it('the action warns about an INPUT_ it does not have, naming the closest input', async () => {
    const fake = await startFakeRegistry()
    fake.put('app', imageBody('x'), '1.0.0')
    try {
      const r = await runAction({ api: 'registry', host: fake.origin, kepp: '3', 'dry-runn': 'false' })
      expect(r.stdout).toContain("::warning::input 'kepp' is not an input of this action and is ignored (did you mean keep?)")
      expect(r.stdout).toContain("::warning::input 'dry-runn' is not an input of this action and is ignored (did you mean dry-run?)")
      expect(r.code).toBe(0)
    } finally {
      await fake.close()
    }
  })

  it('the CLI names the closest flag (exit 2), and says only "see --help" when nothing is close', async () => {
    const near = await cli(['--kepp', '3', '--host', 'http://127.0.0.1:9'])
    expect(near.code).toBe(2)
    expect(near.stderr).toContain('unknown option --kepp (did you mean --keep?)')
    const far = await cli(['--zzzzzzzzzz'])
    expect(far.stderr).toContain('unknown option --zzzzzzzzzz (see --help)')
  })

  it('--json on error prints one JSON document with an error object', async () => {
    const host = await closedPort()
    const r = await cli(['--api', 'registry', '--host', host, '--retries', '0', '--json'])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string; done: { tagsDeleted: number } } }
    expect(doc.error.code).toBe('unreachable')
    expect(doc.error.hint).toContain(host)
    expect(doc.error.done.tagsDeleted).toBe(0)
    expect(r.stderr).toContain(`hint: nothing answered at ${host}`)
  })
})
