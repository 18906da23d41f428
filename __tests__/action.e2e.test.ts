// Runs the bundled action (dist/index.js) the way the GitHub runner does: INPUT_* variables, the
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the exit code. Against the real docker-registry.

import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listTags } from '../test/support/push'
import { runAction } from '../test/support/run-action'
import { registryOrSkip, RegistryServer, startRegistry } from '../test/support/registry-server'
import { EXPECTED_LEFT_OTHER, expectedLeft, IMAGE, OTHER_IMAGE, POLICY_INPUTS, seedMixed } from '../test/support/mixed-scenario'

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

maybe('bundled action against docker-registry', () => {
  let srv: RegistryServer
  let seed: Awaited<ReturnType<typeof seedMixed>>
  beforeAll(async () => {
    srv = await startRegistry(bin as string)
    seed = await seedMixed({ base: srv.url })
  })
  afterAll(() => srv?.stop())

  it('dry run: outputs, summary, nothing deleted', async () => {
    const r = await runAction({ host: srv.url, api: 'registry', ...POLICY_INPUTS })
    expect(r.code).toBe(0)
    expect(r.outputs['deleted-count']).toBe('0')
    expect(r.outputs['would-delete-count']).toBe('9')
    expect(JSON.parse(r.outputs['would-delete'])).toContain(`${IMAGE}:1.0.9`)
    expect(r.summary).toContain('DRY RUN')
    expect(r.summary).toContain('beyond keep 2 and older than 30d')
    expect(r.stdout).toContain('::group::Inventory')
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(seed.allTags)
  })

  it('real run: leaves exactly the tags the rules keep and reports them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nil-report-'))
    const reportFile = join(dir, 'report.json')
    const r = await runAction({ host: srv.url, api: 'registry', ...POLICY_INPUTS, 'dry-run': 'false', 'report-file': reportFile })
    expect(r.code).toBe(0)
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
    expect(await listTags({ base: srv.url }, OTHER_IMAGE)).toEqual(EXPECTED_LEFT_OTHER)
    expect(r.outputs['deleted-count']).toBe('9')
    expect(r.outputs['manifests-deleted-count']).toBe('8')
    expect(r.outputs['failed-count']).toBe('0')
    expect(JSON.parse(r.outputs['deleted']).sort()).toEqual(
      [...seed.allTags.filter(t => !expectedLeft(seed).includes(t)).map(t => `${IMAGE}:${t}`), `${OTHER_IMAGE}:1.0.0`].sort()
    )
    expect(r.outputs['report-file']).toBe(reportFile)
    const report = JSON.parse(readFileSync(reportFile, 'utf8'))
    expect(report.totals.tags.deleted).toBe(9)
    expect(r.summary).toContain('DELETE')
    expect(r.summary).toContain('Kept: 10 manifests and why')
    expect(r.summary).toContain('protected by keep-tags: latest')
    expect(r.summary).toContain('signature of kept 2.0.0')
  })

  it('a bad input fails the step with one line and no request', async () => {
    const r = await runAction({ host: srv.url, api: 'registry', keep: '-1' })
    expect(r.code).not.toBe(0)
    expect(r.stdout).toMatch(/::error::Invalid input 'keep': "-1"\. Expected a whole number from 1 to 100000\./)
  })

  it.each([
    ['keep-tags', ','],
    ['keep-tags', ''],
    ['images', '']
  ])('%s given as %p is refused, not read as none or every (the runner sets INPUT_ for a given input)', async (input, value) => {
    const r = await runAction({ host: srv.url, api: 'registry', ...POLICY_INPUTS, 'dry-run': 'false', [input]: value })
    expect(r.code).not.toBe(0)
    expect(r.stdout).toContain(`::error::Invalid input '${input}'`)
    expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
  })

  it("keep-tags '{latest,stable}' is one glob protecting both", async () => {
    const r = await runAction({ host: srv.url, api: 'registry', ...POLICY_INPUTS, 'keep-tags': '{latest,main}' })
    expect(r.code).toBe(0)
    expect(r.summary).toContain('protected by keep-tags: {latest,main}')
  })
})
