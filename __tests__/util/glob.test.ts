import { firstMatch, GlobError, globToRegExp, matchesAny } from '../../src/util/glob'

const m = (glob: string, value: string): boolean => globToRegExp(glob).test(value)

describe('globToRegExp', () => {
  it('is anchored at both ends', () => {
    expect(m('latest', 'latest')).toBe(true)
    expect(m('latest', 'not-latest')).toBe(false)
    expect(m('latest', 'latest-1')).toBe(false)
    expect(m('api', 'shop/api')).toBe(false)
  })

  it('`*` stays within one segment', () => {
    expect(m('shop/*', 'shop/api')).toBe(true)
    expect(m('shop/*', 'shop/')).toBe(true)
    expect(m('shop/*', 'shop/api/v2')).toBe(false)
    expect(m('*/api', 'shop/api')).toBe(true)
    expect(m('*/api', 'a/b/api')).toBe(false)
    expect(m('release-*', 'release-1.2')).toBe(true)
    expect(m('release-*', 'pre-release-1')).toBe(false)
    expect(m('*-rc*', '1.0-rc2')).toBe(true)
  })

  it('a lone `*` matches everything, nested names included', () => {
    for (const v of ['a', 'shop/api', 'a/b/c/d', '', '1.0.0']) expect(m('*', v)).toBe(true)
  })

  it('`**` crosses segments', () => {
    expect(m('shop/**', 'shop/api')).toBe(true)
    expect(m('shop/**', 'shop/api/v2/x')).toBe(true)
    expect(m('shop/**', 'shop')).toBe(false)
    expect(m('shop/**', 'shopping/x')).toBe(false)
    expect(m('**', 'a/b/c')).toBe(true)
    expect(m('**api', 'shop/x/api')).toBe(true)
  })

  it('`**/` also matches zero segments', () => {
    expect(m('shop/**/api', 'shop/api')).toBe(true)
    expect(m('shop/**/api', 'shop/x/api')).toBe(true)
    expect(m('shop/**/api', 'shop/x/y/api')).toBe(true)
    expect(m('shop/**/api', 'shop/xapi')).toBe(false)
    expect(m('**/api', 'api')).toBe(true)
    expect(m('**/api', 'a/b/api')).toBe(true)
    expect(m('**/api', 'a/bapi')).toBe(false)
  })

  it('`?` is exactly one character, never `/`', () => {
    expect(m('v?', 'v1')).toBe(true)
    expect(m('v?', 'v')).toBe(false)
    expect(m('v?', 'v12')).toBe(false)
    expect(m('a?b', 'a/b')).toBe(false)
  })

  it('character classes, ranges and negated classes', () => {
    expect(m('[abc]x', 'bx')).toBe(true)
    expect(m('[abc]x', 'dx')).toBe(false)
    expect(m('v[0-9]', 'v7')).toBe(true)
    expect(m('v[0-9]', 'va')).toBe(false)
    expect(m('[!0-9]*', 'latest')).toBe(true)
    expect(m('[!0-9]*', '1.0')).toBe(false)
    expect(m('[^0-9]*', 'latest')).toBe(true)
    expect(m('[^0-9]*', '1.0')).toBe(false)
    expect(m('a[!x]b', 'a/b')).toBe(false) // a negated class does not match `/`
    expect(m('[]]', ']')).toBe(true) // `]` first in the class is literal
    expect(m('[a^]', '^')).toBe(true)
    expect(m('[a\\]', '\\')).toBe(true)
  })

  it('everything else is literal: dots, regex specials', () => {
    expect(m('1.0', '1.0')).toBe(true)
    expect(m('1.0', '1x0')).toBe(false)
    expect(m('a+b', 'a+b')).toBe(true)
    expect(m('a+b', 'aab')).toBe(false)
    expect(m('(x)|y', '(x)|y')).toBe(true)
    expect(m('$x^', '$x^')).toBe(true)
    expect(m('a{2}', 'aa')).toBe(false) // a brace is an alternative, never a regex quantifier
    expect(m('a\\d', 'a\\d')).toBe(true)
    expect(m('a\\d', 'a1')).toBe(false)
  })

  it('`{a,b}` is one of the alternatives, each a glob, nestable', () => {
    expect(m('{latest,stable}', 'latest')).toBe(true)
    expect(m('{latest,stable}', 'stable')).toBe(true)
    expect(m('{latest,stable}', 'latest,stable')).toBe(false)
    expect(m('{latest,stable}', 'lateststable')).toBe(false)
    expect(m('release-{1.*,2.0.*}', 'release-1.4')).toBe(true)
    expect(m('release-{1.*,2.0.*}', 'release-2.0.3')).toBe(true)
    expect(m('release-{1.*,2.0.*}', 'release-2.1.0')).toBe(false)
    expect(m('v{1,2{a,b}}', 'v2b')).toBe(true)
    expect(m('v{1,2{a,b}}', 'v2')).toBe(false)
    expect(m('x{,-rc}', 'x')).toBe(true) // an empty alternative matches nothing at that place
    expect(m('x{,-rc}', 'x-rc')).toBe(true)
    expect(m('{a}', 'a')).toBe(true)
    expect(m('{*}', 'a/b')).toBe(false) // `*` inside braces still stays within a segment
  })

  it.each(['', '[abc', 'a[', '[]', '[!]', '[^]', ']x', 'a]', '[z-a]', '[[:alpha:]]', '{a,b', 'a}', '{}', '{a,{b}', 'x{'])(
    'refuses the malformed glob %p with a GlobError',
    glob => {
      expect(() => globToRegExp(glob)).toThrow(GlobError)
    }
  )

  it('names the glob in the error', () => {
    expect(() => globToRegExp('[abc')).toThrow(`unclosed '[' in "[abc"`)
    expect(() => globToRegExp(']x')).toThrow(`unmatched ']' in "]x"`)
    expect(() => globToRegExp('[z-a]')).toThrow(/in "\[z-a\]"$/)
    expect(() => globToRegExp('{latest,stable')).toThrow(`unclosed '{' in "{latest,stable"`)
    expect(() => globToRegExp('stable}')).toThrow(`unmatched '}' in "stable}"`)
  })

  it('returns the same RegExp for the same glob', () => {
    expect(globToRegExp('shop/*')).toBe(globToRegExp('shop/*'))
  })
})

describe('matchesAny and firstMatch', () => {
  it('match against any of the globs', () => {
    expect(matchesAny('shop/api', ['tools/*', 'shop/*'])).toBe(true)
    expect(matchesAny('shop/api', ['tools/*'])).toBe(false)
    expect(matchesAny('shop/api', [])).toBe(false)
  })

  it('firstMatch returns the first glob that matches, for reasons', () => {
    expect(firstMatch('latest', ['stable', 'lat*', 'latest'])).toBe('lat*')
    expect(firstMatch('1.0', ['latest'])).toBeUndefined()
  })
})
