// Anchored globs for image names and tags: `*` and `?` stay inside one `/` segment, `**` crosses `/`,
// `[abc]` / `[a-z]` / `[!abc]` are character classes, `{a,b}` is one of the alternatives (nestable, each
// a glob itself). Everything else is literal. A lone `*` (the default of `images` and `tags`) means
// everything, nested names included: that is what a user means by it.

import { isRepositoryName } from './names'

export class GlobError extends Error {}

const cache = new Map<string, RegExp>()

export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob)
  if (hit) return hit
  if (glob.length === 0) throw new GlobError('empty pattern')
  if (glob === '*') return /^.*$/
  const { re } = translate(glob, 0, false)
  let compiled: RegExp
  try {
    compiled = new RegExp('^' + re + '$')
  } catch (e) {
    // e.g. a reversed range `[z-a]`: still a malformed glob, not an internal error
    throw new GlobError(`${(e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '')} in ${JSON.stringify(glob)}`)
  }
  cache.set(glob, compiled)
  return compiled
}

/**
 * Translates from `start` up to the end, or (inside braces) up to the `,` or `}` that ends the
 * alternative; `end` is the index of that character.
 */
function translate(glob: string, start: number, inBraces: boolean): { re: string; end: number } {
  let re = ''
  let i = start
  for (; i < glob.length; i++) {
    const c = glob[i] as string // i < glob.length
    if (inBraces && (c === ',' || c === '}')) return { re, end: i }
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` also matches zero segments, so `shop/**/api` matches `shop/api`.
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?'
          i += 2
        } else {
          re += '.*'
          i += 1
        }
      } else {
        re += '[^/]*'
      }
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end < 0) throw new GlobError(`unclosed '[' in ${JSON.stringify(glob)}`)
      let body = glob.slice(i + 1, end)
      const negate = body.startsWith('!') || body.startsWith('^')
      if (negate) body = body.slice(1)
      if (body.length === 0) throw new GlobError(`empty character class in ${JSON.stringify(glob)}`)
      re += (negate ? '[^/' : '[') + body.replace(/[\\\]^]/g, '\\$&') + ']'
      i = end
    } else if (c === ']') {
      throw new GlobError(`unmatched ']' in ${JSON.stringify(glob)}`)
    } else if (c === '{') {
      const alternatives: string[] = []
      let at = i + 1
      for (;;) {
        const alt = translate(glob, at, true)
        alternatives.push(alt.re)
        if (alt.end >= glob.length) throw new GlobError(`unclosed '{' in ${JSON.stringify(glob)}`)
        at = alt.end + 1
        if (glob[alt.end] === '}') break
      }
      if (alternatives.length === 1 && alternatives[0] === '') throw new GlobError(`empty braces in ${JSON.stringify(glob)}`)
      re += `(?:${alternatives.join('|')})`
      i = at - 1
    } else if (c === '}') {
      throw new GlobError(`unmatched '}' in ${JSON.stringify(glob)}`)
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&')
    }
  }
  return { re, end: i }
}

/** True when `value` matches any of `globs` (anchored). */
export function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.some(g => globToRegExp(g).test(value))
}

/** The first glob that matches, for reasons such as "protected by keep-tags: latest". */
export function firstMatch(value: string, globs: readonly string[]): string | undefined {
  return globs.find(g => globToRegExp(g).test(value))
}

/** Whether a pattern names one name exactly: it has no wildcard. */
export function isLiteral(glob: string): boolean {
  return !/[*?[\]{}]/.test(glob)
}

/**
 * Patterns that name one image each, on the OCI grammar: names to read directly, whatever a listing says.
 * One off the grammar names no image a registry can hold, and is never requested.
 */
export function literalImages(globs: readonly string[]): string[] {
  return globs.filter(g => isLiteral(g) && isRepositoryName(g))
}
