// Random manifest graphs for the property test, from a seed: images with version and other tags, indexes
// nested up to three levels with untagged, tagged (per-arch) and shared children, signatures and
// attestations at every level (in the image or in a signatures image), signatures of signatures, shared
// digests, a protected `latest`, and orphans whose subject never existed.

import type { NodeSpec } from './graph-seed'

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface RandomCase {
  nodes: NodeSpec[]
  /** Policy inputs for the run. */
  policy: Record<string, string>
  /** `image:tag`s the policy must keep whatever happens (keep-references by tag). */
  inUse: string[]
  /** Images holding tagged roots (not the signatures image). */
  images: string[]
}

export function randomGraph(seed: number): RandomCase {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
  const chance = (p: number) => r() < p
  const nodes: NodeSpec[] = []
  const images = chance(0.5) ? ['app', 'web'] : ['app']
  const sigImage = chance(0.5) ? 'sigs' : undefined
  let n = 0
  const id = (what: string) => `${what}${++n}`

  for (const image of images) {
    const inImage: string[] = [] // every manifest of the image, for referrers and shared children
    const children: string[] = [] // children already under an index, to share
    const versions = new Set<string>()
    const child = (depth: number, ver: string): string => {
      if (children.length > 0 && chance(0.15)) return pick(children)
      if (depth < 3 && chance(0.2)) return index(depth + 1, ver, [])
      const c = id('leaf')
      nodes.push({ id: c, image, kind: 'image', tags: chance(0.3) ? [`${ver}-c${n}`] : [] })
      inImage.push(c)
      children.push(c)
      return c
    }
    const index = (depth: number, ver: string, tags: string[]): string => {
      const kids = [...new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, () => child(depth, ver)))]
      const x = id('idx')
      nodes.push({ id: x, image, kind: 'index', tags, children: kids })
      inImage.push(x)
      if (depth > 1) children.push(x)
      return x
    }
    const roots = 3 + Math.floor(r() * 5)
    for (let i = 0; i < roots; i++) {
      let tag: string
      if (chance(0.2)) tag = pick(['main', 'develop', `sha-${Math.floor(r() * 1e6).toString(16)}`, `pr-${i}`])
      else {
        do tag = `${chance(0.2) ? 'v' : ''}${Math.floor(r() * 3)}.${Math.floor(r() * 5)}.${Math.floor(r() * 5)}${chance(0.15) ? '-rc.1' : ''}`
        while (versions.has(tag))
      }
      if (versions.has(tag)) continue
      versions.add(tag)
      const tags = [tag, ...(chance(0.2) ? [`alias-${i}`] : [])]
      if (chance(0.5)) index(1, tag, tags)
      else {
        const x = id('img')
        nodes.push({ id: x, image, kind: 'image', tags })
        inImage.push(x)
      }
    }
    // latest on one root: protected (keep-tags), so it and all it reaches stay
    const tagged = nodes.filter(
      (x): x is Exclude<NodeSpec, { kind: 'referrer' }> =>
        x.image === image && x.kind !== 'referrer' && x.tags.length > 0 && !x.tags.some(t => /-c\d+$/.test(t))
    )
    if (tagged.length > 0 && chance(0.7)) pick(tagged).tags.push('latest')

    // referrers at every level; some in the signatures image; some signed themselves
    for (const subject of [...inImage]) {
      for (const noun of ['sig', 'att'] as const) {
        if (!chance(noun === 'sig' ? 0.35 : 0.15)) continue
        const ref = id(noun)
        nodes.push({ id: ref, image: sigImage && chance(0.5) ? sigImage : image, kind: 'referrer', subject, noun })
        if (chance(0.2)) nodes.push({ id: id('sig'), image, kind: 'referrer', subject: ref, noun: 'sig' })
      }
    }
    if (chance(0.3)) nodes.push({ id: id('orphan'), image: sigImage ?? image, kind: 'referrer', subject: `missing:${seed}-${n}`, noun: 'sig' })
  }
  const policy: Record<string, string> = { keep: String(1 + Math.floor(r() * 3)), 'keep-other': '1', 'keep-tags': 'latest' }
  if (chance(0.25)) policy['max-deletions'] = String(1 + Math.floor(r() * 3))
  // Retention as code, drawn after the graph (so a seed's graph stays the same): version lines, deletes on
  // demand, references in use, a rule for one image.
  if (chance(0.3)) {
    policy['keep-per'] = pick(['major', 'minor'])
    if (chance(0.5)) policy['keep-lines'] = String(1 + Math.floor(r() * 2))
  }
  const rootTags = nodes.flatMap(x => (x.kind !== 'referrer' && x.tags.length > 0 ? x.tags.map(t => `${x.image}:${t}`) : []))
  if (chance(0.3) && rootTags.length > 0) policy['delete-tags'] = pick(['alias-*', 'pr-*', '*-rc.1', pick(rootTags).split(':')[1] ?? 'none'])
  const inUse = chance(0.35) && rootTags.length > 0 ? [...new Set([pick(rootTags), pick(rootTags)])] : []
  if (inUse.length > 0) policy['keep-references'] = inUse.join('\n')
  if (images.includes('web') && chance(0.3)) policy['rules'] = `- images: web\n  keep: ${1 + Math.floor(r() * 2)}\n  keep-per: none\n`
  return { nodes, policy, images, inUse }
}
