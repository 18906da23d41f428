// The one promise, as a property over generated cases: random manifest graphs (nested indexes, shared and
// tagged children, referrers at every level and in another image, shared digests, orphans), run against
// the real docker-registry and the Nexus emulator, with random faults at the HTTP boundary (5xx, 404,
// truncated and empty pages, failing deletes, a kept tag moved onto doomed content mid-run).
// After every run: every tag the fault-free plan keeps is still there, every tag left resolves completely
// (manifest, every descendant, every referrer), the report names exactly the tags that went, and a rerun
// without faults finishes the job. Without faults the run leaves exactly the plan's answer. Policies draw
// version lines, deletes on demand, references in use and a rule per image too; what is in use always stays.
// Seeded and reproducible: GRAPH_SEEDS=1-200 npx jest graph-property explores further (GRAPH_STATS=file
// appends a line per case: faults chosen and fired, failures, tags planned and gone).

import { appendFileSync } from 'node:fs'
import { parseConfig } from '../../src/config/config'
import { runCleanup } from '../../test/support/run-cleanup'
import { memoryLogger } from '../../test/support/memory-logger'
import type { RunReport } from '../../src/model'
import { NexusEmulator, startNexusEmulator } from '../../test/nexus-emulator/server'
import { FaultProxy, FaultRule, startFaultProxy } from '../../test/support/fault-proxy'
import { incomplete, registryReader, seedGraph, Seeded, splitTag, tagsNow } from '../../test/support/graph-seed'
import { PushTarget, retag } from '../../test/support/push'
import { randomGraph, rng } from '../../test/support/random-graph'
import { registryOrSkip, startRegistry } from '../../test/support/registry-server'

const bin = registryOrSkip()
const REPO = 'docker-hosted'
const ADMIN = { username: 'admin', password: 'admin123' }

function seeds(): number[] {
  const spec = process.env.GRAPH_SEEDS
  if (!spec) return Array.from({ length: 14 }, (_, i) => i + 1)
  const [a, b] = spec.split('-').map(Number)
  return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i)
}

interface Server {
  direct: string
  proxy: FaultProxy
  target: PushTarget
  inputs(host: string): Record<string, string>
  /** Component id of a tag (Nexus), for delete faults. */
  componentId?(image: string, tag: string): string | undefined
  /** Nexus: how the run lists components (drawn per seed), and whether search's index lags the store. */
  listing?: { mode: 'search' | 'components'; staleSearch: boolean }
  stop(): Promise<void>
}

const servers: [string, (seed: number) => Promise<Server>][] = [
  [
    'docker-registry',
    async () => {
      const srv = await startRegistry(bin as string)
      const proxy = await startFaultProxy(srv.url)
      return {
        direct: srv.url,
        proxy,
        target: { base: srv.url },
        inputs: host => ({ api: 'registry', host }),
        stop: async () => (await proxy.close(), await srv.stop())
      }
    }
  ],
  [
    'nexus emulator',
    async (seed: number) => {
      // OrientDB pages 10 components, so listings have several pages to break; component shapes drawn per
      // seed: manifests pushed by digest as components of their own, components of several assets
      // and the listing: search (its index refreshed once a minute in half of those, so every change the
      // run's faults make is invisible to it) or the components listing
      const shape = rng(seed * 911)
      const digestComponents = shape() < 0.5
      const extraAssets = shape() < 0.5
      const listing = { mode: shape() < 0.6 ? ('search' as const) : ('components' as const), staleSearch: shape() < 0.5 }
      const emu: NexusEmulator = await startNexusEmulator({
        dbMode: 'orient',
        version: '3.69.0-02',
        digestComponents,
        extraAssets,
        searchRefreshMs: listing.staleSearch ? 60_000 : 0,
        scenario: { repositories: [{ name: REPO, images: [] }] }
      })
      const proxy = await startFaultProxy(emu.url)
      return {
        direct: emu.url,
        proxy,
        target: { base: `${emu.url}/repository/${REPO}`, auth: ADMIN },
        inputs: host => ({ host, repository: REPO, ...ADMIN, listing: listing.mode }),
        componentId: (image, tag) => emu.component(REPO, image, tag)?.id,
        listing,
        stop: async () => (await proxy.close(), await emu.close())
      }
    }
  ]
]

