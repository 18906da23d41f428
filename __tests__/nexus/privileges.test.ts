// The privilege preflight: every privilege the requested run needs, found before the first change, all at
// once; from Nexus's own permissions call (Shiro wildcards), or, where it does not answer, from probes that
// change nothing (API.md 14.2, 14.3).

import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { memoryLogger } from '../../test/support/memory-logger'
import { implies } from '../../src/nexus/privileges'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { startFaultProxy } from '../../test/support/fault-proxy'
import { NEXUS_POLICY, nexusScenario } from '../../test/support/nexus-scenario'

const REPO = 'docker-hosted'
const VIEW = ['browse', 'read', 'delete'].map(a => `nx-repository-view-docker-${REPO}-${a}`)
const RECLAIM = [`nx-repository-admin-docker-${REPO}-read`, 'nx-blobstores-read', 'nx-tasks-read', 'nx-tasks-run']

describe('Shiro wildcard permissions', () => {
  it.each<[string, string, boolean]>([
    ['nexus:*', 'nexus:tasks:start', true],
    ['nexus:tasks:start,stop', 'nexus:tasks:start', true],
    ['nexus:tasks:stop', 'nexus:tasks:start', false],
    ['nexus:repository-view:*:*:*', 'nexus:repository-view:docker:docker-hosted:delete', true],
    ['nexus:repository-view:docker:docker-hosted:read', 'nexus:repository-view:docker:docker-hosted:delete', false],
    ['nexus:repository-view:docker:docker-hosted:*', 'nexus:repository-view:docker:docker-hosted:delete', true],
    ['nexus:repository-view:docker:other:*', 'nexus:repository-view:docker:docker-hosted:delete', false],
    ['nexus:tasks:*:x', 'nexus:tasks:start', false],
    ['nexus:tasks:start:*', 'nexus:tasks:start', true],
    ['NEXUS:Tasks:START', 'nexus:tasks:start', true]
  ])('%s implies %s: %s', (granted, needed, result) => {
    expect(implies(granted, needed)).toBe(result)
  })
})

describe.each([
  ['the permissions call', false],
  ['probes (no permissions call)', true]
])('preflight through %s', (_how, probes) => {
  let emu: NexusEmulator
  afterEach(() => emu?.close())

  async function run(privileges: string[], extra: Record<string, string> = {}) {
    emu = await startNexusEmulator({ scenario: nexusScenario() })
    emu.addUser({ username: 'ci', password: 'pw', privileges })
    const proxy = await startFaultProxy(emu.url)
    if (probes) proxy.setRules([{ path: /^\/service\/extdirect/, fault: { kind: 'status', status: 404 } }])
    const inputs: Record<string, string> = { host: proxy.url, repository: REPO, username: 'ci', password: 'pw', ...NEXUS_POLICY, ...extra }
    try {
      return await runCleanup(
        parseConfig(n => inputs[n]),
        { log: memoryLogger(), version: 'test', reclaimTiming: { pollMinMs: 5, pollMaxMs: 20, metricsFlushMs: 0 } }
      )
    } finally {
      await proxy.close()
    }
  }
  const changes = () =>
    emu.requests.filter(r => r.method === 'DELETE' || (r.method === 'POST' && /\/run$/.test(r.path) && r.status !== 404 && r.status !== 403))

  it('a real run without the task privileges stops before deleting, naming every one at once', async () => {
    // both ways tell each of these apart
    const e = await run(VIEW, { 'dry-run': 'false', 'run-cleanup-tasks': 'true' }).then(
      () => undefined,
      (err: Error) => err
    )
    expect(e?.message).toMatch(/^the Nexus user lacks .*\. Nothing was changed\.$/)
    for (const p of RECLAIM) expect(e?.message).toContain(p)
    expect(changes()).toEqual([])
    expect(emu.tags(REPO, 'team/api')).toHaveLength(8)
  })

  it('a dry run says what the real run would lack, and changes nothing', async () => {
    const report = await run([...VIEW, `nx-repository-admin-docker-${REPO}-read`, 'nx-blobstores-read', 'nx-tasks-read'], { 'run-cleanup-tasks': 'true' })
    expect(report.notes.join('\n')).toContain('the real run would stop before changing anything: the Nexus user lacks nx-tasks-run (to run the cleanup tasks)')
    expect(changes()).toEqual([])
  })

  it('with every privilege the run goes through', async () => {
    const report = await run([...VIEW, ...RECLAIM], { 'dry-run': 'false', 'run-cleanup-tasks': 'true' })
    expect(report.failures).toEqual([])
    expect(report.totals.tags.deleted).toBe(3)
    if (probes)
      expect(report.notes.join('\n')).toMatch(
        /no safe probe tells whether the user has nx-repository-view-docker-docker-hosted-read, nx-repository-view-docker-docker-hosted-delete/
      )
  })
})

describe('repository settings without the admin read privilege', () => {
  it('Nexus answers 404, and the error says it may be the privilege', async () => {
    const emu = await startNexusEmulator({ scenario: nexusScenario() })
    try {
      const res = await fetch(`${emu.url}/service/rest/v1/repositories/docker/hosted/${REPO}`, {
        headers: { authorization: 'Basic ' + Buffer.from('ci:pw').toString('base64') }
      })
      expect(res.status).toBe(401) // no such user yet
      emu.addUser({ username: 'ci', password: 'pw', privileges: VIEW })
      const again = await fetch(`${emu.url}/service/rest/v1/repositories/docker/hosted/${REPO}`, {
        headers: { authorization: 'Basic ' + Buffer.from('ci:pw').toString('base64') }
      })
      expect(again.status).toBe(404)
    } finally {
      await emu.close()
    }
  })
})
