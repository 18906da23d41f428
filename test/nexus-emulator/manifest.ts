/**
 * Docker/OCI manifest helpers: media types, digests, and what a manifest references.
 * Digests are sha256 of the exact bytes (node:crypto), so they agree with what a registry client
 * computes and with the REST `checksum.sha256` of a manifest asset (API.md §4.2).
 */
import { createHash } from 'node:crypto'

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  octet: 'application/octet-stream'
} as const

export const MANIFEST_MEDIA_TYPES: readonly string[] = [MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.ociIndex]

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

export function sha1Hex(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex')
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex')
}

export function digestOf(data: Buffer | string): string {
  return 'sha256:' + sha256Hex(data)
}

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export function isBoundedReport(ref: string): boolean {
  return DIGEST_RE.test(ref)
}

export interface Descriptor {
  mediaType?: string
  digest: string
  size?: number
  platform?: { architecture?: string; os?: string; variant?: string }
}

export interface ParsedManifest {
  schemaVersion?: number
  mediaType?: string
  /** Index / manifest list. */
  manifests?: Descriptor[]
  config?: Descriptor
  layers?: Descriptor[]
}

export function parseManifest(data: Buffer): ParsedManifest | null {
  try {
    const v = JSON.parse(data.toString('utf8')) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null
  } catch {
    return null
  }
}

export function isIndex(m: ParsedManifest): boolean {
  return Array.isArray(m.manifests)
}

/** Child manifest digests of an index. */
export function childManifests(m: ParsedManifest): Descriptor[] {
  return Array.isArray(m.manifests) ? m.manifests.filter(d => typeof d?.digest === 'string') : []
}

/** Config + layer descriptors of an image manifest. */
export function blobDescriptors(m: ParsedManifest): Descriptor[] {
  const out: Descriptor[] = []
  if (m.config && typeof m.config.digest === 'string') out.push(m.config)
  for (const l of m.layers ?? []) if (l && typeof l.digest === 'string') out.push(l)
  return out
}

/**
 * Media type of a pushed manifest: the Content-Type the client sent if it is a manifest type,
 * else the `mediaType` member, else inferred from the structure.
 */
export function manifestMediaType(contentType: string | undefined, m: ParsedManifest | null): string {
  const ct = (contentType ?? '').split(';')[0].trim()
  if (MANIFEST_MEDIA_TYPES.includes(ct)) return ct
  if (m?.mediaType && MANIFEST_MEDIA_TYPES.includes(m.mediaType)) return m.mediaType
  if (m && isIndex(m)) return MEDIA.ociIndex
  return MEDIA.dockerManifest
}

/** Deterministic bytes of a given size (xorshift32 seeded from the sha256 of `seed`). */
export function deterministicBytes(seed: string, size: number): Buffer {
  const buf = Buffer.alloc(size)
  let x = createHash('sha256').update(seed).digest().readUInt32LE(0) || 0x9e3779b9
  let i = 0
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    buf.writeUInt32LE(x >>> 0, i)
  }
  for (; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    buf[i] = x & 0xff
  }
  return buf
}
