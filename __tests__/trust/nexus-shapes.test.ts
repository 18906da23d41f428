// Trust class 4: Nexus component shapes. A component whose version is a digest (a manifest pushed by
// digest) belongs to the manifest graph and is never ranked as a version; a component's manifest asset is
// found by path and content type, not by position, its other assets counted in bytes; one whose manifest
// asset cannot be identified is kept with a note; an image the components listing hides is kept; and a tag
// that arrives on a doomed subject after the plan keeps it and its followers.

import { parseConfig } from '../../src/config/config'
import type { RunReport } from '../../src/model'
import { manifestAssetOf, NexusComponent } from '../../src/nexus/client'
import { splitComponents } from '../../src/nexus/backend'
import { NexusEmulator, startNexusEmulator, type EmulatorOptions } from '../../test/nexus-emulator/server'
import { startFaultProxy, type FaultProxy } from '../../test/support/fault-proxy'
import { memoryLogger } from '../../test/support/memory-logger'
import { pushImage, pushIndex, putManifest, retag, type PushTarget } from '../../test/support/push'
import { runCleanup } from '../../test/support/run-cleanup'

const REPO = 'docker-hosted'
const ADMIN = { username: 'admin', password: 'admin123' }

let emu: NexusEmulator
let proxy: FaultProxy | undefined
afterEach(async () => {
  await proxy?.close()
  proxy = undefined
  await emu.close()
})

async function start(opts: EmulatorOptions = {}): Promise<PushTarget> {
  emu = await startNexusEmulator({ version: '3.77.0-08', scenario: { repositories: [{ name: REPO, images: [] }] }, ...opts })
  return { base: `${emu.url}/repository/${REPO}`, auth: ADMIN }
}

let listing: 'search' | 'components' = 'search'

function run(host: string, extra: Record<string, string> = {}): Promise<RunReport> {
  const inputs: Record<string, string> = { host, repository: REPO, ...ADMIN, keep: '1', 'dry-run': 'false', retries: '0', listing, ...extra }
  return runCleanup(
    parseConfig(n => inputs[n]),
    { log: memoryLogger(), version: 'test' }
  )
}

const platform = (architecture: string) => ({ architecture, os: 'linux' })

/** Two multi-platform releases; children pushed by digest. */
async function twoIndexes(t: PushTarget): Promise<void> {
  for (const [i, v] of ['1.0.0', '2.0.0'].entries()) {
    const kids = [
      {
        pushed: await pushImage(t, 'app', null, { created: `2024-0${i + 1}-01T00:00:00Z`, architecture: 'amd64', layers: [`${v} amd64`] }),
        platform: platform('amd64')
      },
      {
        pushed: await pushImage(t, 'app', null, { created: `2024-0${i + 1}-01T00:00:00Z`, architecture: 'arm64', layers: [`${v} arm64`] }),
        platform: platform('arm64')
      }
    ]
    await pushIndex(t, 'app', v, kids)
  }
}

