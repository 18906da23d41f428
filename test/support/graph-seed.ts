// Seeds a declared manifest graph through the registry v2 API (docker-registry or the Nexus emulator):
// image manifests, indexes nested to any depth with untagged or tagged children, and referrers
// (`sha256-<hex>.sig|att|sbom` tags) in the same image or another one. Then checks, after a run, that
// every tag left resolves completely: its manifest, every descendant, every referrer of any of them.

import { createHash } from 'node:crypto'
import { PushTarget, Pushed, pushImage, putManifest, retag } from './push'

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export type NodeSpec =
  | { id: string; image: string; kind: 'image'; tags: string[] }
  | { id: string; image: string; kind: 'index'; tags: string[]; children: string[] }
  /** `subject` is a node id, or `missing:<anything>` for a subject that never existed. */
  | { id: string; image: string; kind: 'referrer'; subject: string; noun: 'sig' | 'att' | 'sbom'; extraTags?: string[] }

export interface Seeded {
  /** Node id -> what was pushed. */
  nodes: Map<string, { spec: NodeSpec; digest: string; pushed: Pushed }>
  /** Every tag pushed, as `image:tag` -> digest. */
  tags: Map<string, string>
  /** Digest -> child digests (indexes). */
  children: Map<string, string[]>
  /** Subject digest -> its referrers' `image:tag`. */
  referrers: Map<string, string[]>
}

const hexOfDigest = (d: string) => d.slice('sha256:'.length)
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** Pushes `nodes` in order (children and subjects before the nodes that name them). */
export async function seedGraph(t: PushTarget, nodes: NodeSpec[], salt = ''): Promise<Seeded> {
  const out: Seeded = { nodes: new Map(), tags: new Map(), children: new Map(), referrers: new Map() }
  const tag = async (image: string, tags: string[], p: Pushed) => {
    for (const tg of tags) {
      await retag(t, image, tg, p)
      out.tags.set(`${image}:${tg}`, p.digest)
    }
  }
  for (const n of nodes) {
    let pushed: Pushed
    if (n.kind === 'image') {
      pushed = await pushImage(t, n.image, null, { layers: [`${salt} layer of ${n.id}`], mediaType: 'oci', created: '2024-01-01T00:00:00Z' })
      await tag(n.image, n.tags, pushed)
    } else if (n.kind === 'index') {
      const kids = n.children.map(c => {
        const k = out.nodes.get(c)
        if (!k) throw new Error(`seedGraph: child ${c} of ${n.id} is not pushed yet`)
        return k.pushed
      })
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: kids.map((k, i) => ({ mediaType: k.mediaType, digest: k.digest, size: k.size, platform: { architecture: `arch${i}`, os: 'linux' } })),
          annotations: { id: `${salt} ${n.id}` }
        })
      )
      const digest = await putManifest(t, n.image, sha(body), body, OCI_INDEX)
      pushed = { digest, body, mediaType: OCI_INDEX, size: body.length }
      out.children.set(
        digest,
        kids.map(k => k.digest)
      )
      await tag(n.image, n.tags, pushed)
    } else {
      const subject = n.subject.startsWith('missing:') ? sha(`${salt} ${n.subject}`) : out.nodes.get(n.subject)?.digest
      if (!subject) throw new Error(`seedGraph: subject ${n.subject} of ${n.id} is not pushed yet`)
      const refTag = `sha256-${hexOfDigest(subject)}.${n.noun}`
      pushed = await pushImage(t, n.image, null, { layers: [`${salt} ${n.noun} ${n.id} of ${subject}`], mediaType: 'oci', created: '2024-01-01T00:00:00Z' })
      await tag(n.image, [refTag, ...(n.extraTags ?? [])], pushed)
      out.referrers.set(subject, [...(out.referrers.get(subject) ?? []), `${n.image}:${refTag}`])
    }
    out.nodes.set(n.id, { spec: n, digest: pushed.digest, pushed })
  }
  return out
}

export interface Reader {
  /** Tags listed now for an image. */
  tags(image: string): Promise<string[]>
  /** Digest a tag or digest resolves to now, or undefined. */
  resolve(image: string, ref: string): Promise<string | undefined>
}

/** A reader over the registry v2 API (GET, so it also works where HEAD is broken). */
export function registryReader(t: PushTarget): Reader {
  const headers: Record<string, string> = {
    accept: [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.list.v2+json'
    ].join(', ')
  }
  if (t.auth) headers.authorization = 'Basic ' + Buffer.from(`${t.auth.username}:${t.auth.password}`).toString('base64')
  return {
    async tags(image) {
      const r = await fetch(`${t.base}/v2/${image}/tags/list`, { headers })
      if (r.status === 404) return []
      const j = (await r.json()) as { tags?: string[] | null }
      return (j.tags ?? []).sort()
    },
    async resolve(image, ref) {
      const r = await fetch(`${t.base}/v2/${image}/manifests/${ref}`, { headers })
      if (r.status !== 200) return undefined
      return r.headers.get('docker-content-digest') ?? undefined
    }
  }
}

/** Every `image:tag` listed now among the images of `seeded`. */
export async function tagsNow(reader: Reader, seeded: Seeded): Promise<string[]> {
  const images = [...new Set([...seeded.nodes.values()].map(n => n.spec.image))].sort()
  const out: string[] = []
  for (const image of images) for (const tg of await reader.tags(image)) out.push(`${image}:${tg}`)
  return out.sort()
}

/**
 * For every `image:tag` in `tags`: its manifest resolves, every descendant resolves by digest in its
 * image, and every referrer tag seeded for any of them is still there on the same digest. Returns the
 * problems found (empty when complete).
 */
export async function incomplete(reader: Reader, seeded: Seeded, tags: string[]): Promise<string[]> {
  const problems: string[] = []
  const listed = new Map<string, Set<string>>()
  const listedIn = async (image: string) => {
    let s = listed.get(image)
    if (!s) {
      s = new Set(await reader.tags(image))
      listed.set(image, s)
    }
    return s
  }
  for (const it of tags) {
    const [image, tg] = splitTag(it)
    const top = await reader.resolve(image, tg)
    if (!top) {
      problems.push(`${it} does not resolve`)
      continue
    }
    const seen = new Set<string>()
    const queue: [string, string, string][] = [[image, top, it]]
    while (queue.length > 0) {
      const [img, digest, path] = queue.shift() as [string, string, string]
      if (seen.has(digest)) continue
      seen.add(digest)
      for (const c of seeded.children.get(digest) ?? []) {
        if ((await reader.resolve(img, c)) !== c) problems.push(`${path}: child ${c.slice(0, 19)} is gone`)
        else queue.push([img, c, `${path} > child ${c.slice(7, 15)}`])
      }
      for (const ref of seeded.referrers.get(digest) ?? []) {
        const [rImage, rTag] = splitTag(ref)
        const want = seeded.tags.get(ref) as string
        if (!(await listedIn(rImage)).has(rTag) || (await reader.resolve(rImage, rTag)) !== want) {
          problems.push(`${path}: referrer ${ref} is gone`)
        } else queue.push([rImage, want, `${path} > ${rTag.slice(-4)}`])
      }
    }
  }
  return problems
}

export function splitTag(imageTag: string): [string, string] {
  const at = imageTag.lastIndexOf(':')
  return [imageTag.slice(0, at), imageTag.slice(at + 1)]
}
