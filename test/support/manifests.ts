// Manifest records for the planner's table tests: readable fake digests, ages from a fixed clock.
import type { ImageInventory, ManifestRecord } from '../../src/model'

/** A fixed clock: the planner never reads the real one. */
export const NOW = new Date('2024-06-01T00:00:00Z')
export const DAY = 86_400_000
export const ago = (days: number): Date => new Date(NOW.getTime() - days * DAY)

/** A readable fake digest: the key's hex, padded to 64 characters. */
export function hexOf(key: string): string {
  return Buffer.from(key).toString('hex').padEnd(64, '0').slice(0, 64)
}
export const digestOf = (key: string): string => `sha256:${hexOf(key)}`
export const sigOf = (key: string, suffix = 'sig'): string => `sha256-${hexOf(key)}.${suffix}`

export type Extra = Partial<ManifestRecord> & { key?: string }

/** A manifest tagged `tags`, pushed `age` days ago; its digest derives from `key` (default: the first tag). */
export function m(tags: string[], age?: number, extra: Extra = {}): ManifestRecord {
  const { key, ...rest } = extra
  return {
    digest: digestOf(key ?? tags[0] ?? ''),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    tags,
    children: [],
    ...(age !== undefined ? { pushed: ago(age) } : {}),
    ...rest
  }
}

export function image(manifests: ManifestRecord[], name = 'app', extra: Partial<ImageInventory> = {}): ImageInventory {
  return { repository: 'docker-hosted', name, manifests, ...extra }
}