// Every class holds whichever way the components were listed.
describe.each(['search', 'components'] as const)('listing %s', mode => {
  beforeAll(() => {
    listing = mode
  })

  describe('components whose version is a digest', () => {
    it('are manifests of the graph: never ranked, never deleted by the run, kept while a kept index reaches them', async () => {
      const t = await start({ digestComponents: true })
      await twoIndexes(t)
      const listed = (await (
        await fetch(`${emu.url}/service/rest/v1/components?repository=${REPO}`, { headers: { authorization: 'Basic YWRtaW46YWRtaW4xMjM=' } })
      ).json()) as {
        items: NexusComponent[]
      }
      // the emulator stores the four children as components versioned by their digest
      expect(listed.items.filter(c => c.version.startsWith('sha256:'))).toHaveLength(4)
      const r = await run(emu.url, { keep: '1' })
      expect(r.failures).toEqual([])
      const decided = r.images[0].outcomes.flatMap(o => o.decision.tags)
      expect(decided.sort()).toEqual(['1.0.0', '2.0.0'])
      expect(r.images[0].outcomes.find(o => o.decision.tags.includes('1.0.0'))!.status).toBe('deleted')
      // 2.0.0 still resolves completely: its children are still there
      const idx = emu.digest(REPO, 'app', '2.0.0')!
      const body = (await (
        await fetch(`${t.base}/v2/app/manifests/${idx}`, {
          headers: { authorization: 'Basic YWRtaW46YWRtaW4xMjM=', accept: 'application/vnd.oci.image.index.v1+json' }
        })
      ).json()) as {
        manifests: { digest: string }[]
      }
      for (const c of body.manifests) {
        const res = await fetch(`${t.base}/v2/app/manifests/${c.digest}`, { method: 'HEAD', headers: { authorization: 'Basic YWRtaW46YWRtaW4xMjM=' } })
        expect(res.status).toBe(200)
      }
    })
  })

  describe('components of several assets', () => {
    it('the manifest asset is found by path and content type, listed second; the attachment is counted in the estimate', async () => {
      const estimate = async (extraAssets: boolean) => {
        const t = await start({ extraAssets })
        for (const [i, v] of ['1.0.0', '1.1.0', '1.2.0'].entries()) await pushImage(t, 'app', v, { created: `2024-0${i + 1}-01T00:00:00Z`, layers: [v] })
        const r = await run(emu.url, { 'dry-run': 'true', 'size-estimate': 'on' })
        const out = {
          plan: r.images[0].outcomes.map(o => `${o.decision.tags.join(',')} ${o.status}`),
          bytes: r.totals.freeableBytes ?? -1,
          failures: r.failures
        }
        await emu.close()
        return out
      }
      const plain = await estimate(false)
      const extra = await estimate(true)
      emu = await startNexusEmulator({})
      expect(extra.failures).toEqual([])
      expect(extra.plan).toEqual(plain.plan)
      expect(plain.plan).toEqual(['1.2.0 kept', '1.1.0 would-delete', '1.0.0 would-delete'])
      // two deleted components, each with one attachment: {"image":"app","tag":"1.x.0","note":"an attachment"}
      const attachment = Buffer.byteLength(JSON.stringify({ image: 'app', tag: '1.0.0', note: 'an attachment' }))
      expect(extra.bytes - plain.bytes).toBe(2 * attachment)
    })

    it('a component whose manifest asset cannot be identified is kept with a note; a delete by digest fails its image', async () => {
      const t = await start({ extraAssets: true })
      for (const [i, v] of ['1.0.0', '1.1.0', '1.2.0'].entries()) await pushImage(t, 'app', v, { created: `2024-0${i + 1}-01T00:00:00Z`, layers: [v] })
      // a listing whose 1.0.0 manifest asset has an unexpected path
      const real = (await (
        await fetch(`${emu.url}/service/rest/v1/components?repository=${REPO}`, { headers: { authorization: 'Basic YWRtaW46YWRtaW4xMjM=' } })
      ).json()) as {
        items: NexusComponent[]
      }
      for (const c of real.items) if (c.version === '1.0.0') for (const a of c.assets) a.path = a.path.replace('/manifests/', '/elsewhere/')
      const rewritten = JSON.stringify(real)
      const answer = () => ({ status: 200, body: rewritten })
      proxy = await startFaultProxy(emu.url)
      // the same components, whichever listing asks (search's page has the same shape)
      proxy.setRules([{ method: 'GET', path: /\/service\/rest\/v1\/(components|search)\?repository=/, fault: { kind: 'respond', answer } }])
      const r = await run(proxy.url)
      expect(r.failures).toEqual([])
      expect(r.images[0].notes.join('\n')).toContain('kept "1.0.0": no manifest asset could be identified')
      expect(emu.tags(REPO, 'app')).toEqual(['1.0.0', '1.2.0'])
      const byDigest = await run(proxy.url, { 'delete-method': 'manifest' })
      expect(byDigest.images[0].error).toContain('no manifest asset could be identified for "1.0.0"')
      expect(emu.tags(REPO, 'app')).toEqual(['1.0.0', '1.2.0'])
    })

    it('manifestAssetOf: by path and type, whatever the order; none or two qualifying is none', () => {
      const a = (path: string, contentType?: string) => ({ path, ...(contentType ? { contentType } : {}), checksum: { sha256: 'a'.repeat(64) } })
      const c = (assets: ReturnType<typeof a>[]): NexusComponent => ({
        id: 'x',
        repository: REPO,
        format: 'docker',
        group: '',
        name: 'app',
        version: '1.0',
        assets
      })
      const m = a('/v2/app/manifests/1.0', 'application/vnd.oci.image.manifest.v1+json')
      expect(manifestAssetOf(c([a('/v2/app/attachments/1.0.json', 'application/json'), m]))).toBe(m)
      expect(manifestAssetOf(c([a('v2/app/manifests/1.0')]))).toBeDefined() // before 3.29: no content type
      expect(manifestAssetOf(c([a('/v2/app/manifests/1.0', 'application/json')]))).toBeUndefined()
      expect(manifestAssetOf(c([m, m]))).toBeUndefined()
      expect(manifestAssetOf(c([a('/v2/other/manifests/1.0', 'application/vnd.oci.image.manifest.v1+json')]))).toBeUndefined()
      const split = splitComponents([
        { ...c([m]), version: 'sha256:' + 'b'.repeat(64) },
        c([{ path: '', checksum: { sha256: 'c'.repeat(64) } }]),
        { ...c([]), version: '2.0' }
      ])
      expect([split.byDigest.length, split.tagged.length, split.unidentified.length]).toEqual([1, 1, 1])
    })
  })

  describe('permission-filtered listings', () => {
    it('an image named in images that the components listing hides is kept, and the run fails saying why', async () => {
      const t = await start({ listingHides: ['secret'] })
      for (const image of ['secret', 'open'])
        for (const [i, v] of ['1.0.0', '1.1.0'].entries()) await pushImage(t, image, v, { created: `2024-0${i + 1}-01T00:00:00Z`, layers: [image + v] })
      const r = await run(emu.url, { images: 'secret, open' })
      expect(emu.tags(REPO, 'secret')).toEqual(['1.0.0', '1.1.0'])
      expect(emu.tags(REPO, 'open')).toEqual(['1.1.0'])
      // components: named in images but absent; search: not proven, and the components listing lacks them
      expect(r.images.find(i => i.image === 'secret')!.error).toMatch(
        listing === 'components'
          ? /absent from the components listing, yet the registry lists 2 tags/
          : /the registry lists 2 tags the components listing does not hold/
      )
      expect(r.failures.length).toBeGreaterThan(0)
    })
  })

  describe('a tag arriving on a doomed subject after the plan (component deletes)', () => {
    it.each(['before the recheck', 'after the subject’s delete'])('%s keeps the subject or its followers', async when => {
      const t = await start({})
      const old = await pushImage(t, 'app', '1.0.0', { created: '2024-01-01T00:00:00Z', layers: ['old'] })
      await pushImage(t, 'app', '2.0.0', { created: '2024-02-01T00:00:00Z', layers: ['new'] })
      const sig = await pushImage(t, 'app', null, { created: '2024-01-01T00:00:00Z', layers: ['a signature'] })
      await putManifest(t, 'app', `sha256-${old.digest.slice(7)}.sig`, sig.body, sig.mediaType)
      proxy = await startFaultProxy(emu.url)
      // the recheck lists the tags first; the check before the signature goes lists them again
      proxy.setRules([
        {
          method: 'GET',
          path: /\/v2\/app\/tags\/list/,
          // search's listing reads the tags list once first (its proof): the plan comes after it
          after: (when === 'before the recheck' ? 0 : 1) + (listing === 'search' ? 1 : 0),
          times: 1,
          fault: { kind: 'hook', run: () => retag(t, 'app', 'hotfix', old).then(() => undefined) }
        }
      ])
      const r = await run(proxy.url)
      const tags = emu.tags(REPO, 'app')
      expect(tags).toContain('hotfix')
      expect(tags).toContain(`sha256-${old.digest.slice(7)}.sig`)
      const sigOutcome = r.images[0].outcomes.find(o => o.decision.family === 'referrer')!
      expect(sigOutcome.status).toBe('skipped')
    })
  })
})
