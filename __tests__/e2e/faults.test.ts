// Fault injection: the bundled action runs through a proxy that breaks requests by rule, in front of the
// real docker-registry and of the Nexus emulator. For every fault: the tags left are the policy's answer or
// a strict superset of it (a fault may only keep more), the outputs count exactly what was deleted, the
// exit code is non-zero when anything failed, and a rerun without faults finishes the job.

import { pushImage } from '../../test/support/push'
import { FaultProxy, FaultRule, startFaultProxy } from '../../test/support/fault-proxy'
import { listTags } from '../../test/support/push'
import { registryOrSkip, RegistryServer, startRegistry } from '../../test/support/registry-server'
import { EXPECTED_LEFT_OTHER, expectedLeft, IMAGE, OTHER_IMAGE, POLICY_INPUTS, seedMixed } from '../../test/support/mixed-scenario'
import { runAction, ActionRun } from '../../test/support/run-action'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { NEXUS_LEFT, NEXUS_POLICY, nexusScenario } from '../../test/support/nexus-scenario'

const FAST = { retries: '2', 'request-timeout': '1s', 'dry-run': 'false' }

interface Row {
  name: string
  rules: (ctx: Ctx) => FaultRule[]
  /** The run must report failure (exit non-zero). */
  fails: boolean
  /** The first run already reaches the policy's answer. */
  complete: boolean
  /** Inputs the row needs besides the policy (e.g. verify-before-delete for the re-push guard). */
  inputs?: Record<string, string>
}

interface Ctx {
  /** Re-push a tag with new content (the "changed since planned" fault). */
  repush: () => Promise<void>
  /** A path fragment naming one manifest (digest) or tag (component id) due for deletion. */
  victim: string
}

/** What every fault row must satisfy, given the tags before, after, the expected answer and the run. */
function checkInvariants(before: string[], after: string[], expected: string[], run: ActionRun, row: Row): void {
  // only ever more kept, never more deleted
  for (const t of expected) expect(after).toContain(t)
  // outputs count exactly what went (a re-pushed tag stays, and is not counted)
  const gone = before.filter(t => !after.includes(t))
  const deleted: string[] = JSON.parse(run.outputs['deleted'] ?? '[]')
  expect(deleted.sort()).toEqual(gone.sort())
  expect(Number(run.outputs['deleted-count'])).toBe(gone.length)
  if (row.fails) {
    expect(run.code).not.toBe(0)
  } else {
    expect(run.code).toBe(0)
  }
  if (row.complete) expect(after.sort()).toEqual([...expected].sort())
  expect(run.stdout + run.stderr + run.summary).not.toContain('s3cret')
}