async function run(s: Server, host: string, policy: Record<string, string>, dryRun: boolean): Promise<RunReport | Error> {
  const inputs: Record<string, string> = { retries: '1', 'request-timeout': '2s', ...s.inputs(host), ...policy, 'dry-run': String(dryRun) }
  try {
    return await runCleanup(
      parseConfig(n => inputs[n]),
      { log: memoryLogger(), version: 'test' }
    )
  } catch (e) {
    return e as Error
  }
}

/** `image:tag` the plan deletes (would-delete in a dry run), and with `pending` those the cap holds back. */
function goingIn(r: RunReport, pending = false): string[] {
  const going = (status: string) => status === 'would-delete' || (pending && status === 'pending')
  return r.images.flatMap(i => i.outcomes.filter(o => going(o.status)).flatMap(o => o.decision.tags.map(t => `${i.image}:${t}`)))
}

/** `image:tag` the report says went. */
function reportedGone(r: RunReport): string[] {
  return r.images.flatMap(i => i.outcomes.flatMap(o => (o.status === 'deleted' ? o.decision.tags : (o.deletedTags ?? [])).map(t => `${i.image}:${t}`)))
}

interface Chosen {
  names: string[]
  rules: FaultRule[]
  /** 'late': a tag pushed onto this doomed subject between plan and delete; its followers must stay. */
  late?: { image: string; digest: string }
}

/** A referrers API in front of a registry without one, from what was seeded: one descriptor a page. */
function referrersApi(seeded: Seeded, failPage: number | undefined): FaultRule {
  return {
    method: 'GET',
    path: /\/v2\/.+\/referrers\/sha256:/,
    fault: {
      kind: 'respond',
      answer: path => {
        const url = new URL(path, 'http://x')
        const [, image, subject] = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/.exec(url.pathname) ?? []
        const all = (seeded.referrers.get(subject ?? '') ?? [])
          .filter(t => t.startsWith(`${image}:`))
          .map(t => seeded.tags.get(t) as string)
          .sort()
        const last = url.searchParams.get('last')
        const from = last === null ? 0 : all.indexOf(last) + 1
        const page = from === 0 ? 1 : from + 1
        if (failPage !== undefined && page >= failPage) return { status: 500, body: '' }
        const item = all[from]
        const manifests = item ? [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: item, size: 1 }] : []
        const more = from + 1 < all.length
        const headers: Record<string, string> = more ? { link: `<${url.pathname}?last=${item}>; rel="next"` } : {}
        return { status: 200, headers, body: JSON.stringify({ schemaVersion: 2, manifests }) }
      }
    }
  }
}

