// Runs the bundled action (dist/index.js) the way the GitHub runner does: INPUT_* variables, the
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the exit code. Against the real docker-registry.

import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { summaryHtml } from '../../scripts/summary-html'
import { listTags, pushImage } from '../../test/support/push'
import { writeFileSync } from 'node:fs'
import { runAction } from '../../test/support/run-action'
import { registryOrSkip, RegistryServer, startRegistry } from '../../test/support/registry-server'
import { EXPECTED_LEFT_OTHER, expectedLeft, IMAGE, OTHER_IMAGE, POLICY_INPUTS, seedMixed } from '../../test/support/mixed-scenario'

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

  it('its job summary, rendered as GitHub renders Markdown, answers first and folds what is long', async () => {
    const fresh = await startRegistry(bin as string)
    try {
      await seedMixed({ base: fresh.url })
      const r = await runAction({ host: fresh.url, api: 'registry', ...POLICY_INPUTS, 'dry-run': 'false' })
      expect(r.code).toBe(0)
      const html = summaryHtml(r.summary)
      const headings = [...html.matchAll(/<h([23])>([^<]*)<\/h\1>/g)].map(m => `h${m[1]} ${m[2]}`)
      // the first heading answers: deleted, in how many images, kept, space (estimated: a registry frees it with its own GC)
      expect(headings[0]).toMatch(
        /^h2 ✅ Deleted 9 tags \(8 manifests\) in 2 images · kept 11 tags \(10 manifests\) · up to [\d.]+ (B|KiB|MiB) to come back after the registry&#39;s garbage collection \(estimate\)$/
      )
      expect(headings.slice(1, 3)).toEqual(['h3 Images', 'h3 Plan'])
      // mode, tool and policy follow, smaller
      expect(html).toMatch(/<sub><strong>DELETE · nexus-image-lifecycle [^<]+ · api registry · host http:\/\/127\.0\.0\.1:\d+/)
      // two tables in the open (images, plan: short), their header rows as rendered
      const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map(m => m[1] ?? '')
      const header = (t: string) => [...(/<tr>([\s\S]*?)<\/tr>/.exec(t)?.[1] ?? '').matchAll(/<th>([^<]*)<\/th>/g)].map(m => m[1])
      expect(header(tables[0] ?? '')).toEqual(['Image', 'Tags kept', 'Tags deleted', 'Freeable (up to)'])
      expect(header(tables[1] ?? '')).toEqual(['Image', 'Tags', 'Digest', 'Date', 'Version', 'Status', 'Reason'])
      expect((tables[1] ?? '').match(/<td>deleted<\/td>/g)).toHaveLength(8)
      // the kept manifests are folded, their count in the fold's title
      expect(html).toMatch(/<details><summary>Kept: 10 manifests and why<\/summary><table><tr><th>Image<\/th>/)
      expect(html).toContain('<details><summary>HTTP requests</summary>')
    } finally {
      await fresh.stop()
    }
  })

  it('a rules file and a references file: the first matching rule decides, a referenced digest stays', async () => {
    const fresh = await startRegistry(bin as string)
    try {
      const t = { base: fresh.url }
      const pushed: Record<string, string> = {}
      for (const [i, v] of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'].entries()) {
        pushed[v] = (await pushImage(t, 'app/web', v, { created: `2024-0${i + 1}-01T00:00:00Z`, layers: [`web-${v}`] })).digest
      }
      for (const [i, b] of ['build-1', 'build-2', 'build-3'].entries())
        await pushImage(t, 'feature/x', b, { created: `2024-05-0${i + 1}T00:00:00Z`, layers: [`x-${b}`] })
      const dir = mkdtempSync(join(tmpdir(), 'nil-rules-'))
      writeFileSync(join(dir, 'rules.yaml'), '- images: feature/**\n  keep: 1\n')
      writeFileSync(join(dir, 'in-use.txt'), `# kubectl imageIDs\n${new URL(fresh.url).host}/app/web@${pushed['1.0.0'] ?? ''}\n`)
      const r = await runAction({
        host: fresh.url,
        api: 'registry',
        keep: '2',
        'age-basis': 'created',
        'dry-run': 'false',
        'rules-file': join(dir, 'rules.yaml'),
        'keep-references-file': join(dir, 'in-use.txt')
      })
      expect(r.code).toBe(0)
      expect(await listTags(t, 'app/web')).toEqual(['1.0.0', '1.2.0', '1.3.0'])
      expect(await listTags(t, 'feature/x')).toEqual(['build-3'])
      expect(r.summary).toContain('rule 1 (feature/**)')
      expect(r.summary).toContain('in use (keep-references)')
    } finally {
      await fresh.stop()
    }
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
