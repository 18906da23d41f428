// docs/nexus-setup.md, read alone, is enough: a user with exactly the privileges of each recipe (the
// role body taken from the page itself) runs what the recipe says with nothing reported missing, and a
// user with one privilege fewer is told which one before anything changes.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../../src/config/config'
import { RunReport } from '../../src/model'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { memoryLogger } from '../../test/support/memory-logger'
import { NEXUS_DELETED, NEXUS_POLICY, nexusScenario } from '../../test/support/nexus-scenario'
import { runCleanup } from '../../test/support/run-cleanup'

const setup = readFileSync(join(__dirname, '..', '..', 'docs', 'nexus-setup.md'), 'utf8')
const REPO = 'docker-hosted'
const IMAGE = 'team/api'

/** The role body the page gives to paste into POST /service/rest/v1/security/roles. */
function readmeRole(): { id: string; name: string; privileges: string[]; roles: string[] } {
  const m = /security\/roles -d @- <<'JSON'\n([\s\S]*?)\nJSON/.exec(setup)
  if (!m?.[1]) throw new Error('docs/nexus-setup.md lacks the role body')
  return JSON.parse(m[1]) as { id: string; name: string; privileges: string[]; roles: string[] }
}

function run(emu: NexusEmulator, user: string, extra: Record<string, string>): Promise<RunReport> {
  const inputs: Record<string, string> = { host: emu.url, repository: REPO, username: user, password: 'pw', ...NEXUS_POLICY, ...extra }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test', reclaimTiming: { pollMinMs: 5, pollMaxMs: 20, metricsFlushMs: 0 } }
  )
}

describe('docs/nexus-setup.md', () => {
  let emu: NexusEmulator
  beforeEach(async () => {
    emu = await startNexusEmulator({ scenario: nexusScenario(), version: '3.90.1-01' })
  })
  afterEach(() => emu.close())

  it('gives a role body an admin can paste: id, name, privileges, roles', () => {
    const role = readmeRole()
    expect(role).toMatchObject({ id: 'image-lifecycle', name: 'image-lifecycle', roles: [] })
    expect(role.privileges.length).toBeGreaterThan(3)
    // the UI steps are there too
    expect(setup).toMatch(/Security → Roles → Create role/)
    expect(setup).toMatch(/Security → Users → Create local user/)
  })

  it('the delete-and-reclaim role runs a real run with run-cleanup-tasks, nothing missing', async () => {
    emu.addUser({ username: 'ci', password: 'pw', privileges: readmeRole().privileges })
    const report = await run(emu, 'ci', { 'dry-run': 'false', 'run-cleanup-tasks': 'true' })
    expect(report.failures).toEqual([])
    expect(report.notes.join('\n')).not.toMatch(/lacks|would stop/)
    expect(report.reclaim?.tasks.map(t => t.result)).toEqual(report.reclaim?.tasks.map(() => 'OK'))
    for (const t of NEXUS_DELETED) expect(emu.tags(REPO, IMAGE)).not.toContain(t)
  })

  it('the plan-only recipe (its first privilege) plans with nothing missing for a dry run, and is told what a real run lacks', async () => {
    const read = readmeRole().privileges.filter(p => p.endsWith(`-${REPO}-read`) && p.startsWith('nx-repository-view'))
    expect(read).toEqual([`nx-repository-view-docker-${REPO}-read`])
    emu.addUser({ username: 'planner', password: 'pw', privileges: read })
    const report = await run(emu, 'planner', {})
    expect(report.failures).toEqual([])
    expect(report.totals.tags.wouldDelete).toBe(NEXUS_DELETED.length)
    expect(report.notes.join('\n')).toContain(`the real run would stop before changing anything: the Nexus user lacks nx-repository-view-docker-${REPO}-delete`)
  })

  it.each(readmeRole().privileges.map(p => [p]))('without %s the real run with run-cleanup-tasks stops before deleting, naming it', async missing => {
    emu.addUser({ username: 'short', password: 'pw', privileges: readmeRole().privileges.filter(p => p !== missing) })
    await expect(run(emu, 'short', { 'dry-run': 'false', 'run-cleanup-tasks': 'true' })).rejects.toThrow(new RegExp(`lacks .*${missing}`))
    expect(emu.requests.filter(r => r.method === 'DELETE')).toEqual([])
    for (const t of NEXUS_DELETED) expect(emu.tags(REPO, IMAGE)).toContain(t)
  })
})