/** One to three random faults, aimed with what the fault-free plan deletes. */
function faults(seed: number, s: Server, seeded: Seeded, doomed: string[], kept: string[]): Chosen {
  const r = rng(seed * 7919)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
  const images = [...new Set([...seeded.nodes.values()].map(n => n.spec.image))]
  const nexus = s.componentId !== undefined
  const chosen: Chosen = { names: [], rules: [] }
  const kinds = [
    '5xx',
    '404',
    'page',
    'delete',
    'ignored',
    'move',
    'lie',
    'traversal',
    ...(nexus ? (['late', 'late'] as const) : (['catalog', 'referrers', 'hostile'] as const))
  ] as const
  for (let i = 0, count = 1 + Math.floor(r() * 3); i < count; i++) {
    const kind = pick(kinds)
    const status = pick([500, 502, 503])
    if (kind === '5xx') {
      const path = nexus
        ? pick([/\/service\/rest\/v1\/components/, /\/service\/rest\/v1\/search/, /\/manifests\/sha256:/, /\/v2\/.*\/tags\/list/])
        : pick([/\/tags\/list/, /\/manifests\//, /\/v2\/_catalog/, /\/blobs\//])
      const method = pick(['GET', 'DELETE', undefined])
      chosen.rules.push({ path, method, after: Math.floor(r() * 6), times: 1 + Math.floor(r() * 3), fault: { kind: 'status', status } })
      chosen.names.push(`${status} x${chosen.rules.at(-1)!.times} on ${method ?? '*'} ${path.source}`)
    } else if (kind === '404') {
      chosen.rules.push({
        method: 'GET',
        path: /\/manifests\//,
        after: Math.floor(r() * 8),
        times: 1,
        fault: { kind: 'status', status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' }
      })
      chosen.names.push('404 on a manifest read')
    } else if (kind === 'page') {
      const empty = pick(['{"tags":null,"items":null,"continuationToken":null}', '{}', 'HTTP404'])
      const answer = () => (empty === 'HTTP404' ? { status: 404, body: '' } : { status: 200, body: empty })
      if (nexus) {
        chosen.rules.push({ path: /continuationToken=/, after: Math.floor(r() * 2), times: 1, fault: { kind: 'respond', answer } })
      } else {
        // a first tags page cut short, pointing at a next page that is missing or empty
        const image = pick(images)
        const listed = seeded.tags.size
        const cut = [...seeded.tags.keys()]
          .filter(t => t.startsWith(`${image}:`))
          .map(t => splitTag(t)[1])
          .sort()
        const keepN = Math.max(0, Math.floor(r() * cut.length))
        chosen.rules.push(
          {
            path: new RegExp(`/v2/${image}/tags/list\\?n=`),
            times: 1,
            fault: {
              kind: 'respond',
              answer: () => ({
                status: 200,
                headers: { link: `</v2/${image}/tags/list?n=1000&last=zz${listed}>; rel="next"` },
                body: JSON.stringify({ name: image, tags: cut.slice(0, keepN) })
              })
            }
          },
          { path: new RegExp(`/v2/${image}/tags/list\\?.*last=zz`), fault: { kind: 'respond', answer } }
        )
      }
      chosen.names.push(`a listing page cut short, the next ${empty}`)
    } else if ((kind === 'delete' || kind === 'ignored') && doomed.length > 0) {
      // 'delete': the DELETE always fails; 'ignored': a server (a mirror, a proxy in front of one) that
      // answers it with success and does nothing
      const victim = pick(doomed)
      const [image, tag] = splitTag(victim)
      const id = nexus ? s.componentId!(image, tag) : seeded.tags.get(victim)
      if (!id) continue
      const answer = kind === 'delete' ? status : nexus ? 204 : 202
      chosen.rules.push({
        method: 'DELETE',
        path: new RegExp(nexus ? `/components/${encodeURIComponent(id)}` : `/manifests/${id}`),
        fault: { kind: 'status', status: answer }
      })
      chosen.names.push(kind === 'delete' ? `DELETE of ${victim} always ${answer}` : `DELETE of ${victim} answered ${answer}, never carried out`)
    } else if (kind === 'lie') {
      // a caching proxy rewriting Docker-Content-Digest on one manifest read
      const other = pick([...seeded.tags.values()])
      chosen.rules.push({
        method: 'GET',
        path: /\/manifests\//,
        after: Math.floor(r() * 8),
        times: 1,
        fault: { kind: 'add-headers', headers: { 'docker-content-digest': other } }
      })
      chosen.names.push(`a lying Docker-Content-Digest (${other.slice(0, 19)})`)
    } else if (kind === 'traversal') {
      // a digest header that walks out of /v2/ (a hostile server, or a proxy in front of one)
      const claimed = pick(['sha256:x/../../admin', 'sha256:../../../service/rest/v1/repositories', 'sha256:%2e%2e%2fadmin'])
      chosen.rules.push({
        method: 'GET',
        path: /\/manifests\//,
        after: Math.floor(r() * 8),
        times: 1,
        fault: { kind: 'add-headers', headers: { 'docker-content-digest': claimed } }
      })
      chosen.names.push(`a Docker-Content-Digest ${claimed}`)
    } else if (kind === 'hostile') {
      // a catalog naming images off the grammar, beside the real ones
      const names = [...images, '../admin', '::add-mask::x', 'a/../../b', 'x?y#z'].sort()
      chosen.rules.push({
        method: 'GET',
        path: /\/v2\/_catalog/,
        fault: { kind: 'respond', answer: () => ({ status: 200, body: JSON.stringify({ repositories: names }) }) }
      })
      chosen.names.push('a catalog with names off the grammar')
    } else if (kind === 'catalog') {
      // a catalog filtered by permission: one image left out
      const hidden = pick(images)
      const shown = images.filter(i => i !== hidden).sort()
      chosen.rules.push({
        method: 'GET',
        path: /\/v2\/_catalog/,
        fault: { kind: 'respond', answer: () => ({ status: 200, body: JSON.stringify({ repositories: shown }) }) }
      })
      chosen.names.push(`a partial catalog without ${hidden}`)
    } else if (kind === 'referrers') {
      const failPage = r() < 0.5 ? 2 : undefined
      chosen.rules.push(referrersApi(seeded, failPage))
      chosen.names.push(`paged referrers${failPage ? ', page 2 failing' : ''}`)
    } else if (kind === 'late' && !chosen.late) {
      // a tag pushed onto a doomed subject whose followers are doomed too, at the image's first tags list
      // (the recheck just before deleting)
      const subjects = doomed.filter(t => (seeded.referrers.get(seeded.tags.get(t) as string) ?? []).some(f => doomed.includes(f)))
      if (subjects.length === 0) continue
      const victim = pick(subjects)
      const [image] = splitTag(victim)
      const digest = seeded.tags.get(victim) as string
      const node = [...seeded.nodes.values()].find(n => n.digest === digest && n.spec.image === image)
      if (!node) continue
      chosen.late = { image, digest }
      chosen.rules.push({
        method: 'GET',
        path: new RegExp(`/v2/${image}/tags/list`),
        // with search, the image's first tags list is the listing's proof: the plan comes after it
        after: s.listing?.mode === 'search' ? 1 : 0,
        times: 1,
        fault: { kind: 'hook', run: () => retag(s.target, image, 'late', node.pushed).then(() => undefined) }
      })
      chosen.names.push(`tag late pushed onto ${victim} before its delete`)
    } else if (kind === 'move' && doomed.length > 0 && kept.includes('app:latest')) {
      // between plan and delete, latest (kept) is moved onto content the plan deletes
      const onto = seeded.tags.get(pick(doomed)) as string
      const node = [...seeded.nodes.values()].find(n => n.digest === onto && n.spec.image === 'app')
      if (!node) continue
      const move = () => retag(s.target, 'app', 'latest', node.pushed).then(() => undefined)
      // at the guard's read, between plan and delete: the registry's HEAD of latest before deleting (the
      // inventory GETs tags, and a relisting after a 404 is a tags list too), Nexus's read of its component
      const latestId = nexus ? s.componentId!('app', 'latest') : undefined
      chosen.rules.push(
        latestId
          ? { method: 'GET', path: new RegExp(`/components/${encodeURIComponent(latestId)}$`), times: 1, fault: { kind: 'hook', run: move } }
          : { method: 'HEAD', path: /\/v2\/app\/manifests\/latest$/, times: 1, fault: { kind: 'hook', run: move } }
      )
      chosen.names.push(`latest moved onto ${onto.slice(0, 19)} mid-run`)
    }
  }
  // the first rule that matches a request wins: no two rules on the same kind of request
  return chosen
}

describe.each(servers)('property: random graphs and faults against %s', (name, start) => {
  if (!bin && name === 'docker-registry') return
  it.each(seeds())(
    'seed %i',
    async seed => {
      const g = randomGraph(seed)
      const s = await start(seed)
      try {
        const seeded = await seedGraph(s.target, g.nodes, `seed ${seed}`)
        const reader = registryReader(s.target)
        const before = await tagsNow(reader, seeded)
        expect(before).toEqual([...seeded.tags.keys()].sort())

        // The plan, fault-free, by a dry run (which changes nothing).
        const dry = await run(s, s.direct, g.policy, true)
        if (dry instanceof Error) throw dry
        expect(dry.failures).toEqual([])
        const doomed = goingIn(dry)
        // Pending is not kept: the max-deletions cap is shared, so when an image fails others get its share.
        const mayGo = goingIn(dry, true)
        const kept = before.filter(t => !mayGo.includes(t))
        expect(await tagsNow(reader, seeded)).toEqual(before)

        const withFaults = seed % 3 !== 0
        const chosen = withFaults ? faults(seed, s, seeded, doomed, kept) : { names: [], rules: [] }
        s.proxy.setRules(chosen.rules)
        const real = await run(s, s.proxy.url, g.policy, false)
        const fired = s.proxy.log.filter(l => l.fault).length
        s.proxy.setRules([])
        const after = await tagsNow(reader, seeded)
        if (process.env.GRAPH_STATS) {
          const failures = real instanceof Error ? 'run failed' : real.failures.length
          appendFileSync(
            process.env.GRAPH_STATS,
            `${name}\tseed ${seed}\t${s.listing?.mode ?? ''}${s.listing?.staleSearch ? '-stale' : ''}\tfaults ${chosen.names.length}\tfired ${fired}\tfailures ${failures}\tplanned ${doomed.length}\tgone ${before.length - after.length}\t${chosen.names.join('; ')}\n`
          )
        }
        const listed = s.listing ? `, listing ${s.listing.mode}${s.listing.mode === 'search' && s.listing.staleSearch ? ' (stale index)' : ''}` : ''
        const context = `seed ${seed}${listed}, faults: ${chosen.names.join('; ') || 'none'}`

        // Never delete what the plan keeps; whatever is left resolves completely.
        expect({ context, lost: kept.filter(t => !after.includes(t)) }).toEqual({ context, lost: [] })
        // A hostile answer never moves a request out of the API paths the run means to call.
        const outside = s.proxy.log
          .map(l => l.path)
          .filter(
            p =>
              !/^\/(v2\/|service\/rest\/|service\/extdirect$|repository\/docker-hosted\/v2\/)/.test(p.split('?')[0] ?? '') ||
              /(^|\/)\.\.(\/|$)|%2e/i.test(p.split('?')[0] ?? '')
          )
        expect({ context, outside }).toEqual({ context, outside: [] })
        // A tag that arrived on a doomed subject before its delete keeps what hangs from it.
        if (chosen.late && (await registryReader(s.target).tags(chosen.late.image)).includes('late')) {
          const followers = (seeded.referrers.get(chosen.late.digest) ?? []).filter(t => before.includes(t))
          expect({ context, followersLost: followers.filter(t => !after.includes(t)) }).toEqual({ context, followersLost: [] })
        }
        // What is in use (keep-references) is kept by the plan itself, whatever keep, age or delete-tags say.
        expect({ context, inUseGone: g.inUse.filter(t => !after.includes(t) || mayGo.includes(t)) }).toEqual({ context, inUseGone: [] })
        expect({ context, broken: await incomplete(reader, seeded, after) }).toEqual({ context, broken: [] })
        // Never report what did not happen.
        const gone = before.filter(t => !after.includes(t))
        if (real instanceof Error) expect({ context, gone }).toEqual({ context, gone: [] })
        else {
          expect({ context, reported: reportedGone(real).sort() }).toEqual({ context, reported: gone })
          if (!withFaults) {
            expect({ context, left: after, failures: real.failures }).toEqual({ context, left: before.filter(t => !doomed.includes(t)), failures: [] })
          }
        }

        // A rerun without faults finishes the job: exactly its own plan is left, complete.
        const plan2 = await run(s, s.direct, g.policy, true)
        if (plan2 instanceof Error) throw plan2
        const left2 = after.filter(t => !goingIn(plan2).includes(t))
        const rerun = await run(s, s.direct, g.policy, false)
        if (rerun instanceof Error) throw rerun
        expect({ context, failures: rerun.failures }).toEqual({ context, failures: [] })
        const final = await tagsNow(reader, seeded)
        expect({ context, final }).toEqual({ context, final: left2 })
        expect({ context, inUseGone: g.inUse.filter(t => !final.includes(t)) }).toEqual({ context, inUseGone: [] })
        expect({ context, broken: await incomplete(reader, seeded, final) }).toEqual({ context, broken: [] })
      } finally {
        await s.stop()
      }
    },
    60_000
  )
})
