// shard K/N: which images a run takes. The partition is a stable hash of `repository/name` (FNV-1a, 32 bit,
// over its UTF-8 bytes), modulo N, plus one: the same on every machine and every version of this tool, so
// the jobs of a matrix split the images between them without talking to each other.

export interface Shard {
  /** 1-based. */
  index: number
  count: number
}

/** FNV-1a, 32 bit, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The shard (1..count) of an image. Do not change: shards of different versions must agree. */
export function shardOf(repository: string, name: string, count: number): number {
  return (fnv1a32(`${repository}/${name}`) % count) + 1
}

/** `K/N` with 1 <= K <= N, or a reason it is not. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (!m) return 'K/N, such as 2/4 (this job takes shard K of N)'
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1 || count > 1000) return 'K/N with N from 1 to 1000'
  if (index < 1 || index > count) return `K/N with K from 1 to N (here 1 to ${count})`
  return { index, count }
}
