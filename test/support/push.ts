// Pushes images through the registry v2 API the way docker does (blobs, then the manifest), so tests
// seed real servers without a Docker engine. Works against docker-registry and the Nexus emulator.

import { createHash } from 'node:crypto'

export interface PushTarget {
  /** URL under which /v2/ is served. */
  base: string
  auth?: { username: string; password: string }
}

export interface ImageSpec {
  created?: string | null
  architecture?: string
  os?: string
  /** Layer contents; distinct strings give distinct layers. */
  layers?: string[]
  mediaType?: 'docker' | 'oci'
}

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')

function headers(t: PushTarget, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { ...extra }
  if (t.auth) h.authorization = 'Basic ' + Buffer.from(`${t.auth.username}:${t.auth.password}`).toString('base64')
  return h
}

export async function pushBlob(t: PushTarget, name: string, content: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha(content)
  const head = await fetch(`${t.base}/v2/${name}/blobs/${digest}`, { method: 'HEAD', headers: headers(t) })
  if (head.status === 200) return { digest, size: content.length }
  const start = await fetch(`${t.base}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: headers(t) })
  if (start.status !== 202) throw new Error(`blob upload start ${name}: ${start.status} ${await start.text()}`)
  const loc = new URL(start.headers.get('location') as string, t.base)
  loc.searchParams.set('digest', digest)
  const put = await fetch(loc, {
    method: 'PUT',
    headers: headers(t, { 'content-type': 'application/octet-stream' }),
    body: content
  })
  if (put.status !== 201) throw new Error(`blob upload ${name}: ${put.status} ${await put.text()}`)
  return { digest, size: content.length }
}

export async function putManifest(t: PushTarget, name: string, ref: string, body: Buffer, mediaType: string): Promise<string> {
  const r = await fetch(`${t.base}/v2/${name}/manifests/${ref}`, {
    method: 'PUT',
    headers: headers(t, { 'content-type': mediaType }),
    body
  })
  if (r.status !== 201) throw new Error(`manifest put ${name}:${ref}: ${r.status} ${await r.text()}`)
  return sha(body)
}

/** Builds and pushes one image manifest; returns its digest, body and media type for re-tagging. */
/** `tag` null pushes by digest only (an untagged child of an index). */
export async function pushImage(t: PushTarget, name: string, tag: string | null, spec: ImageSpec = {}): Promise<Pushed> {
  const config = Buffer.from(
    JSON.stringify({
      ...(spec.created === null ? {} : { created: spec.created ?? '2024-01-01T00:00:00Z' }),
      architecture: spec.architecture ?? 'amd64',
      os: spec.os ?? 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: { Labels: { tag: tag ?? '', image: name, arch: spec.architecture ?? 'amd64' } }
    })
  )
  const cfg = await pushBlob(t, name, config)
  const layers = []
  for (const l of spec.layers ?? [`layer of ${name}:${tag}`]) layers.push(await pushBlob(t, name, Buffer.from(l)))
  const oci = spec.mediaType === 'oci'
  const mediaType = oci ? OCI_MANIFEST : DOCKER_MANIFEST
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', ...cfg },
      layers: layers.map(l => ({ mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...l }))
    })
  )
  const digest = await putManifest(t, name, tag ?? sha(manifest), manifest, mediaType)
  return { digest, body: manifest, mediaType, size: manifest.length }
}

export interface Pushed {
  digest: string
  body: Buffer
  mediaType: string
  size: number
}

/** Pushes an OCI index over the given platform images (pushed by digest first). */
export async function pushIndex(
  t: PushTarget,
  name: string,
  tag: string,
  children: { pushed: Pushed; platform: { architecture: string; os: string } }[]
): Promise<Pushed> {
  for (const c of children) await putManifest(t, name, c.pushed.digest, c.pushed.body, c.pushed.mediaType)
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map(c => ({ mediaType: c.pushed.mediaType, digest: c.pushed.digest, size: c.pushed.size, platform: c.platform }))
    })
  )
  const digest = await putManifest(t, name, tag, body, OCI_INDEX)
  return { digest, body, mediaType: OCI_INDEX, size: body.length }
}

/** Points another tag at an already pushed manifest (a shared digest). */
export function retag(t: PushTarget, name: string, tag: string, p: Pushed): Promise<string> {
  return putManifest(t, name, tag, p.body, p.mediaType)
}

/** Tags currently listed for an image (follows Link pages). */
export async function listTags(t: PushTarget, name: string): Promise<string[]> {
  const out: string[] = []
  let url: string | undefined = `${t.base}/v2/${name}/tags/list`
  while (url) {
    const r: Response = await fetch(url, { headers: headers(t) })
    if (r.status === 404) return out
    const j = (await r.json()) as { tags?: string[] | null }
    out.push(...(j.tags ?? []))
    const link = r.headers.get('link')
    const m = link ? /<([^>]+)>/.exec(link) : null
    url = m ? new URL(m[1], t.base).toString() : undefined
  }
  return out.sort()
}