const registryRows: Row[] = [
  {
    name: '500 twice on tags/list (retried)',
    fails: false,
    complete: true,
    rules: () => [{ path: /\/tags\/list/, times: 2, fault: { kind: 'status', status: 500 } }]
  },
  {
    name: '502 and 503 on manifest reads (retried)',
    fails: false,
    complete: true,
    rules: () => [
      { path: /\/manifests\//, method: 'GET', times: 2, fault: { kind: 'status', status: 502 } },
      { path: /\/manifests\//, method: 'HEAD', times: 1, fault: { kind: 'status', status: 503 } }
    ]
  },
  {
    name: '429 with Retry-After on the first DELETE',
    fails: false,
    complete: true,
    rules: () => [{ path: /\/manifests\/sha256:/, method: 'DELETE', times: 1, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } }]
  },
  { name: 'connection reset on a config blob read', fails: false, complete: true, rules: () => [{ path: /\/blobs\//, times: 1, fault: { kind: 'reset' } }] },
  { name: 'a stall past the request timeout', fails: false, complete: true, rules: () => [{ path: /\/tags\/list/, times: 1, fault: { kind: 'stall' } }] },
  {
    name: 'one image unreadable after retries: that image fails closed',
    fails: true,
    complete: false,
    rules: () => [{ path: new RegExp(`/v2/${IMAGE}/tags/list`), fault: { kind: 'status', status: 503 } }]
  },
  {
    name: 'a catalog page that leads to an error: nothing deleted',
    fails: true,
    complete: false,
    rules: () => [
      // the first page claims a next page; that page always errors
      { path: /\/_catalog\?n=/, times: 1, fault: { kind: 'add-headers', headers: { link: '</v2/_catalog?last=shop%2Fapi&n=1000>; rel="next"' } } },
      { path: /\/_catalog\?.*last=/, fault: { kind: 'status', status: 500 } }
    ]
  },
  {
    name: 'DELETE keeps failing for one manifest: reported failed, others deleted',
    fails: true,
    complete: false,
    rules: ctx => [{ path: new RegExp(`/manifests/${ctx.victim}`), method: 'DELETE', fault: { kind: 'status', status: 500 } }]
  },
  {
    // the confirm guard: a registry (a mirror, a proxy in front of one) answering 202 to a DELETE it never
    // carried out must not have that manifest counted deleted
    name: 'DELETE answered 202 but never carried out: reported failed, not counted deleted',
    fails: true,
    complete: false,
    rules: ctx => [{ path: new RegExp(`/manifests/${ctx.victim}`), method: 'DELETE', fault: { kind: 'status', status: 202 } }]
  },
  {
    name: 'a tag re-pushed between plan and delete, with verify-before-delete: skipped',
    fails: false,
    complete: false,
    inputs: { 'verify-before-delete': 'true' },
    rules: ctx => [{ path: new RegExp(`/v2/${IMAGE}/tags/list`), after: 1, times: 1, fault: { kind: 'hook', run: ctx.repush } }]
  }
]

const bin = registryOrSkip()
const maybe = bin ? describe : describe.skip

maybe('faults in front of docker-registry', () => {
  let srv: RegistryServer
  let proxy: FaultProxy
  afterEach(async () => {
    await proxy?.close()
    await srv?.stop()
  })

  it.each(registryRows.map(r => [r.name, r] as const))('%s', async (_name, row) => {
    srv = await startRegistry(bin as string)
    const seed = await seedMixed({ base: srv.url })
    proxy = await startFaultProxy(srv.url)
    const ctx: Ctx = {
      repush: async () => void (await pushImage({ base: srv.url }, IMAGE, '1.0.9', { created: '2024-01-01T00:00:00Z', layers: ['re-pushed'] })),
      victim: seed.oldDigest
    }
    proxy.setRules(row.rules(ctx))
    // a catalog of one page per image makes the catalog rule bite
    const inputs = { host: proxy.url, api: 'registry', ...POLICY_INPUTS, ...FAST, ...row.inputs }
    const before = [...seed.allTags.map(t => `${IMAGE}:${t}`), ...['1.0.0', '1.1.0', '1.2.0'].map(t => `${OTHER_IMAGE}:${t}`)]
    const tagsNow = async () => [
      ...(await listTags({ base: srv.url }, IMAGE)).map(t => `${IMAGE}:${t}`),
      ...(await listTags({ base: srv.url }, OTHER_IMAGE)).map(t => `${OTHER_IMAGE}:${t}`)
    ]
    const expected = [...expectedLeft(seed).map(t => `${IMAGE}:${t}`), ...EXPECTED_LEFT_OTHER.map(t => `${OTHER_IMAGE}:${t}`)]
    const first = await runAction(inputs)
    expect(proxy.log.some(e => e.fault)).toBe(true) // the fault really happened
    checkInvariants(before, await tagsNow(), expected, first, row)
    // rerun without faults: the job finishes (404 = already gone)
    proxy.setRules([])
    const second = await runAction(inputs)
    expect(second.code).toBe(0)
    // (a re-pushed 1.0.9 keeps its old created date, so the policy deletes it on the rerun)
    expect((await tagsNow()).sort()).toEqual([...expected].sort())
  })
})

const nexusRows: Row[] = [
  {
    name: '500 twice on the components listing (retried)',
    fails: false,
    complete: true,
    rules: () => [{ path: /\/service\/rest\/v1\/components\?/, times: 2, fault: { kind: 'status', status: 500 } }]
  },
  {
    name: '503 on a component DELETE (retried)',
    fails: false,
    complete: true,
    rules: () => [{ path: /\/service\/rest\/v1\/components\/[^?]+$/, method: 'DELETE', times: 1, fault: { kind: 'status', status: 503 } }]
  },
  {
    name: '429 with Retry-After on the pre-delete read (verify-before-delete)',
    fails: false,
    complete: true,
    inputs: { 'verify-before-delete': 'true' },
    rules: () => [
      { path: /\/service\/rest\/v1\/components\/[^?]+$/, method: 'GET', times: 1, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } }
    ]
  },
  {
    name: 'connection reset on the index manifest read',
    fails: false,
    complete: true,
    rules: () => [{ path: /\/manifests\/sha256:/, times: 1, fault: { kind: 'reset' } }]
  },
  {
    name: 'a stall past the request timeout',
    fails: false,
    complete: true,
    rules: () => [{ path: /\/service\/rest\/v1\/repositories/, times: 1, fault: { kind: 'stall' } }]
  },
  {
    name: 'a continuationToken that leads to an error: nothing deleted',
    fails: true,
    complete: false,
    rules: () => [{ path: /continuationToken=/, fault: { kind: 'status', status: 500 } }]
  },
  {
    name: 'component DELETE keeps failing for one tag',
    fails: true,
    complete: false,
    rules: ctx => [{ path: new RegExp(`/service/rest/v1/components/${ctx.victim}$`), method: 'DELETE', fault: { kind: 'status', status: 500 } }]
  },
  {
    // the confirm guard, on Nexus: a 204 for a component that is still there is not a deletion
    name: 'component DELETE answered 204 but never carried out: reported failed, not counted deleted',
    fails: true,
    complete: false,
    rules: ctx => [{ path: new RegExp(`/service/rest/v1/components/${ctx.victim}$`), method: 'DELETE', fault: { kind: 'status', status: 204 } }]
  },
  {
    name: 'a tag re-pushed between plan and delete, with verify-before-delete: skipped',
    fails: false,
    complete: false,
    inputs: { 'verify-before-delete': 'true' },
    rules: ctx => [{ path: /\/service\/rest\/v1\/components\/[^?]+$/, method: 'GET', times: 1, fault: { kind: 'hook', run: ctx.repush } }]
  }
]

describe('faults in front of the Nexus emulator', () => {
  let emu: NexusEmulator
  let proxy: FaultProxy
  afterEach(async () => {
    await proxy?.close()
    await emu?.close()
  })

  it.each(nexusRows.map(r => [r.name, r] as const))('%s', async (_name, row) => {
    // 192 more tags make three pages of components, so the continuationToken rule bites
    emu = await startNexusEmulator({ scenario: nexusScenario(192) })
    proxy = await startFaultProxy(emu.url)
    const ctx: Ctx = {
      repush: async () => void emu.rePushTag('docker-hosted', 'team/api', '1.0.0'),
      victim: emu.component('docker-hosted', 'team/api', '1.1')!.id
    }
    proxy.setRules(row.rules(ctx))
    const inputs = {
      host: proxy.url,
      repository: 'docker-hosted',
      username: 'admin',
      password: 'admin123',
      images: 'team/api',
      ...NEXUS_POLICY,
      ...FAST,
      ...row.inputs
    }
    const tagsNow = () => emu.tags('docker-hosted', 'team/api').map(t => `team/api:${t}`)
    const before = tagsNow()
    const expected = NEXUS_LEFT.map(t => `team/api:${t}`)
    const first = await runAction(inputs)
    expect(proxy.log.some(e => e.fault)).toBe(true)
    checkInvariants(before, tagsNow(), expected, first, row)
    proxy.setRules([])
    const second = await runAction(inputs)
    expect(second.code).toBe(0)
    // a re-push is a new push: younger than older-than, so the rerun keeps it
    const repushed = row.name.includes('re-pushed') ? ['team/api:1.0.0'] : []
    expect(tagsNow().sort()).toEqual([...expected, ...repushed].sort())
  })
})

describe('secrets never leak', () => {
  it('a run that meets 401, 403 and 500 shows neither the password nor the Authorization value anywhere', async () => {
    const password = 's3cret-P4ss!'
    const view = ['nx-repository-view-docker-docker-hosted-browse', 'nx-repository-view-docker-docker-hosted-read']
    const emu = await startNexusEmulator({
      scenario: nexusScenario(),
      users: [
        { username: 'ci', password, privileges: view },
        { username: 'deleter', password, privileges: [...view, 'nx-repository-view-docker-docker-hosted-delete'] }
      ]
    })
    const proxy = await startFaultProxy(emu.url)
    try {
      const authValue = Buffer.from(`ci:${password}`).toString('base64')
      const runs: ActionRun[] = []
      const base = { host: proxy.url, repository: 'docker-hosted', username: 'ci', password, ...NEXUS_POLICY, ...FAST, 'report-file': '' }
      // the user may read but not delete: the preflight stops the run, naming the privilege
      runs.push(await runAction(base))
      // 403 on every delete, where the permissions said yes
      proxy.setRules([{ method: 'DELETE', path: /components/, fault: { kind: 'status', status: 403 } }])
      runs.push(await runAction({ ...base, username: 'deleter' }))
      // 500 on every listing request
      proxy.setRules([
        { path: /components/, fault: { kind: 'status', status: 500, body: `ERROR: (ID x) echo ${password}`.replace(password, 'redacted-by-server') } }
      ])
      runs.push(await runAction(base))
      proxy.setRules([])
      // 401: a wrong password (the real one must still not show)
      runs.push(await runAction({ ...base, password: password + 'x' }))
      expect(runs.map(r => r.code)).toEqual([1, 1, 1, 1])
      expect(runs[0].stdout).toMatch(/the Nexus user lacks nx-repository-view-docker-docker-hosted-delete/)
      expect(runs[1].summary).toMatch(/lacks the privilege nx-repository-view-docker-docker-hosted-delete/)
      expect(runs[3].stdout).toMatch(/refused the credentials \(401\)/)
      for (const r of runs) {
        // `::add-mask::` lines are the runner's masking commands: consumed by the runner, never shown
        const shown = r.stdout
          .split('\n')
          .filter(l => !l.startsWith('::add-mask::'))
          .join('\n')
        const all = [shown, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n')
        expect(all).not.toContain(password)
        expect(all).not.toContain(authValue)
      }
      // the password is masked for the runner before anything is printed
      expect(runs[0].stdout).toContain('::add-mask::')
    } finally {
      await proxy.close()
      await emu.close()
    }
  })
})

describe('overlapping runs on one repository', () => {
  it('two runs at once do not fail each other (404 on delete = already gone)', async () => {
    const emu = await startNexusEmulator({ scenario: nexusScenario() })
    try {
      const inputs = { host: emu.url, repository: 'docker-hosted', username: 'admin', password: 'admin123', ...NEXUS_POLICY, ...FAST }
      const [a, b] = await Promise.all([runAction(inputs), runAction(inputs)])
      expect([a.code, b.code]).toEqual([0, 0])
      expect(emu.tags('docker-hosted', 'team/api').sort()).toEqual(NEXUS_LEFT)
      // between them, all three deleted tags are reported (a run that finds one already gone says so)
      const reported = [...JSON.parse(a.outputs['deleted']), ...JSON.parse(b.outputs['deleted'])]
      expect(new Set(reported).size).toBe(3)
    } finally {
      await emu.close()
    }
  })

  maybe('a tag deleted between the listing and its read', () => {
    it('is gone, not a failure; a tag still listed that answers 404 still fails its image closed', async () => {
      const srv = await startRegistry(bin as string)
      const proxy = await startFaultProxy(srv.url)
      try {
        const seed = await seedMixed({ base: srv.url })
        const victim = '1.0.9' // deleted by policy anyway: someone else got there first
        let deleted = false
        proxy.setRules([
          {
            path: new RegExp(`/v2/${IMAGE}/manifests/${victim.replace(/\./g, '\\.')}$`),
            method: 'GET',
            times: 1,
            fault: {
              kind: 'hook',
              run: async () => {
                const head = await fetch(`${srv.url}/v2/${IMAGE}/manifests/${victim}`, {
                  method: 'HEAD',
                  headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' }
                })
                await fetch(`${srv.url}/v2/${IMAGE}/manifests/${head.headers.get('docker-content-digest') ?? ''}`, { method: 'DELETE' })
                deleted = true
              }
            }
          }
        ])
        const r = await runAction({ host: proxy.url, api: 'registry', ...POLICY_INPUTS, ...FAST })
        expect(deleted).toBe(true)
        expect(r.code).toBe(0)
        expect(r.summary).toContain(`1 tag deleted while the run read the image (${victim})`)
        expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
        // one 404 for a tag still listed is looked at again and read; a tag that stays listed and keeps
        // answering 404 fails its image closed, nothing of it deleted
        proxy.setRules([
          { path: new RegExp(`/v2/${OTHER_IMAGE}/manifests/(?!sha256:)[^/]+$`), method: 'GET', times: 1, fault: { kind: 'status', status: 404 } }
        ])
        expect((await runAction({ host: proxy.url, api: 'registry', ...POLICY_INPUTS, ...FAST })).code).toBe(0)
        proxy.setRules([
          { path: new RegExp(`/v2/${OTHER_IMAGE}/manifests/(?!sha256:)[^/]+$`), method: 'GET', times: 1000, fault: { kind: 'status', status: 404 } }
        ])
        const before = await listTags({ base: srv.url }, OTHER_IMAGE)
        const again = await runAction({ host: proxy.url, api: 'registry', ...POLICY_INPUTS, ...FAST })
        expect(again.code).not.toBe(0)
        expect(again.stdout).toMatch(/is listed but its manifest answers 404/)
        expect(await listTags({ base: srv.url }, OTHER_IMAGE)).toEqual(before)
      } finally {
        await proxy.close()
        await srv.stop()
      }
    })
  })

  maybe('two runs at once against docker-registry', () => {
    it('both succeed and leave the policy answer', async () => {
      const srv = await startRegistry(bin as string)
      try {
        const seed = await seedMixed({ base: srv.url })
        const inputs = { host: srv.url, api: 'registry', ...POLICY_INPUTS, ...FAST }
        const [a, b] = await Promise.all([runAction(inputs), runAction(inputs)])
        if (process.env['OVERLAP_PRINT'] && (a.code !== 0 || b.code !== 0))
          process.stdout.write(
            (a.code ? a.stdout : b.stdout)
              .split('\n')
              .filter(l => /error|fail|warn/i.test(l))
              .join('\n')
          )
        expect([a.code, b.code]).toEqual([0, 0])
        expect(await listTags({ base: srv.url }, IMAGE)).toEqual(expectedLeft(seed))
      } finally {
        await srv.stop()
      }
    })
  })
})
