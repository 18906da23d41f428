// Community Edition's counters (the team's Nexus reference, API.md 14.4) around a run, against the
// emulator: read where Nexus offers them, set against the 40,000 limit, never a reason to fail.

import { parseConfig } from '../../src/config/config'
import { RunReport } from '../../src/model'
import { renderTerminal } from '../../src/report/index'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import type { EmulatorOptions } from '../../test/nexus-emulator/options'
import { memoryLogger } from '../../test/support/memory-logger'
import { NEXUS_DELETED, NEXUS_POLICY, nexusScenario } from '../../test/support/nexus-scenario'
import { runCleanup } from '../../test/support/run-cleanup'

const REPO = 'docker-hosted'
const IMAGE = 'team/api'
const CE = '3.90.1-01'

async function withEmulator(opts: EmulatorOptions, fn: (emu: NexusEmulator) => Promise<void>): Promise<void> {
  const emu = await startNexusEmulator({ scenario: nexusScenario(), ...opts })
  try {
    await fn(emu)
  } finally {
    await emu.close()
  }
}

function run(emu: NexusEmulator, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = {
    host: emu.url,
    repository: REPO,
    username: 'admin',
    password: 'admin123',
    listing: 'components',
    ...NEXUS_POLICY,
    ...extra
  }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

const components = (emu: NexusEmulator) => emu.tags(REPO, IMAGE).length
const dockerRequests = (emu: NexusEmulator) => emu.requests.filter(r => r.path.startsWith('/repository/')).length

describe('Community Edition usage counters', () => {
  it('a real run reads components before and after, and counts its own Docker API requests', async () => {
    await withEmulator({ version: CE }, async emu => {
      const before = components(emu)
      const report = await run(emu, { 'dry-run': 'false' })
      expect(report.failures).toEqual([])
      expect(report.usage).toEqual({
        componentLimit: 40_000,
        componentsBefore: before,
        componentsAfter: before - NEXUS_DELETED.length,
        requests24hBefore: 0,
        runRequests: dockerRequests(emu)
      })
      expect(report.usage?.runRequests).toBeGreaterThan(0)
      const text = renderTerminal(report)
      expect(text).toContain(`Components: ${before} before, ${before - NEXUS_DELETED.length} after (under 1% of Community Edition's limit of 40,000`)
      expect(text).toContain(`Requests: this run sent ${dockerRequests(emu)} to the Docker API`)
    })
  })

  it("a dry run reads them once and says what the real run would remove; Nexus's own 24-hour count is shown", async () => {
    await withEmulator({ version: CE }, async emu => {
      await run(emu) // a first run, whose Docker API requests Nexus counts
      const counted = dockerRequests(emu)
      const report = await run(emu)
      expect(report.usage).toMatchObject({ componentsBefore: components(emu), requests24hBefore: counted })
      expect(report.usage?.componentsAfter).toBeUndefined()
      expect(emu.requests.filter(r => r.path.endsWith('/usage-metrics'))).toHaveLength(2)
      expect(renderTerminal(report)).toContain(`the real run would remove ${NEXUS_DELETED.length}.`)
      expect(renderTerminal(report)).toContain(`Nexus had counted ${counted} in the 24 hours before the run`)
    })
  })

  it.each([
    ['a Nexus before 3.87 (404)', { version: '3.77.0-08' }, 'not read: this Nexus has none (HTTP 404; they come with 3.87)'],
    ['a user who may not read them (403)', { version: CE, usageMetrics: 'forbidden' as const }, 'not read: the user may not read the usage counters (HTTP 403)']
  ])('%s: the run goes on, and the report says they were not read', async (_label, opts, said) => {
    await withEmulator(opts, async emu => {
      const report = await run(emu, { 'dry-run': 'false' })
      expect(report.failures).toEqual([])
      expect(emu.tags(REPO, IMAGE)).not.toContain(NEXUS_DELETED[0])
      expect(report.usage?.componentsBefore).toBeUndefined()
      expect(renderTerminal(report)).toContain(`Community Edition counters: ${said}.`)
    })
  })

  it('max-components: the budget takes the lowest-ranked young manifest beyond keep, counted from the counters', async () => {
    await withEmulator({ version: CE }, async emu => {
      const before = components(emu)
      const max = before - NEXUS_DELETED.length - 1 // one over once the policy has run
      const report = await run(emu, { 'dry-run': 'false', 'max-components': String(max) })
      expect(report.failures).toEqual([])
      expect(report.budget).toMatchObject({ max, before, planned: NEXUS_DELETED.length, tookManifests: 1, tookTags: 1, after: max, met: true })
      const taken = report.images[0].outcomes.filter(o => o.decision.rule === 'budget')
      expect(taken).toHaveLength(1)
      expect(taken[0].status).toBe('deleted')
      expect(components(emu)).toBe(max)
      expect(renderTerminal(report)).toContain(
        `max-components ${max}: ${before} components before; the rest of the policy leaves ${before - NEXUS_DELETED.length}, 1 over; the budget took 1 manifest (1 tag)`
      )
    })
  })

  it('max-components without the counters: the budget takes nothing, and a note says why', async () => {
    await withEmulator({ version: '3.77.0-08' }, async emu => {
      const report = await run(emu, { 'dry-run': 'false', 'max-components': '1' })
      expect(report.failures).toEqual([])
      expect(report.budget).toBeUndefined()
      expect(emu.tags(REPO, IMAGE).length).toBe(components(emu))
      expect(report.notes.join('\n')).toContain("max-components 1: the instance's component count could not be read, so the budget took nothing")
      for (const t of NEXUS_DELETED) expect(emu.tags(REPO, IMAGE)).not.toContain(t)
    })
  })

  it('a plain registry has no such counters: nothing is asked, nothing is said', async () => {
    await withEmulator({ version: CE }, async emu => {
      const report = await run(emu, {
        api: 'registry',
        'force-registry-api': 'true',
        'age-basis': 'created',
        host: `${emu.url}/repository/${REPO}`,
        repository: ''
      })
      expect(report.usage).toBeUndefined()
      expect(emu.requests.filter(r => r.path.endsWith('/usage-metrics'))).toEqual([])
      expect(renderTerminal(report)).not.toContain('Community Edition')
    })
  })
})
