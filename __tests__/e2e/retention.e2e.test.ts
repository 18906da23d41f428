// docs/policy.md's retention examples, run for real: the bundled action (dist/index.js, as the runner starts it)
// against the Nexus emulator with the README's own YAML (three rules and a kubectl references file; the
// pull-request-closed workflow), checking exactly which tags are left.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import type { Scenario, ScenarioTag } from '../../test/nexus-emulator/scenario'
import { runAction } from '../../test/support/run-action'

const README = readFileSync(join(__dirname, '..', '..', 'docs', 'policy.md'), 'utf8')
const REPO = 'docker-hosted'
const DAY = 86_400_000

/** The YAML block that follows `<!-- example: NAME -->` in the README. */
function example(name: string): unknown {
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(README)
  if (!m?.[1]) throw new Error(`docs/policy.md lacks the example ${name}`)
  return parse(m[1]) as unknown
}

/** A step's `with:` as the runner passes it: every value a string, the secrets and host filled in. */
function inputsOf(step: { with: Record<string, unknown> }, emu: NexusEmulator, extra: Record<string, string> = {}): Record<string, string> {
  // the examples delete once the repository variable NEXUS_CLEANUP_DELETE is 'true': as if it were
  const on = (v: string): string => v.replace("${{ vars.NEXUS_CLEANUP_DELETE != 'true' }}", 'false')
  const inputs = Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, on(String(v))]))
  return { ...inputs, host: emu.url, username: 'admin', password: 'admin123', ...extra }
}

function scenario(images: Record<string, ScenarioTag[]>): Scenario {
  return {
    blobStores: [{ name: 'default', type: 'File' }],
    repositories: [
      { name: REPO, type: 'hosted', format: 'docker', blobStore: 'default', images: Object.entries(images).map(([name, tags]) => ({ name, tags })) }
    ]
  }
}
const tag = (name: string, days: number): ScenarioTag => ({ tag: name, pushed: new Date(Date.now() - days * DAY).toISOString() })
const left = (emu: NexusEmulator, image: string) => emu.tags(REPO, image).sort()

describe('README retention examples against the emulator, through dist/index.js', () => {
  it('three rules and a references file from kubectl leave exactly what they say', async () => {
    const emu = await startNexusEmulator({
      scenario: scenario({
        // rule 1 (prod/**, keep 20 per minor): every line is shorter than 20, so all stay, even the old 1.2.0
        'prod/api': [tag('1.2.0', 400), tag('1.3.0', 200), tag('1.3.1', 190), tag('1.4.0', 120), tag('1.4.1', 110), tag('2.0.0', 40)],
        // rule 2 (feature/**, keep 1 older than 7d): build-4 is #1; build-1 and build-2 run in a cluster
        'feature/login': [tag('build-1', 30), tag('build-2', 20), tag('build-3', 10), tag('build-4', 3)],
        // rule 3 (everything else, keep 5 older than 30d)
        'tools/cli': [
          ...['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0'].map((t, i) => tag(t, [300, 250, 200, 150, 100, 60, 20, 5][i] ?? 0)),
          { tag: 'latest', sameAs: '1.7.0' }
        ]
      })
    })
    try {
      // What the README's kubectl recipe writes: container images, then the imageIDs (docker-pullable:// cut by sed).
      const dir = mkdtempSync(join(tmpdir(), 'nil-inuse-'))
      writeFileSync(
        join(dir, 'in-use.txt'),
        [
          'nexus.example.com:8082/feature/login:build-2',
          'nexus.example.com:8082/tools/cli:1.7.0',
          `nexus.example.com:8082/feature/login@${emu.digest(REPO, 'feature/login', 'build-1') ?? ''}`,
          `nexus.example.com:8082/tools/cli@${emu.digest(REPO, 'tools/cli', '1.7.0') ?? ''}`
        ].join('\n') + '\n'
      )
      const [step] = example('rules') as { with: Record<string, unknown> }[]
      if (!step) throw new Error('README example rules has no step')
      const r = await runAction(inputsOf(step, emu, { 'keep-references-file': join(dir, 'in-use.txt') }))
      expect({ code: r.code, stdout: r.code === 0 ? '' : r.stdout }).toEqual({ code: 0, stdout: '' })
      expect(left(emu, 'prod/api')).toEqual(['1.2.0', '1.3.0', '1.3.1', '1.4.0', '1.4.1', '2.0.0'])
      expect(left(emu, 'feature/login')).toEqual(['build-1', 'build-2', 'build-4'])
      expect(left(emu, 'tools/cli')).toEqual(['1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', 'latest'])
      // the summary lists the rules and says which decided each image, and why each manifest stayed
      expect(r.summary).toContain('rule 1: images prod/** · keep 20 · keep-per minor')
      expect(r.summary).toContain('rule 2 (feature/**)')
      expect(r.summary).toContain('keep 20 per minor (1.3.x) #1')
      expect(r.summary).toContain('in use (keep-references)')
      expect(JSON.parse(r.outputs['deleted'] ?? '[]').sort()).toEqual(['feature/login:build-3', 'tools/cli:1.0.0', 'tools/cli:1.1.0', 'tools/cli:1.2.0'])
    } finally {
      await emu.close()
    }
  }, 60_000)

  it('the pull-request-closed workflow deletes that PR’s tag and nothing another tag keeps', async () => {
    const emu = await startNexusEmulator({
      scenario: scenario({
        'shop/web': [tag('pr-42', 2), tag('pr-43', 1), tag('main', 1)],
        'shop/app': [tag('main', 2), { tag: 'pr-42', sameAs: 'main' }, tag('pr-40', 9)],
        'tools/other': [tag('pr-42', 2)]
      })
    })
    try {
      const workflow = example('pr-closed') as { jobs: Record<string, { steps: { with: Record<string, unknown> }[] }> }
      const step = Object.values(workflow.jobs)[0]?.steps[0]
      const inputs = inputsOf(step, emu)
      inputs['delete-tags'] = (inputs['delete-tags'] ?? '').replace('${{ github.event.pull_request.number }}', '42')
      expect(inputs['delete-tags']).toBe('pr-42')
      const r = await runAction(inputs)
      expect(r.code).toBe(0)
      expect(left(emu, 'shop/web')).toEqual(['main', 'pr-43'])
      expect(left(emu, 'shop/app')).toEqual(['main', 'pr-40', 'pr-42']) // also tagged main: kept
      expect(left(emu, 'tools/other')).toEqual(['pr-42']) // not in images: shop/*
      expect(r.summary).toContain('deleted on demand (delete-tags: pr-42)')
      expect(r.summary).toContain('also tagged main (delete-tags matched pr-42)')
    } finally {
      await emu.close()
    }
  }, 60_000)
})
