#!/usr/bin/env node
/******/ (() => { // webpackBootstrap
/******/ 	"use strict";
/******/ 	var __webpack_modules__ = ({

/***/ 9379:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const ANY = Symbol('SemVer ANY')
// hoisted class for cyclic dependency
class Comparator {
  static get ANY () {
    return ANY
  }

  constructor (comp, options) {
    options = parseOptions(options)

    if (comp instanceof Comparator) {
      if (comp.loose === !!options.loose) {
        return comp
      } else {
        comp = comp.value
      }
    }

    comp = comp.trim().split(/\s+/).join(' ')
    debug('comparator', comp, options)
    this.options = options
    this.loose = !!options.loose
    this.parse(comp)

    if (this.semver === ANY) {
      this.value = ''
    } else {
      this.value = this.operator + this.semver.version
    }

    debug('comp', this)
  }

  parse (comp) {
    const r = this.options.loose ? re[t.COMPARATORLOOSE] : re[t.COMPARATOR]
    const m = comp.match(r)

    if (!m) {
      throw new TypeError(`Invalid comparator: ${comp}`)
    }

    this.operator = m[1] !== undefined ? m[1] : ''
    if (this.operator === '=') {
      this.operator = ''
    }

    // if it literally is just '>' or '' then allow anything.
    if (!m[2]) {
      this.semver = ANY
    } else {
      this.semver = new SemVer(m[2], this.options.loose)
    }
  }

  toString () {
    return this.value
  }

  test (version) {
    debug('Comparator.test', version, this.options.loose)

    if (this.semver === ANY || version === ANY) {
      return true
    }

    if (typeof version === 'string') {
      try {
        version = new SemVer(version, this.options)
      } catch (er) {
        return false
      }
    }

    return cmp(version, this.operator, this.semver, this.options)
  }

  intersects (comp, options) {
    if (!(comp instanceof Comparator)) {
      throw new TypeError('a Comparator is required')
    }

    if (this.operator === '') {
      if (this.value === '') {
        return true
      }
      return new Range(comp.value, options).test(this.value)
    } else if (comp.operator === '') {
      if (comp.value === '') {
        return true
      }
      return new Range(this.value, options).test(comp.semver)
    }

    options = parseOptions(options)

    // Special cases where nothing can possibly be lower
    if (options.includePrerelease &&
      (this.value === '<0.0.0-0' || comp.value === '<0.0.0-0')) {
      return false
    }
    if (!options.includePrerelease &&
      (this.value.startsWith('<0.0.0') || comp.value.startsWith('<0.0.0'))) {
      return false
    }

    // Same direction increasing (> or >=)
    if (this.operator.startsWith('>') && comp.operator.startsWith('>')) {
      return true
    }
    // Same direction decreasing (< or <=)
    if (this.operator.startsWith('<') && comp.operator.startsWith('<')) {
      return true
    }
    // same SemVer and both sides are inclusive (<= or >=)
    if (
      (this.semver.version === comp.semver.version) &&
      this.operator.includes('=') && comp.operator.includes('=')) {
      return true
    }
    // opposite directions less than
    if (cmp(this.semver, '<', comp.semver, options) &&
      this.operator.startsWith('>') && comp.operator.startsWith('<')) {
      return true
    }
    // opposite directions greater than
    if (cmp(this.semver, '>', comp.semver, options) &&
      this.operator.startsWith('<') && comp.operator.startsWith('>')) {
      return true
    }
    return false
  }
}

module.exports = Comparator

const parseOptions = __nccwpck_require__(356)
const { safeRe: re, t } = __nccwpck_require__(5471)
const cmp = __nccwpck_require__(8646)
const debug = __nccwpck_require__(1159)
const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)


/***/ }),

/***/ 6782:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SPACE_CHARACTERS = /\s+/g

// hoisted class for cyclic dependency
class Range {
  constructor (range, options) {
    options = parseOptions(options)

    if (range instanceof Range) {
      if (
        range.loose === !!options.loose &&
        range.includePrerelease === !!options.includePrerelease
      ) {
        return range
      } else {
        return new Range(range.raw, options)
      }
    }

    if (range instanceof Comparator) {
      // just put it in the set and return
      this.raw = range.value
      this.set = [[range]]
      this.formatted = undefined
      return this
    }

    this.options = options
    this.loose = !!options.loose
    this.includePrerelease = !!options.includePrerelease

    // First reduce all whitespace as much as possible so we do not have to rely
    // on potentially slow regexes like \s*. This is then stored and used for
    // future error messages as well.
    this.raw = range.trim().replace(SPACE_CHARACTERS, ' ')

    // First, split on ||
    this.set = this.raw
      .split('||')
      // map the range to a 2d array of comparators
      .map(r => this.parseRange(r.trim()))
      // throw out any comparator lists that are empty
      // this generally means that it was not a valid range, which is allowed
      // in loose mode, but will still throw if the WHOLE range is invalid.
      .filter(c => c.length)

    if (!this.set.length) {
      throw new TypeError(`Invalid SemVer Range: ${this.raw}`)
    }

    // if we have any that are not the null set, throw out null sets.
    if (this.set.length > 1) {
      // keep the first one, in case they're all null sets
      const first = this.set[0]
      this.set = this.set.filter(c => !isNullSet(c[0]))
      if (this.set.length === 0) {
        this.set = [first]
      } else if (this.set.length > 1) {
        // if we have any that are *, then the range is just *
        for (const c of this.set) {
          if (c.length === 1 && isAny(c[0])) {
            this.set = [c]
            break
          }
        }
      }
    }

    this.formatted = undefined
  }

  get range () {
    if (this.formatted === undefined) {
      this.formatted = ''
      for (let i = 0; i < this.set.length; i++) {
        if (i > 0) {
          this.formatted += '||'
        }
        const comps = this.set[i]
        for (let k = 0; k < comps.length; k++) {
          if (k > 0) {
            this.formatted += ' '
          }
          this.formatted += comps[k].toString().trim()
        }
      }
    }
    return this.formatted
  }

  format () {
    return this.range
  }

  toString () {
    return this.range
  }

  parseRange (range) {
    // strip build metadata so it can't bleed into the version
    range = range.replace(BUILDSTRIPRE, '')

    // memoize range parsing for performance.
    // this is a very hot path, and fully deterministic.
    const memoOpts =
      (this.options.includePrerelease && FLAG_INCLUDE_PRERELEASE) |
      (this.options.loose && FLAG_LOOSE)
    const memoKey = memoOpts + ':' + range
    const cached = cache.get(memoKey)
    if (cached) {
      return cached
    }

    const loose = this.options.loose
    // `1.2.3 - 1.2.4` => `>=1.2.3 <=1.2.4`
    const hr = loose ? re[t.HYPHENRANGELOOSE] : re[t.HYPHENRANGE]
    range = range.replace(hr, hyphenReplace(this.options.includePrerelease))
    debug('hyphen replace', range)

    // `> 1.2.3 < 1.2.5` => `>1.2.3 <1.2.5`
    range = trimComparatorWhitespace(range)
    debug('comparator trim', range)

    // `~ 1.2.3` => `~1.2.3`
    range = range.replace(re[t.TILDETRIM], tildeTrimReplace)
    debug('tilde trim', range)

    // `^ 1.2.3` => `^1.2.3`
    range = range.replace(re[t.CARETTRIM], caretTrimReplace)
    debug('caret trim', range)

    // At this point, the range is completely trimmed and
    // ready to be split into comparators.

    let rangeList = range
      .split(' ')
      .map(comp => parseComparator(comp, this.options))
      .join(' ')
      .split(/\s+/)
      // >=0.0.0 is equivalent to *
      .map(comp => replaceGTE0(comp, this.options))

    if (loose) {
      // in loose mode, throw out any that are not valid comparators
      rangeList = rangeList.filter(comp => {
        debug('loose invalid filter', comp, this.options)
        return !!comp.match(re[t.COMPARATORLOOSE])
      })
    }
    debug('range list', rangeList)

    // if any comparators are the null set, then replace with JUST null set
    // if more than one comparator, remove any * comparators
    // also, don't include the same comparator more than once
    const rangeMap = new Map()
    const comparators = rangeList.map(comp => new Comparator(comp, this.options))
    for (const comp of comparators) {
      if (isNullSet(comp)) {
        return [comp]
      }
      rangeMap.set(comp.value, comp)
    }
    if (rangeMap.size > 1 && rangeMap.has('')) {
      rangeMap.delete('')
    }

    const result = [...rangeMap.values()]
    cache.set(memoKey, result)
    return result
  }

  intersects (range, options) {
    if (!(range instanceof Range)) {
      throw new TypeError('a Range is required')
    }

    return this.set.some((thisComparators) => {
      return (
        isSatisfiable(thisComparators, options) &&
        range.set.some((rangeComparators) => {
          return (
            isSatisfiable(rangeComparators, options) &&
            thisComparators.every((thisComparator) => {
              return rangeComparators.every((rangeComparator) => {
                return thisComparator.intersects(rangeComparator, options)
              })
            })
          )
        })
      )
    })
  }

  // if ANY of the sets match ALL of its comparators, then pass
  test (version) {
    if (!version) {
      return false
    }

    if (typeof version === 'string') {
      try {
        version = new SemVer(version, this.options)
      } catch (er) {
        return false
      }
    }

    for (let i = 0; i < this.set.length; i++) {
      if (testSet(this.set[i], version, this.options)) {
        return true
      }
    }
    return false
  }
}

module.exports = Range

const LRU = __nccwpck_require__(1383)
const cache = new LRU()

const parseOptions = __nccwpck_require__(356)
const Comparator = __nccwpck_require__(9379)
const debug = __nccwpck_require__(1159)
const SemVer = __nccwpck_require__(7163)
const trimComparatorWhitespace = __nccwpck_require__(9737)
const {
  safeRe: re,
  src,
  t,
  tildeTrimReplace,
  caretTrimReplace,
} = __nccwpck_require__(5471)
const { FLAG_INCLUDE_PRERELEASE, FLAG_LOOSE } = __nccwpck_require__(5101)

// unbounded global build-metadata stripper used by parseRange
const BUILDSTRIPRE = new RegExp(src[t.BUILD], 'g')

const isNullSet = c => c.value === '<0.0.0-0'
const isAny = c => c.value === ''

// take a set of comparators and determine whether there
// exists a version which can satisfy it
const isSatisfiable = (comparators, options) => {
  let result = true
  const remainingComparators = comparators.slice()
  let testComparator = remainingComparators.pop()

  while (result && remainingComparators.length) {
    result = remainingComparators.every((otherComparator) => {
      return testComparator.intersects(otherComparator, options)
    })

    testComparator = remainingComparators.pop()
  }

  return result
}

// comprised of xranges, tildes, stars, and gtlt's at this point.
// already replaced the hyphen ranges
// turn into a set of JUST comparators.
const parseComparator = (comp, options) => {
  comp = comp.replace(re[t.BUILD], '')
  debug('comp', comp, options)
  comp = replaceCarets(comp, options)
  debug('caret', comp)
  comp = replaceTildes(comp, options)
  debug('tildes', comp)
  comp = replaceXRanges(comp, options)
  debug('xrange', comp)
  comp = replaceStars(comp, options)
  debug('stars', comp)
  return comp
}

const isX = id => !id || id.toLowerCase() === 'x' || id === '*'

const invalidXRangeOrder = (M, m, p) => (
  (isX(M) && !isX(m)) ||
  (isX(m) && p && !isX(p))
)

// ~, ~> --> * (any, kinda silly)
// ~2, ~2.x, ~2.x.x, ~>2, ~>2.x ~>2.x.x --> >=2.0.0 <3.0.0-0
// ~2.0, ~2.0.x, ~>2.0, ~>2.0.x --> >=2.0.0 <2.1.0-0
// ~1.2, ~1.2.x, ~>1.2, ~>1.2.x --> >=1.2.0 <1.3.0-0
// ~1.2.3, ~>1.2.3 --> >=1.2.3 <1.3.0-0
// ~1.2.0, ~>1.2.0 --> >=1.2.0 <1.3.0-0
// ~0.0.1 --> >=0.0.1 <0.1.0-0
const replaceTildes = (comp, options) => {
  return comp
    .trim()
    .split(/\s+/)
    .map((c) => replaceTilde(c, options))
    .join(' ')
}

const replaceTilde = (comp, options) => {
  const r = options.loose ? re[t.TILDELOOSE] : re[t.TILDE]
  // if we're including prereleases in the match, then the lower bound is
  // -0, the lowest possible prerelease value, just like x-ranges and carets.
  // this keeps `~1.2` equivalent to the `1.2.x` x-range it's documented as.
  const z = options.includePrerelease ? '-0' : ''
  return comp.replace(r, (_, M, m, p, pr) => {
    debug('tilde', comp, _, M, m, p, pr)
    let ret

    if (isX(M)) {
      ret = ''
    } else if (isX(m)) {
      ret = `>=${M}.0.0${z} <${+M + 1}.0.0-0`
    } else if (isX(p)) {
      // ~1.2 == >=1.2.0 <1.3.0-0
      ret = `>=${M}.${m}.0${z} <${M}.${+m + 1}.0-0`
    } else if (pr) {
      debug('replaceTilde pr', pr)
      ret = `>=${M}.${m}.${p}-${pr
      } <${M}.${+m + 1}.0-0`
    } else {
      // ~1.2.3 == >=1.2.3 <1.3.0-0
      ret = `>=${M}.${m}.${p
      } <${M}.${+m + 1}.0-0`
    }

    debug('tilde return', ret)
    return ret
  })
}

// ^ --> * (any, kinda silly)
// ^2, ^2.x, ^2.x.x --> >=2.0.0 <3.0.0-0
// ^2.0, ^2.0.x --> >=2.0.0 <3.0.0-0
// ^1.2, ^1.2.x --> >=1.2.0 <2.0.0-0
// ^1.2.3 --> >=1.2.3 <2.0.0-0
// ^1.2.0 --> >=1.2.0 <2.0.0-0
// ^0.0.1 --> >=0.0.1 <0.0.2-0
// ^0.1.0 --> >=0.1.0 <0.2.0-0
const replaceCarets = (comp, options) => {
  return comp
    .trim()
    .split(/\s+/)
    .map((c) => replaceCaret(c, options))
    .join(' ')
}

const replaceCaret = (comp, options) => {
  debug('caret', comp, options)
  const r = options.loose ? re[t.CARETLOOSE] : re[t.CARET]
  const z = options.includePrerelease ? '-0' : ''
  return comp.replace(r, (_, M, m, p, pr) => {
    debug('caret', comp, _, M, m, p, pr)
    let ret

    if (isX(M)) {
      ret = ''
    } else if (isX(m)) {
      ret = `>=${M}.0.0${z} <${+M + 1}.0.0-0`
    } else if (isX(p)) {
      if (M === '0') {
        ret = `>=${M}.${m}.0${z} <${M}.${+m + 1}.0-0`
      } else {
        ret = `>=${M}.${m}.0${z} <${+M + 1}.0.0-0`
      }
    } else if (pr) {
      debug('replaceCaret pr', pr)
      if (M === '0') {
        if (m === '0') {
          ret = `>=${M}.${m}.${p}-${pr
          } <${M}.${m}.${+p + 1}-0`
        } else {
          ret = `>=${M}.${m}.${p}-${pr
          } <${M}.${+m + 1}.0-0`
        }
      } else {
        ret = `>=${M}.${m}.${p}-${pr
        } <${+M + 1}.0.0-0`
      }
    } else {
      debug('no pr')
      if (M === '0') {
        if (m === '0') {
          ret = `>=${M}.${m}.${p
          } <${M}.${m}.${+p + 1}-0`
        } else {
          ret = `>=${M}.${m}.${p
          } <${M}.${+m + 1}.0-0`
        }
      } else {
        ret = `>=${M}.${m}.${p
        } <${+M + 1}.0.0-0`
      }
    }

    debug('caret return', ret)
    return ret
  })
}

const replaceXRanges = (comp, options) => {
  debug('replaceXRanges', comp, options)
  return comp
    .split(/\s+/)
    .map((c) => replaceXRange(c, options))
    .join(' ')
}

const replaceXRange = (comp, options) => {
  comp = comp.trim()
  const r = options.loose ? re[t.XRANGELOOSE] : re[t.XRANGE]
  return comp.replace(r, (ret, gtlt, M, m, p, pr) => {
    debug('xRange', comp, ret, gtlt, M, m, p, pr)
    if (invalidXRangeOrder(M, m, p)) {
      return comp
    }

    const xM = isX(M)
    const xm = xM || isX(m)
    const xp = xm || isX(p)
    const anyX = xp

    if (gtlt === '=' && anyX) {
      gtlt = ''
    }

    // if we're including prereleases in the match, then we need
    // to fix this to -0, the lowest possible prerelease value
    pr = options.includePrerelease ? '-0' : ''

    if (xM) {
      if (gtlt === '>' || gtlt === '<') {
        // nothing is allowed
        ret = '<0.0.0-0'
      } else {
        // nothing is forbidden
        ret = '*'
      }
    } else if (gtlt && anyX) {
      // we know patch is an x, because we have any x at all.
      // replace X with 0
      if (xm) {
        m = 0
      }
      p = 0

      if (gtlt === '>') {
        // >1 => >=2.0.0
        // >1.2 => >=1.3.0
        gtlt = '>='
        if (xm) {
          M = +M + 1
          m = 0
          p = 0
        } else {
          m = +m + 1
          p = 0
        }
      } else if (gtlt === '<=') {
        // <=0.7.x is actually <0.8.0, since any 0.7.x should
        // pass.  Similarly, <=7.x is actually <8.0.0, etc.
        gtlt = '<'
        if (xm) {
          M = +M + 1
        } else {
          m = +m + 1
        }
      }

      if (gtlt === '<') {
        pr = '-0'
      }

      ret = `${gtlt + M}.${m}.${p}${pr}`
    } else if (xm) {
      ret = `>=${M}.0.0${pr} <${+M + 1}.0.0-0`
    } else if (xp) {
      ret = `>=${M}.${m}.0${pr
      } <${M}.${+m + 1}.0-0`
    }

    debug('xRange return', ret)

    return ret
  })
}

// Because * is AND-ed with everything else in the comparator,
// and '' means "any version", just remove the *s entirely.
const replaceStars = (comp, options) => {
  debug('replaceStars', comp, options)
  // Looseness is ignored here.  star is always as loose as it gets!
  return comp
    .trim()
    .replace(re[t.STAR], '')
}

const replaceGTE0 = (comp, options) => {
  debug('replaceGTE0', comp, options)
  return comp
    .trim()
    .replace(re[options.includePrerelease ? t.GTE0PRE : t.GTE0], '')
}

// This function is passed to string.replace(re[t.HYPHENRANGE])
// M, m, patch, prerelease, build
// 1.2 - 3.4.5 => >=1.2.0 <=3.4.5
// 1.2.3 - 3.4 => >=1.2.0 <3.5.0-0 Any 3.4.x will do
// 1.2 - 3.4 => >=1.2.0 <3.5.0-0
// TODO build?
const hyphenReplace = incPr => ($0,
  from, fM, fm, fp, fpr, fb,
  to, tM, tm, tp, tpr) => {
  if (isX(fM)) {
    from = ''
  } else if (isX(fm)) {
    from = `>=${fM}.0.0${incPr ? '-0' : ''}`
  } else if (isX(fp)) {
    from = `>=${fM}.${fm}.0${incPr ? '-0' : ''}`
  } else if (fpr) {
    from = `>=${from}`
  } else {
    from = `>=${from}${incPr ? '-0' : ''}`
  }

  if (isX(tM)) {
    to = ''
  } else if (isX(tm)) {
    to = `<${+tM + 1}.0.0-0`
  } else if (isX(tp)) {
    to = `<${tM}.${+tm + 1}.0-0`
  } else if (tpr) {
    to = `<=${tM}.${tm}.${tp}-${tpr}`
  } else if (incPr) {
    to = `<${tM}.${tm}.${+tp + 1}-0`
  } else {
    to = `<=${to}`
  }

  return `${from} ${to}`.trim()
}

const testSet = (set, version, options) => {
  for (let i = 0; i < set.length; i++) {
    if (!set[i].test(version)) {
      return false
    }
  }

  if (version.prerelease.length && !options.includePrerelease) {
    // Find the set of versions that are allowed to have prereleases
    // For example, ^1.2.3-pr.1 desugars to >=1.2.3-pr.1 <2.0.0
    // That should allow `1.2.3-pr.2` to pass.
    // However, `1.2.4-alpha.notready` should NOT be allowed,
    // even though it's within the range set by the comparators.
    for (let i = 0; i < set.length; i++) {
      debug(set[i].semver)
      if (set[i].semver === Comparator.ANY) {
        continue
      }

      if (set[i].semver.prerelease.length > 0) {
        const allowed = set[i].semver
        if (allowed.major === version.major &&
            allowed.minor === version.minor &&
            allowed.patch === version.patch) {
          return true
        }
      }
    }

    // Version has a -pre, but it's not one of the ones we like.
    return false
  }

  return true
}


/***/ }),

/***/ 7163:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const debug = __nccwpck_require__(1159)
const { MAX_LENGTH, MAX_SAFE_INTEGER } = __nccwpck_require__(5101)
const { safeRe: re, t } = __nccwpck_require__(5471)

const parseOptions = __nccwpck_require__(356)
const { compareIdentifiers } = __nccwpck_require__(3348)

const isPrereleaseIdentifier = (prerelease, identifier) => {
  const identifiers = identifier.split('.')
  if (identifiers.length > prerelease.length) {
    return false
  }

  for (let i = 0; i < identifiers.length; i++) {
    if (compareIdentifiers(prerelease[i], identifiers[i]) !== 0) {
      return false
    }
  }

  return true
}

class SemVer {
  constructor (version, options) {
    options = parseOptions(options)

    if (version instanceof SemVer) {
      if (version.loose === !!options.loose &&
        version.includePrerelease === !!options.includePrerelease) {
        return version
      } else {
        version = version.version
      }
    } else if (typeof version !== 'string') {
      throw new TypeError(`Invalid version. Must be a string. Got type "${typeof version}".`)
    }

    if (version.length > MAX_LENGTH) {
      throw new TypeError(
        `version is longer than ${MAX_LENGTH} characters`
      )
    }

    debug('SemVer', version, options)
    this.options = options
    this.loose = !!options.loose
    // this isn't actually relevant for versions, but keep it so that we
    // don't run into trouble passing this.options around.
    this.includePrerelease = !!options.includePrerelease

    const m = version.trim().match(options.loose ? re[t.LOOSE] : re[t.FULL])

    if (!m) {
      throw new TypeError(`Invalid Version: ${version}`)
    }

    this.raw = version

    // these are actually numbers
    this.major = +m[1]
    this.minor = +m[2]
    this.patch = +m[3]

    if (this.major > MAX_SAFE_INTEGER || this.major < 0) {
      throw new TypeError('Invalid major version')
    }

    if (this.minor > MAX_SAFE_INTEGER || this.minor < 0) {
      throw new TypeError('Invalid minor version')
    }

    if (this.patch > MAX_SAFE_INTEGER || this.patch < 0) {
      throw new TypeError('Invalid patch version')
    }

    // numberify any prerelease numeric ids
    if (!m[4]) {
      this.prerelease = []
    } else {
      this.prerelease = m[4].split('.').map((id) => {
        if (/^[0-9]+$/.test(id)) {
          const num = +id
          if (num >= 0 && num < MAX_SAFE_INTEGER) {
            return num
          }
        }
        return id
      })
    }

    this.build = m[5] ? m[5].split('.') : []
    this.format()
  }

  format () {
    this.version = `${this.major}.${this.minor}.${this.patch}`
    if (this.prerelease.length) {
      this.version += `-${this.prerelease.join('.')}`
    }
    return this.version
  }

  toString () {
    return this.version
  }

  compare (other) {
    debug('SemVer.compare', this.version, this.options, other)
    if (!(other instanceof SemVer)) {
      if (typeof other === 'string' && other === this.version) {
        return 0
      }
      other = new SemVer(other, this.options)
    }

    if (other.version === this.version) {
      return 0
    }

    return this.compareMain(other) || this.comparePre(other)
  }

  compareMain (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    if (this.major < other.major) {
      return -1
    }
    if (this.major > other.major) {
      return 1
    }
    if (this.minor < other.minor) {
      return -1
    }
    if (this.minor > other.minor) {
      return 1
    }
    if (this.patch < other.patch) {
      return -1
    }
    if (this.patch > other.patch) {
      return 1
    }
    return 0
  }

  comparePre (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    // NOT having a prerelease is > having one
    if (this.prerelease.length && !other.prerelease.length) {
      return -1
    } else if (!this.prerelease.length && other.prerelease.length) {
      return 1
    } else if (!this.prerelease.length && !other.prerelease.length) {
      return 0
    }

    let i = 0
    do {
      const a = this.prerelease[i]
      const b = other.prerelease[i]
      debug('prerelease compare', i, a, b)
      if (a === undefined && b === undefined) {
        return 0
      } else if (b === undefined) {
        return 1
      } else if (a === undefined) {
        return -1
      } else if (a === b) {
        continue
      } else {
        return compareIdentifiers(a, b)
      }
    } while (++i)
  }

  compareBuild (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    let i = 0
    do {
      const a = this.build[i]
      const b = other.build[i]
      debug('build compare', i, a, b)
      if (a === undefined && b === undefined) {
        return 0
      } else if (b === undefined) {
        return 1
      } else if (a === undefined) {
        return -1
      } else if (a === b) {
        continue
      } else {
        return compareIdentifiers(a, b)
      }
    } while (++i)
  }

  // preminor will bump the version up to the next minor release, and immediately
  // down to pre-release. premajor and prepatch work the same way.
  inc (release, identifier, identifierBase) {
    if (release.startsWith('pre')) {
      if (!identifier && identifierBase === false) {
        throw new Error('invalid increment argument: identifier is empty')
      }
      // Avoid an invalid semver results
      if (identifier) {
        const match = `-${identifier}`.match(this.options.loose ? re[t.PRERELEASELOOSE] : re[t.PRERELEASE])
        if (!match || match[1] !== identifier) {
          throw new Error(`invalid identifier: ${identifier}`)
        }
      }
    }

    switch (release) {
      case 'premajor':
        this.prerelease.length = 0
        this.patch = 0
        this.minor = 0
        this.major++
        this.inc('pre', identifier, identifierBase)
        break
      case 'preminor':
        this.prerelease.length = 0
        this.patch = 0
        this.minor++
        this.inc('pre', identifier, identifierBase)
        break
      case 'prepatch':
        // If this is already a prerelease, it will bump to the next version
        // drop any prereleases that might already exist, since they are not
        // relevant at this point.
        this.prerelease.length = 0
        this.inc('patch', identifier, identifierBase)
        this.inc('pre', identifier, identifierBase)
        break
      // If the input is a non-prerelease version, this acts the same as
      // prepatch.
      case 'prerelease':
        if (this.prerelease.length === 0) {
          this.inc('patch', identifier, identifierBase)
        }
        this.inc('pre', identifier, identifierBase)
        break
      case 'release':
        if (this.prerelease.length === 0) {
          throw new Error(`version ${this.raw} is not a prerelease`)
        }
        this.prerelease.length = 0
        break

      case 'major':
        // If this is a pre-major version, bump up to the same major version.
        // Otherwise increment major.
        // 1.0.0-5 bumps to 1.0.0
        // 1.1.0 bumps to 2.0.0
        if (
          this.minor !== 0 ||
          this.patch !== 0 ||
          this.prerelease.length === 0
        ) {
          this.major++
        }
        this.minor = 0
        this.patch = 0
        this.prerelease = []
        break
      case 'minor':
        // If this is a pre-minor version, bump up to the same minor version.
        // Otherwise increment minor.
        // 1.2.0-5 bumps to 1.2.0
        // 1.2.1 bumps to 1.3.0
        if (this.patch !== 0 || this.prerelease.length === 0) {
          this.minor++
        }
        this.patch = 0
        this.prerelease = []
        break
      case 'patch':
        // If this is not a pre-release version, it will increment the patch.
        // If it is a pre-release it will bump up to the same patch version.
        // 1.2.0-5 patches to 1.2.0
        // 1.2.0 patches to 1.2.1
        if (this.prerelease.length === 0) {
          this.patch++
        }
        this.prerelease = []
        break
      // This probably shouldn't be used publicly.
      // 1.0.0 'pre' would become 1.0.0-0 which is the wrong direction.
      case 'pre': {
        const base = Number(identifierBase) ? 1 : 0

        if (this.prerelease.length === 0) {
          this.prerelease = [base]
        } else {
          let i = this.prerelease.length
          while (--i >= 0) {
            if (typeof this.prerelease[i] === 'number') {
              this.prerelease[i]++
              i = -2
            }
          }
          if (i === -1) {
            // didn't increment anything
            if (identifier === this.prerelease.join('.') && identifierBase === false) {
              throw new Error('invalid increment argument: identifier already exists')
            }
            this.prerelease.push(base)
          }
        }
        if (identifier) {
          // 1.2.0-beta.1 bumps to 1.2.0-beta.2,
          // 1.2.0-beta.fooblz or 1.2.0-beta bumps to 1.2.0-beta.0
          let prerelease = [identifier, base]
          if (identifierBase === false) {
            prerelease = [identifier]
          }
          if (isPrereleaseIdentifier(this.prerelease, identifier)) {
            const prereleaseBase = this.prerelease[identifier.split('.').length]
            if (isNaN(prereleaseBase)) {
              this.prerelease = prerelease
            }
          } else {
            this.prerelease = prerelease
          }
        }
        break
      }
      default:
        throw new Error(`invalid increment argument: ${release}`)
    }
    this.raw = this.format()
    if (this.build.length) {
      this.raw += `+${this.build.join('.')}`
    }
    return this
  }
}

module.exports = SemVer


/***/ }),

/***/ 1799:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const clean = (version, options) => {
  const s = parse(version.trim().replace(/^[=v]+/, ''), options)
  return s ? s.version : null
}
module.exports = clean


/***/ }),

/***/ 8646:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const eq = __nccwpck_require__(5082)
const neq = __nccwpck_require__(4974)
const gt = __nccwpck_require__(6599)
const gte = __nccwpck_require__(1236)
const lt = __nccwpck_require__(3872)
const lte = __nccwpck_require__(6717)

const cmp = (a, op, b, loose) => {
  switch (op) {
    case '===':
      if (typeof a === 'object') {
        a = a.version
      }
      if (typeof b === 'object') {
        b = b.version
      }
      return a === b

    case '!==':
      if (typeof a === 'object') {
        a = a.version
      }
      if (typeof b === 'object') {
        b = b.version
      }
      return a !== b

    case '':
    case '=':
    case '==':
      return eq(a, b, loose)

    case '!=':
      return neq(a, b, loose)

    case '>':
      return gt(a, b, loose)

    case '>=':
      return gte(a, b, loose)

    case '<':
      return lt(a, b, loose)

    case '<=':
      return lte(a, b, loose)

    default:
      throw new TypeError(`Invalid operator: ${op}`)
  }
}
module.exports = cmp


/***/ }),

/***/ 5385:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const parse = __nccwpck_require__(6353)
const { safeRe: re, t } = __nccwpck_require__(5471)

const coerce = (version, options) => {
  if (version instanceof SemVer) {
    return version
  }

  if (typeof version === 'number') {
    version = String(version)
  }

  if (typeof version !== 'string') {
    return null
  }

  options = options || {}

  let match = null
  if (!options.rtl) {
    match = version.match(options.includePrerelease ? re[t.COERCEFULL] : re[t.COERCE])
  } else {
    // Find the right-most coercible string that does not share
    // a terminus with a more left-ward coercible string.
    // Eg, '1.2.3.4' wants to coerce '2.3.4', not '3.4' or '4'
    // With includePrerelease option set, '1.2.3.4-rc' wants to coerce '2.3.4-rc', not '2.3.4'
    //
    // Walk through the string checking with a /g regexp
    // Manually set the index so as to pick up overlapping matches.
    // Stop when we get a match that ends at the string end, since no
    // coercible string can be more right-ward without the same terminus.
    const coerceRtlRegex = options.includePrerelease ? re[t.COERCERTLFULL] : re[t.COERCERTL]
    let next
    while ((next = coerceRtlRegex.exec(version)) &&
        (!match || match.index + match[0].length !== version.length)
    ) {
      if (!match ||
            next.index + next[0].length !== match.index + match[0].length) {
        match = next
      }
      coerceRtlRegex.lastIndex = next.index + next[1].length + next[2].length
    }
    // leave it in a clean state
    coerceRtlRegex.lastIndex = -1
  }

  if (match === null) {
    return null
  }

  const major = match[2]
  const minor = match[3] || '0'
  const patch = match[4] || '0'
  const prerelease = options.includePrerelease && match[5] ? `-${match[5]}` : ''
  const build = options.includePrerelease && match[6] ? `+${match[6]}` : ''

  return parse(`${major}.${minor}.${patch}${prerelease}${build}`, options)
}
module.exports = coerce


/***/ }),

/***/ 7648:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const compareBuild = (a, b, loose) => {
  const versionA = new SemVer(a, loose)
  const versionB = new SemVer(b, loose)
  return versionA.compare(versionB) || versionA.compareBuild(versionB)
}
module.exports = compareBuild


/***/ }),

/***/ 6874:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const compareLoose = (a, b) => compare(a, b, true)
module.exports = compareLoose


/***/ }),

/***/ 8469:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const compare = (a, b, loose) =>
  new SemVer(a, loose).compare(new SemVer(b, loose))

module.exports = compare


/***/ }),

/***/ 711:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)

const diff = (version1, version2) => {
  const v1 = parse(version1, null, true)
  const v2 = parse(version2, null, true)
  const comparison = v1.compare(v2)

  if (comparison === 0) {
    return null
  }

  const v1Higher = comparison > 0
  const highVersion = v1Higher ? v1 : v2
  const lowVersion = v1Higher ? v2 : v1
  const highHasPre = !!highVersion.prerelease.length
  const lowHasPre = !!lowVersion.prerelease.length

  if (lowHasPre && !highHasPre) {
    // Going from prerelease -> no prerelease requires some special casing

    // If the low version has only a major, then it will always be a major
    // Some examples:
    // 1.0.0-1 -> 1.0.0
    // 1.0.0-1 -> 1.1.1
    // 1.0.0-1 -> 2.0.0
    if (!lowVersion.patch && !lowVersion.minor) {
      return 'major'
    }

    // If the main part has no difference
    if (lowVersion.compareMain(highVersion) === 0) {
      if (lowVersion.minor && !lowVersion.patch) {
        return 'minor'
      }
      return 'patch'
    }
  }

  // add the `pre` prefix if we are going to a prerelease version
  const prefix = highHasPre ? 'pre' : ''

  if (v1.major !== v2.major) {
    return prefix + 'major'
  }

  if (v1.minor !== v2.minor) {
    return prefix + 'minor'
  }

  if (v1.patch !== v2.patch) {
    return prefix + 'patch'
  }

  // high and low are prereleases
  return 'prerelease'
}

module.exports = diff


/***/ }),

/***/ 5082:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const eq = (a, b, loose) => compare(a, b, loose) === 0
module.exports = eq


/***/ }),

/***/ 6599:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const gt = (a, b, loose) => compare(a, b, loose) > 0
module.exports = gt


/***/ }),

/***/ 1236:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const gte = (a, b, loose) => compare(a, b, loose) >= 0
module.exports = gte


/***/ }),

/***/ 2338:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)

const inc = (version, release, options, identifier, identifierBase) => {
  if (typeof (options) === 'string') {
    identifierBase = identifier
    identifier = options
    options = undefined
  }

  try {
    return new SemVer(
      version instanceof SemVer ? version.version : version,
      options
    ).inc(release, identifier, identifierBase).version
  } catch (er) {
    return null
  }
}
module.exports = inc


/***/ }),

/***/ 3872:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const lt = (a, b, loose) => compare(a, b, loose) < 0
module.exports = lt


/***/ }),

/***/ 6717:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const lte = (a, b, loose) => compare(a, b, loose) <= 0
module.exports = lte


/***/ }),

/***/ 8511:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const major = (a, loose) => new SemVer(a, loose).major
module.exports = major


/***/ }),

/***/ 2603:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const minor = (a, loose) => new SemVer(a, loose).minor
module.exports = minor


/***/ }),

/***/ 4974:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const neq = (a, b, loose) => compare(a, b, loose) !== 0
module.exports = neq


/***/ }),

/***/ 6353:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const parse = (version, options, throwErrors = false) => {
  if (version instanceof SemVer) {
    return version
  }
  try {
    return new SemVer(version, options)
  } catch (er) {
    if (!throwErrors) {
      return null
    }
    throw er
  }
}

module.exports = parse


/***/ }),

/***/ 8756:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const patch = (a, loose) => new SemVer(a, loose).patch
module.exports = patch


/***/ }),

/***/ 5714:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const prerelease = (version, options) => {
  const parsed = parse(version, options)
  return (parsed && parsed.prerelease.length) ? parsed.prerelease : null
}
module.exports = prerelease


/***/ }),

/***/ 2173:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(8469)
const rcompare = (a, b, loose) => compare(b, a, loose)
module.exports = rcompare


/***/ }),

/***/ 7192:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compareBuild = __nccwpck_require__(7648)
const rsort = (list, loose) => list.sort((a, b) => compareBuild(b, a, loose))
module.exports = rsort


/***/ }),

/***/ 8011:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const satisfies = (version, range, options) => {
  try {
    range = new Range(range, options)
  } catch (er) {
    return false
  }
  return range.test(version)
}
module.exports = satisfies


/***/ }),

/***/ 9872:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compareBuild = __nccwpck_require__(7648)
const sort = (list, loose) => list.sort((a, b) => compareBuild(a, b, loose))
module.exports = sort


/***/ }),

/***/ 6114:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const constants = __nccwpck_require__(5101)
const SemVer = __nccwpck_require__(7163)

const truncate = (version, truncation, options) => {
  if (!constants.RELEASE_TYPES.includes(truncation)) {
    return null
  }

  const clonedVersion = cloneInputVersion(version, options)
  return clonedVersion && doTruncation(clonedVersion, truncation)
}

const cloneInputVersion = (version, options) => {
  const versionStringToParse = (
    version instanceof SemVer ? version.version : version
  )

  return parse(versionStringToParse, options)
}

const doTruncation = (version, truncation) => {
  if (isPrerelease(truncation)) {
    return version.version
  }

  version.prerelease = []

  switch (truncation) {
    case 'major':
      version.minor = 0
      version.patch = 0
      break
    case 'minor':
      version.patch = 0
      break
  }

  return version.format()
}

const isPrerelease = (type) => {
  return type.startsWith('pre')
}

module.exports = truncate


/***/ }),

/***/ 8780:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(6353)
const valid = (version, options) => {
  const v = parse(version, options)
  return v ? v.version : null
}
module.exports = valid


/***/ }),

/***/ 2088:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// just pre-load all the stuff that index.js lazily exports
const internalRe = __nccwpck_require__(5471)
const constants = __nccwpck_require__(5101)
const SemVer = __nccwpck_require__(7163)
const identifiers = __nccwpck_require__(3348)
const parse = __nccwpck_require__(6353)
const valid = __nccwpck_require__(8780)
const clean = __nccwpck_require__(1799)
const inc = __nccwpck_require__(2338)
const diff = __nccwpck_require__(711)
const major = __nccwpck_require__(8511)
const minor = __nccwpck_require__(2603)
const patch = __nccwpck_require__(8756)
const prerelease = __nccwpck_require__(5714)
const compare = __nccwpck_require__(8469)
const rcompare = __nccwpck_require__(2173)
const compareLoose = __nccwpck_require__(6874)
const compareBuild = __nccwpck_require__(7648)
const sort = __nccwpck_require__(9872)
const rsort = __nccwpck_require__(7192)
const gt = __nccwpck_require__(6599)
const lt = __nccwpck_require__(3872)
const eq = __nccwpck_require__(5082)
const neq = __nccwpck_require__(4974)
const gte = __nccwpck_require__(1236)
const lte = __nccwpck_require__(6717)
const cmp = __nccwpck_require__(8646)
const coerce = __nccwpck_require__(5385)
const truncate = __nccwpck_require__(6114)
const Comparator = __nccwpck_require__(9379)
const Range = __nccwpck_require__(6782)
const satisfies = __nccwpck_require__(8011)
const toComparators = __nccwpck_require__(4750)
const maxSatisfying = __nccwpck_require__(3193)
const minSatisfying = __nccwpck_require__(8595)
const minVersion = __nccwpck_require__(1866)
const validRange = __nccwpck_require__(4737)
const outside = __nccwpck_require__(280)
const gtr = __nccwpck_require__(2276)
const ltr = __nccwpck_require__(5213)
const intersects = __nccwpck_require__(3465)
const simplifyRange = __nccwpck_require__(2028)
const subset = __nccwpck_require__(1489)
module.exports = {
  parse,
  valid,
  clean,
  inc,
  diff,
  major,
  minor,
  patch,
  prerelease,
  compare,
  rcompare,
  compareLoose,
  compareBuild,
  sort,
  rsort,
  gt,
  lt,
  eq,
  neq,
  gte,
  lte,
  cmp,
  coerce,
  truncate,
  Comparator,
  Range,
  satisfies,
  toComparators,
  maxSatisfying,
  minSatisfying,
  minVersion,
  validRange,
  outside,
  gtr,
  ltr,
  intersects,
  simplifyRange,
  subset,
  SemVer,
  re: internalRe.re,
  src: internalRe.src,
  tokens: internalRe.t,
  SEMVER_SPEC_VERSION: constants.SEMVER_SPEC_VERSION,
  RELEASE_TYPES: constants.RELEASE_TYPES,
  compareIdentifiers: identifiers.compareIdentifiers,
  rcompareIdentifiers: identifiers.rcompareIdentifiers,
}


/***/ }),

/***/ 5101:
/***/ ((module) => {



// Note: this is the semver.org version of the spec that it implements
// Not necessarily the package version of this code.
const SEMVER_SPEC_VERSION = '2.0.0'

const MAX_LENGTH = 256
const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER ||
/* istanbul ignore next */ 9007199254740991

// Max safe segment length for coercion.
const MAX_SAFE_COMPONENT_LENGTH = 16

// Max safe length for a build identifier. The max length minus 6 characters for
// the shortest version with a build 0.0.0+BUILD.
const MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6

// ECMAScript whitespace and line terminators matched by \s.
const WHITESPACE_CHARACTERS = [
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u2001',
  '\u2002',
  '\u2003',
  '\u2004',
  '\u2005',
  '\u2006',
  '\u2007',
  '\u2008',
  '\u2009',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
]

const RELEASE_TYPES = [
  'major',
  'premajor',
  'minor',
  'preminor',
  'patch',
  'prepatch',
  'prerelease',
]

module.exports = {
  MAX_LENGTH,
  MAX_SAFE_COMPONENT_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  MAX_SAFE_INTEGER,
  WHITESPACE_CHARACTERS,
  RELEASE_TYPES,
  SEMVER_SPEC_VERSION,
  FLAG_INCLUDE_PRERELEASE: 0b001,
  FLAG_LOOSE: 0b010,
}


/***/ }),

/***/ 1159:
/***/ ((module) => {



const debug = (
  typeof process === 'object' &&
  process.env &&
  process.env.NODE_DEBUG &&
  /\bsemver\b/i.test(process.env.NODE_DEBUG)
) ? (...args) => console.error('SEMVER', ...args)
  : () => {}

module.exports = debug


/***/ }),

/***/ 3348:
/***/ ((module) => {



const numeric = /^[0-9]+$/
const compareIdentifiers = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b ? 0 : a < b ? -1 : 1
  }

  const anum = numeric.test(a)
  const bnum = numeric.test(b)

  if (anum && bnum) {
    a = +a
    b = +b
  }

  return a === b ? 0
    : (anum && !bnum) ? -1
    : (bnum && !anum) ? 1
    : a < b ? -1
    : 1
}

const rcompareIdentifiers = (a, b) => compareIdentifiers(b, a)

module.exports = {
  compareIdentifiers,
  rcompareIdentifiers,
}


/***/ }),

/***/ 1383:
/***/ ((module) => {



class LRUCache {
  constructor () {
    this.max = 1000
    this.map = new Map()
  }

  get (key) {
    const value = this.map.get(key)
    if (value === undefined) {
      return undefined
    } else {
      // Remove the key from the map and add it to the end
      this.map.delete(key)
      this.map.set(key, value)
      return value
    }
  }

  delete (key) {
    return this.map.delete(key)
  }

  set (key, value) {
    const deleted = this.delete(key)

    if (!deleted && value !== undefined) {
      // If cache is full, delete the least recently used item
      if (this.map.size >= this.max) {
        const firstKey = this.map.keys().next().value
        this.delete(firstKey)
      }

      this.map.set(key, value)
    }

    return this
  }
}

module.exports = LRUCache


/***/ }),

/***/ 356:
/***/ ((module) => {



// parse out just the options we care about
const looseOption = Object.freeze({ loose: true })
const emptyOpts = Object.freeze({ })
const parseOptions = options => {
  if (!options) {
    return emptyOpts
  }

  if (typeof options !== 'object') {
    return looseOption
  }

  return options
}
module.exports = parseOptions


/***/ }),

/***/ 5471:
/***/ ((module, exports, __nccwpck_require__) => {



const {
  MAX_SAFE_COMPONENT_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  MAX_LENGTH,
} = __nccwpck_require__(5101)
const debug = __nccwpck_require__(1159)
exports = module.exports = {}

// The actual regexps go on exports.re
const re = exports.re = []
const safeRe = exports.safeRe = []
const src = exports.src = []
const safeSrc = exports.safeSrc = []
const t = exports.t = {}
let R = 0

const LETTERDASHNUMBER = '[a-zA-Z0-9-]'

// Replace some greedy regex tokens to prevent regex dos issues. These regex are
// used internally via the safeRe object since all inputs in this library get
// normalized first to trim and collapse all extra whitespace. The original
// regexes are exported for userland consumption and lower level usage. A
// future breaking change could export the safer regex only with a note that
// all input should have extra whitespace removed.
const safeRegexReplacements = [
  ['\\s', 1],
  ['\\d', MAX_LENGTH],
  [LETTERDASHNUMBER, MAX_SAFE_BUILD_LENGTH],
]

const makeSafeRegex = (value) => {
  for (const [token, max] of safeRegexReplacements) {
    value = value
      .split(`${token}*`).join(`${token}{0,${max}}`)
      .split(`${token}+`).join(`${token}{1,${max}}`)
  }
  return value
}

const createToken = (name, value, isGlobal) => {
  const safe = makeSafeRegex(value)
  const index = R++
  debug(name, index, value)
  t[name] = index
  src[index] = value
  safeSrc[index] = safe
  re[index] = new RegExp(value, isGlobal ? 'g' : undefined)
  safeRe[index] = new RegExp(safe, isGlobal ? 'g' : undefined)
}

// The following Regular Expressions can be used for tokenizing,
// validating, and parsing SemVer version strings.

// ## Numeric Identifier
// A single `0`, or a non-zero digit followed by zero or more digits.

createToken('NUMERICIDENTIFIER', '0|[1-9]\\d*')
createToken('NUMERICIDENTIFIERLOOSE', '\\d+')

// ## Non-numeric Identifier
// Zero or more digits, followed by a letter or hyphen, and then zero or
// more letters, digits, or hyphens.

createToken('NONNUMERICIDENTIFIER', `\\d*[a-zA-Z-]${LETTERDASHNUMBER}*`)

// ## Main Version
// Three dot-separated numeric identifiers.

createToken('MAINVERSION', `(${src[t.NUMERICIDENTIFIER]})\\.` +
                   `(${src[t.NUMERICIDENTIFIER]})\\.` +
                   `(${src[t.NUMERICIDENTIFIER]})`)

createToken('MAINVERSIONLOOSE', `(${src[t.NUMERICIDENTIFIERLOOSE]})\\.` +
                        `(${src[t.NUMERICIDENTIFIERLOOSE]})\\.` +
                        `(${src[t.NUMERICIDENTIFIERLOOSE]})`)

// ## Pre-release Version Identifier
// A numeric identifier, or a non-numeric identifier.
// Non-numeric identifiers include numeric identifiers but can be longer.
// Therefore non-numeric identifiers must go first.

createToken('PRERELEASEIDENTIFIER', `(?:${src[t.NONNUMERICIDENTIFIER]
}|${src[t.NUMERICIDENTIFIER]})`)

createToken('PRERELEASEIDENTIFIERLOOSE', `(?:${src[t.NONNUMERICIDENTIFIER]
}|${src[t.NUMERICIDENTIFIERLOOSE]})`)

// ## Pre-release Version
// Hyphen, followed by one or more dot-separated pre-release version
// identifiers.

createToken('PRERELEASE', `(?:-(${src[t.PRERELEASEIDENTIFIER]
}(?:\\.${src[t.PRERELEASEIDENTIFIER]})*))`)

createToken('PRERELEASELOOSE', `(?:-?(${src[t.PRERELEASEIDENTIFIERLOOSE]
}(?:\\.${src[t.PRERELEASEIDENTIFIERLOOSE]})*))`)

// ## Build Metadata Identifier
// Any combination of digits, letters, or hyphens.

createToken('BUILDIDENTIFIER', `${LETTERDASHNUMBER}+`)

// ## Build Metadata
// Plus sign, followed by one or more period-separated build metadata
// identifiers.

createToken('BUILD', `(?:\\+(${src[t.BUILDIDENTIFIER]
}(?:\\.${src[t.BUILDIDENTIFIER]})*))`)

// ## Full Version String
// A main version, followed optionally by a pre-release version and
// build metadata.

// Note that the only major, minor, patch, and pre-release sections of
// the version string are capturing groups.  The build metadata is not a
// capturing group, because it should not ever be used in version
// comparison.

createToken('FULLPLAIN', `v?${src[t.MAINVERSION]
}${src[t.PRERELEASE]}?${
  src[t.BUILD]}?`)

createToken('FULL', `^${src[t.FULLPLAIN]}$`)

// like full, but allows v1.2.3 and =1.2.3, which people do sometimes.
// also, 1.0.0alpha1 (prerelease without the hyphen) which is pretty
// common in the npm registry.
createToken('LOOSEPLAIN', `[v=\\s]*${src[t.MAINVERSIONLOOSE]
}${src[t.PRERELEASELOOSE]}?${
  src[t.BUILD]}?`)

createToken('LOOSE', `^${src[t.LOOSEPLAIN]}$`)

createToken('GTLT', '((?:<|>)?=?)')

// Something like "2.*" or "1.2.x".
// Note that "x.x" is a valid xRange identifier, meaning "any version"
// Only the first item is strictly required.
createToken('XRANGEIDENTIFIERLOOSE', `${src[t.NUMERICIDENTIFIERLOOSE]}|x|X|\\*`)
createToken('XRANGEIDENTIFIER', `${src[t.NUMERICIDENTIFIER]}|x|X|\\*`)

createToken('XRANGEPLAIN', `[v=\\s]*(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:\\.(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:\\.(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:${src[t.PRERELEASE]})?${
                     src[t.BUILD]}?` +
                   `)?)?`)

createToken('XRANGEPLAINLOOSE', `[v=\\s]*(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:\\.(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:\\.(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:${src[t.PRERELEASELOOSE]})?${
                          src[t.BUILD]}?` +
                        `)?)?`)

createToken('XRANGE', `^${src[t.GTLT]}\\s*${src[t.XRANGEPLAIN]}$`)
createToken('XRANGELOOSE', `^${src[t.GTLT]}\\s*${src[t.XRANGEPLAINLOOSE]}$`)

// Coercion.
// Extract anything that could conceivably be a part of a valid semver
createToken('COERCEPLAIN', `${'(^|[^\\d])' +
              '(\\d{1,'}${MAX_SAFE_COMPONENT_LENGTH}})` +
              `(?:\\.(\\d{1,${MAX_SAFE_COMPONENT_LENGTH}}))?` +
              `(?:\\.(\\d{1,${MAX_SAFE_COMPONENT_LENGTH}}))?`)
createToken('COERCE', `${src[t.COERCEPLAIN]}(?:$|[^\\d])`)
createToken('COERCEFULL', src[t.COERCEPLAIN] +
              `(?:${src[t.PRERELEASE]})?` +
              `(?:${src[t.BUILD]})?` +
              `(?:$|[^\\d])`)
createToken('COERCERTL', src[t.COERCE], true)
createToken('COERCERTLFULL', src[t.COERCEFULL], true)

// Tilde ranges.
// Meaning is "reasonably at or greater than"
createToken('LONETILDE', '(?:~>?)')

createToken('TILDETRIM', `(\\s*)${src[t.LONETILDE]}\\s+`, true)
exports.tildeTrimReplace = '$1~'

createToken('TILDE', `^${src[t.LONETILDE]}${src[t.XRANGEPLAIN]}$`)
createToken('TILDELOOSE', `^${src[t.LONETILDE]}${src[t.XRANGEPLAINLOOSE]}$`)

// Caret ranges.
// Meaning is "at least and backwards compatible with"
createToken('LONECARET', '(?:\\^)')

createToken('CARETTRIM', `(\\s*)${src[t.LONECARET]}\\s+`, true)
exports.caretTrimReplace = '$1^'

createToken('CARET', `^${src[t.LONECARET]}${src[t.XRANGEPLAIN]}$`)
createToken('CARETLOOSE', `^${src[t.LONECARET]}${src[t.XRANGEPLAINLOOSE]}$`)

// A simple gt/lt/eq thing, or just "" to indicate "any version"
createToken('COMPARATORLOOSE', `^${src[t.GTLT]}\\s*(${src[t.LOOSEPLAIN]})$|^$`)
createToken('COMPARATOR', `^${src[t.GTLT]}\\s*(${src[t.FULLPLAIN]})$|^$`)

// An expression to strip any whitespace between the gtlt and the thing
// it modifies, so that `> 1.2.3` ==> `>1.2.3`
createToken('COMPARATORTRIM', `(\\s*)${src[t.GTLT]
}\\s*(${src[t.LOOSEPLAIN]}|${src[t.XRANGEPLAIN]})`, true)
exports.comparatorTrimReplace = '$1$2$3'

// Something like `1.2.3 - 1.2.4`
// Note that these all use the loose form, because they'll be
// checked against either the strict or loose comparator form
// later.
createToken('HYPHENRANGE', `^\\s*(${src[t.XRANGEPLAIN]})` +
                   `\\s+-\\s+` +
                   `(${src[t.XRANGEPLAIN]})` +
                   `\\s*$`)

createToken('HYPHENRANGELOOSE', `^\\s*(${src[t.XRANGEPLAINLOOSE]})` +
                        `\\s+-\\s+` +
                        `(${src[t.XRANGEPLAINLOOSE]})` +
                        `\\s*$`)

// Star ranges basically just allow anything at all.
createToken('STAR', '(<|>)?=?\\s*\\*')
// >=0.0.0 is like a star
createToken('GTE0', '^\\s*>=\\s*0\\.0\\.0\\s*$')
createToken('GTE0PRE', '^\\s*>=\\s*0\\.0\\.0-0\\s*$')


/***/ }),

/***/ 9737:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

// @ts-check


// Reproduce safeRe[COMPARATORTRIM] replacement boundaries, not version
// validation. Each end-index finder returns an exclusive end, or its start
// on no match.
// Positions count from zero. An end of 3 means characters 0, 1, and 2 were read;
// range.slice(start, end) gives the matched text, not a converted number.
const {
  MAX_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  WHITESPACE_CHARACTERS,
} = __nccwpck_require__(5101)

/**
 * Remembers the last two rows of digits so their characters need not be reread.
 * Positions start at -1 until a row has been found.
 *
 * @typedef {object} DigitRunCache
 * @property {number} start The first character of the most recently found row.
 * @property {number} end The position after that row's last character.
 * @property {number} previousStart The first character of the previous row.
 * @property {number} previousEnd The position after the previous row.
 */

// One entry per UTF-16 code unit keeps membership checks constant-time.
const whitespace = new Uint8Array(0x10000)
for (const char of WHITESPACE_CHARACTERS) {
  whitespace[char.charCodeAt(0)] = 1
}

/**
 * Checks whether a character is whitespace, like a space, tab, or newline.
 * Looking past the end of the string returns false.
 *
 * @param {string|undefined} char One character, or undefined past the string's end.
 * @returns {boolean} Whether the character is whitespace.
 * @example isWhitespace(' ') // true
 * @example isWhitespace('1') // false
 */
const isWhitespace = char =>
  char !== undefined && whitespace[char.charCodeAt(0)] === 1

/**
 * Checks for v, =, or whitespace before the version number.
 * These are historical version prefixes, not range operators:
 * < and > are handled separately, as are tilde and caret ranges.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character can belong to a version prefix.
 * @example isVersionPrefix('=') // true
 * @example isVersionPrefix('>') // false
 */
const isVersionPrefix = char =>
  char === 'v' ||
  char === '=' ||
  isWhitespace(char)

/**
 * Checks whether a character is one of the digits 0 through 9.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character is an ASCII digit.
 * @example isDigit('7') // true
 * @example isDigit('.') // false
 */
const isDigit = char => char !== undefined && char >= '0' && char <= '9'

/**
 * Checks whether a character is an English letter, uppercase or lowercase.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character is an ASCII letter.
 * @example isLetter('b') // true
 * @example isLetter('7') // false
 */
const isLetter = char =>
  char !== undefined && (
    (char >= 'a' && char <= 'z') ||
    (char >= 'A' && char <= 'Z')
  )

/**
 * Checks for a letter, digit, or hyphen: the characters allowed inside
 * prerelease and build names such as beta-1.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character can be part of an identifier.
 * @example isIdentifierCharacter('-') // true
 * @example isIdentifierCharacter('.') // false; dots separate identifiers
 */
const isIdentifierCharacter = char => isDigit(char) || isLetter(char) || char === '-'

/**
 * Checks whether a version component can begin here: with a digit or
 * a wildcard such as x, X, or *.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether a number or wildcard can start with this character.
 * @example isVersionStart('x') // true
 * @example isVersionStart('v') // false; v belongs to the prefix
 */
const isVersionStart = char =>
  isDigit(char) ||
  char === 'x' ||
  char === 'X' ||
  char === '*'

/**
 * Finds the end of a row of digits, but returns no more than limit digits.
 * Remembers the last two rows so looking at them again does not reread them.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of the first character to check.
 * @param {number} limit The most digit characters the returned match can include.
 * @param {DigitRunCache} digitRuns Shared cache of digit-run positions, updated in place.
 * @returns {number} The position after the matched digits, or start if none match.
 * @example findDigitsEndIndex('123abc', 0, 10, digitRuns) // 3, pointing at a
 * @example findDigitsEndIndex('123abc', 0, 2, digitRuns) // 2, pointing at the unread 3
 */
const findDigitsEndIndex = (range, start, limit, digitRuns) => {
  if (!isDigit(range[start])) {
    return start
  }
  if (start >= digitRuns.start && start < digitRuns.end) {
    return Math.min(start + limit, digitRuns.end)
  }
  if (start >= digitRuns.previousStart && start < digitRuns.previousEnd) {
    return Math.min(start + limit, digitRuns.previousEnd)
  }
  let end = start + 1
  while (isDigit(range[end])) {
    end++
  }
  // A failed full version can rewind from its second run to its first.
  digitRuns.previousStart = digitRuns.start
  digitRuns.previousEnd = digitRuns.end
  digitRuns.start = start
  digitRuns.end = end
  return Math.min(start + limit, end)
}

/**
 * Reads a number using the old regex's length and leading-zero rules.
 * Strict mode reads just the first zero in 012; loose mode can read all three.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the number should begin.
 * @param {boolean} loose Whether to allow leading zeros.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched digits, not their numeric value.
 * @example findVersionNumberEndIndex('012', 0, false, digitRuns) // 1
 * @example findVersionNumberEndIndex('012', 0, true, digitRuns) // 3
 */
const findVersionNumberEndIndex = (range, start, loose, digitRuns) => {
  if (!loose && range[start] === '0') {
    return start + 1
  }
  // Strict syntax allows an initial nonzero digit plus MAX_LENGTH digits.
  return findDigitsEndIndex(range, start, loose ? MAX_LENGTH : MAX_LENGTH + 1, digitRuns)
}

/**
 * Reads one piece of a prerelease name, such as beta or 1 in beta.1.
 * Tries the letter-or-hyphen form first, then the number-only form.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the identifier should begin.
 * @param {boolean} loose Whether numeric identifiers may have leading zeros.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the identifier, or start if none matches.
 * @example findPrereleaseIdentifierEndIndex('beta.1', 0, false, digitRuns) // 4, at the dot
 * @example findPrereleaseIdentifierEndIndex('001beta', 0, false, digitRuns) // 7
 */
const findPrereleaseIdentifierEndIndex = (range, start, loose, digitRuns) => {
  const digitsEnd = findDigitsEndIndex(range, start, MAX_LENGTH, digitRuns)
  // The legacy regex tries a nonnumeric identifier before a numeric one.
  if (isLetter(range[digitsEnd]) || range[digitsEnd] === '-') {
    let end = digitsEnd + 1
    const limit = end + MAX_SAFE_BUILD_LENGTH
    while (end < limit && isIdentifierCharacter(range[end])) {
      end++
    }
    return end
  }
  return findVersionNumberEndIndex(range, start, loose, digitRuns)
}

/**
 * Reads a prerelease suffix such as -beta.1, one dot-separated piece at a time.
 * Loose mode also allows the name without its opening hyphen.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the suffix should begin, including -.
 * @param {boolean} loose Whether the opening hyphen is optional and zeros allowed.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched suffix, or start if absent.
 * @example findPrereleaseEndIndex('-beta.1+sha', 0, false, digitRuns) // 7, at the plus
 * @example findPrereleaseEndIndex('beta', 0, false, digitRuns) // 0; no opening hyphen
 */
const findPrereleaseEndIndex = (range, start, loose, digitRuns) => {
  const hyphen = range[start] === '-'
  if (!loose && !hyphen) {
    return start
  }
  const identifierStart = start + (hyphen ? 1 : 0)
  let end = findPrereleaseIdentifierEndIndex(range, identifierStart, loose, digitRuns)
  if (end === identifierStart) {
    if (!loose || !hyphen) {
      return start
    }
    // In loose syntax, a lone hyphen can itself be the identifier.
    end = findPrereleaseIdentifierEndIndex(range, start, loose, digitRuns)
  }
  while (range[end] === '.') {
    const next = findPrereleaseIdentifierEndIndex(range, end + 1, loose, digitRuns)
    if (next === end + 1) {
      break
    }
    end = next
  }
  return end
}

/**
 * Reads one build-name piece, such as sha or 123 in +sha.123.
 * Stops at a disallowed character or the old regex's length limit.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the identifier should begin.
 * @returns {number} The position after the identifier, or start if none matches.
 * @example findBuildIdentifierEndIndex('sha.123', 0) // 3, at the dot
 * @example findBuildIdentifierEndIndex('001', 0) // 3; leading zeros are allowed
 */
const findBuildIdentifierEndIndex = (range, start) => {
  let end = start
  while (end - start < MAX_SAFE_BUILD_LENGTH && isIdentifierCharacter(range[end])) {
    end++
  }
  return end
}

/**
 * Reads optional build metadata such as +sha.123.
 * Leaves the position unchanged if there is no plus sign followed by a name.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the opening + should be.
 * @returns {number} The position after the matched metadata, or start if absent.
 * @example findBuildEndIndex('+sha.123 <2', 0) // 8, at the space
 * @example findBuildEndIndex('+', 0) // 0; a plus sign alone is not a match
 */
const findBuildEndIndex = (range, start) => {
  if (range[start] !== '+') {
    return start
  }
  let end = findBuildIdentifierEndIndex(range, start + 1)
  if (end === start + 1) {
    return start
  }
  while (range[end] === '.') {
    const next = findBuildIdentifierEndIndex(range, end + 1)
    if (next === end + 1) {
      break
    }
    end = next
  }
  return end
}

/**
 * Reads three numbers separated by dots, then any prerelease and build suffixes.
 * Uses loose rules, so forms such as 01.02.03beta can match here.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of the first number, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the version match, or start if none matches.
 * @example findLooseFullVersionEndIndex('1.2.3-beta+sha <2', 0, digitRuns) // 14
 * @example findLooseFullVersionEndIndex('1.2', 0, digitRuns) // 0; needs three numbers
 */
const findLooseFullVersionEndIndex = (range, start, digitRuns) => {
  let end = start
  for (let component = 0; component < 3; component++) {
    const next = findVersionNumberEndIndex(range, end, true, digitRuns)
    if (next === end) {
      return start
    }
    end = next
    if (component < 2) {
      if (range[end] !== '.') {
        return start
      }
      end++
    }
  }
  const prereleaseEnd = findPrereleaseEndIndex(range, end, true, digitRuns)
  return findBuildEndIndex(range, prereleaseEnd)
}

/**
 * Reads one component of a partial or wildcard version, such as 2 or x in 2.x.
 * Numbers use strict leading-zero rules; wildcards take up one character.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the component should begin.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the component, or start if none matches.
 * @example findPartialVersionComponentEndIndex('2.x', 0, digitRuns) // 1, at the dot
 * @example findPartialVersionComponentEndIndex('2.x', 2, digitRuns) // 3, after x
 */
const findPartialVersionComponentEndIndex = (range, start, digitRuns) => {
  if (isDigit(range[start])) {
    return findVersionNumberEndIndex(range, start, false, digitRuns)
  }
  return isVersionStart(range[start]) ? start + 1 : start
}

/**
 * Reads up to three components, allowing forms such as 1, 1.2, or 1.x.
 * After the third component, also reads any strict prerelease and build suffixes.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of a number or wildcard, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched version text.
 * @example findPartialVersionEndIndex('1.x <2', 0, digitRuns) // 3, at the space
 * @example findPartialVersionEndIndex('1.', 0, digitRuns) // 1; the trailing dot is unread
 */
const findPartialVersionEndIndex = (range, start, digitRuns) => {
  let end = findPartialVersionComponentEndIndex(range, start, digitRuns)
  for (let component = 0; component < 2; component++) {
    if (range[end] !== '.') {
      return end
    }
    const next = findPartialVersionComponentEndIndex(range, end + 1, digitRuns)
    if (next === end + 1) {
      return end
    }
    end = next
  }
  const prereleaseEnd = findPrereleaseEndIndex(range, end, false, digitRuns)
  return findBuildEndIndex(range, prereleaseEnd)
}

/**
 * Finds where a version match ends, without deciding whether the range is valid.
 * Tries a loose full version first, then a partial or wildcard version, just
 * like the old regex's LOOSEPLAIN and XRANGEPLAIN alternatives.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of a number or wildcard, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position where scanning the next candidate can resume.
 * @example findVersionEndIndex('1.2.3 <2', 0, digitRuns) // 5, at the space
 * @example findVersionEndIndex('1.x <2', 0, digitRuns) // 3, at the space
 */
const findVersionEndIndex = (range, start, digitRuns) => {
  const fullVersionEnd = findLooseFullVersionEndIndex(range, start, digitRuns)
  return fullVersionEnd !== start
    ? fullVersionEnd
    : findPartialVersionEndIndex(range, start, digitRuns)
}

/**
 * Finds the one whitespace character the old replacement would remove.
 * Keeps leading whitespace, skips an optional operator, and checks immediately
 * after it. Returns -1 if there is nothing to remove.
 *
 * @param {string} range The text containing a candidate already found by the caller.
 * @param {number} matchStart The candidate's position, including leading whitespace.
 * @returns {number} The position of the removable whitespace, or -1 if absent.
 * @example findRemovableWhitespaceIndex(' > 1', 0) // 2; keep the space at position 0
 * @example findRemovableWhitespaceIndex('>1', 0) // -1
 */
const findRemovableWhitespaceIndex = (range, matchStart) => {
  let position = matchStart
  if (isWhitespace(range[position])) {
    position++
  }
  if (range[position] === '<' || range[position] === '>') {
    position++
  }
  if (range[position] === '=') {
    position++
  }
  return isWhitespace(range[position]) ? position : -1
}

/**
 * Joins an operator to its version, turning > 1.2.3 into >1.2.3.
 * Copies everything else according to the old regex's matching rules.
 * Moves forward through prefixes and whole versions to avoid repeatedly
 * searching the same characters on long inputs.
 *
 * @param {string} range The range text to process; the original string is unchanged.
 * @returns {string} The range with matched operator whitespace removed.
 * @example trimComparatorWhitespace('> 1.2.3 < 2') // '>1.2.3 <2'
 * @example trimComparatorWhitespace('> invalid') // '> invalid'
 */
const trimComparatorWhitespace = range => {
  let result = ''
  let copyFrom = 0
  let cursor = 0
  const digitRuns = { start: -1, end: -1, previousStart: -1, previousEnd: -1 }

  while (cursor < range.length) {
    const matchStart = cursor
    if (range[cursor] === '<' || range[cursor] === '>') {
      cursor++
    } else if (!isVersionPrefix(range[cursor]) && !isVersionStart(range[cursor])) {
      cursor++
      continue
    }

    // Consume a v/=/whitespace run once, even when no version follows it.
    while (cursor < range.length && isVersionPrefix(range[cursor])) {
      cursor++
    }
    if (!isVersionStart(range[cursor])) {
      continue
    }

    const whitespacePosition = findRemovableWhitespaceIndex(range, matchStart)
    if (whitespacePosition !== -1) {
      result += range.slice(copyFrom, whitespacePosition)
      copyFrom = whitespacePosition + 1
    }

    // Skip the entire match, so a prerelease's trailing v cannot be
    // reconsidered as the prefix of another version.
    cursor = findVersionEndIndex(range, cursor, digitRuns)
  }

  return result + range.slice(copyFrom)
}

module.exports = trimComparatorWhitespace


/***/ }),

/***/ 2276:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// Determine if version is greater than all the versions possible in the range.
const outside = __nccwpck_require__(280)
const gtr = (version, range, options) => outside(version, range, '>', options)
module.exports = gtr


/***/ }),

/***/ 3465:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const intersects = (r1, r2, options) => {
  r1 = new Range(r1, options)
  r2 = new Range(r2, options)
  return r1.intersects(r2, options)
}
module.exports = intersects


/***/ }),

/***/ 5213:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const outside = __nccwpck_require__(280)
// Determine if version is less than all the versions possible in the range
const ltr = (version, range, options) => outside(version, range, '<', options)
module.exports = ltr


/***/ }),

/***/ 3193:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)

const maxSatisfying = (versions, range, options) => {
  let max = null
  let maxSV = null
  let rangeObj = null
  try {
    rangeObj = new Range(range, options)
  } catch (er) {
    return null
  }
  versions.forEach((v) => {
    if (rangeObj.test(v)) {
      // satisfies(v, range, options)
      if (!max || maxSV.compare(v) === -1) {
        // compare(max, v, true)
        max = v
        maxSV = new SemVer(max, options)
      }
    }
  })
  return max
}
module.exports = maxSatisfying


/***/ }),

/***/ 8595:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)
const minSatisfying = (versions, range, options) => {
  let min = null
  let minSV = null
  let rangeObj = null
  try {
    rangeObj = new Range(range, options)
  } catch (er) {
    return null
  }
  versions.forEach((v) => {
    if (rangeObj.test(v)) {
      // satisfies(v, range, options)
      if (!min || minSV.compare(v) === 1) {
        // compare(min, v, true)
        min = v
        minSV = new SemVer(min, options)
      }
    }
  })
  return min
}
module.exports = minSatisfying


/***/ }),

/***/ 1866:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Range = __nccwpck_require__(6782)
const gt = __nccwpck_require__(6599)

const minVersion = (range, loose) => {
  range = new Range(range, loose)

  let minver = new SemVer('0.0.0')
  if (range.test(minver)) {
    return minver
  }

  minver = new SemVer('0.0.0-0')
  if (range.test(minver)) {
    return minver
  }

  minver = null
  for (let i = 0; i < range.set.length; ++i) {
    const comparators = range.set[i]

    let setMin = null
    comparators.forEach((comparator) => {
      // Clone to avoid manipulating the comparator's semver object.
      const compver = new SemVer(comparator.semver.version)
      switch (comparator.operator) {
        case '>':
          if (compver.prerelease.length === 0) {
            compver.patch++
          } else {
            compver.prerelease.push(0)
          }
          compver.raw = compver.format()
          /* fallthrough */
        case '':
        case '>=':
          if (!setMin || gt(compver, setMin)) {
            setMin = compver
          }
          break
        case '<':
        case '<=':
          /* Ignore maximum versions */
          break
        /* istanbul ignore next */
        default:
          throw new Error(`Unexpected operation: ${comparator.operator}`)
      }
    })
    if (setMin && (!minver || gt(minver, setMin))) {
      minver = setMin
    }
  }

  if (minver && range.test(minver)) {
    return minver
  }

  return null
}
module.exports = minVersion


/***/ }),

/***/ 280:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(7163)
const Comparator = __nccwpck_require__(9379)
const { ANY } = Comparator
const Range = __nccwpck_require__(6782)
const satisfies = __nccwpck_require__(8011)
const gt = __nccwpck_require__(6599)
const lt = __nccwpck_require__(3872)
const lte = __nccwpck_require__(6717)
const gte = __nccwpck_require__(1236)

const outside = (version, range, hilo, options) => {
  version = new SemVer(version, options)
  range = new Range(range, options)

  let gtfn, ltefn, ltfn, comp, ecomp
  switch (hilo) {
    case '>':
      gtfn = gt
      ltefn = lte
      ltfn = lt
      comp = '>'
      ecomp = '>='
      break
    case '<':
      gtfn = lt
      ltefn = gte
      ltfn = gt
      comp = '<'
      ecomp = '<='
      break
    default:
      throw new TypeError('Must provide a hilo val of "<" or ">"')
  }

  // If it satisfies the range it is not outside
  if (satisfies(version, range, options)) {
    return false
  }

  // From now on, variable terms are as if we're in "gtr" mode.
  // but note that everything is flipped for the "ltr" function.

  for (let i = 0; i < range.set.length; ++i) {
    const comparators = range.set[i]

    let high = null
    let low = null

    comparators.forEach((comparator) => {
      if (comparator.semver === ANY) {
        comparator = new Comparator('>=0.0.0')
      }
      high = high || comparator
      low = low || comparator
      if (gtfn(comparator.semver, high.semver, options)) {
        high = comparator
      } else if (ltfn(comparator.semver, low.semver, options)) {
        low = comparator
      }
    })

    // If the edge version comparator has a operator then our version
    // isn't outside it
    if (high.operator === comp || high.operator === ecomp) {
      return false
    }

    // If the lowest version comparator has an operator and our version
    // is less than it then it isn't higher than the range
    if ((!low.operator || low.operator === comp) &&
        ltefn(version, low.semver)) {
      return false
    } else if (low.operator === ecomp && ltfn(version, low.semver)) {
      return false
    }
  }
  return true
}

module.exports = outside


/***/ }),

/***/ 2028:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// given a set of versions and a range, create a "simplified" range
// that includes the same versions that the original range does
// If the original range is shorter than the simplified one, return that.
const satisfies = __nccwpck_require__(8011)
const compare = __nccwpck_require__(8469)
module.exports = (versions, range, options) => {
  const set = []
  let first = null
  let prev = null
  const v = versions.sort((a, b) => compare(a, b, options))
  for (const version of v) {
    const included = satisfies(version, range, options)
    if (included) {
      prev = version
      if (!first) {
        first = version
      }
    } else {
      if (prev) {
        set.push([first, prev])
      }
      prev = null
      first = null
    }
  }
  if (first) {
    set.push([first, null])
  }

  const ranges = []
  for (const [min, max] of set) {
    if (min === max) {
      ranges.push(min)
    } else if (!max && min === v[0]) {
      ranges.push('*')
    } else if (!max) {
      ranges.push(`>=${min}`)
    } else if (min === v[0]) {
      ranges.push(`<=${max}`)
    } else {
      ranges.push(`${min} - ${max}`)
    }
  }
  const simplified = ranges.join(' || ')
  const original = typeof range.raw === 'string' ? range.raw : String(range)
  return simplified.length < original.length ? simplified : range
}


/***/ }),

/***/ 1489:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const Comparator = __nccwpck_require__(9379)
const { ANY } = Comparator
const satisfies = __nccwpck_require__(8011)
const compare = __nccwpck_require__(8469)

// Complex range `r1 || r2 || ...` is a subset of `R1 || R2 || ...` iff:
// - Every simple range `r1, r2, ...` is a null set, OR
// - Every simple range `r1, r2, ...` which is not a null set is a subset of
//   some `R1, R2, ...`
//
// Simple range `c1 c2 ...` is a subset of simple range `C1 C2 ...` iff:
// - If c is only the ANY comparator
//   - If C is only the ANY comparator, return true
//   - Else if in prerelease mode, return false
//   - else replace c with `[>=0.0.0]`
// - If C is only the ANY comparator
//   - if in prerelease mode, return true
//   - else replace C with `[>=0.0.0]`
// - Let EQ be the set of = comparators in c
// - If EQ is more than one, return true (null set)
// - Let GT be the highest > or >= comparator in c
// - Let LT be the lowest < or <= comparator in c
// - If GT and LT, and GT.semver > LT.semver, return true (null set)
// - If any C is a = range, and GT or LT are set, return false
// - If EQ
//   - If GT, and EQ does not satisfy GT, return true (null set)
//   - If LT, and EQ does not satisfy LT, return true (null set)
//   - If EQ satisfies every C, return true
//   - Else return false
// - If GT
//   - If GT.semver is lower than any > or >= comp in C, return false
//   - If GT is >=, and GT.semver does not satisfy every C, return false
//   - If GT.semver has a prerelease, and not in prerelease mode
//     - If no C has a prerelease and the GT.semver tuple, return false
// - If LT
//   - If LT.semver is greater than any < or <= comp in C, return false
//   - If LT is <=, and LT.semver does not satisfy every C, return false
//   - If LT.semver has a prerelease, and not in prerelease mode
//     - If no C has a prerelease and the LT.semver tuple, return false
// - Else return true

const subset = (sub, dom, options = {}) => {
  if (sub === dom) {
    return true
  }

  sub = new Range(sub, options)
  dom = new Range(dom, options)
  let sawNonNull = false

  OUTER: for (const simpleSub of sub.set) {
    for (const simpleDom of dom.set) {
      const isSub = simpleSubset(simpleSub, simpleDom, options)
      sawNonNull = sawNonNull || isSub !== null
      if (isSub) {
        continue OUTER
      }
    }
    // the null set is a subset of everything, but null simple ranges in
    // a complex range should be ignored.  so if we saw a non-null range,
    // then we know this isn't a subset, but if EVERY simple range was null,
    // then it is a subset.
    if (sawNonNull) {
      return false
    }
  }
  return true
}

const minimumVersionWithPreRelease = [new Comparator('>=0.0.0-0')]
const minimumVersion = [new Comparator('>=0.0.0')]

const simpleSubset = (sub, dom, options) => {
  if (sub === dom) {
    return true
  }

  if (sub.length === 1 && sub[0].semver === ANY) {
    if (dom.length === 1 && dom[0].semver === ANY) {
      return true
    } else if (options.includePrerelease) {
      sub = minimumVersionWithPreRelease
    } else {
      sub = minimumVersion
    }
  }

  if (dom.length === 1 && dom[0].semver === ANY) {
    if (options.includePrerelease) {
      return true
    } else {
      dom = minimumVersion
    }
  }

  const eqSet = new Set()
  let gt, lt
  for (const c of sub) {
    if (c.operator === '>' || c.operator === '>=') {
      gt = higherGT(gt, c, options)
    } else if (c.operator === '<' || c.operator === '<=') {
      lt = lowerLT(lt, c, options)
    } else {
      eqSet.add(c.semver)
    }
  }

  if (eqSet.size > 1) {
    return null
  }

  let gtltComp
  if (gt && lt) {
    gtltComp = compare(gt.semver, lt.semver, options)
    if (gtltComp > 0) {
      return null
    } else if (gtltComp === 0 && (gt.operator !== '>=' || lt.operator !== '<=')) {
      return null
    }
  }

  // will iterate one or zero times
  for (const eq of eqSet) {
    if (gt && !satisfies(eq, String(gt), options)) {
      return null
    }

    if (lt && !satisfies(eq, String(lt), options)) {
      return null
    }

    for (const c of dom) {
      if (!satisfies(eq, String(c), options)) {
        return false
      }
    }

    return true
  }

  let higher, lower
  let hasDomLT, hasDomGT
  // if the subset has a prerelease, we need a comparator in the superset
  // with the same tuple and a prerelease, or it's not a subset
  let needDomLTPre = lt &&
    !options.includePrerelease &&
    lt.semver.prerelease.length ? lt.semver : false
  let needDomGTPre = gt &&
    !options.includePrerelease &&
    gt.semver.prerelease.length ? gt.semver : false
  // exception: <1.2.3-0 is the same as <1.2.3
  if (needDomLTPre && needDomLTPre.prerelease.length === 1 &&
      lt.operator === '<' && needDomLTPre.prerelease[0] === 0) {
    needDomLTPre = false
  }

  for (const c of dom) {
    hasDomGT = hasDomGT || c.operator === '>' || c.operator === '>='
    hasDomLT = hasDomLT || c.operator === '<' || c.operator === '<='
    if (gt) {
      if (needDomGTPre) {
        if (c.semver.prerelease && c.semver.prerelease.length &&
            c.semver.major === needDomGTPre.major &&
            c.semver.minor === needDomGTPre.minor &&
            c.semver.patch === needDomGTPre.patch) {
          needDomGTPre = false
        }
      }
      if (c.operator === '>' || c.operator === '>=') {
        higher = higherGT(gt, c, options)
        if (higher === c && higher !== gt) {
          return false
        }
      } else if (gt.operator === '>=' && !c.test(gt.semver)) {
        return false
      }
    }
    if (lt) {
      if (needDomLTPre) {
        if (c.semver.prerelease && c.semver.prerelease.length &&
            c.semver.major === needDomLTPre.major &&
            c.semver.minor === needDomLTPre.minor &&
            c.semver.patch === needDomLTPre.patch) {
          needDomLTPre = false
        }
      }
      if (c.operator === '<' || c.operator === '<=') {
        lower = lowerLT(lt, c, options)
        if (lower === c && lower !== lt) {
          return false
        }
      } else if (lt.operator === '<=' && !c.test(lt.semver)) {
        return false
      }
    }
    if (!c.operator && (lt || gt) && gtltComp !== 0) {
      return false
    }
  }

  // if there was a < or >, and nothing in the dom, then must be false
  // UNLESS it was limited by another range in the other direction.
  // Eg, >1.0.0 <1.0.1 is still a subset of <2.0.0
  if (gt && hasDomLT && !lt && gtltComp !== 0) {
    return false
  }

  if (lt && hasDomGT && !gt && gtltComp !== 0) {
    return false
  }

  // we needed a prerelease range in a specific tuple, but didn't get one
  // then this isn't a subset.  eg >=1.2.3-pre is not a subset of >=1.0.0,
  // because it includes prereleases in the 1.2.3 tuple
  if (needDomGTPre || needDomLTPre) {
    return false
  }

  return true
}

// >=1.2.3 is lower than >1.2.3
const higherGT = (a, b, options) => {
  if (!a) {
    return b
  }
  const comp = compare(a.semver, b.semver, options)
  return comp > 0 ? a
    : comp < 0 ? b
    : b.operator === '>' && a.operator === '>=' ? b
    : a
}

// <=1.2.3 is higher than <1.2.3
const lowerLT = (a, b, options) => {
  if (!a) {
    return b
  }
  const comp = compare(a.semver, b.semver, options)
  return comp < 0 ? a
    : comp > 0 ? b
    : b.operator === '<' && a.operator === '<=' ? b
    : a
}

module.exports = subset


/***/ }),

/***/ 4750:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)

// Mostly just for testing and legacy API reasons
const toComparators = (range, options) =>
  new Range(range, options).set
    .map(comp => comp.map(c => c.value).join(' ').trim().split(' '))

module.exports = toComparators


/***/ }),

/***/ 4737:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(6782)
const validRange = (range, options) => {
  try {
    // Return '*' instead of '' so that truthiness works.
    // This will throw if it's invalid anyway
    return new Range(range, options).range || '*'
  } catch (er) {
    return null
  }
}
module.exports = validRange


/***/ }),

/***/ 9383:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// How many requests are in flight: fixed, or adaptive (`concurrency: auto`), in the way of the adaptive
// limiters of service meshes (AIMD on a latency gradient, with probes judged by throughput). Each window
// (two rounds of the limit, counting only requests started under it) compares its median latency with the
// lowest seen: grown to twice that, down by a fifth. Otherwise, when every slot was busy, a probe one step
// up; if the next window answers no more requests per second, the probe is taken back and a fifth more
// (the latency was the load: a queue at the server). A 429, 503 or timeout halves it at once (once per
// window). Until the first back-off it doubles while the latency stays flat (TCP's slow start). Never above
// the ceiling, never below 1: a Nexus that slows down under load sees fewer requests.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AdaptiveLimiter = void 0;
const concurrency_1 = __nccwpck_require__(1532);
const GROWTH = 2; // a window median this many times the unloaded latency means a queue is building
const FLAT = 1.3; // within this factor the latency is flat: room for more
class AdaptiveLimiter {
    opts;
    slots;
    peak;
    baseline = Number.POSITIVE_INFINITY;
    window = [];
    windowStart = 0;
    /** When the limit last changed: a request started before it says nothing about the new limit. */
    changedAt = Number.NEGATIVE_INFINITY;
    /** Completions per ms of the last window, and whether the limit was raised before it. */
    lastRate = 0;
    raisedFrom;
    saturated = false;
    droppedThisWindow = false;
    backoffs = 0;
    /** Like TCP's slow start: double while there is headroom, until the first sign of trouble. */
    slowStart = true;
    min;
    now;
    constructor(opts) {
        this.opts = opts;
        this.min = Math.max(1, opts.min ?? 1);
        this.slots = new concurrency_1.Limiter(Math.max(this.min, Math.min(opts.initial, opts.max)));
        this.peak = this.slots.size;
        this.now = opts.now ?? (() => performance.now());
    }
    get limit() {
        return this.slots.size;
    }
    report() {
        return {
            adaptive: this.opts.adaptive,
            settled: this.slots.size,
            peak: this.peak,
            ceiling: this.opts.adaptive ? this.opts.max : this.slots.size,
            backoffs: this.backoffs
        };
    }
    /** Runs `fn` within the limit; `outcome` says whether its answer was an overload (429, 503, timeout). */
    run(fn, outcome = () => 'ok') {
        return this.slots.run(async () => {
            // every slot in use (this one included): the limit, not the caller, sets the pace
            if (this.slots.full)
                this.saturated = true;
            const t0 = this.now();
            let result;
            let error;
            try {
                result = await fn();
                return result;
            }
            catch (e) {
                error = e;
                throw e;
            }
            finally {
                this.record(this.now() - t0, outcome(result, error));
            }
        });
    }
    backOff(n) {
        this.backoffs++;
        this.slowStart = false;
        this.setLimit(n);
    }
    setLimit(n) {
        const size = Math.max(this.min, Math.min(this.opts.max, n));
        if (size !== this.slots.size)
            this.changedAt = this.now();
        this.slots.resize(size);
        this.peak = Math.max(this.peak, this.slots.size);
    }
    record(ms, outcome) {
        if (!this.opts.adaptive)
            return;
        if (outcome === 'overload') {
            if (!this.droppedThisWindow) {
                this.backOff(Math.floor(this.slots.size / 2));
                this.droppedThisWindow = true;
            }
            return;
        }
        const at = this.now();
        if (at - ms < this.changedAt)
            return;
        if (this.window.length === 0)
            this.windowStart = at - ms;
        this.window.push(ms);
        // two rounds of the limit: enough answers that the rate of one window can be told from the last's
        if (this.window.length < Math.max(8, 2 * this.slots.size))
            return;
        const sorted = [...this.window].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)] ?? ms;
        const rate = this.window.length / Math.max(1, at - this.windowStart);
        this.baseline = Math.min(this.baseline, median);
        const raisedFrom = this.raisedFrom;
        this.raisedFrom = undefined;
        if (this.droppedThisWindow) {
            // the window that saw an overload does not also count as headroom
        }
        else if (median > this.baseline * GROWTH) {
            this.backOff(Math.floor(this.slots.size * 0.8));
        }
        else if (raisedFrom !== undefined && rate < this.lastRate * 1.05) {
            // More in flight bought no more answers per second: the latency grew with the load (a queue at the
            // server). Go back below where it was.
            this.backOff(Math.floor(raisedFrom * (this.slowStart ? 1 : 0.8)));
        }
        else if (this.saturated && this.slots.size < this.opts.max) {
            // A probe: one step up, judged by the next window's rate. Doubling only while the latency is flat and
            // nothing has gone wrong yet. (At the ceiling there is nothing to raise, and no raise to judge.)
            this.raisedFrom = this.slots.size;
            const double = this.slowStart && median <= this.baseline * FLAT;
            this.setLimit(double ? this.slots.size * 2 : this.slots.size + Math.max(1, Math.floor(this.slots.size / 8)));
        }
        this.lastRate = rate;
        // The unloaded latency may rise for good (a slower path): follow it slowly, so one quiet moment
        // does not make every later window look overloaded.
        if (median > this.baseline)
            this.baseline += (median - this.baseline) * 0.02;
        this.window = [];
        this.saturated = this.slots.full;
        this.droppedThisWindow = false;
    }
}
exports.AdaptiveLimiter = AdaptiveLimiter;


/***/ }),

/***/ 3839:
/***/ ((__unused_webpack_module, exports) => {


// The seam between the engine and a kind of server. A backend lists, reads and deletes; it never decides.
// Only execute.ts calls `delete`, `recheck` and `confirm`, and never in a dry run.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.PartialDeleteError = void 0;
/** A per-tag delete (Nexus components) that removed some tags of a manifest, then failed. */
class PartialDeleteError extends Error {
    deletedTags;
    constructor(message, deletedTags) {
        super(message);
        this.deletedTags = deletedTags;
        this.name = 'PartialDeleteError';
    }
}
exports.PartialDeleteError = PartialDeleteError;


/***/ }),

/***/ 6136:
/***/ ((__unused_webpack_module, exports) => {


// Byte counts as people read them (1024-based units): the report, the logs and the reclaim notes.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.formatBytes = formatBytes;
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
/** Binary units with at most one decimal: `512 B`, `1.5 MiB`, `2 GiB`. */
function formatBytes(n) {
    if (!Number.isFinite(n))
        return String(n);
    if (n < 0)
        return `-${formatBytes(-n)}`;
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
        value /= 1024;
        unit++;
    }
    if (unit === 0)
        return `${Math.round(value)} B`;
    let text = value.toFixed(1);
    // 1023.96 KiB rounds to "1024.0": show it as the next unit instead.
    if (Number(text) >= 1024 && unit < UNITS.length - 1) {
        unit++;
        text = (Number(text) / 1024).toFixed(1);
    }
    return `${text.replace(/\.0$/, '')} ${UNITS[unit]}`;
}


/***/ }),

/***/ 7391:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The CLI's flags: the action's inputs of the same names plus a few switches, read with node:util
// parseArgs (its tokens, so that booleans take a value or none, --no-X negates, and a flag given twice with
// different meanings is an error instead of last-one-wins).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.UsageError = void 0;
exports.parseArgs = parseArgs;
exports.parseMergeArgs = parseMergeArgs;
exports.helpText = helpText;
const node_util_1 = __nccwpck_require__(7975);
const inputs_1 = __nccwpck_require__(8422);
class UsageError extends Error {
}
exports.UsageError = UsageError;
const SWITCHES = [
    { name: 'delete', boolean: true, help: 'Really delete: the same as --dry-run=false (or --no-dry-run).' },
    { name: 'password-stdin', boolean: true, help: 'Read the password from standard input.' },
    { name: 'password-env', boolean: false, usage: '--password-env VAR', help: 'Read the password from environment variable VAR.' },
    { name: 'json', boolean: true, help: 'Print the JSON report instead of the table.' },
    { name: 'verbose', short: 'v', boolean: true, help: 'Debug logging on stderr.' },
    { name: 'help', short: 'h', boolean: true, help: 'This text.' },
    { name: 'version', boolean: true, help: 'The version.' }
];
/** Every input is a flag of the same name, but the password (it would show in the process list). */
const FLAG_INPUTS = inputs_1.INPUTS.filter(i => i.name !== 'password');
const BY_NAME = new Map([...FLAG_INPUTS.map(i => [i.name, i]), ...SWITCHES.map(s => [s.name, s])]);
function isBoolean(spec) {
    return spec.boolean === true;
}
function booleanValue(flag, raw) {
    const v = raw.toLowerCase();
    if (v !== 'true' && v !== 'false')
        throw new UsageError(`${flag} accepts true or false (got ${JSON.stringify(raw)})`);
    return v;
}
function parseArgs(argv) {
    const options = Object.fromEntries([...BY_NAME.values()].map(spec => [
        spec.name,
        { type: isBoolean(spec) ? 'boolean' : 'string', ...('short' in spec && spec.short ? { short: spec.short } : {}) }
    ]));
    const { tokens } = (0, node_util_1.parseArgs)({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    // What each setting was given as, to refuse a second flag that says otherwise.
    const given = new Map();
    const values = new Map();
    const set = (key, value, flag, list = false) => {
        const before = given.get(key);
        if (list) {
            values.set(key, values.has(key) ? `${values.get(key)}\n${value}` : value); // --images a --images b == a,b
        }
        else if (before && before.value !== value) {
            throw new UsageError(`${flag} conflicts with ${before.flag}: give one of them`);
        }
        else {
            values.set(key, value);
        }
        given.set(key, { value, flag: before && list ? before.flag : flag });
    };
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (!t || t.kind === 'option-terminator')
            continue;
        if (t.kind === 'positional')
            throw new UsageError(`unknown option ${t.value} (see --help)`);
        const { rawName } = t;
        const display = t.inlineValue ? `${rawName}=${t.value ?? ''}` : rawName;
        if (t.name === 'password') {
            throw new UsageError('--password is not accepted (it would show in the process list): use --password-stdin or --password-env VAR');
        }
        const negated = t.name.startsWith('no-') ? BY_NAME.get(t.name.slice(3)) : undefined;
        if (negated && isBoolean(negated) && rawName.startsWith('--')) {
            if (t.inlineValue)
                throw new UsageError(`${rawName} takes no value`);
            set(negated.name === 'delete' ? 'dry-run' : negated.name, negated.name === 'delete' ? 'true' : 'false', rawName);
            continue;
        }
        const spec = BY_NAME.get(t.name); // parseArgs names a known short flag (-v) by its long name
        if (!spec)
            throw new UsageError(`unknown option ${rawName} (see --help)`);
        if (isBoolean(spec)) {
            let value = 'true';
            if (t.inlineValue)
                value = booleanValue(rawName, t.value ?? '');
            else {
                // `--run-cleanup-tasks true` reads as the action's input does; a next word other than true/false is not ours.
                const next = tokens[i + 1];
                if (next?.kind === 'positional' && /^(true|false)$/i.test(next.value)) {
                    value = next.value.toLowerCase();
                    i++;
                }
            }
            if (spec.name === 'delete')
                set('dry-run', value === 'true' ? 'false' : 'true', display);
            else
                set(spec.name, value, display);
            continue;
        }
        if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))) {
            throw new UsageError(`${rawName} needs a value${t.value ? ` (got the option ${t.value}; write ${rawName}=VALUE for a value that starts with -)` : ''}`);
        }
        set(spec.name, t.value, display, 'list' in spec && spec.list === true);
    }
    const flag = (name) => values.get(name) === 'true';
    const inputs = {};
    for (const i of FLAG_INPUTS) {
        const v = values.get(i.name);
        if (v !== undefined)
            inputs[i.name] = v;
    }
    const passwordEnv = values.get('password-env');
    return {
        inputs,
        passwordStdin: flag('password-stdin'),
        ...(passwordEnv !== undefined ? { passwordEnv } : {}),
        json: flag('json'),
        verbose: flag('verbose'),
        help: flag('help'),
        version: flag('version')
    };
}
const MERGE_USAGE = 'merge-reports FILE... [--json] [--report-file FILE]';
/** `merge-reports FILE... [--json] [--report-file FILE]`, read with node:util parseArgs (strict). */
function parseMergeArgs(argv) {
    let parsed;
    try {
        parsed = (0, node_util_1.parseArgs)({ args: argv, options: { json: { type: 'boolean' }, 'report-file': { type: 'string' } }, allowPositionals: true, strict: true });
    }
    catch (e) {
        throw new UsageError(`merge-reports: ${e.message} (${MERGE_USAGE})`);
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0)
        throw new UsageError(`merge-reports needs one or more report files (${MERGE_USAGE})`);
    const reportFile = values['report-file'];
    if (reportFile === '')
        throw new UsageError('--report-file needs a value');
    return { files: positionals, json: values.json === true, ...(reportFile !== undefined ? { reportFile } : {}) };
}
/** `text` cut into lines of at most `width` characters, at spaces. */
function wrap(text, width) {
    const lines = [];
    let line = '';
    for (const word of text.split(/\s+/)) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        }
        else
            line = line ? `${line} ${word}` : word;
    }
    if (line)
        lines.push(line);
    return lines;
}
/** --help, aligned to `width` columns (the terminal's, or 100 when piped). */
function helpText(version, width = 100) {
    const rows = [];
    for (const i of FLAG_INPUTS) {
        const usage = i.boolean ? `--${i.name}` : `--${i.name} VALUE`;
        rows.push([usage, i.description + (i.default ? ` [default: ${i.default}]` : '')]);
    }
    for (const s of SWITCHES)
        rows.push([s.usage ?? `${s.short ? `-${s.short}, ` : ''}--${s.name}`, s.help]);
    const left = Math.max(...rows.map(([u]) => u.length)) + 4;
    const right = Math.max(24, width - left);
    const out = [
        `nexus-image-lifecycle ${version}: keep the newest Docker images in Nexus 3 or an OCI registry, delete the rest.`,
        '',
        'Usage: nexus-image-lifecycle --host URL [options]   (a dry run unless --delete or --dry-run=false)',
        'Or:    nexus-image-lifecycle merge-reports FILE... [--json] [--report-file FILE]   (the JSON reports of a sharded run as one)',
        '',
        'Options (the GitHub Action inputs of the same names). A true/false option alone means true;',
        'it also takes =true, =false or a following true/false, and --no-NAME means false.'
    ];
    for (const [usage, text] of rows) {
        const [first = '', ...rest] = wrap(text, right);
        out.push(`  ${usage.padEnd(left - 2)}${first}`, ...rest.map(l => ' '.repeat(left) + l));
    }
    out.push('', 'Exit status: 0 done, 1 something failed (see the report), 2 bad usage or input.');
    return out.join('\n');
}


/***/ }),

/***/ 5581:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The CLI door, for cron and other CI systems: the action's inputs as flags, the same engine, the
// report as a terminal table on stdout. Exit 0 = done, 1 = something failed, 2 = bad usage.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.UsageError = exports.parseArgs = exports.helpText = void 0;
exports.main = main;
const node_fs_1 = __nccwpck_require__(3024);
const config_1 = __nccwpck_require__(2973);
const cli_args_1 = __nccwpck_require__(7391);
const merged_run_1 = __nccwpck_require__(3043);
const merge_1 = __nccwpck_require__(3278);
const log_1 = __nccwpck_require__(5625);
const report_1 = __nccwpck_require__(665);
const streamed_run_1 = __nccwpck_require__(1370);
const version_1 = __nccwpck_require__(311);
var cli_args_2 = __nccwpck_require__(7391);
Object.defineProperty(exports, "helpText", ({ enumerable: true, get: function () { return cli_args_2.helpText; } }));
Object.defineProperty(exports, "parseArgs", ({ enumerable: true, get: function () { return cli_args_2.parseArgs; } }));
Object.defineProperty(exports, "UsageError", ({ enumerable: true, get: function () { return cli_args_2.UsageError; } }));
/** `merge-reports FILE... [--json] [--report-file F]`: the shards' reports as one, no server asked. */
function mergeCommand(argv) {
    const { files, json, reportFile } = (0, cli_args_1.parseMergeArgs)(argv);
    return printMerged((0, merge_1.mergeReports)(files.map(merge_1.readReportFile)), json, reportFile);
}
/** The report as a table; `written`: where the JSON report went, when it did. */
function table(report, written) {
    // On a terminal, the table fits its width (free-text columns are cut); piped, nothing is cut.
    const tty = process.stdout.isTTY === true;
    const fullList = written ? `full list in ${written}` : 'add --report-file FILE or --json for the full list';
    return (0, report_1.renderTerminal)(report, { color: tty, fullList, ...(tty && process.stdout.columns ? { width: process.stdout.columns } : {}) });
}
function printMerged(report, json, reportFile) {
    const text = (0, report_1.reportJson)(report);
    const reportError = reportFile ? (0, streamed_run_1.writeReportText)(reportFile, text) : undefined;
    if (reportError)
        process.stderr.write(`error: ${reportError}\n`);
    process.stdout.write((json ? text : table(report, reportFile && !reportError ? reportFile : undefined)) + '\n');
    return report.failures.length > 0 || reportError ? 1 : 0;
}
async function main(argv) {
    if (argv[0] === 'merge-reports') {
        try {
            return mergeCommand(argv.slice(1));
        }
        catch (e) {
            process.stderr.write(`error: ${e.message}\n`);
            return e instanceof cli_args_1.UsageError ? 2 : 1;
        }
    }
    let args;
    try {
        args = (0, cli_args_1.parseArgs)(argv);
    }
    catch (e) {
        process.stderr.write(`error: ${e.message}\n`);
        return 2;
    }
    if (args.help) {
        process.stdout.write((0, cli_args_1.helpText)(version_1.VERSION, process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100) + '\n');
        return 0;
    }
    if (args.version) {
        process.stdout.write(version_1.VERSION + '\n');
        return 0;
    }
    let password = '';
    if (args.passwordEnv) {
        password = process.env[args.passwordEnv] ?? '';
        if (!password) {
            process.stderr.write(`error: --password-env ${args.passwordEnv}: the variable is empty or unset\n`);
            return 2;
        }
    }
    else if (args.passwordStdin) {
        password = (0, node_fs_1.readFileSync)(0, 'utf8').replace(/\r?\n$/, '');
    }
    const log = (0, log_1.consoleLogger)(args.verbose);
    try {
        const cfg = (0, config_1.parseConfig)(name => (name === 'password' ? password : args.inputs[name]));
        if (cfg.mergeReports.length > 0)
            return printMerged(await (0, merged_run_1.runMerged)(cfg, { log, version: version_1.VERSION }), args.json, cfg.reportFile);
        const streamed = await (0, streamed_run_1.runStreamed)(cfg, { log, version: version_1.VERSION }, Boolean(cfg.reportFile) || args.json);
        const { report, spool } = streamed;
        const reportError = (0, streamed_run_1.writeReportFile)(streamed, cfg);
        const reportFailed = reportError !== undefined;
        if (reportError)
            process.stderr.write(`error: ${reportError}\n`);
        try {
            if (spool && args.json)
                await spool.writeStream(report.summary, process.stdout);
            else
                process.stdout.write(table(report, reportFailed ? undefined : cfg.reportFile));
            process.stdout.write('\n');
        }
        finally {
            spool?.dispose();
        }
        return report.summary.failures.length > 0 || reportFailed ? 1 : 0;
    }
    catch (e) {
        process.stderr.write(`error: ${e.message}\n`);
        return e instanceof config_1.ConfigError ? 2 : 1;
    }
}


/***/ }),

/***/ 5344:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.compareStrings = compareStrings;
// One string order for sorting digests, tags and names: by UTF-16 code unit, the same on every machine
// (localeCompare depends on the runtime's locale data).
function compareStrings(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}


/***/ }),

/***/ 1532:
/***/ ((__unused_webpack_module, exports) => {


// A counting semaphore and ordered parallel maps: how many requests and images are in flight at once.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Limiter = void 0;
exports.mapLimit = mapLimit;
exports.mapOrdered = mapOrdered;
class Limiter {
    limit;
    active = 0;
    waiting = [];
    constructor(limit) {
        this.limit = limit;
    }
    get size() {
        return this.limit;
    }
    /** Every slot is taken: a caller now waits (or just took the last one). */
    get full() {
        return this.active >= this.limit;
    }
    /** A new size: a larger one starts waiting callers at once; a smaller one lets running ones finish. */
    resize(size) {
        this.limit = size;
        this.dispatch();
    }
    async run(fn) {
        await this.acquire();
        try {
            return await fn();
        }
        finally {
            this.active--;
            this.dispatch();
        }
    }
    acquire() {
        if (this.active < this.limit) {
            this.active++;
            return Promise.resolve();
        }
        return new Promise(resolve => this.waiting.push(resolve));
    }
    dispatch() {
        while (this.active < this.limit && this.waiting.length > 0) {
            this.active++;
            this.waiting.shift()?.();
        }
    }
}
exports.Limiter = Limiter;
/** Map with at most `size` callbacks in flight; results keep input order. */
async function mapLimit(items, size, fn) {
    const out = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i], i);
        }
    });
    await Promise.all(workers);
    return out;
}
/**
 * Runs `fn` over `items` with at most `size` in flight and hands each result to `emit` in input order,
 * as soon as it and every earlier one are done. An item starts only within `size * 2` of the oldest
 * unemitted one, so a slow item holds back a bounded number of finished results, not all of them.
 */
async function mapOrdered(items, size, fn, emit) {
    const window = Math.max(1, size) * 2;
    const done = new Map();
    let next = 0;
    let emitted = 0;
    let wake = [];
    const flush = () => {
        while (done.has(emitted)) {
            const r = done.get(emitted);
            done.delete(emitted);
            emit(r, emitted++);
        }
        const waiting = wake;
        wake = [];
        for (const w of waiting)
            w();
    };
    const worker = async () => {
        while (next < items.length) {
            if (next >= emitted + window) {
                await new Promise(resolve => wake.push(resolve));
                continue;
            }
            const i = next++;
            done.set(i, await fn(items[i], i));
            flush();
        }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, size), items.length) }, worker));
}


/***/ }),

/***/ 1171:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The `rules` input (or `rules-file`): YAML, a list of rules, each with `images` and any of the policy
// inputs it may set. Every error names the rule (its index and images), the field and the line.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RULE_FIELDS = void 0;
exports.parseRules = parseRules;
// Loaded on first use: most runs have no rules, and evaluating yaml is about a sixth of the CLI's start-up.
let loaded;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = () => (loaded ??= __nccwpck_require__(8815));
exports.RULE_FIELDS = [
    'images',
    'exclude-images',
    'keep',
    'keep-other',
    'keep-per',
    'keep-lines',
    'older-than',
    'age-basis',
    'sort',
    'tags',
    'keep-tags',
    'delete-tags'
];
const LIST_FIELDS = new Set(['images', 'exclude-images', 'tags', 'keep-tags', 'delete-tags']);
/** A list field as the input's own form: a YAML list becomes lines, a string stays as written (comma form). */
function scalarText(value) {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}
function fieldText(node, list) {
    if (yaml().isScalar(node))
        return scalarText(node.value);
    if (!list || !yaml().isSeq(node))
        return undefined;
    const items = node.items.map(i => (yaml().isScalar(i) ? scalarText(i.value) : undefined));
    return items.every(i => i !== undefined) ? items.join('\n') : undefined;
}
function parseRules(text, p) {
    const lines = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const lineOf = (node) => lines.linePos(node?.range?.[0] ?? 0).line;
    const first = doc.errors[0];
    if (first) {
        const line = lines.linePos(first.pos[0]).line;
        throw p.error(`line ${line}`, text.split('\n')[line - 1]?.trim() ?? '', `YAML: ${first.message.split('\n')[0] ?? ''}`);
    }
    const root = doc.contents;
    if (root === null || (yaml().isScalar(root) && root.value === null))
        return [];
    if (!yaml().isSeq(root))
        throw p.error(`line ${lineOf(root)}`, String(doc.toJS()).slice(0, 60), 'a YAML list of rules (- images: …)');
    return root.items.map((item, i) => {
        const index = i + 1;
        const node = item;
        if (!yaml().isMap(node))
            throw p.error(`rule ${index}, line ${lineOf(node)}`, String(yaml().isScalar(node) ? node.value : ''), 'a map of fields (images, keep, …)');
        const values = new Map();
        for (const pair of node.items) {
            const key = yaml().isScalar(pair.key) ? String(pair.key.value) : '';
            const line = lineOf(pair.key);
            if (!exports.RULE_FIELDS.includes(key)) {
                throw p.error(`rule ${index}, line ${line}`, key, `one of the fields ${exports.RULE_FIELDS.join(', ')}`);
            }
            const value = fieldText(pair.value, LIST_FIELDS.has(key));
            if (value === undefined)
                throw p.error(`rule ${index}, line ${line}, field ${key}`, '', LIST_FIELDS.has(key) ? 'a list or a comma-separated string' : 'a value');
            values.set(key, { text: value, line });
        }
        const images = values.get('images');
        const label = images ? `rule ${index} (images: ${images.text.split('\n').join(', ')})` : `rule ${index}`;
        if (!images)
            throw p.error(`${label}, line ${lineOf(node)}`, '', 'an images field: the globs of the images the rule is for');
        // Each field through the validator of the input of the same name, its error placed in the rule.
        const field = (key, parse) => {
            const v = values.get(key);
            if (!v)
                return undefined;
            try {
                return parse(v.text);
            }
            catch (e) {
                throw p.within(`${label}, line ${v.line}, field ${key}`, e);
            }
        };
        const set = {};
        const assign = (k, v) => {
            if (v !== undefined)
                set[k] = v;
        };
        assign('keep', field('keep', t => p.wholeNumber(t, 'keep', 1, 100_000)));
        assign('keepOther', field('keep-other', t => p.wholeNumber(t, 'keep-other', 1, 100_000)));
        assign('keepPer', field('keep-per', t => p.oneOf(t, 'keep-per', ['none', 'major', 'minor'])));
        assign('keepLines', field('keep-lines', t => p.wholeNumber(t, 'keep-lines', 1, 10_000)));
        assign('olderThan', field('older-than', t => p.olderThan(t, 'older-than')));
        assign('ageBasis', field('age-basis', t => p.oneOf(t, 'age-basis', ['pushed', 'created', 'last-pulled'])));
        assign('sort', field('sort', t => p.oneOf(t, 'sort', ['semver', 'date'])));
        assign('tags', field('tags', t => p.globs(t, 'tags')));
        assign('keepTags', field('keep-tags', t => p.globs(t, 'keep-tags')));
        assign('deleteTags', field('delete-tags', t => p.globs(t, 'delete-tags')));
        const imageGlobs = field('images', t => p.globs(t, 'images')) ?? [];
        if (imageGlobs.length === 0)
            throw p.error(`${label}, line ${images.line}, field images`, images.text, 'one or more globs');
        return { index, images: imageGlobs, excludeImages: field('exclude-images', t => p.globs(t, 'exclude-images')) ?? [], set };
    });
}


/***/ }),

/***/ 2973:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Inputs -> validated Config. Every bad value fails here, before any request, with one line that names the
// input and what it accepts.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ConfigError = void 0;
exports.parseConfig = parseConfig;
exports.securityWarnings = securityWarnings;
exports.list = list;
exports.globs = globs;
exports.oneOf = oneOf;
exports.wholeNumber = wholeNumber;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __nccwpck_require__(6760);
const duration_1 = __nccwpck_require__(7607);
const glob_1 = __nccwpck_require__(5601);
const inputs_1 = __nccwpck_require__(8422);
const config_rules_1 = __nccwpck_require__(1171);
const references_1 = __nccwpck_require__(653);
const shard_1 = __nccwpck_require__(7903);
class ConfigError extends Error {
    /** `where` places the value inside the input (a field of a rule). */
    constructor(input, value, accepted, where) {
        const shown = value.length > 80 ? value.slice(0, 77) + '...' : value;
        super(`Invalid input '${input}'${where ? ` (${where})` : ''}: ${JSON.stringify(shown)}. Expected ${accepted}.`);
        this.name = 'ConfigError';
    }
    /** Another input's validation error, placed inside `input` (a rule's field is validated as its input). */
    static within(input, where, e) {
        if (!(e instanceof ConfigError))
            return e;
        const err = new ConfigError(input, '', '', where);
        err.message = e.message.replace(/^Invalid input '[^']+': /, `Invalid input '${input}' (${where}): `);
        return err;
    }
}
exports.ConfigError = ConfigError;
/**
 * Inputs that are lists. Given, but empty or only separators (`keep-tags: ','`, `images: ''`), one of
 * them is refused rather than read as "nothing protected" or "every image": a list is left out to get
 * its default.
 */
const LIST_INPUTS = new Set(inputs_1.INPUTS.filter(i => i.list).map(i => i.name));
function parseConfig(read) {
    const get = (name) => {
        const spec = inputs_1.INPUTS.find(i => i.name === name);
        if (!spec)
            throw new Error(`internal: unknown input ${name}`);
        const given = read(name);
        const v = (given ?? '').trim();
        if (given !== undefined && LIST_INPUTS.has(name) && list(v).length === 0 && (v !== '' || spec.default !== '')) {
            throw new ConfigError(name, given, `one or more ${name === 'repository' ? 'repository names' : 'globs'}${spec.default ? ` (leave the input out for its default, ${spec.default})` : ''}`);
        }
        return v === '' ? spec.default : v;
    };
    const api = oneOf(get('api'), 'api', ['nexus', 'registry']);
    const host = parseUrl(get('host'), 'host');
    const repositories = list(get('repository'));
    if (api === 'nexus' && repositories.length === 0) {
        throw new ConfigError('repository', '', 'one or more Nexus Docker repository names (required with api: nexus)');
    }
    for (const r of repositories) {
        if (!/^[A-Za-z0-9._-]+$/.test(r))
            throw new ConfigError('repository', r, 'Nexus repository names (letters, digits, . _ -)');
    }
    const registryUrlText = get('registry-url');
    const registryUrl = registryUrlText ? parseUrl(registryUrlText, 'registry-url') : undefined;
    if (registryUrl && api === 'nexus' && repositories.length > 1) {
        throw new ConfigError('registry-url', registryUrlText, 'one URL for one repository (a connector serves one repository)');
    }
    const keep = wholeNumber(get('keep'), 'keep', 1, 100_000);
    const keepOtherText = get('keep-other');
    const keepOther = keepOtherText ? wholeNumber(keepOtherText, 'keep-other', 1, 100_000) : keep;
    const olderThan = olderThanOf(get('older-than'), 'older-than');
    const maxText = get('max-deletions');
    const keepPer = oneOf(get('keep-per'), 'keep-per', ['none', 'major', 'minor']);
    const keepLinesText = get('keep-lines');
    const keepLines = keepLinesText ? wholeNumber(keepLinesText, 'keep-lines', 1, 10_000) : undefined;
    if (keepLines !== undefined && keepPer === 'none') {
        throw new ConfigError('keep-lines', keepLinesText, 'keep-per major or minor with it (lines are versions grouped by major or major.minor)');
    }
    const maxComponentsText = get('max-components');
    const maxComponents = maxComponentsText ? wholeNumber(maxComponentsText, 'max-components', 1, 100_000_000) : undefined;
    if (maxComponents !== undefined && api === 'registry') {
        throw new ConfigError('max-components', maxComponentsText, 'empty with api: registry (a component budget is a Nexus instance limit)');
    }
    const policy = {
        images: globs(get('images'), 'images'),
        excludeImages: globs(get('exclude-images'), 'exclude-images'),
        tags: globs(get('tags'), 'tags'),
        keepTags: globs(get('keep-tags'), 'keep-tags'),
        keep,
        keepOther,
        olderThan,
        ageBasis: oneOf(get('age-basis'), 'age-basis', ['pushed', 'created', 'last-pulled']),
        sort: oneOf(get('sort'), 'sort', ['semver', 'date']),
        maxDeletions: maxText ? wholeNumber(maxText, 'max-deletions', 1, 1_000_000) : undefined,
        keepPer,
        ...(keepLines !== undefined ? { keepLines } : {}),
        deleteTags: globs(get('delete-tags'), 'delete-tags'),
        ...(keepOtherText ? {} : { keepOtherFollowsKeep: true }),
        ...(maxComponents !== undefined ? { maxComponents } : {})
    };
    if (policy.ageBasis === 'last-pulled' && api === 'registry') {
        throw new ConfigError('age-basis', 'last-pulled', 'pushed or created with api: registry (a plain registry does not record pulls)');
    }
    if (policy.keepPer !== 'none' && policy.sort === 'date') {
        throw new ConfigError('keep-per', policy.keepPer, 'none with sort: date (version lines need sort: semver)');
    }
    const rules = readRules(get('rules'), get('rules-file'), api, policy);
    if (rules.length > 0)
        policy.rules = rules;
    const references = readReferences(get('keep-references'), get('keep-references-file'));
    if (references.length > 0)
        policy.references = references;
    const timeoutText = get('request-timeout');
    const requestTimeoutMs = (0, duration_1.parseDuration)(timeoutText);
    if (requestTimeoutMs === undefined || requestTimeoutMs < 1000) {
        throw new ConfigError('request-timeout', timeoutText, `at least one second: ${duration_1.DURATION_FORMS}`);
    }
    const reportFile = writablePath(get('report-file'));
    const caCert = readCa(get('ca-cert'));
    // reclaim-only is the reclaim step alone: it implies run-cleanup-tasks
    const runCleanupTasks = bool(get('run-cleanup-tasks'), 'run-cleanup-tasks') || (api === 'nexus' && bool(get('reclaim-only'), 'reclaim-only'));
    if (runCleanupTasks && api === 'registry') {
        throw new ConfigError('run-cleanup-tasks', 'true', "false with api: registry (a plain registry's garbage collection runs on its host)");
    }
    const taskTimeoutText = get('task-timeout');
    const taskTimeoutMs = (0, duration_1.parseDuration)(taskTimeoutText);
    if (taskTimeoutMs === undefined || taskTimeoutMs < 1000) {
        throw new ConfigError('task-timeout', taskTimeoutText, `at least one second: ${duration_1.DURATION_FORMS}`);
    }
    const offsetText = get('gc-deploy-offset');
    // A bare 0 needs no unit (parseDuration takes 0h, 24h, 2d)
    const offsetMs = /^0+$/.test(offsetText) ? 0 : (0, duration_1.parseDuration)(offsetText);
    if (offsetMs === undefined || offsetMs % 3_600_000 !== 0) {
        throw new ConfigError('gc-deploy-offset', offsetText, 'whole hours, such as 24h or 0h');
    }
    return {
        api,
        host,
        username: get('username'),
        password: read('password') ?? '',
        repositories,
        registryUrl,
        policy,
        deleteMethod: oneOf(get('delete-method'), 'delete-method', ['component', 'manifest']),
        verifyBeforeDelete: bool(get('verify-before-delete'), 'verify-before-delete'),
        sizeEstimate: oneOf(get('size-estimate'), 'size-estimate', ['auto', 'on', 'off']),
        dryRun: bool(get('dry-run'), 'dry-run'),
        ...concurrencyOf(get('concurrency'), get('max-concurrency')),
        requestTimeoutMs,
        retries: wholeNumber(get('retries'), 'retries', 0, 10),
        reportFile,
        caCert,
        insecureSkipTlsVerify: bool(get('insecure-skip-tls-verify'), 'insecure-skip-tls-verify'),
        runCleanupTasks,
        gcTask: get('gc-task') || undefined,
        compactTask: get('compact-task') || undefined,
        createMissingTasks: bool(get('create-missing-tasks'), 'create-missing-tasks'),
        taskTimeoutMs,
        gcDeployOffsetHours: offsetMs / 3_600_000,
        forceRegistryApi: bool(get('force-registry-api'), 'force-registry-api'),
        ...shardInputs(get('shard'), policy, api, bool(get('reclaim-only'), 'reclaim-only'), globs(get('merge-reports'), 'merge-reports'))
    };
}
/** shard, reclaim-only and merge-reports: one run of a cleanup spread over several jobs. */
function shardInputs(text, policy, api, reclaimOnly, mergeReports) {
    let shard;
    if (text) {
        const s = (0, shard_1.parseShard)(text);
        if (typeof s === 'string')
            throw new ConfigError('shard', text, s);
        shard = s;
        if (policy.maxComponents !== undefined) {
            throw new ConfigError('shard', text, 'empty with max-components (a component budget needs every image planned together: run it unsharded)');
        }
    }
    if (reclaimOnly && api === 'registry')
        throw new ConfigError('reclaim-only', 'true', "false with api: registry (a plain registry's garbage collection runs on its host)");
    if (reclaimOnly && shard)
        throw new ConfigError('reclaim-only', 'true', 'false with shard (the reclaim step runs once, in the job after every shard)');
    return { ...(shard ? { shard } : {}), reclaimOnly, mergeReports };
}
/** Where adaptive concurrency starts: moderate, as a shared Nexus expects of a client it does not know. */
const ADAPTIVE_START = 8;
function concurrencyOf(text, maxText) {
    const max = wholeNumber(maxText, 'max-concurrency', 1, 64);
    if (text.toLowerCase() === 'auto')
        return { concurrency: max, ...(max > 1 ? { adaptiveStart: Math.min(ADAPTIVE_START, max) } : {}) };
    if (!/^\d+$/.test(text))
        throw new ConfigError('concurrency', text, 'auto, or a whole number from 1 to 64');
    return { concurrency: wholeNumber(text, 'concurrency', 1, 64) };
}
function olderThanOf(text, input) {
    if (!text)
        return undefined;
    const ms = (0, duration_1.parseDuration)(text);
    if (ms === undefined || ms <= 0)
        throw new ConfigError(input, text, duration_1.DURATION_FORMS);
    return { ms, text };
}
/** The rules, from `rules` or `rules-file` (one of the two), each checked against the inputs it leaves to them. */
function readRules(text, file, api, base) {
    if (text && file)
        throw new ConfigError('rules-file', file, 'rules or rules-file, not both');
    const source = file ? 'rules-file' : 'rules';
    let yaml = text;
    if (file) {
        try {
            yaml = (0, node_fs_1.readFileSync)(file, 'utf8');
        }
        catch {
            throw new ConfigError('rules-file', file, 'a readable YAML file');
        }
    }
    if (!yaml)
        return [];
    const parsers = {
        globs,
        wholeNumber,
        oneOf,
        olderThan: olderThanOf,
        error: (where, value, accepted) => new ConfigError(source, value, accepted, where),
        within: (where, e) => ConfigError.within(source, where, e)
    };
    const rules = (0, config_rules_1.parseRules)(yaml, parsers);
    for (const r of rules) {
        const where = `rule ${r.index} (images: ${r.images.join(', ')})`;
        const keepPer = r.set.keepPer ?? base.keepPer;
        // An inherited keep-lines goes with a rule's keep-per none (src/policy/select.ts); one the rule sets needs lines.
        if (r.set.keepLines !== undefined && keepPer === 'none') {
            throw new ConfigError(source, String(r.set.keepLines), 'keep-per major or minor with keep-lines', `${where}, field keep-lines`);
        }
        if (keepPer !== 'none' && (r.set.sort ?? base.sort) === 'date') {
            throw new ConfigError(source, keepPer, 'keep-per none with sort: date (version lines need sort: semver)', `${where}, field keep-per`);
        }
        if (r.set.ageBasis === 'last-pulled' && api === 'registry') {
            throw new ConfigError(source, 'last-pulled', 'pushed or created with api: registry (a plain registry does not record pulls)', `${where}, field age-basis`);
        }
    }
    return rules;
}
/** keep-references and the lines of keep-references-file, each reduced to what it names. */
function readReferences(text, file) {
    const out = [];
    const add = (all, input) => {
        for (const line of all.split(/\r?\n/)) {
            if (line.trim().startsWith('#'))
                continue;
            for (const item of list(line)) {
                const ref = (0, references_1.parseReference)(item);
                if (typeof ref === 'string')
                    throw new ConfigError(input, item, ref);
                out.push(ref);
            }
        }
    };
    add(text, 'keep-references');
    if (file) {
        let content;
        try {
            content = (0, node_fs_1.readFileSync)(file, 'utf8');
        }
        catch {
            throw new ConfigError('keep-references-file', file, 'a readable file of image references, one per line');
        }
        add(content, 'keep-references-file');
    }
    return out;
}
/** `ca-cert` is PEM text or a path to a PEM file. */
/** Checked before the run, so a report that cannot be written fails the run before anything is deleted. */
function writablePath(value) {
    if (!value)
        return undefined;
    const expected = 'a file path in an existing, writable directory';
    try {
        if ((0, node_fs_1.statSync)(value, { throwIfNoEntry: false })?.isDirectory())
            throw new Error('a directory');
        (0, node_fs_1.accessSync)((0, node_path_1.dirname)(value), node_fs_1.constants.W_OK);
    }
    catch {
        throw new ConfigError('report-file', value, expected);
    }
    return value;
}
function readCa(value) {
    if (!value)
        return undefined;
    if (value.includes('-----BEGIN CERTIFICATE-----'))
        return value;
    let text;
    try {
        text = (0, node_fs_1.readFileSync)(value, 'utf8');
    }
    catch {
        throw new ConfigError('ca-cert', value, 'a readable PEM file path, or PEM text starting with -----BEGIN CERTIFICATE-----');
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----'))
        throw new ConfigError('ca-cert', value, 'a file holding PEM certificates');
    return text;
}
/** Warnings worth a loud line before anything runs. */
function securityWarnings(cfg) {
    const out = [];
    const urls = [cfg.host, ...(cfg.registryUrl ? [cfg.registryUrl] : [])];
    const plain = urls.map(u => new URL(u)).filter(u => u.protocol === 'http:' && !isLoopback(u.hostname));
    if ((cfg.username || cfg.password) && plain.length > 0) {
        out.push(`credentials are sent over plain http:// to ${plain.map(u => u.host).join(', ')}: anyone on the network path can read them; use https://`);
    }
    if (cfg.insecureSkipTlsVerify) {
        out.push('insecure-skip-tls-verify is on: TLS certificates are NOT verified, so the server is not authenticated; use ca-cert for a private CA');
    }
    return out;
}
function isLoopback(hostname) {
    return hostname === 'localhost' || /^127\./.test(hostname) || hostname === '[::1]' || hostname === '::1';
}
/**
 * Comma- or newline-separated list, trimmed, empties dropped. A comma inside braces belongs to the glob
 * (`{latest,stable}` is one glob).
 */
function list(text) {
    const out = [];
    let depth = 0;
    let item = '';
    for (const c of text) {
        if (c === '{')
            depth++;
        else if (c === '}' && depth > 0)
            depth--;
        if (c === '\n' || (c === ',' && depth === 0)) {
            out.push(item);
            item = '';
        }
        else
            item += c;
    }
    out.push(item);
    return out.map(s => s.trim()).filter(s => s.length > 0);
}
function globs(text, input) {
    const out = list(text);
    for (const g of out) {
        try {
            (0, glob_1.globToRegExp)(g);
        }
        catch (e) {
            if (e instanceof glob_1.GlobError)
                throw new ConfigError(input, g, `globs using * ** ? [abc] {a,b} (${e.message})`);
            throw e;
        }
    }
    return out;
}
function oneOf(value, input, allowed) {
    const v = value.toLowerCase();
    if (!allowed.includes(v))
        throw new ConfigError(input, value, `one of ${allowed.join(', ')}`);
    return v;
}
function wholeNumber(value, input, min, max) {
    if (!/^\d+$/.test(value))
        throw new ConfigError(input, value, `a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max)
        throw new ConfigError(input, value, `a whole number from ${min} to ${max}`);
    return n;
}
function bool(value, input) {
    if (/^(true|yes|on)$/i.test(value))
        return true;
    if (/^(false|no|off)$/i.test(value))
        return false;
    throw new ConfigError(input, value, 'true or false');
}
function parseUrl(value, input) {
    // Never echo credentials written into the URL, whatever else is wrong with it (ftp://user:pw@x, user:pw@host):
    // everything up to the last @ goes, even when that over-redacts a path.
    const shown = value.replace(/^([^/@\s]*\/\/)?[\s\S]*@/, (_m, scheme) => `${scheme ?? ''}***@`);
    if (!value)
        throw new ConfigError(input, value, 'a URL such as https://nexus.example.com (required)');
    let u;
    try {
        u = new URL(value);
    }
    catch {
        throw new ConfigError(input, shown, 'a URL with http:// or https:// such as https://nexus.example.com');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new ConfigError(input, shown, 'a URL with http:// or https:// such as https://nexus.example.com');
    }
    if (u.username || u.password) {
        throw new ConfigError(input, `${u.protocol}//***@${u.host}`, 'a URL without credentials (use the username and password inputs)');
    }
    if (u.search || u.hash)
        throw new ConfigError(input, shown, 'a base URL without query or fragment');
    return u.toString().replace(/\/+$/, '');
}


/***/ }),

/***/ 5495:
/***/ ((__unused_webpack_module, exports) => {


// Tag and manifest counts by outcome: one counting rule for the engine and every report, so the numbers
// agree wherever they are shown.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.zeroCounts = zeroCounts;
exports.summarizeCounts = summarizeCounts;
exports.addCounts = addCounts;
function zeroCounts() {
    return { kept: 0, deleted: 0, wouldDelete: 0, pending: 0, skipped: 0, failed: 0 };
}
const COUNT_KEY = {
    kept: 'kept',
    deleted: 'deleted',
    'would-delete': 'wouldDelete',
    pending: 'pending',
    skipped: 'skipped',
    failed: 'failed'
};
/** A manifest counts once under `manifests` and once per tag under `tags` (an untagged child adds no tag). */
function summarizeCounts(outcomes) {
    const tags = zeroCounts();
    const manifests = zeroCounts();
    for (const o of outcomes) {
        const key = COUNT_KEY[o.status];
        // A manifest that failed half way (Nexus deletes tag by tag) counts its deleted tags as deleted.
        const partly = o.status === 'failed' ? (o.deletedTags?.length ?? 0) : 0;
        tags[key] += o.decision.tags.length - partly;
        tags.deleted += partly;
        manifests[key] += 1;
    }
    return { tags, manifests };
}
/** Adds `more` into `into`. */
function addCounts(into, more) {
    for (const k of Object.keys(into))
        into[k] += more[k];
}


/***/ }),

/***/ 2187:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.digestKey = digestKey;
exports.shortDigest = shortDigest;
// Digests in short: as a number for compact sets, and as shown everywhere (reasons, tables, logs).
/**
 * A digest as a number: 52 bits of its hex (exact in a double), to keep hundreds of thousands of digests
 * in a few MB. Two different digests colliding among a million has odds around 1e-4; callers use it only
 * where a collision errs on the safe side.
 */
function digestKey(digest) {
    const at = digest.indexOf(':') + 1;
    const n = parseInt(digest.slice(at, at + 13), 16);
    return Number.isNaN(n) ? -1 : n;
}
/** `sha256:` and the first 12 hex digits: enough to find the manifest, short enough for a table cell. */
function shortDigest(d) {
    const colon = d.indexOf(':');
    if (colon < 0)
        return d.slice(0, 12);
    return d.slice(0, colon + 1 + 12);
}


/***/ }),

/***/ 7607:
/***/ ((__unused_webpack_module, exports) => {


// Durations for `older-than`, `request-timeout` and `task-timeout`: `30d`, `12h`, `2w`, `90m`, `45s`,
// or ISO-8601 (`P30D`, `PT12H`, `P1W`, `P1DT12H`). Months and years are refused: their length varies.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DURATION_FORMS = void 0;
exports.parseDuration = parseDuration;
exports.humanAge = humanAge;
const UNIT_MS = {
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000
};
// Case-insensitive except `M`: `6M` reads as six months, and silently taking it as six minutes would make
// older-than match almost everything.
const SHORT = /^(\d+(?:\.\d+)?)\s*([smhdwSHDW])$/;
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
/** Milliseconds, or undefined when the text is not a duration we accept. */
function parseDuration(text) {
    const t = text.trim();
    const short = SHORT.exec(t);
    if (short)
        return Math.round(Number(short[1]) * UNIT_MS[(short[2] ?? '').toLowerCase()]);
    const iso = ISO.exec(t);
    if (iso && t.length > 1 && !/T$/i.test(t)) {
        const [, w = 0, d = 0, h = 0, m = 0, s = 0] = iso.map(v => (v === undefined ? 0 : Number(v)));
        return Math.round(w * UNIT_MS.w + d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * UNIT_MS.s);
    }
    return undefined;
}
exports.DURATION_FORMS = "a number with a unit s, m, h, d or w (e.g. '30d', '12h') or ISO-8601 like 'P30D'";
/** `3 days`, `5 hours`: for reasons such as "pulled 3 days ago". */
function humanAge(ms) {
    const abs = Math.max(0, ms);
    const days = Math.floor(abs / UNIT_MS.d);
    if (days >= 1)
        return `${days} day${days === 1 ? '' : 's'}`;
    const hours = Math.floor(abs / UNIT_MS.h);
    if (hours >= 1)
        return `${hours} hour${hours === 1 ? '' : 's'}`;
    const minutes = Math.floor(abs / UNIT_MS.m);
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}


/***/ }),

/***/ 825:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The engine both doors (action and CLI) call. The stages, in the order data flows:
//   config (src/config.ts, already parsed) -> open the run -> inventory (listing) -> per image:
//   inventory -> plan -> execute -> report (src/run/images.ts) -> reclaim -> the run's summary.
// Community Edition's usage counters are read around the deleting stage.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.TOOL_NAME = exports.createBackend = void 0;
exports.runCleanupStreaming = runCleanupStreaming;
const context_1 = __nccwpck_require__(670);
const images_1 = __nccwpck_require__(8463);
const listing_1 = __nccwpck_require__(6653);
const reclaim_space_1 = __nccwpck_require__(3329);
const summary_1 = __nccwpck_require__(5293);
const usage_1 = __nccwpck_require__(482);
var context_2 = __nccwpck_require__(670);
Object.defineProperty(exports, "createBackend", ({ enumerable: true, get: function () { return context_2.createBackend; } }));
Object.defineProperty(exports, "TOOL_NAME", ({ enumerable: true, get: function () { return context_2.TOOL_NAME; } }));
/** Runs the cleanup, handing each image's report to `sink` and keeping only counts (RunSummary). */
async function runCleanupStreaming(cfg, deps, sink) {
    const run = (0, context_1.openRun)(cfg, deps);
    try {
        if (cfg.reclaimOnly) {
            // the job after every shard: the reclaim step alone (no listing, nothing deleted here)
            await run.backend.preflight();
            const nothing = (0, images_1.noImages)();
            return (0, summary_1.summarizeRun)(run, nothing, await (0, reclaim_space_1.reclaimSpace)(run, nothing, { deletedElsewhere: true }));
        }
        const listing = await (0, listing_1.listImages)(run);
        const usage = new usage_1.UsageCounters(run); // Community Edition's counters, before and after (Nexus)
        await usage.readBefore();
        const images = await (0, images_1.runImages)(run, listing, sink, usage);
        await usage.readAfter(images);
        const reclaimed = await (0, reclaim_space_1.reclaimSpace)(run, images);
        return (0, summary_1.summarizeRun)(run, images, reclaimed, usage, listing);
    }
    finally {
        // e.g. the spooled Nexus listing: removed however the run ends
        run.backend.close?.();
    }
}


/***/ }),

/***/ 5208:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The one place that deletes, or in a dry run does not. A dry run reads exactly what the real run reads
// to decide (same inventory, plan and steps here), and skips the deleting requests and the read-only
// guards around them (the recheck just before deleting, the check that the deleted tags are gone), which
// protect a delete that will not happen.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.executeImage = executeImage;
const backend_1 = __nccwpck_require__(3839);
const digest_1 = __nccwpck_require__(2187);
const concurrency_1 = __nccwpck_require__(1532);
/** Executes one image's plan; returns an outcome for every decision, in the plan's order. */
async function executeImage(plan, image, backend, opts) {
    const outcome = new Map();
    const set = (decision, status, detail, deletedTags) => {
        outcome.set(decision, { decision, status, ...(detail ? { detail } : {}), ...(deletedTags?.length ? { deletedTags } : {}) });
    };
    for (const d of plan.decisions) {
        if (d.action === 'keep')
            set(d, 'kept');
        else if (d.action === 'pending')
            set(d, 'pending', d.reason);
    }
    const doomed = plan.decisions.filter(d => d.action === 'delete').sort((a, b) => (a.deleteOrder ?? 0) - (b.deleteOrder ?? 0));
    if (doomed.length > 0) {
        let changed = new Map();
        try {
            if (!opts.dryRun)
                changed = await backend.recheck(image, doomed);
        }
        catch (e) {
            // Cannot tell whether anything moved: delete nothing of this image.
            const why = `not deleted: recheck before deleting failed: ${e.message}`;
            for (const d of doomed)
                set(d, 'failed', why);
            return plan.decisions.map(d => outcome.get(d));
        }
        // Graph order: a manifest that hangs from others (a tagged child, a referrer) is deleted only after
        // every one of them was, so a failure or a run cut short never leaves a kept index pointing at
        // deleted children, and a parent that survives for any reason takes what hangs from it along.
        const byDigest = new Map(plan.decisions.map(d => [d.digest, d]));
        const status = new Map();
        const limiter = new concurrency_1.Limiter(opts.parallel);
        const deleted = [];
        // A parent answered deleted is read once more before what hangs from it goes: a server that answers a
        // delete and keeps the manifest (a mirror, a proxy in front of one) must not leave it without them.
        const verified = new Map();
        const stillThere = (parent) => {
            let v = verified.get(parent.digest);
            if (!v) {
                v = backend.gone(image, parent).then(gone => {
                    if (gone)
                        return undefined;
                    set(parent, 'failed', 'the server answered the delete, but the manifest is still there');
                    return 'was answered deleted but is still there';
                }, (e) => `could not be read after deleting (${e.message})`);
                verified.set(parent.digest, v);
            }
            return v;
        };
        const run = async (d) => {
            for (const digest of d.after ?? []) {
                const parent = byDigest.get(digest);
                const first = parent && parent.action === 'delete' && (parent.deleteOrder ?? 0) < (d.deleteOrder ?? 0) ? status.get(digest) : undefined;
                // A parent not planned to go first (kept, pending, or out of order) is a plan that cannot hold.
                const went = first ? await first : undefined;
                if (went !== 'deleted' && went !== 'would-delete') {
                    const how = went ?? parent?.action ?? 'not in the plan';
                    set(d, 'skipped', `${label(parent, digest)} was not deleted (${how === 'keep' ? 'kept' : how})`);
                    return 'skipped';
                }
                const why = went === 'deleted' && parent ? await stillThere(parent) : undefined;
                if (why) {
                    set(d, 'skipped', `${label(parent, digest)} ${why}`);
                    return 'skipped';
                }
            }
            const why = changed.get(d.digest);
            if (why) {
                set(d, 'skipped', why);
                opts.log.warning(`${image.name}: ${d.tags.join(', ')} skipped: ${why}`);
                return 'skipped';
            }
            if (opts.dryRun) {
                set(d, 'would-delete');
                return 'would-delete';
            }
            try {
                const r = await limiter.run(() => backend.delete(image, d));
                set(d, 'deleted', r === 'gone' ? 'already gone' : undefined);
                if (r === 'gone')
                    opts.log.warning(`${image.name}: ${d.tags.join(', ')} was already gone`);
                deleted.push(d);
                return 'deleted';
            }
            catch (e) {
                set(d, 'failed', e.message, e instanceof backend_1.PartialDeleteError ? e.deletedTags : undefined);
                opts.log.warning(`${image.name}: deleting ${d.tags.join(', ')} failed: ${e.message}`);
                return 'failed';
            }
        };
        // In delete order, so every parent's promise exists before its children ask for it.
        for (const d of doomed)
            status.set(d.digest, run(d));
        await Promise.all(status.values());
        if (!opts.dryRun && deleted.length > 0) {
            try {
                const left = await backend.confirm(image, deleted);
                for (const [digest, still] of left) {
                    // the tags that did go are counted (as after a partial delete); the ones still there are not
                    for (const d of deleted.filter(x => x.digest === digest)) {
                        set(d, 'failed', `deleted but ${still.problem}`, d.tags.filter(t => !still.tags.includes(t)));
                    }
                }
            }
            catch (e) {
                opts.log.warning(`${image.name}: could not verify the deleted tags are gone: ${e.message}`);
            }
        }
    }
    return plan.decisions.map(d => outcome.get(d));
}
/** How a skip names the manifest it hung from. */
function label(d, digest) {
    if (!d)
        return (0, digest_1.shortDigest)(digest);
    return d.version ?? d.tags[0] ?? digest;
}


/***/ }),

/***/ 9217:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The freed-bytes estimate, kept while the run streams image by image: per image at once (from that
// image alone), and for the run at the end (deduplicated over each repository). Only digests and sizes
// are remembered, as numbers, so a run over 100k tags holds a few MB here, not its inventories.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.FreeableEstimate = void 0;
const digest_1 = __nccwpck_require__(2187);
const gone = (o) => o.status === 'deleted' || o.status === 'would-delete';
class FreeableEstimate {
    known = true;
    repos = new Map();
    /**
     * Adds one image's outcomes; returns its own estimate: the manifests it deletes and the blobs only they
     * use within the image (undefined when a deleted manifest's blobs were not read).
     */
    add(inv, outcomes) {
        const repo = this.repos.get(inv.repository) ?? { goneBlobs: new Map(), used: new Set(), manifestBytes: 0 };
        this.repos.set(inv.repository, repo);
        const byDigest = new Map(inv.manifests.map(m => [m.digest, m]));
        const usedHere = new Set();
        let unknown = false;
        for (const o of outcomes) {
            const m = byDigest.get(o.decision.digest);
            if (!m)
                continue;
            if (gone(o) && !m.blobs)
                unknown = true;
            // Kept manifests whose blobs were read (plain registry) shrink the estimate; on Nexus they are not
            // read (that would mark them pulled), so the bound is looser there.
            if (!gone(o))
                for (const b of m.blobs ?? []) {
                    usedHere.add(b.digest);
                    repo.used.add((0, digest_1.digestKey)(b.digest));
                }
        }
        if (unknown) {
            this.known = false;
            return undefined;
        }
        let bytes = 0;
        const counted = new Set();
        for (const o of outcomes) {
            if (!gone(o))
                continue;
            const m = byDigest.get(o.decision.digest);
            if (!m)
                continue;
            for (const b of m.blobs ?? []) {
                repo.goneBlobs.set((0, digest_1.digestKey)(b.digest), b.size);
                if (usedHere.has(b.digest) || counted.has(b.digest))
                    continue;
                counted.add(b.digest);
                bytes += b.size;
            }
            bytes += m.manifestSize ?? 0;
            repo.manifestBytes += m.manifestSize ?? 0;
        }
        return bytes;
    }
    /** Blobs of deleted manifests that no remaining manifest of the same repository uses, each once. */
    total() {
        if (!this.known)
            return undefined;
        let bytes = 0;
        for (const repo of this.repos.values()) {
            bytes += repo.manifestBytes;
            for (const [key, size] of repo.goneBlobs)
                if (!repo.used.has(key))
                    bytes += size;
        }
        return bytes;
    }
}
exports.FreeableEstimate = FreeableEstimate;


/***/ }),

/***/ 5601:
/***/ ((__unused_webpack_module, exports) => {


// Anchored globs for image names and tags: `*` and `?` stay inside one `/` segment, `**` crosses `/`,
// `[abc]` / `[a-z]` / `[!abc]` are character classes, `{a,b}` is one of the alternatives (nestable, each
// a glob itself). Everything else is literal. A lone `*` (the default of `images` and `tags`) means
// everything, nested names included: that is what a user means by it.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.GlobError = void 0;
exports.globToRegExp = globToRegExp;
exports.matchesAny = matchesAny;
exports.firstMatch = firstMatch;
class GlobError extends Error {
}
exports.GlobError = GlobError;
const cache = new Map();
function globToRegExp(glob) {
    const hit = cache.get(glob);
    if (hit)
        return hit;
    if (glob.length === 0)
        throw new GlobError('empty pattern');
    if (glob === '*')
        return /^.*$/;
    const { re } = translate(glob, 0, false);
    let compiled;
    try {
        compiled = new RegExp('^' + re + '$');
    }
    catch (e) {
        // e.g. a reversed range `[z-a]`: still a malformed glob, not an internal error
        throw new GlobError(`${e.message.replace(/^Invalid regular expression: \/.*\/: /, '')} in ${JSON.stringify(glob)}`);
    }
    cache.set(glob, compiled);
    return compiled;
}
/**
 * Translates from `start` up to the end, or (inside braces) up to the `,` or `}` that ends the
 * alternative; `end` is the index of that character.
 */
function translate(glob, start, inBraces) {
    let re = '';
    let i = start;
    for (; i < glob.length; i++) {
        const c = glob[i]; // i < glob.length
        if (inBraces && (c === ',' || c === '}'))
            return { re, end: i };
        if (c === '*') {
            if (glob[i + 1] === '*') {
                // `**/` also matches zero segments, so `shop/**/api` matches `shop/api`.
                if (glob[i + 2] === '/') {
                    re += '(?:.*/)?';
                    i += 2;
                }
                else {
                    re += '.*';
                    i += 1;
                }
            }
            else {
                re += '[^/]*';
            }
        }
        else if (c === '?') {
            re += '[^/]';
        }
        else if (c === '[') {
            const end = glob.indexOf(']', i + 2);
            if (end < 0)
                throw new GlobError(`unclosed '[' in ${JSON.stringify(glob)}`);
            let body = glob.slice(i + 1, end);
            const negate = body.startsWith('!') || body.startsWith('^');
            if (negate)
                body = body.slice(1);
            if (body.length === 0)
                throw new GlobError(`empty character class in ${JSON.stringify(glob)}`);
            re += (negate ? '[^/' : '[') + body.replace(/[\\\]^]/g, '\\$&') + ']';
            i = end;
        }
        else if (c === ']') {
            throw new GlobError(`unmatched ']' in ${JSON.stringify(glob)}`);
        }
        else if (c === '{') {
            const alternatives = [];
            let at = i + 1;
            for (;;) {
                const alt = translate(glob, at, true);
                alternatives.push(alt.re);
                if (alt.end >= glob.length)
                    throw new GlobError(`unclosed '{' in ${JSON.stringify(glob)}`);
                at = alt.end + 1;
                if (glob[alt.end] === '}')
                    break;
            }
            if (alternatives.length === 1 && alternatives[0] === '')
                throw new GlobError(`empty braces in ${JSON.stringify(glob)}`);
            re += `(?:${alternatives.join('|')})`;
            i = at - 1;
        }
        else if (c === '}') {
            throw new GlobError(`unmatched '}' in ${JSON.stringify(glob)}`);
        }
        else {
            re += c.replace(/[.+^$()|\\]/g, '\\$&');
        }
    }
    return { re, end: i };
}
/** True when `value` matches any of `globs` (anchored). */
function matchesAny(value, globs) {
    return globs.some(g => globToRegExp(g).test(value));
}
/** The first glob that matches, for reasons such as "protected by keep-tags: latest". */
function firstMatch(value, globs) {
    return globs.find(g => globToRegExp(g).test(value));
}


/***/ }),

/***/ 6803:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The HTTP edge: credentials (basic, and the registry Bearer challenge), timeouts, bounded retries with
// jittered backoff that honours Retry-After, a concurrency bound, and request counting by kind.
// Credentials are attached here and nowhere else; errors carry method, URL and status, never headers.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Http = exports.HttpError = void 0;
exports.parseRetryAfter = parseRetryAfter;
exports.parseBearerChallenge = parseBearerChallenge;
const adaptive_limit_1 = __nccwpck_require__(9383);
const sleep_1 = __nccwpck_require__(6972);
const transport_1 = __nccwpck_require__(9646);
class HttpError extends Error {
    method;
    url;
    status;
    constructor(method, url, status, detail) {
        super(`${method} ${url} ${status === undefined ? 'failed' : `answered ${status}`}${detail ? `: ${detail}` : ''}`);
        this.method = method;
        this.url = url;
        this.status = status;
        this.name = 'HttpError';
    }
}
exports.HttpError = HttpError;
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
/** What tells the adaptive limit to back off: the server refusing load (429, 503) or not answering in time. */
function overload(res, error) {
    if (error !== undefined)
        return error instanceof HttpError && error.status !== undefined ? 'ok' : 'overload';
    return res && (res.status === 429 || res.status === 503) ? 'overload' : 'ok';
}
const MAX_BACKOFF_MS = 30_000;
class Http {
    opts;
    counts = {};
    transport;
    limiter;
    bearer = new Map();
    sleep;
    constructor(opts) {
        this.opts = opts;
        this.transport = new transport_1.Transport({
            maxSockets: opts.maxConcurrency ?? opts.concurrency,
            timeoutMs: opts.timeoutMs,
            userAgent: opts.userAgent,
            ...(opts.caCert ? { ca: opts.caCert } : {}),
            ...(opts.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
            ...(opts.env ? { env: opts.env } : {})
        });
        this.limiter = new adaptive_limit_1.AdaptiveLimiter({ initial: opts.concurrency, max: opts.maxConcurrency ?? opts.concurrency, adaptive: opts.maxConcurrency !== undefined });
        this.sleep = opts.sleep ?? sleep_1.sleep;
    }
    /** Where the limit of requests in flight settled (concurrency: auto moves it). */
    concurrency() {
        return this.limiter.report();
    }
    async request(method, url, spec) {
        const handles = spec.handles ?? [];
        const retry = spec.retry ?? true;
        let lastError = '';
        for (let attempt = 0;; attempt++) {
            let res;
            try {
                res = await this.limiter.run(() => this.send(method, url, spec), overload);
                if (res.status === 401) {
                    // A registry behind a token server answers 401 with a Bearer challenge: fetch a token (with the
                    // credentials, or anonymously for a public registry), resend once.
                    if (await this.authorizeBearer(res))
                        res = await this.limiter.run(() => this.send(method, url, spec), overload);
                }
            }
            catch (e) {
                // The token server refusing the credentials is an answer, not a transient failure: repeating it only
                // adds failed logins (and may lock the account).
                if (e instanceof HttpError && e.status !== undefined && !RETRY_STATUS.has(e.status))
                    throw e;
                lastError = e.message;
                if (!retry || attempt >= this.opts.retries)
                    throw new HttpError(method, url, undefined, lastError);
                await this.backoff(attempt, undefined, `${method} ${url}: ${lastError}`);
                continue;
            }
            if ((res.status >= 200 && res.status < 300) || handles.includes(res.status))
                return res;
            if (retry && RETRY_STATUS.has(res.status) && attempt < this.opts.retries) {
                await this.backoff(attempt, res.headers['retry-after'], `${method} ${url} answered ${res.status}`);
                continue;
            }
            throw new HttpError(method, url, res.status, describeStatus(res));
        }
    }
    hasCredentials() {
        return this.opts.username !== '' || this.opts.password !== '';
    }
    async send(method, url, spec) {
        this.counts[spec.kind] = (this.counts[spec.kind] ?? 0) + 1;
        const headers = { ...spec.headers };
        const token = this.bearer.get(new URL(url).host);
        if (headers.authorization) {
            // set by the caller (the token request itself)
        }
        else if (token)
            headers.authorization = `Bearer ${token}`;
        else if (this.hasCredentials())
            headers.authorization = basic(this.opts.username, this.opts.password);
        const r = await this.transport.request(method, url, headers, spec.body);
        return { status: r.status, headers: r.headers, body: r.body, url };
    }
    async authorizeBearer(res) {
        const challenge = parseBearerChallenge(String(res.headers['www-authenticate'] ?? ''));
        if (!challenge)
            return false;
        const tokenUrl = new URL(challenge.realm);
        if (challenge.service)
            tokenUrl.searchParams.set('service', challenge.service);
        if (challenge.scope)
            tokenUrl.searchParams.set('scope', challenge.scope);
        const r = await this.limiter.run(() => this.send('GET', tokenUrl.toString(), {
            kind: 'auth token',
            headers: { accept: 'application/json', ...(this.hasCredentials() ? { authorization: basic(this.opts.username, this.opts.password) } : {}) }
        }));
        if (r.status !== 200)
            throw new HttpError('GET', tokenUrl.origin + tokenUrl.pathname, r.status, 'the token server refused the credentials');
        const json = JSON.parse(r.body.toString('utf8'));
        const token = json.token ?? json.access_token;
        if (!token)
            return false;
        this.bearer.set(new URL(res.url).host, token);
        return true;
    }
    async backoff(attempt, retryAfter, why) {
        const hinted = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
        const exp = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
        // Full jitter keeps parallel workers from retrying in lockstep.
        const wait = hinted !== undefined ? Math.min(hinted, 120_000) : Math.round(exp / 2 + (Math.random() * exp) / 2);
        this.opts.log.debug(`retry ${attempt + 1}/${this.opts.retries} in ${wait} ms: ${why}`);
        this.counts['retries'] = (this.counts['retries'] ?? 0) + 1;
        await this.sleep(wait);
    }
}
exports.Http = Http;
function basic(user, password) {
    return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}
/** A short, single-line description of an error answer; bodies are often empty on Nexus >= 3.30. */
function describeStatus(res) {
    const text = res.body.toString('utf8').trim();
    if (!text)
        return '';
    try {
        const j = JSON.parse(text);
        if (j.errors?.length)
            return j.errors.map(e => [e.code, e.message].filter(Boolean).join(' ')).join('; ');
    }
    catch {
        // not JSON: fall through to the first line of the text
    }
    return (text.split('\n')[0] ?? '').slice(0, 200);
}
function parseRetryAfter(value) {
    if (!value)
        return undefined;
    if (/^\d+$/.test(value.trim()))
        return Number(value.trim()) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
function parseBearerChallenge(header) {
    const m = /^\s*Bearer\s+(.*)$/i.exec(header);
    if (!m)
        return undefined;
    const params = {};
    for (const p of (m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g))
        params[(p[1] ?? '').toLowerCase()] = p[2] ?? '';
    if (!params.realm)
        return undefined;
    return { realm: params.realm, service: params.service, scope: params.scope };
}


/***/ }),

/***/ 8422:
/***/ ((__unused_webpack_module, exports) => {


// The one list of inputs. action.yml, the README table and the CLI flags are checked against it in tests,
// so the three cannot drift apart.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.OUTPUTS = exports.INPUTS = void 0;
exports.INPUTS = [
    {
        name: 'host',
        summary: 'Nexus base URL (or the registry URL with api: registry).',
        default: '',
        required: true,
        description: 'Base URL of Nexus (e.g. https://nexus.example.com), or of the registry when api is registry.'
    },
    { name: 'username', summary: 'User for basic authentication.', default: '', description: 'User for basic authentication.' },
    {
        name: 'password',
        summary: 'Password or token; masked in logs.',
        default: '',
        secret: true,
        description: 'Password or token for basic authentication; masked in logs.'
    },
    {
        name: 'api',
        summary: 'nexus or registry (plain OCI Distribution API).',
        default: 'nexus',
        description: 'nexus (Nexus REST + Docker API) or registry (plain OCI Distribution API only).'
    },
    {
        name: 'force-registry-api',
        summary: 'Allow api: registry against a Nexus (marks every tag pulled).',
        boolean: true,
        default: 'false',
        description: 'With api registry, run even against a server that says it is Nexus (reading every tag by tag marks it pulled there: use api nexus instead).'
    },
    {
        name: 'repository',
        list: true,
        summary: 'Nexus Docker repository name(s). Required with api: nexus.',
        default: '',
        description: 'Nexus Docker repository name(s), comma or newline separated. Required with api nexus.'
    },
    {
        name: 'registry-url',
        summary: "The repository's Docker v2 API, when not <host>/repository/<repository>/.",
        default: '',
        description: 'Where the Docker v2 API of the repository is served, when not <host>/repository/<repository>/ (a connector port or another host).'
    },
    {
        name: 'images',
        list: true,
        summary: 'Globs of image names to clean.',
        default: '*',
        description: 'Globs over image names to clean (anchored; * alone selects every image, inside a pattern * stays within one path segment and ** crosses /).'
    },
    { name: 'exclude-images', list: true, summary: 'Globs of image names never touched.', default: '', description: 'Globs of image names never touched.' },
    {
        name: 'tags',
        list: true,
        summary: 'Globs of tags that may be deleted.',
        default: '*',
        description: 'Globs of tags that may be deleted; a manifest is a candidate only when all its tags match.'
    },
    {
        name: 'keep-tags',
        list: true,
        summary: 'Globs of tags never deleted.',
        default: 'latest',
        description: 'Globs of tags whose manifest is never deleted (anchored: latest protects latest, not not-latest).'
    },
    {
        name: 'keep',
        summary: 'Newest versions kept per image.',
        default: '10',
        description: 'Newest manifests kept per image in the version family (at least 1).'
    },
    {
        name: 'keep-other',
        summary: 'Newest non-version tags kept per image (default: keep).',
        default: '',
        description: 'Newest manifests kept per image among manifests with no version tag. Empty = the value of keep.'
    },
    {
        name: 'older-than',
        summary: 'Delete only what is older than this (30d, 12h, P30D).',
        default: '',
        description: 'Only manifests older than this may be deleted: 30d, 12h, 2w, 90m or ISO-8601 P30D. Empty = no age condition.'
    },
    {
        name: 'age-basis',
        summary: 'pushed, created or last-pulled.',
        default: 'pushed',
        description: 'Which date is the age: pushed (Nexus lastModified), created (image config), or last-pulled (the newer of Nexus lastDownloaded and pushed).'
    },
    { name: 'sort', summary: 'semver or date.', default: 'semver', description: 'semver (version tags by version, others by date) or date.' },
    {
        name: 'keep-per',
        summary: 'Apply keep per version line: none, major or minor.',
        default: 'none',
        description: 'none: keep applies to the whole version family. minor: the family is split into lines by major.minor (1.4.x, 1.5.x, 2.0.x) and keep applies within each; major: by major.'
    },
    {
        name: 'keep-lines',
        summary: 'With keep-per: keep slots only in the newest N lines.',
        default: '',
        description: 'With keep-per major or minor: only the newest N version lines keep slots; manifests of older lines are candidates like any beyond keep. Empty = every line.'
    },
    {
        name: 'delete-tags',
        list: true,
        summary: 'Globs of tags to delete now, whatever keep and older-than say.',
        default: '',
        description: "Globs of tags to delete now, whatever keep and older-than say (after a release: 2.0.0-rc.*; when a PR closes: pr-123). Never deletes what keep-tags, keep-references or the manifest graph keeps; a manifest with another tag that does not match is kept ('also tagged main')."
    },
    {
        name: 'keep-references',
        summary: 'Image references in use, kept with all they reach.',
        default: '',
        description: 'Image references in use (name:tag, name@sha256:..., name:tag@sha256:..., with or without a registry host and /repository/<repo>/), one per line or comma-separated: each is kept with everything it reaches, whatever keep and older-than say.'
    },
    {
        name: 'keep-references-file',
        summary: 'A file of image references in use (as keep-references).',
        default: '',
        description: 'A path to a file of image references in use, one per line (lines starting with # are comments); added to keep-references.'
    },
    {
        name: 'rules',
        summary: 'YAML rules per image group (see README).',
        default: '',
        description: 'YAML: a list of rules, each with images (globs) and any of exclude-images, keep, keep-other, keep-per, keep-lines, older-than, age-basis, sort, tags, keep-tags, delete-tags. An image takes the first rule whose images match; a field a rule leaves out comes from the input of the same name.'
    },
    {
        name: 'rules-file',
        summary: 'A YAML file of rules (as rules).',
        default: '',
        description: 'A path to a YAML file of rules, read as rules is (give one of the two).'
    },
    {
        name: 'delete-method',
        summary: 'Nexus: component (per tag) or manifest (by digest).',
        default: 'component',
        description: 'Nexus only. component: delete each tag with the components API (exact on every version); manifest: delete by digest through the registry API.'
    },
    {
        name: 'verify-before-delete',
        summary: 'Re-read each tag just before deleting it.',
        boolean: true,
        default: 'false',
        description: 'Re-read every planned tag just before deleting it and skip its manifest when the tag moved: one more request per deleted tag. Off: on Nexus (delete-method component) a doomed tag re-pushed during the run is deleted with its new content. Deletes by digest always check that no kept or new tag points at a doomed digest.'
    },
    {
        name: 'size-estimate',
        summary: 'Freed-bytes estimate: auto, on or off.',
        default: 'auto',
        description: 'Freed-bytes estimate. auto: on a plain registry from what the inventory reads anyway; on Nexus, in a dry run, one manifest read by digest per deleted manifest (reads by digest mark nothing pulled), in a real run none (the reclaim step measures the blob stores). on: those reads on Nexus in real runs too. off: no estimate.'
    },
    {
        name: 'dry-run',
        summary: 'Plan and report only (default). false deletes.',
        boolean: true,
        default: 'true',
        description: 'Plan and report only. Deleting needs dry-run: false.'
    },
    {
        name: 'max-deletions',
        summary: 'Delete at most this many manifests per run.',
        default: '',
        description: 'Delete at most this many manifests this run, lowest-ranked first; the rest are reported as pending. Empty = no cap.'
    },
    {
        name: 'max-components',
        summary: "Nexus: the instance's component budget (e.g. 38000 on CE).",
        default: '',
        description: "Nexus only. The instance's component budget (e.g. 38000 for a Community Edition kept under its 40,000 limit). When the instance's total (its usage counters) is above it, manifests beyond keep but younger than older-than are deleted too, lowest-ranked first across all images, until the total is at most the budget; keep, protections and the graph still hold. Empty = no budget."
    },
    {
        name: 'concurrency',
        summary: 'Parallel HTTP requests: auto (adaptive) or 1 to 64.',
        default: 'auto',
        description: 'Parallel HTTP requests. auto: starts at 8 and adapts: up while each step up buys more answers per second, down at once on 429, 503, timeouts or latency growth, never above max-concurrency. A number fixes it (1 to 64).'
    },
    {
        name: 'max-concurrency',
        summary: 'The ceiling of concurrency auto (1 to 64).',
        default: '32',
        description: 'The most parallel HTTP requests concurrency auto may reach (1 to 64).'
    },
    { name: 'request-timeout', summary: 'Timeout of each HTTP request.', default: '30s', description: 'Timeout of each HTTP request (e.g. 30s, 2m).' },
    {
        name: 'ca-cert',
        summary: 'CA certificate(s) to trust: a PEM path or PEM text.',
        default: '',
        description: 'CA certificate(s) to trust for HTTPS, for a private CA: a PEM file path or the PEM text itself.'
    },
    {
        name: 'insecure-skip-tls-verify',
        summary: 'Do not verify TLS certificates.',
        boolean: true,
        default: 'false',
        description: 'Do not verify TLS certificates (warns loudly). Prefer ca-cert.'
    },
    {
        name: 'retries',
        summary: 'Retries of a failed request (0 to 10).',
        default: '3',
        description: 'Retries of a failed request (5xx, 429, connection errors), 0 to 10.'
    },
    {
        name: 'report-file',
        summary: 'Write the full JSON report to this path.',
        default: '',
        description: 'Also write the full plan and result as JSON to this path (its directory must exist and be writable; checked before anything is deleted).'
    },
    {
        name: 'shard',
        summary: 'K/N: take only shard K of N of the images (a CI matrix).',
        default: '',
        description: 'K/N (1 <= K <= N): plan and delete only the images whose stable hash of repository/name falls in shard K of N (FNV-1a 32-bit of the UTF-8 text, mod N, plus 1). The listing stays complete, so cross-image facts are decided on the whole repository. max-deletions applies per shard. Empty = every image.'
    },
    {
        name: 'reclaim-only',
        boolean: true,
        summary: 'Nexus: only the reclaim step, for the job after all shards.',
        default: 'false',
        description: 'Nexus only. No inventory and no deletion: run the reclaim step (GC, blob cleanup, compact, as run-cleanup-tasks) once, for the final job after the shards. The post-GC re-read of kept tags needs the inventory, so it is not done.'
    },
    {
        name: 'merge-reports',
        list: true,
        summary: "Globs of shards' JSON reports to merge into one summary.",
        default: '',
        description: "Globs of JSON reports (each shard's report-file): this job's summary, outputs and report-file are those of the whole run (counts add up; an image in two reports is counted once and noted). With reclaim-only, the reclaim step joins them."
    },
    {
        name: 'run-cleanup-tasks',
        summary: 'Nexus: run GC, blob cleanup and compact after deleting.',
        boolean: true,
        default: 'false',
        description: 'Nexus only. After a real run that deleted something, run the Docker GC task for each repository, on a datastore Nexus its docker blob cleanup, then compact the blob store(s) they use; wait, and report the bytes.'
    },
    {
        name: 'gc-task',
        summary: 'Id or name of the Docker GC task (default: found by type).',
        default: '',
        description: 'Id or exact name of the "Docker - Delete unused manifests and images" task. Empty = find it by type (repository.docker.gc).'
    },
    {
        name: 'compact-task',
        summary: 'Id or name of the compact task (default: found by type).',
        default: '',
        description: 'Id or exact name of the "Admin - Compact blob store" task. Empty = find it by type (blobstore.compact).'
    },
    {
        name: 'create-missing-tasks',
        summary: 'Create a missing GC or compact task (Nexus 3.74+).',
        boolean: true,
        default: 'false',
        description: 'Create a missing GC or compact task (manual schedule) through the REST API (Nexus 3.74+); otherwise fail with the steps to create it.'
    },
    { name: 'task-timeout', summary: 'How long to wait for each task.', default: '30m', description: 'How long to wait for each task.' },
    {
        name: 'gc-deploy-offset',
        summary: 'deployOffset of a GC task this action creates.',
        default: '24h',
        description: "deployOffset of a GC task this action creates: content pushed within it is kept by GC (whole hours, e.g. 24h, 0h). Nexus's default is 24h."
    }
];
exports.OUTPUTS = [
    { name: 'deleted-count', description: 'Tags deleted this run.' },
    { name: 'would-delete-count', description: 'Tags a dry run would delete.' },
    { name: 'kept-count', description: 'Tags kept.' },
    { name: 'failed-count', description: 'Tags whose deletion failed (an image whose inventory failed is listed in the report and fails the run).' },
    { name: 'pending-count', description: 'Tags left for a later run by max-deletions.' },
    { name: 'skipped-count', description: 'Tags skipped because they changed since the plan was made.' },
    { name: 'manifests-deleted-count', description: 'Manifests (digests) deleted this run.' },
    {
        name: 'deleted',
        description: 'JSON array of image:tag deleted this run; past 200,000 characters only the first ones (GitHub caps outputs at 1 MB; the summary says so, report-file has all).'
    },
    { name: 'would-delete', description: 'JSON array of image:tag a dry run would delete; cut like deleted.' },
    { name: 'freeable-bytes', description: 'Upper-bound estimate of bytes the deletions may free (empty when unknown).' },
    { name: 'report-file', description: 'Path of the JSON report, when report-file was set.' },
    { name: 'reclaimed-bytes', description: 'Blob store bytes freed by the cleanup tasks, as measured before and after (empty when they did not run).' },
    { name: 'tasks', description: 'JSON array of the cleanup tasks run (name, type, target, result, duration).' }
];


/***/ }),

/***/ 4255:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Shared inventory steps: group tags by digest, read the manifest graph (indexes to any depth, and the
// subjects of referrers), then what decisions need from each digest once (config `created` where
// src/policy/dates.ts says, blob sizes for the estimate).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.MAX_INDEX_DEPTH = void 0;
exports.cachingReader = cachingReader;
exports.groupByDigest = groupByDigest;
exports.readGraph = readGraph;
exports.readIndexTree = readIndexTree;
exports.readManifestDetails = readManifestDetails;
exports.readNeededDates = readNeededDates;
const compare_1 = __nccwpck_require__(5344);
const dates_1 = __nccwpck_require__(6931);
const select_1 = __nccwpck_require__(6416);
const referrers_1 = __nccwpck_require__(7898);
const media_1 = __nccwpck_require__(6571);
const concurrency_1 = __nccwpck_require__(1532);
/** Indexes nested deeper than this are refused (the image fails closed): no real build nests so deep. */
exports.MAX_INDEX_DEPTH = 32;
/**
 * A reader that reads each manifest (by digest) and each config at most once: manifests already fetched
 * by tag during the listing are remembered by digest, so a body crosses the network once.
 */
function cachingReader(reader) {
    const bodies = new Map();
    const configs = new Map();
    const once = (cache, key, read) => {
        let p = cache.get(key);
        if (!p) {
            p = read();
            cache.set(key, p);
        }
        return p;
    };
    return {
        remember: body => void bodies.set(body.digest, Promise.resolve(body)),
        // A digest has a colon, a tag cannot: only reads by digest are cached (a tag may move).
        manifest: (name, ref) => (ref.includes(':') ? once(bodies, ref, () => reader.manifest(name, ref)) : reader.manifest(name, ref)),
        referrers: reader.referrers ? (name, digest) => reader.referrers(name, digest) : undefined,
        resolve: async (name, ref) => {
            const body = ref.includes(':') ? await bodies.get(ref) : undefined;
            return body ? { digest: body.digest, mediaType: body.mediaType } : reader.resolve(name, ref);
        },
        configCreated: (name, digest) => once(configs, digest, () => reader.configCreated(name, digest))
    };
}
/** One record per digest with every tag on it (sorted); dates and details are filled in later. */
function groupByDigest(tagged) {
    const byDigest = new Map();
    for (const t of tagged) {
        const rec = byDigest.get(t.digest) ?? { digest: t.digest, mediaType: t.mediaType, tags: [], children: [] };
        if (t.subject)
            rec.subject = t.subject;
        rec.tags.push(t.tag);
        byDigest.set(t.digest, rec);
    }
    const out = [...byDigest.values()];
    for (const r of out)
        r.tags.sort();
    return out.sort((a, b) => (0, compare_1.compareStrings)(a.digest, b.digest));
}
/**
 * Reads the image's manifest graph by digest (never by tag: on Nexus a read by tag marks it pulled):
 * every manifest that is or may be an index, to any depth, so `children` is known everywhere and every
 * untagged descendant is in `inv.untagged`; then each subject a referrer names that is not in the graph,
 * by digest: present ones join `inv.untagged`, absent ones are `inv.missingSubjects`. Throws on a failed
 * or missing read, so the caller fails the whole image closed.
 */
async function readGraph(reader, inv, parallel) {
    const nodes = new Map(inv.manifests.map(m => [m.digest, m]));
    const untagged = await readIndexTree(reader, inv.name, inv.manifests, nodes, parallel);
    // Referrers pushed without a tag (OCI 1.1), where the server offers the referrers API: asked once per
    // manifest of the graph, and of each referrer found, so a tagged signature of an untagged SBOM follows
    // the image the SBOM describes. The first "no such API" answer stops the asking.
    const ask = reader.referrers?.bind(reader);
    const first = [...nodes.keys()].sort();
    // The first answer says whether there is an API at all; the rest go in parallel.
    const probe = ask && first.length > 0 ? await ask(inv.name, first[0]) : undefined;
    if (ask && probe) {
        let level = first;
        for (let depth = 1; level.length > 0 && depth <= exports.MAX_INDEX_DEPTH; depth++) {
            const found = [];
            const lists = await (0, concurrency_1.mapLimit)(level, parallel, d => (depth === 1 && d === first[0] ? Promise.resolve(probe) : ask(inv.name, d)));
            for (const [i, subject] of level.entries()) {
                for (const d of lists[i] ?? []) {
                    if (nodes.has(d.digest))
                        continue;
                    const rec = {
                        digest: d.digest,
                        mediaType: d.mediaType ?? '',
                        tags: [],
                        children: [],
                        subject,
                        ...(d.artifactType ? { artifactType: d.artifactType } : {})
                    };
                    nodes.set(d.digest, rec);
                    untagged.push(rec);
                    found.push(rec);
                }
            }
            level = found.map(r => r.digest);
        }
    }
    // Subjects a referrer's fate depends on: of manifests whose every tag is a referrer tag, or that name
    // an OCI subject. One not in the graph is read by digest before anyone calls the referrer an orphan.
    const subjects = new Set();
    for (const m of inv.manifests) {
        for (const r of (0, referrers_1.referrerTagsOf)(m.tags) ?? [])
            subjects.add(r.subject);
        if (m.subject)
            subjects.add(m.subject);
    }
    const unknown = [...subjects].filter(d => !nodes.has(d)).sort();
    const heads = await (0, concurrency_1.mapLimit)(unknown, parallel, d => reader.resolve(inv.name, d));
    const missing = [];
    unknown.forEach((digest, i) => {
        const head = heads[i];
        // Only a 404 proves the subject gone; any answer with a body is a subject that exists.
        if (head)
            untagged.push({ digest, mediaType: head.mediaType, tags: [], children: [] });
        else
            missing.push(digest);
    });
    inv.untagged = untagged.sort((a, b) => (0, compare_1.compareStrings)(a.digest, b.digest));
    inv.missingSubjects = missing;
}
/**
 * Reads, by digest, each of `roots` that is or may be an index, and every index below, to any depth: sets
 * each one's media type, size, subject and children, and returns the manifests met that `nodes` did not
 * hold (added to it). Only an index, or a child whose descriptor names no media type, is read. Throws on a
 * failed or missing read, and on nesting deeper than MAX_INDEX_DEPTH.
 */
async function readIndexTree(reader, name, roots, nodes, parallel) {
    const found = [];
    let level = roots.filter(m => !m.mediaType || (0, media_1.isIndexType)(m.mediaType));
    for (let depth = 1; level.length > 0; depth++) {
        if (depth > exports.MAX_INDEX_DEPTH)
            throw new Error(`indexes nested deeper than ${exports.MAX_INDEX_DEPTH} levels`);
        const bodies = await (0, concurrency_1.mapLimit)(level, parallel, rec => mustRead(reader, name, rec.digest));
        const next = [];
        level.forEach((rec, i) => {
            const body = bodies[i]; // one per record read
            rec.mediaType = body.mediaType;
            rec.manifestSize = body.size;
            if (body.manifest.subject)
                rec.subject = body.manifest.subject;
            if (!(0, media_1.isIndexType)(body.mediaType))
                return;
            rec.children = [...new Set(body.manifest.manifests.map(c => c.digest))];
            for (const c of body.manifest.manifests) {
                if (typeof c.digest !== 'string' || !c.digest.includes(':'))
                    throw new Error(`index ${rec.digest} has a child without a digest`);
                if (nodes.has(c.digest))
                    continue;
                const child = { digest: c.digest, mediaType: c.mediaType ?? '', tags: [], children: [] };
                nodes.set(c.digest, child);
                found.push(child);
                // A descriptor says what the child is; only an index (or an unknown) has to be read.
                if (!c.mediaType || (0, media_1.isIndexType)(c.mediaType))
                    next.push(child);
            }
        });
        level = next;
    }
    return found;
}
async function mustRead(reader, name, digest) {
    const body = await reader.manifest(name, digest);
    if (!body)
        throw new Error(`manifest ${digest} of ${name} disappeared while reading`);
    return body;
}
/**
 * Reads each manifest by digest (never by tag: on Nexus a read by tag marks it pulled) and fills in its
 * media type, size and children, then blobs and `created` as `opts` asks; an index's descendants (to any
 * depth) are read only when its `created` or (with `read`) its blobs are wanted: an index's blobs are its
 * image manifests', its `created` their newest. Never clears what an earlier call filled. Throws on a
 * failed read, so the caller can fail the whole image closed. Pass a cachingReader so calls over the
 * same image read nothing twice.
 */
async function readManifestDetails(reader, name, records, parallel, opts = {}) {
    const wanted = opts.created ?? new Set();
    const blobs = opts.blobs ?? 'none';
    const imageBlobs = (m) => [
        ...m.layers.map(l => ({ digest: l.digest, size: l.size })),
        ...(m.config ? [{ digest: m.config.digest, size: m.config.size }] : [])
    ];
    const createdOf = async (m) => (m.config ? reader.configCreated(name, m.config.digest) : undefined);
    /** The image manifests below an index, each once. */
    const leaves = async (body, depth, seen) => {
        if (depth > exports.MAX_INDEX_DEPTH)
            throw new Error(`indexes nested deeper than ${exports.MAX_INDEX_DEPTH} levels`);
        const kids = body.manifest.manifests.map(c => c.digest).filter(d => !seen.has(d) && seen.add(d));
        const bodies = await Promise.all(kids.map(d => mustRead(reader, name, d)));
        const out = await Promise.all(bodies.map(k => ((0, media_1.isIndexType)(k.mediaType) ? leaves(k, depth + 1, seen) : Promise.resolve([k]))));
        return out.flat();
    };
    await (0, concurrency_1.mapLimit)(records, parallel, async (rec) => {
        const body = await mustRead(reader, name, rec.digest);
        rec.mediaType = body.mediaType;
        rec.manifestSize = body.size;
        if (body.manifest.subject)
            rec.subject = body.manifest.subject;
        const withCreated = wanted.has(rec.digest);
        if ((0, media_1.isIndexType)(body.mediaType)) {
            rec.children = [...new Set(body.manifest.manifests.map(c => c.digest))];
            if (!withCreated && blobs !== 'read')
                return;
            const kids = await leaves(body, 1, new Set([rec.digest]));
            if (blobs !== 'none')
                rec.blobs = dedupe(kids.flatMap(k => imageBlobs(k.manifest)));
            if (withCreated) {
                const dates = (await Promise.all(kids.map(k => createdOf(k.manifest)))).filter((d) => d !== undefined);
                rec.created = dates.length ? new Date(Math.max(...dates.map(d => d.getTime()))) : undefined;
            }
        }
        else {
            if (blobs !== 'none')
                rec.blobs = imageBlobs(body.manifest);
            if (withCreated)
                rec.created = await createdOf(body.manifest);
        }
    });
}
/**
 * Reads config `created` (and an index's children's) only for the manifests whose date the plan needs
 * (src/policy/dates.ts); the reader's cache keeps anything read before from being read again.
 */
async function readNeededDates(reader, inv, policy, parallel, blobs = 'none') {
    // the policy of the rule that decides this image (rules may set older-than, age-basis, sort)
    const created = (0, dates_1.createdNeeded)(inv.manifests, (0, select_1.policyFor)(policy, inv.name).policy, inv.untagged);
    const dated = inv.manifests.filter(m => created.has(m.digest));
    if (dated.length > 0)
        await readManifestDetails(reader, inv.name, dated, parallel, { created, blobs });
}
function dedupe(blobs) {
    const seen = new Map();
    for (const b of blobs)
        seen.set(b.digest, b);
    return [...seen.values()];
}


/***/ }),

/***/ 5625:
/***/ ((__unused_webpack_module, exports) => {


// The logging seam: the action logs through @actions/core (groups, annotations), the CLI to stderr.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.consoleLogger = consoleLogger;
/** Plain console logger for the CLI and scripts: everything on stderr so stdout stays the report. */
function consoleLogger(verbose = false) {
    return {
        debug: m => {
            if (verbose)
                process.stderr.write(`debug: ${m}\n`);
        },
        info: m => process.stderr.write(`${m}\n`),
        warning: m => process.stderr.write(`warning: ${m}\n`),
        error: m => process.stderr.write(`error: ${m}\n`),
        group: async (name, fn) => {
            process.stderr.write(`== ${name}\n`);
            return fn();
        }
    };
}


/***/ }),

/***/ 8820:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Keeps the heap near what the run really holds. Going image by image, a run holds little (about 20 MB
// at 100k tags), but its per-image objects outlive a few scavenges and land in V8's old generation, which
// V8 collects lazily while allocation is fast: measured, the heap reached 95 MB used (peak RSS 190 MB) with
// 20 MB live. A full collection between images once the heap has doubled since the last one keeps the
// peak flat at a few milliseconds per collection. `gc` is reached the way Jest's --logHeapUsage does.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.collectIfHeapGrew = collectIfHeapGrew;
const node_v8_1 = __nccwpck_require__(8877);
const node_vm_1 = __nccwpck_require__(714);
const FLOOR = 32 * 1024 * 1024;
let gc;
let threshold = FLOOR;
function exposeGc() {
    try {
        (0, node_v8_1.setFlagsFromString)('--expose-gc');
        return (0, node_vm_1.runInNewContext)('gc');
    }
    catch {
        return null; // not available: V8 collects on its own, only later
    }
    finally {
        (0, node_v8_1.setFlagsFromString)('--no-expose-gc');
    }
}
/** Called between images: collects when the heap has grown past twice what survived the last collection. */
function collectIfHeapGrew() {
    if (gc === undefined)
        gc = exposeGc();
    if (!gc || (0, node_v8_1.getHeapStatistics)().used_heap_size < threshold)
        return;
    gc();
    threshold = Math.max(FLOOR, 2 * (0, node_v8_1.getHeapStatistics)().used_heap_size);
}


/***/ }),

/***/ 3043:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runMerged = runMerged;
const merge_1 = __nccwpck_require__(3278);
const streamed_run_1 = __nccwpck_require__(1370);
async function runMerged(cfg, deps) {
    const files = (0, merge_1.expandReportGlobs)(cfg.mergeReports);
    deps.log.info(`merge-reports: ${files.length} report(s): ${files.join(', ')}`);
    const reports = files.map(merge_1.readReportFile);
    if (!cfg.reclaimOnly)
        return (0, merge_1.mergeReports)(reports);
    const own = await (0, streamed_run_1.runStreamed)(cfg, deps, false);
    return (0, merge_1.mergeReports)(reports, own.report.summary);
}


/***/ }),

/***/ 6131:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Backend for Nexus 3: inventory from the REST components listing (digest = checksum.sha256, pushed =
// lastModified, last pulled = lastDownloaded), because any manifest read by tag through the registry API
// marks the tag downloaded. Manifests are read by digest, and only where a decision needs them.
// Deleting is per tag through the components API (exact on every version), or by digest when asked.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.NexusBackend = void 0;
exports.recordsFromComponents = recordsFromComponents;
const backend_1 = __nccwpck_require__(3839);
const inventory_1 = __nccwpck_require__(4255);
const concurrency_1 = __nccwpck_require__(1532);
const client_1 = __nccwpck_require__(2440);
const media_1 = __nccwpck_require__(6571);
const client_2 = __nccwpck_require__(9852);
const listing_spool_1 = __nccwpck_require__(5317);
const privileges_1 = __nccwpck_require__(1911);
const digest_1 = __nccwpck_require__(2187);
class NexusBackend {
    http;
    cfg;
    notes = [];
    nexus;
    registries = new Map();
    /** Every listed component (one per tag), slimmed, on disk until its image is inventoried. */
    listing = new listing_spool_1.ListingSpool();
    idsByImage = new WeakMap();
    /** Each image's reads by digest, so the size step re-reads nothing the inventory read. */
    readers = new WeakMap();
    constructor(http, cfg) {
        this.http = http;
        this.cfg = cfg;
        this.nexus = new client_2.NexusClient(http, cfg.host);
    }
    async preflight() {
        const repos = await this.nexus.repositories();
        const docker = repos.filter(r => r.format === 'docker');
        for (const name of this.cfg.repositories) {
            const repo = repos.find(r => r.name === name);
            if (!repo) {
                const known = docker.map(r => `${r.name} (${r.type})`).join(', ') || 'none visible to this user';
                throw new Error(`Nexus repository '${name}' not found (or the user lacks nx-repository-view-docker-${name}-read and -browse). Docker repositories: ${known}`);
            }
            if (repo.format !== 'docker')
                throw new Error(`Nexus repository '${name}' is a ${repo.format} repository, not docker`);
            if (repo.type !== 'hosted') {
                throw new Error(`Nexus repository '${name}' is a ${repo.type} repository: only hosted repositories are cleaned (deleting from a ${repo.type} is not cleanup)`);
            }
        }
        // Every privilege the run needs, before anything changes, all at once (a dry run: those of its real run).
        const privileges = await (0, privileges_1.checkPrivileges)(this.http, this.cfg.host, this.cfg);
        if (privileges.missing.length > 0) {
            const line = `the Nexus user lacks ${(0, privileges_1.describeMissing)(privileges.missing)}: grant them to its role (README "Nexus privileges")`;
            if (!this.cfg.dryRun)
                throw new Error(`${line}. Nothing was changed.`);
            this.notes.push(`the real run would stop before changing anything: ${line}`);
        }
        if (privileges.unchecked.length > 0) {
            this.notes.push(`Nexus did not answer its permissions call, and no safe probe tells whether the user has ${privileges.unchecked.map(n => n.privilege).join(', ')}: a missing one shows as failed reads or deletes`);
        }
    }
    async listImages() {
        const refs = [];
        let lacksModified = 0;
        let lacksDownloaded = 0;
        for (const repository of this.cfg.repositories) {
            await this.nexus.eachComponentPage(repository, items => {
                for (const c of items) {
                    const asset = c.assets?.[0];
                    if (!asset)
                        continue;
                    if (!('lastModified' in asset))
                        lacksModified++;
                    if (!('lastDownloaded' in asset))
                        lacksDownloaded++;
                    this.listing.add(repository, c.name, slim(c));
                }
            });
            for (const name of this.listing.images(repository))
                refs.push({ repository, name });
        }
        if (lacksModified > 0) {
            this.notes.push(`This Nexus (before 3.29) reports no lastModified: the pushed date is unknown for ${lacksModified} tags, so the image config created date is used`);
        }
        if (lacksDownloaded > 0) {
            if (this.cfg.policy.ageBasis === 'last-pulled') {
                throw new Error(`age-basis last-pulled: this Nexus (before 3.39) reports no lastDownloaded for ${lacksDownloaded} tags; use age-basis pushed or created`);
            }
            this.notes.push(`This Nexus (before 3.39) reports no lastDownloaded: the last-pulled basis is unavailable`);
        }
        return refs;
    }
    async inventory(ref) {
        const inv = { repository: ref.repository, name: ref.name, manifests: [] };
        try {
            inv.manifests = recordsFromComponents(this.listing.read(ref.repository, ref.name));
            const reader = this.reader(inv);
            // Blobs only from bodies read anyway (reading more for the estimate is size-estimate: on).
            const blobs = this.cfg.sizeEstimate === 'off' ? 'none' : 'free';
            // The graph: index children are only known from the index itself (to any depth; an asset without
            // contentType, before 3.29, might be one), and subjects not in it are read by digest.
            const structure = inv.manifests.filter(m => !m.mediaType || (0, media_1.isIndexType)(m.mediaType));
            await (0, inventory_1.readGraph)(reader, inv, this.cfg.concurrency);
            // Blobs of the bodies just read (the reader's cache answers: no second request).
            if (blobs !== 'none')
                await (0, inventory_1.readManifestDetails)(reader, ref.name, structure, this.cfg.concurrency, { blobs });
            // Then manifest and config by digest only where a decision needs `created` (src/policy/dates.ts).
            await (0, inventory_1.readNeededDates)(reader, inv, this.cfg.policy, this.cfg.concurrency, blobs);
        }
        catch (e) {
            inv.error = e.message;
        }
        return inv;
    }
    /**
     * One manifest read by digest per deleted manifest not read yet (and an index's children): with
     * size-estimate on, and by default (auto) in a dry run, whose question is "how much will I get back?".
     * Reads by digest do not mark anything pulled (NEXUS-25991). A real run measures the blob stores instead.
     */
    async readSizes(image, digests) {
        if (this.cfg.sizeEstimate === 'off' || (this.cfg.sizeEstimate === 'auto' && !this.cfg.dryRun))
            return;
        const want = new Set(digests);
        const records = image.manifests.filter(m => want.has(m.digest) && !m.blobs);
        await (0, inventory_1.readManifestDetails)(this.reader(image), image.name, records, this.cfg.concurrency, { blobs: 'read' });
    }
    async recheck(image, doomed) {
        const changed = new Map();
        const ids = this.componentIds(image);
        // Nexus has no conditional delete and a component id survives a re-push: only this read, when asked
        // for, stops a doomed tag re-pushed since the listing from being deleted with its new content.
        if (this.cfg.verifyBeforeDelete) {
            await (0, concurrency_1.mapLimit)(doomed, this.cfg.concurrency, async (d) => {
                for (const tag of d.tags) {
                    const now = await this.nexus.component(ids.get(`${d.digest} ${tag}`));
                    if (!now)
                        continue; // already gone: nothing moved
                    const digest = digestOf(now);
                    if (digest !== d.digest) {
                        changed.set(d.digest, `changed since planned: ${tag} was re-pushed (now ${digest ? (0, digest_1.shortDigest)(digest) : 'unknown'})`);
                        return;
                    }
                }
            });
        }
        if (this.cfg.deleteMethod === 'component' && doomed.some(d => (d.after?.length ?? 0) > 0)) {
            // A component delete takes one tag and never the content another tag holds, but what hangs from a
            // doomed manifest (its signatures, its tagged children) goes with it: a kept tag re-pointed onto
            // that manifest meanwhile must stop it. Read through REST (no pull mark), only for such images.
            await this.keptTagsOnDoomed(image, doomed, changed);
        }
        if (this.cfg.deleteMethod === 'manifest' && doomed.length > 0) {
            // A delete by digest takes every tag on it on some versions: a tag added since the plan, or a kept
            // tag re-pointed onto a doomed digest, must stop it. Kept tags are read through REST (no pull mark).
            const registry = this.registry(image.repository);
            const known = new Set(image.manifests.flatMap(m => m.tags));
            const doomedDigests = new Set(doomed.map(d => d.digest));
            for (const tag of (await registry.tags(image.name)).filter(t => !known.has(t))) {
                const head = await registry.resolve(image.name, tag);
                if (head && doomedDigests.has(head.digest))
                    changed.set(head.digest, `changed since planned: new tag ${tag} now points at it`);
            }
            await this.keptTagsOnDoomed(image, doomed, changed);
        }
        return changed;
    }
    /** Marks each doomed digest that a kept tag (read now, by component id) points at. */
    async keptTagsOnDoomed(image, doomed, changed) {
        const doomedDigests = new Set(doomed.map(d => d.digest));
        const kept = image.manifests.filter(m => !doomedDigests.has(m.digest));
        await (0, concurrency_1.mapLimit)(kept.flatMap(m => Object.entries(m.componentIds ?? {})), this.cfg.concurrency, async ([tag, id]) => {
            const now = await this.nexus.component(id);
            const digest = now && digestOf(now);
            if (digest && doomedDigests.has(digest))
                changed.set(digest, `changed since planned: kept tag ${tag} now points at it`);
        });
    }
    async delete(image, d) {
        const ids = this.componentIds(image);
        if (this.cfg.deleteMethod === 'manifest') {
            const r = await this.registry(image.repository).deleteManifest(image.name, d.digest);
            // Nexus 3.89+ removes only the manifest and leaves the tag components dangling: finish them.
            for (const tag of d.tags) {
                if (await this.holds(image, d.digest, tag))
                    await this.nexus.deleteComponent(ids.get(`${d.digest} ${tag}`), image.repository);
            }
            return r;
        }
        const results = await (0, concurrency_1.mapLimit)(d.tags, this.cfg.concurrency, async (tag) => {
            try {
                return { tag, result: await this.nexus.deleteComponent(ids.get(`${d.digest} ${tag}`), image.repository) };
            }
            catch (e) {
                return { tag, error: e };
            }
        });
        const failed = results.find(r => r.error);
        if (failed?.error) {
            // Some tags may be gone already: say exactly which, so the counts stay true.
            throw new backend_1.PartialDeleteError(failed.error.message, results.filter(r => r.result === 'deleted').map(r => r.tag));
        }
        return results.every(r => r.result === 'gone') ? 'gone' : 'deleted';
    }
    async gone(image, decision) {
        if (this.cfg.deleteMethod === 'manifest')
            return (await this.registry(image.repository).resolve(image.name, decision.digest)) === undefined;
        // a component delete removes tags: gone when no tag's component still holds this manifest
        for (const tag of decision.tags)
            if (await this.holds(image, decision.digest, tag))
                return false;
        return true;
    }
    /** Whether the component of `tag` (by the id the listing gave) still holds `digest`: read through REST. */
    async holds(image, digest, tag) {
        const c = await this.nexus.component(this.componentIds(image).get(`${digest} ${tag}`));
        return c !== undefined && digestOf(c) === digest;
    }
    async confirm(image, deleted) {
        const left = new Map();
        // One tags/list per image (no manifest read, so nothing is marked pulled); only tags still listed
        // are looked at one by one.
        const listed = new Set(await this.registry(image.repository).tags(image.name));
        for (const d of deleted) {
            const still = [];
            for (const tag of d.tags.filter(t => listed.has(t)))
                if (await this.holds(image, d.digest, tag))
                    still.push(tag);
            if (still.length > 0)
                left.set(d.digest, { tags: still, problem: `tag ${still.join(', ')} ${still.length === 1 ? 'is' : 'are'} still present` });
        }
        return left;
    }
    close() {
        this.listing.close();
    }
    registry(repository) {
        let r = this.registries.get(repository);
        if (!r) {
            r = new client_1.RegistryClient(this.http, (0, client_2.registryBase)(this.cfg.host, repository, this.cfg.registryUrl));
            this.registries.set(repository, r);
        }
        return r;
    }
    reader(image) {
        let r = this.readers.get(image);
        if (!r) {
            // Nexus 3 has no OCI referrers API: asking would only spend requests (counted by CE's daily limit).
            const registry = this.registry(image.repository);
            r = (0, inventory_1.cachingReader)({
                manifest: registry.manifest.bind(registry),
                resolve: registry.resolve.bind(registry),
                configCreated: registry.configCreated.bind(registry)
            });
            this.readers.set(image, r);
        }
        return r;
    }
    /** `${digest} ${tag}` -> component id; built once per image (delete runs once per manifest). */
    componentIds(image) {
        let ids = this.idsByImage.get(image);
        if (!ids) {
            ids = new Map();
            for (const m of image.manifests)
                for (const [tag, id] of Object.entries(m.componentIds ?? {}))
                    ids.set(`${m.digest} ${tag}`, id);
            this.idsByImage.set(image, ids);
        }
        return ids;
    }
}
exports.NexusBackend = NexusBackend;
/** Keeps only what decisions need of a listed component, so memory stays small for large repositories. */
function slim(c) {
    // listImages takes only components with an asset
    const a = c.assets[0];
    const asset = { path: '', checksum: { sha256: a.checksum?.sha256 } };
    if (a.contentType !== undefined)
        asset.contentType = a.contentType;
    if ('lastModified' in a)
        asset.lastModified = a.lastModified;
    if ('lastDownloaded' in a)
        asset.lastDownloaded = a.lastDownloaded;
    return { id: c.id, repository: c.repository, format: c.format, group: null, name: c.name, version: c.version, assets: [asset] };
}
function digestOf(c) {
    const sha = c.assets?.[0]?.checksum?.sha256;
    return sha ? `sha256:${sha}` : undefined;
}
/** Groups one image's components (one per tag) into manifests; dates are the newest among the tags. */
function recordsFromComponents(components) {
    const tagged = components.map(c => {
        const asset = c.assets[0];
        const digest = digestOf(c);
        if (!asset)
            throw new Error(`component ${c.name}:${c.version} has no asset`);
        if (!digest)
            throw new Error(`component ${c.name}:${c.version} has no sha256 checksum`);
        return { tag: c.version, digest, mediaType: asset.contentType ?? '', c, asset };
    });
    const records = (0, inventory_1.groupByDigest)(tagged);
    const byDigest = new Map(records.map(r => [r.digest, r]));
    // What Nexus adds per tag: its component id, and the newest push and pull among the tags of a digest.
    for (const { tag, digest, c, asset } of tagged) {
        const rec = byDigest.get(digest);
        rec.componentIds = { ...rec.componentIds, [tag]: c.id };
        const pushed = (0, client_2.parseNexusDate)(asset.lastModified);
        if (pushed && (!rec.pushed || pushed > rec.pushed))
            rec.pushed = pushed;
        if ('lastDownloaded' in asset) {
            const pulled = (0, client_2.parseNexusDate)(asset.lastDownloaded) ?? null;
            if (rec.lastPulled === undefined || (pulled && (!rec.lastPulled || pulled > rec.lastPulled)))
                rec.lastPulled = pulled;
        }
    }
    return records;
}


/***/ }),

/***/ 9852:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// A thin client for the Nexus 3 REST API (/service/rest/v1): components with continuationToken paging,
// component read and delete, repositories. Response shapes: the team's Nexus reference (API.md) sections 3, 4 and 6; test/fixtures/nexus.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.NexusClient = exports.MAX_COMPONENT_PAGES = void 0;
exports.parseNexusDate = parseNexusDate;
exports.registryBase = registryBase;
exports.restBase = restBase;
exports.authFailure = authFailure;
const node_crypto_1 = __nccwpck_require__(7598);
const http_1 = __nccwpck_require__(6803);
/** A hard bound on pages of one repository's components (10M components at 100 a page). */
exports.MAX_COMPONENT_PAGES = 100_000;
function idKey(id) {
    return parseInt((0, node_crypto_1.createHash)('sha1').update(id).digest('hex').slice(0, 12), 16);
}
/** Dates are `2022-08-29T07:11:42.914+00:00` (3.26+) or `...+0000` (older Jackson). */
function parseNexusDate(text) {
    if (!text)
        return undefined;
    const d = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(d.getTime()) ? undefined : d;
}
/**
 * Where a Nexus repository's Docker v2 API is served: `registry-url` when given (a connector port, another
 * host), else `<host>/repository/<repository>` on the main port.
 */
function registryBase(host, repository, registryUrl) {
    return registryUrl ?? `${host}/repository/${repository}`;
}
/** The REST API's base under a Nexus base URL (a context path such as `/nexus` included). */
function restBase(host) {
    return `${host}/service/rest/v1`;
}
class NexusClient {
    http;
    maxPages;
    rest;
    constructor(http, host, maxPages = exports.MAX_COMPONENT_PAGES) {
        this.http = http;
        this.maxPages = maxPages;
        this.rest = restBase(host);
    }
    /** Every repository the user may browse (a plain array, not a page). */
    async repositories() {
        const url = `${this.rest}/repositories`;
        const res = await this.http.request('GET', url, {
            kind: 'nexus GET repositories',
            headers: { accept: 'application/json' },
            handles: [401, 403, 404]
        });
        if (res.status === 404) {
            // The usual cause: host set to a repository or connector URL, or missing Nexus's context path.
            throw new Error(`GET ${url} answered 404: host must be Nexus's base URL (e.g. https://nexus.example.com, with its context path such as /nexus if it has one), ` +
                `not a repository's. Where the Docker API is on a connector port or another host, keep host on Nexus and set registry-url (e.g. https://nexus.example.com:8082)`);
        }
        authFailure(res.status, 'list repositories', '');
        return JSON.parse(res.body.toString('utf8'));
    }
    /**
     * Calls `onPage` for each page of components until the token runs out. The datastore returns a
     * token whenever a page is full, so a repository of exactly 100*k components ends with an empty page.
     * Fails closed: a page without an `items` list, a page repeating a component already listed, a token
     * seen before, or more than MAX_COMPONENT_PAGES pages is an error, never the end of the listing.
     */
    async eachComponentPage(repository, onPage) {
        const tokens = new Set();
        // Component ids as 48-bit numbers: a few MB at a million components, and a collision only stops a run.
        const ids = new Set();
        let token = null;
        for (let page = 1;; page++) {
            if (page > this.maxPages)
                throw new Error(`Nexus components of ${repository}: more than ${this.maxPages} pages, stopped (a listing that never ends)`);
            const url = new URL(`${this.rest}/components`);
            url.searchParams.set('repository', repository);
            if (token)
                url.searchParams.set('continuationToken', token);
            const res = await this.http.request('GET', url.toString(), {
                kind: 'nexus GET components',
                headers: { accept: 'application/json' },
                handles: [401, 403, 404]
            });
            authFailure(res.status, `list repository ${repository}`, `nx-repository-view-docker-${repository}-read (or -browse)`);
            if (res.status === 404) {
                if (page === 1)
                    throw new Error(`Nexus repository '${repository}' not found`);
                throw new http_1.HttpError('GET', url.toString(), 404, `page ${page} of the components of ${repository} is missing: the listing is incomplete`);
            }
            let body;
            try {
                body = JSON.parse(res.body.toString('utf8'));
            }
            catch {
                throw new http_1.HttpError('GET', url.toString(), res.status, 'the body is not JSON');
            }
            const items = body?.items;
            if (!Array.isArray(items))
                throw new http_1.HttpError('GET', url.toString(), res.status, `page ${page} has no "items" list: the listing is incomplete`);
            const next = body?.continuationToken;
            if (next !== null && typeof next !== 'string') {
                throw new http_1.HttpError('GET', url.toString(), res.status, `page ${page} has no "continuationToken" (string or null): the listing is incomplete`);
            }
            for (const c of items) {
                const key = idKey(String(c?.id));
                if (ids.has(key))
                    throw new http_1.HttpError('GET', url.toString(), res.status, `page ${page} repeats component ${String(c?.id)}, listed before`);
                ids.add(key);
            }
            onPage(items);
            if (next === null)
                return;
            if (tokens.has(next) || next === token)
                throw new Error(`Nexus repeated continuationToken ${next} for ${repository}: the listing does not advance`);
            tokens.add(next);
            token = next;
        }
    }
    /** A component, or undefined when it no longer exists. */
    async component(id) {
        const url = `${this.rest}/components/${encodeURIComponent(id)}`;
        const res = await this.http.request('GET', url, { kind: 'nexus GET component', headers: { accept: 'application/json' }, handles: [401, 403, 404] });
        authFailure(res.status, 'read components', '');
        if (res.status === 404)
            return undefined;
        return JSON.parse(res.body.toString('utf8'));
    }
    /** Deletes one tag (component): exact on every Nexus version. 'gone' when it no longer existed. */
    async deleteComponent(id, repository) {
        const url = `${this.rest}/components/${encodeURIComponent(id)}`;
        const res = await this.http.request('DELETE', url, { kind: 'nexus DELETE component', handles: [401, 403, 404] });
        authFailure(res.status, `delete from ${repository}`, `nx-repository-view-docker-${repository}-delete`);
        return res.status === 404 ? 'gone' : 'deleted';
    }
}
exports.NexusClient = NexusClient;
/** 401 and 403 become one clear line naming what was refused and the privilege that allows it. */
function authFailure(status, what, privilege) {
    if (status === 401)
        throw new Error(`Nexus refused the credentials (401) trying to ${what}: check username and password`);
    if (status === 403) {
        throw new Error(`Nexus answered 403 trying to ${what}: the user lacks the privilege${privilege ? ` ${privilege}` : ''}`);
    }
}


/***/ }),

/***/ 8403:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// What must still be there after Nexus's Docker GC: every manifest a run kept (or did not get to delete),
// with the untagged children it reaches, by digest. Sonatype documents that the GC task may delete OCI
// manifests unexpectedly (API.md 14.4), so after it runs every one is read again, by digest (which marks
// nothing pulled). Collected only when the run will run the cleanup tasks.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.KeptContent = void 0;
const digest_1 = __nccwpck_require__(2187);
const concurrency_1 = __nccwpck_require__(1532);
const client_1 = __nccwpck_require__(2440);
class KeptContent {
    digests;
    entries = [];
    /** Repositories whose manifests include OCI ones. */
    ociRepositories = new Set();
    /** @param digests false in a dry run: only which repositories hold OCI manifests is kept. */
    constructor(digests = true) {
        this.digests = digests;
    }
    add(inv, outcomes) {
        const records = new Map([...inv.manifests, ...(inv.untagged ?? [])].map(m => [m.digest, m]));
        for (const m of records.values())
            if (m.mediaType.startsWith('application/vnd.oci.'))
                this.ociRepositories.add(inv.repository);
        if (!this.digests)
            return;
        const digests = new Map();
        const queue = outcomes.filter(o => o.status !== 'deleted').map(o => [o.decision.digest, `${inv.name}:${o.decision.tags[0]}`]);
        while (queue.length > 0) {
            const [digest, name] = queue.shift();
            if (digests.has(digest))
                continue;
            digests.set(digest, name);
            for (const c of records.get(digest)?.children ?? [])
                queue.push([c, `${name} (child ${(0, digest_1.shortDigest)(c)})`]);
        }
        if (digests.size > 0)
            this.entries.push({ repository: inv.repository, image: inv.name, digests });
    }
    /** One line per kept manifest that no longer resolves. */
    async verify(http, registryBase, parallel) {
        const clients = new Map();
        const problems = [];
        for (const e of this.entries) {
            let client = clients.get(e.repository);
            if (!client) {
                client = new client_1.RegistryClient(http, registryBase(e.repository));
                clients.set(e.repository, client);
            }
            const c = client;
            await (0, concurrency_1.mapLimit)([...e.digests], parallel, async ([digest, name]) => {
                if (!(await c.resolve(e.image, digest)))
                    problems.push(`${name}: ${digest} is gone`);
            });
        }
        return problems.sort();
    }
}
exports.KeptContent = KeptContent;


/***/ }),

/***/ 5317:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The components listing of a repository, kept on disk while the run goes image by image. Nexus lists a
// repository's components in id order, every image mixed with every other, so the whole listing has to
// be read before the first image can be planned; holding it in memory costs about 0.5 KB per tag (50 MB at
// 100k tags). Here each component is one JSON line in a private temporary file, and memory holds only
// where each image's lines are (two numbers per tag).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ListingSpool = void 0;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __nccwpck_require__(6760);
const temp_dir_1 = __nccwpck_require__(327);
class ListingSpool {
    dir;
    fd;
    size = 0;
    /** `${repository}\0${image}` -> [offset, length, offset, length, ...] of its lines. */
    where = new Map();
    add(repository, image, item) {
        const fd = this.open();
        const line = Buffer.from(JSON.stringify(item) + '\n');
        (0, node_fs_1.writeSync)(fd, line, 0, line.length, this.size);
        const key = `${repository}\u0000${image}`;
        const spans = this.where.get(key) ?? [];
        spans.push(this.size, line.length);
        this.where.set(key, spans);
        this.size += line.length;
    }
    /** Image names listed in `repository`, sorted. */
    images(repository) {
        const prefix = `${repository}\u0000`;
        return [...this.where.keys()]
            .filter(k => k.startsWith(prefix))
            .map(k => k.slice(prefix.length))
            .sort();
    }
    /** The items of one image, in listing order. */
    read(repository, image) {
        const spans = this.where.get(`${repository}\u0000${image}`);
        if (!spans || this.fd === undefined)
            return [];
        const out = [];
        let buf = Buffer.alloc(0);
        for (let i = 0; i < spans.length; i += 2) {
            const offset = spans[i];
            const length = spans[i + 1]; // spans come in pairs
            if (buf.length < length)
                buf = Buffer.alloc(Math.max(length, 4096));
            (0, node_fs_1.readSync)(this.fd, buf, 0, length, offset);
            out.push(JSON.parse(buf.toString('utf8', 0, length)));
        }
        return out;
    }
    /** Deletes the file; the spool is empty afterwards. Safe to call more than once. */
    close() {
        if (this.fd !== undefined)
            (0, node_fs_1.closeSync)(this.fd);
        if (this.dir !== undefined)
            (0, node_fs_1.rmSync)(this.dir, { recursive: true, force: true });
        this.fd = undefined;
        this.dir = undefined;
        this.where.clear();
        this.size = 0;
    }
    open() {
        if (this.fd === undefined) {
            this.dir = (0, temp_dir_1.privateTempDir)();
            this.fd = (0, node_fs_1.openSync)((0, node_path_1.join)(this.dir, 'components.jsonl'), 'w+', 0o600);
        }
        return this.fd;
    }
}
exports.ListingSpool = ListingSpool;


/***/ }),

/***/ 1911:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Which Nexus privileges a run needs, and which the user lacks, found before the first request that
// changes anything, all at once (API.md 14.2, 14.3). The user's permissions come from the call the UI makes
// (Ext.Direct rapture_Security.getPermissions); where it does not answer, from probes that cannot change
// anything. A privilege neither can tell stays "unchecked".
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.neededPrivileges = neededPrivileges;
exports.implies = implies;
exports.checkPrivileges = checkPrivileges;
exports.describeMissing = describeMissing;
const node_crypto_1 = __nccwpck_require__(7598);
const client_1 = __nccwpck_require__(9852);
/** Every privilege a run with this config needs (a dry run: those of the real run it stands for). */
function neededPrivileges(cfg) {
    const needs = [];
    for (const r of cfg.repositories) {
        needs.push({
            privilege: `nx-repository-view-docker-${r}-read`,
            permission: `nexus:repository-view:docker:${r}:read`,
            purpose: `list ${r} and read its manifests by digest`
        });
        needs.push({ privilege: `nx-repository-view-docker-${r}-delete`, permission: `nexus:repository-view:docker:${r}:delete`, purpose: `delete tags in ${r}` });
        if (cfg.runCleanupTasks) {
            needs.push({
                privilege: `nx-repository-admin-docker-${r}-read`,
                permission: `nexus:repository-admin:docker:${r}:read`,
                purpose: `find the blob store of ${r}`
            });
        }
    }
    if (cfg.runCleanupTasks) {
        needs.push({ privilege: 'nx-blobstores-read', permission: 'nexus:blobstores:read', purpose: 'measure the blob stores' });
        needs.push({ privilege: 'nx-tasks-read', permission: 'nexus:tasks:read', purpose: 'find the cleanup tasks and follow their runs' });
        needs.push({ privilege: 'nx-tasks-run', permission: 'nexus:tasks:start', purpose: 'run the cleanup tasks' });
        if (cfg.createMissingTasks)
            needs.push({ privilege: 'nx-tasks-create', permission: 'nexus:tasks:create', purpose: 'create missing cleanup tasks' });
    }
    return needs;
}
/**
 * Shiro's WildcardPermission.implies (case-insensitive): parts split on `:`, each a comma list or `*`; a
 * granted permission with fewer parts implies everything below its last part.
 */
function implies(granted, needed) {
    const parts = (p) => p
        .toLowerCase()
        .split(':')
        .map(x => new Set(x.split(',').map(s => s.trim())));
    const g = parts(granted);
    const n = parts(needed);
    for (let i = 0; i < n.length; i++) {
        const gi = g[i];
        if (!gi)
            return true;
        if (!gi.has('*') && ![...(n[i] ?? [])].every(x => gi.has(x)))
            return false;
    }
    for (const gi of g.slice(n.length))
        if (!gi.has('*'))
            return false;
    return true;
}
async function checkPrivileges(http, host, cfg) {
    const needs = neededPrivileges(cfg);
    const granted = await permissionsOf(http, host);
    if (granted)
        return { missing: needs.filter(n => !granted.some(g => implies(g, n.permission))), unchecked: [], via: 'permissions' };
    const report = { missing: [], unchecked: [], via: 'probes' };
    for (const n of needs) {
        const has = await probe(http, host, n);
        if (has === undefined)
            report.unchecked.push(n);
        else if (!has)
            report.missing.push(n);
    }
    return report;
}
/** The user's permission strings, from the UI's own call; undefined when it does not answer so. */
async function permissionsOf(http, host) {
    const res = await http.request('POST', `${host}/service/extdirect`, {
        kind: 'nexus POST extdirect getPermissions',
        retry: false,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ action: 'rapture_Security', method: 'getPermissions', data: null, type: 'rpc', tid: 1 }),
        handles: [400, 401, 403, 404, 405, 500]
    });
    if (res.status !== 200)
        return undefined;
    try {
        const j = JSON.parse(res.body.toString('utf8'));
        if (j.result?.success !== true || !Array.isArray(j.result.data))
            return undefined;
        return j.result.data.map(d => d.id).filter((id) => typeof id === 'string');
    }
    catch {
        return undefined;
    }
}
/** A request that changes nothing whose answer depends on the permission; undefined = cannot tell. */
async function probe(http, host, n) {
    const rest = (0, client_1.restBase)(host);
    const ask = async (method, url, yes, no, body) => {
        const res = await http.request(method, url, {
            kind: `nexus privilege probe ${n.privilege.startsWith('nx-repository') ? n.privilege.replace(/-[^-]+$/, '') : n.privilege}`,
            retry: false,
            headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(body !== undefined ? { body } : {}),
            handles: [400, 401, 403, 404, 405, 500]
        });
        return yes.includes(res.status) ? true : no.includes(res.status) ? false : undefined;
    };
    const admin = /^nexus:repository-admin:docker:(.+):read$/.exec(n.permission);
    switch (n.permission) {
        case 'nexus:tasks:read':
            return ask('GET', `${rest}/tasks?type=blobstore.compact`, [200], [403]);
        case 'nexus:tasks:start':
            // checked before the task is looked up: 403 without it, 404 with it for an id that cannot exist
            return ask('POST', `${rest}/tasks/${(0, node_crypto_1.randomUUID)()}/run`, [404], [403]);
        case 'nexus:tasks:create':
            // checked before the body: 403 without it, 400 for an empty template with it; nothing is created
            return ask('POST', `${rest}/tasks`, [400], [403], '{}');
        case 'nexus:blobstores:read':
            return ask('GET', `${rest}/blobstores`, [200], [403]);
    }
    // the repository is known to exist (preflight listed it): 404 here means the admin read is lacking
    if (admin)
        return ask('GET', `${rest}/repositories/docker/hosted/${encodeURIComponent(admin[1] ?? '')}`, [200], [403, 404]);
    return undefined;
}
/** One line naming every missing privilege and what for. */
function describeMissing(missing) {
    return missing.map(n => `${n.privilege} (to ${n.purpose})`).join(', ');
}


/***/ }),

/***/ 8380:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Reclaim disk after deleting: Nexus frees nothing until "Docker - Delete unused manifests and images"
// (repository.docker.gc) and then "Admin - Compact blob store" (blobstore.compact) have run, in that order.
// On a datastore Nexus (3.71+, and any datastore server) a deleted asset only orphans its blob: Nexus's own
// "Cleanup unused docker blobs from <content store>" (assetBlob.cleanup) must soft-delete the orphans
// between the two, or compact frees nearly nothing (API.md 14.1). This step finds (or creates) the tasks,
// runs them one after the other, waits for each (14.2: a run counts only once it started after we asked),
// and measures the blob stores before and after.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ReclaimError = exports.BLOB_CLEANUP_TYPE = exports.COMPACT_TYPE = exports.GC_TYPE = void 0;
exports.reclaim = reclaim;
const tasks_1 = __nccwpck_require__(9609);
const bytes_1 = __nccwpck_require__(6136);
const sleep_1 = __nccwpck_require__(6972);
exports.GC_TYPE = 'repository.docker.gc';
exports.COMPACT_TYPE = 'blobstore.compact';
/** Created by Nexus per format and content store on the datastore; listed and runnable, not creatable. */
exports.BLOB_CLEANUP_TYPE = 'assetBlob.cleanup';
/** Nexus's generated name for the docker one (AssetBlobCleanupTaskManager), read where 3.94's properties are not. */
const BLOB_CLEANUP_NAME = /^Cleanup unused docker blobs from (.+)$/;
/** Datastore blob store metrics are flushed every 2 s (nexus.blobstore.metrics.flushInterval, API.md 14.1). */
const METRICS_FLUSH_MS = 2_500;
class ReclaimError extends Error {
}
exports.ReclaimError = ReclaimError;
async function reclaim(cfg, http, log, deletedSomething, opts = {}) {
    const tasks = new tasks_1.NexusTasks(http, cfg.host);
    const report = { tasks: [], blobStores: [], notes: [] };
    const now = opts.now ?? Date.now;
    const wait = opts.sleep ?? sleep_1.sleep;
    const clock = { now, sleep: wait, min: opts.pollMinMs ?? 500, max: opts.pollMaxMs ?? 5000 };
    const stores = new Map(); // repository -> blob store
    for (const repo of cfg.repositories)
        stores.set(repo, await tasks.blobStoreOf(repo));
    // GC per repository (one task may serve several: repositoryName `*`), then the datastore's blob cleanup,
    // then compact per blob store.
    const gcs = [];
    for (const repo of cfg.repositories) {
        const p = await findTask(tasks, cfg, exports.GC_TYPE, cfg.gcTask, 'gc-task', repo, t => [repo, '*'].includes(t.properties?.repositoryName ?? ''), {
            repositoryName: repo,
            deployOffset: String(cfg.gcDeployOffsetHours)
        });
        if (!gcs.some(x => x.task.id === p.task.id))
            gcs.push(p);
    }
    const cleanups = (await tasks.list(exports.BLOB_CLEANUP_TYPE))
        .filter(t => (t.properties ? t.properties.format === 'docker' : BLOB_CLEANUP_NAME.test(t.name)))
        .map(t => ({
        task: t,
        type: exports.BLOB_CLEANUP_TYPE,
        target: `docker blobs of ${t.properties?.contentStore ?? BLOB_CLEANUP_NAME.exec(t.name)?.[1] ?? '?'}`,
        confirmed: true
    }));
    const compacts = [];
    for (const store of new Set(stores.values())) {
        const p = await findTask(tasks, cfg, exports.COMPACT_TYPE, cfg.compactTask, 'compact-task', store, t => t.properties?.blobstoreName === store, {
            blobstoreName: store
        });
        if (!compacts.some(x => x.task.id === p.task.id))
            compacts.push(p);
    }
    const plan = [...gcs, ...cleanups, ...compacts];
    if (plan.some(p => !p.confirmed)) {
        report.notes.push('Nexus before 3.94 does not show which repository or blob store a task works on: the tasks marked "unconfirmed" were ' +
            'the only ones of their type, but may clean another one (name them with gc-task / compact-task, or set create-missing-tasks ' +
            'on 3.74+ to create dedicated ones)');
    }
    if (cleanups.length === 0) {
        report.notes.push(`no "Cleanup unused docker blobs" task (${exports.BLOB_CLEANUP_TYPE}) is listed: on OrientDB deleted blobs are released at once; on a datastore ` +
            'Nexus compact frees only what its half-hourly cleanup released');
    }
    for (const repo of opts.ociRepositories ?? []) {
        const note = `repository ${repo} holds OCI manifests: Sonatype documents that "Docker - Delete unused manifests and images" may delete OCI manifests unexpectedly, so every kept tag is re-read after it runs`;
        report.notes.push(note);
        if (!cfg.dryRun && deletedSomething)
            log.warning(note);
    }
    const row = (p, result) => ({
        name: p.task.name,
        id: p.task.id,
        type: p.type,
        target: p.confirmed ? p.target : `${p.target} (unconfirmed)`,
        result
    });
    if (cfg.dryRun || !deletedSomething) {
        const result = cfg.dryRun ? 'would run' : 'not run';
        for (const p of plan)
            report.tasks.push(row(p, result));
        report.notes.push(cfg.dryRun ? 'dry run: the cleanup tasks were found but not run' : 'nothing was deleted, so the cleanup tasks were not run');
        return report;
    }
    const before = await tasks.blobStores();
    for (const store of new Set(stores.values())) {
        const b = before.find(s => s.name === store);
        report.blobStores.push({ name: store, type: b?.type ?? 'unknown', beforeBytes: b?.totalSizeInBytes, beforeBlobs: b?.blobCount });
    }
    const runAll = async (list) => {
        for (const p of list) {
            const run = await runAndWait(tasks, p, row(p, 'not run'), cfg.taskTimeoutMs, log, clock);
            report.tasks.push(run);
            if (run.result !== 'OK') {
                throw new ReclaimError(`task '${p.task.name}' (${p.type}) ended ${run.result}${run.message ? `: ${run.message}` : ''}`);
            }
        }
    };
    await runAll(gcs);
    if (opts.verifyKept) {
        const broken = await opts.verifyKept();
        if (broken.length > 0)
            throw new ReclaimError(`after Docker GC, kept content is missing: ${broken.slice(0, 5).join('; ')}${broken.length > 5 ? ` (and ${broken.length - 5} more)` : ''}`);
        log.info('after Docker GC every kept tag still resolves with all it reaches');
    }
    await runAll(cleanups);
    await runAll(compacts);
    if (cleanups.length > 0 && (opts.metricsFlushMs ?? METRICS_FLUSH_MS) > 0)
        await wait(opts.metricsFlushMs ?? METRICS_FLUSH_MS);
    const after = await tasks.blobStores();
    const measuredAt = new Date(now()).toISOString();
    for (const s of report.blobStores) {
        const a = after.find(x => x.name === s.name);
        s.afterBytes = a?.totalSizeInBytes;
        s.afterBlobs = a?.blobCount;
        s.measuredAt = measuredAt;
        if (s.beforeBytes !== undefined && s.afterBytes !== undefined)
            s.freedBytes = s.beforeBytes - s.afterBytes;
        if (s.type === 'S3') {
            report.notes.push(`blob store ${s.name} is S3: compact does nothing there before Nexus 3.80; the bucket's lifecycle rules free the space`);
        }
    }
    const measured = report.blobStores.filter(s => s.freedBytes !== undefined);
    report.reclaimedBytes = measured.reduce((n, s) => n + s.freedBytes, 0);
    const short = opts.expectedBytes !== undefined ? report.reclaimedBytes < opts.expectedBytes : report.reclaimedBytes <= 0;
    if (short)
        report.notes.push(shortfall(report.reclaimedBytes, opts.expectedBytes, cleanups.length > 0, measuredAt));
    log.info(`reclaimed ${(0, bytes_1.formatBytes)(report.reclaimedBytes)} (blob store sizes before and after the tasks)`);
    return report;
}
/** Why less came back than the deleted manifests held, in words a Nexus admin acts on. */
function shortfall(reclaimed, expected, datastore, at) {
    const than = expected !== undefined ? ` of the ${(0, bytes_1.formatBytes)(expected)} the deleted manifests held` : '';
    const why = [
        datastore
            ? 'blobs created less than 60 minutes ago stay orphaned until a later "Cleanup unused docker blobs" run (nexus.assetBlobCleanupTask.blobCreatedDelayMinute) and compact'
            : 'on a datastore Nexus without a listed blob cleanup task, blobs are released only by its own half-hourly cleanup, then a later compact',
        'layers that kept images of the repository share stay (on Nexus the estimate is an upper bound: kept manifests are not read)',
        'layers another repository also uses are never deleted by Docker GC',
        `content pushed within the GC task's deployOffset (hours) is kept`,
        'an S3 blob store frees space by its bucket lifecycle, not compact',
        `blob store metrics can lag a few seconds (measured at ${at})`
    ];
    return `${(0, bytes_1.formatBytes)(reclaimed)} came back${than}. Possible reasons: ${why.join('; ')}`;
}
async function findTask(tasks, cfg, type, wanted, input, target, matches, properties) {
    const planned = (task, confirmed) => ({ task, type, target, confirmed });
    if (wanted) {
        const all = await tasks.list();
        const t = all.find(x => x.id === wanted) ?? all.find(x => x.name === wanted);
        if (!t)
            throw new ReclaimError(`${input} '${wanted}': no Nexus task has that id or name`);
        if (t.type && t.type !== type)
            throw new ReclaimError(`${input} '${wanted}' is a ${t.type} task, not ${type}`);
        return planned(t, true); // the user named it for this
    }
    const name = type === exports.GC_TYPE ? `Docker GC ${target} (nexus-image-lifecycle)` : `Compact ${target} blob store (nexus-image-lifecycle)`;
    const candidates = await tasks.list(type);
    // One this tool created for this target (it carries the name it was given): known to target it.
    const ours = candidates.find(t => t.name === name);
    if (ours)
        return planned(ours, true);
    // Nexus before 3.94 returns no task properties: a match by repository / blob store is only possible from
    // 3.94; before, a lone task of the type is taken but its target stays unconfirmed.
    const withProps = candidates.filter(t => t.properties);
    const matching = withProps.length > 0 ? withProps.filter(matches) : candidates;
    const confirmed = withProps.length > 0;
    if (matching.length > 1) {
        throw new ReclaimError(`several ${type} tasks could serve ${target} (${matching.map(t => `'${t.name}'`).join(', ')}): name one with ${input}`);
    }
    const create = !cfg.dryRun && cfg.createMissingTasks && (matching.length === 0 || !confirmed);
    const only = matching.length === 1 ? matching[0] : undefined;
    if (only && !create)
        return planned(only, confirmed);
    if (create) {
        const id = await tasks.create({ type, name, properties });
        if (id) {
            const created = await tasks.get(id);
            if (created)
                return planned(created, true);
        }
        if (!id && only)
            return planned(only, confirmed);
        if (!id)
            throw new ReclaimError(`this Nexus cannot create tasks through the REST API (before 3.74). ${uiSteps(type, target)}`);
    }
    throw new ReclaimError(`no ${type} task for ${target}. ${uiSteps(type, target)}${cfg.createMissingTasks ? '' : ' (or set create-missing-tasks: true on Nexus 3.74+)'}`);
}
function uiSteps(type, target) {
    const what = type === exports.GC_TYPE
        ? `'Docker - Delete unused manifests and images', Repository: ${target} (or all docker repositories)`
        : `'Admin - Compact blob store', Blob store: ${target}`;
    return `Create it in Nexus: Administration > System > Tasks > Create task > ${what}, Task frequency: Manual; then run again`;
}
const isRunning = (t) => t.currentState.startsWith('RUNNING');
async function runAndWait(tasks, p, out, timeoutMs, log, clock) {
    const start = clock.now();
    const what = `task '${p.task.name}' (${p.type})`;
    const poll = async (done) => {
        for (let wait = clock.min;; wait = Math.min(clock.max, Math.round(wait * 1.5))) {
            const t = await tasks.get(p.task.id);
            if (!t)
                throw new ReclaimError(`${what} disappeared while running`);
            if (done(t))
                return t;
            if (clock.now() - start > timeoutMs) {
                throw new ReclaimError(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s: state ${t.currentState}${t.message ? `, ${t.message}` : ''}`);
            }
            await clock.sleep(wait);
        }
    };
    let seen = await tasks.get(p.task.id);
    if (!seen)
        throw new ReclaimError(`${what} disappeared`);
    if (isRunning(seen)) {
        // A run that started before our deletes may not see them: let it end, then start one of ours.
        log.info(`${what} is already running: waiting for that run to end, then starting one that sees this run's deletions`);
        seen = await poll(t => !isRunning(t));
    }
    const lastRunBefore = seen.lastRun;
    const { answer, detail } = await tasks.run(p.task.id);
    if (answer === 'missing')
        throw new ReclaimError(`${what} disappeared`);
    if (answer === 'disabled')
        throw new ReclaimError(`${what} is disabled in Nexus: enable it, or name another with gc-task/compact-task`);
    if (answer === 'refused') {
        // 500 is any failure to start; it means "already running" only if the task now says so.
        const now = await tasks.get(p.task.id);
        if (!now || !isRunning(now)) {
            throw new ReclaimError(`Nexus answered 500 to starting ${what}, and the task is not running: nothing was started (${detail || 'Nexus gives no reason; a paused scheduler answers so'})`);
        }
        log.info(`${what} was started by someone else a moment ago: waiting for that run`);
    }
    else
        log.info(`started ${what}`);
    out.startedAt = new Date(start).toISOString();
    // Done once it no longer runs and its last run is one that started after we asked.
    const t = await poll(x => !isRunning(x) && x.lastRun !== null && x.lastRun !== lastRunBefore);
    out.result = t.lastRunResult ?? 'unknown';
    out.message = t.message ?? undefined;
    out.durationMs = clock.now() - start;
    log.info(`${what} ended ${out.result} after ${Math.round(out.durationMs / 1000)} s`);
    return out;
}


/***/ }),

/***/ 9609:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Nexus scheduled tasks, repositories' blob stores and blob store sizes (the team's Nexus reference, API.md 6.2, 6.3, 7).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.NexusTasks = void 0;
const client_1 = __nccwpck_require__(9852);
class NexusTasks {
    http;
    rest;
    constructor(http, host) {
        this.http = http;
        this.rest = (0, client_1.restBase)(host);
    }
    async list(type) {
        const url = new URL(`${this.rest}/tasks`);
        if (type)
            url.searchParams.set('type', type);
        const res = await this.http.request('GET', url.toString(), { kind: 'nexus GET tasks', headers: { accept: 'application/json' }, handles: [401, 403] });
        (0, client_1.authFailure)(res.status, 'list tasks', 'nx-tasks-read');
        return JSON.parse(res.body.toString('utf8')).items ?? [];
    }
    async get(id) {
        const res = await this.http.request('GET', `${this.rest}/tasks/${encodeURIComponent(id)}`, {
            kind: 'nexus GET task',
            headers: { accept: 'application/json' },
            handles: [401, 403, 404]
        });
        (0, client_1.authFailure)(res.status, 'read tasks', 'nx-tasks-read');
        return res.status === 404 ? undefined : JSON.parse(res.body.toString('utf8'));
    }
    /**
     * Starts a task. Never retried: a second POST could start a second run. A 500 is any exception while
     * starting (already running, the scheduler paused: TasksResource / QuartzSchedulerSPI, API.md 14.2), so it
     * is `refused` with Nexus's text (empty on 3.30+); only a read of the task tells whether it is running.
     */
    async run(id) {
        const res = await this.http.request('POST', `${this.rest}/tasks/${encodeURIComponent(id)}/run`, {
            kind: 'nexus POST task run',
            retry: false,
            handles: [401, 403, 404, 405, 500]
        });
        (0, client_1.authFailure)(res.status, 'run tasks', 'nx-tasks-run');
        const detail = (res.body.toString('utf8').trim().split('\n')[0] ?? '').slice(0, 200);
        if (res.status === 404)
            return { answer: 'missing', detail };
        if (res.status === 405)
            return { answer: 'disabled', detail };
        if (res.status === 500)
            return { answer: 'refused', detail };
        return { answer: 'started', detail };
    }
    /** Creates a manual task (3.74+). undefined when this Nexus has no such endpoint (404/405). */
    async create(body) {
        const res = await this.http.request('POST', `${this.rest}/tasks`, {
            kind: 'nexus POST tasks',
            retry: false,
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({
                type: body.type,
                name: body.name,
                enabled: true,
                notificationCondition: 'FAILURE',
                frequency: { schedule: 'manual' },
                properties: body.properties
            }),
            handles: [401, 403, 404, 405]
        });
        (0, client_1.authFailure)(res.status, 'create tasks', 'nx-tasks-create');
        if (res.status === 404 || res.status === 405)
            return undefined;
        const json = JSON.parse(res.body.toString('utf8') || '{}');
        if (!json.id)
            throw new Error('Nexus created the task but its answer carries no id');
        return json.id;
    }
    /** The blob store of a Docker hosted repository (needs the repository admin read privilege). */
    async blobStoreOf(repository) {
        const res = await this.http.request('GET', `${this.rest}/repositories/docker/hosted/${encodeURIComponent(repository)}`, {
            kind: 'nexus GET repository settings',
            headers: { accept: 'application/json' },
            handles: [401, 403, 404]
        });
        (0, client_1.authFailure)(res.status, `read the settings of ${repository}`, `nx-repository-admin-docker-${repository}-read`);
        // Without the admin read privilege Nexus answers 404, not 403 (API.md 14.3).
        if (res.status === 404) {
            throw new Error(`Nexus answered 404 for the settings of '${repository}': the user lacks nx-repository-admin-docker-${repository}-read (Nexus says 404, not 403, without it), or it is not a Docker hosted repository`);
        }
        const name = JSON.parse(res.body.toString('utf8')).storage?.blobStoreName;
        if (!name)
            throw new Error(`Nexus did not say which blob store '${repository}' uses`);
        return name;
    }
    async blobStores() {
        const res = await this.http.request('GET', `${this.rest}/blobstores`, {
            kind: 'nexus GET blobstores',
            headers: { accept: 'application/json' },
            handles: [401, 403]
        });
        (0, client_1.authFailure)(res.status, 'read blob stores', 'nx-blobstores-read');
        return JSON.parse(res.body.toString('utf8'));
    }
}
exports.NexusTasks = NexusTasks;


/***/ }),

/***/ 6408:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Community Edition's counters (the team's Nexus reference, API.md 14.4): since 3.87 CE accepts no new
// components above 40,000 in total (every Docker tag is one) and counts requests under /repository/* per
// day. The UI reads both from an internal endpoint; so do we, read-only, and a run never fails on it.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.CE_COMPONENT_LIMIT = void 0;
exports.readUsage = readUsage;
const compare_1 = __nccwpck_require__(5344);
/** Community Edition's component limit (3.87+, enforced since 2 October 2026). */
exports.CE_COMPONENT_LIMIT = 40_000;
function count(v) {
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}
async function readUsage(http, host) {
    try {
        const res = await http.request('GET', `${host}/service/rest/internal/ui/usage-metrics`, {
            kind: 'nexus GET usage-metrics',
            headers: { accept: 'application/json' },
            handles: [401, 403, 404]
        });
        if (res.status === 404)
            return { unavailable: 'this Nexus has none (HTTP 404; they come with 3.87)' };
        if (res.status === 401 || res.status === 403)
            return { unavailable: `the user may not read the usage counters (HTTP ${res.status})` };
        const body = JSON.parse(res.body.toString('utf8'));
        // The newest day's entry; the endpoint is internal, so anything unexpected reads as unavailable.
        const days = Array.isArray(body.usage) ? body.usage.filter(u => u && typeof u === 'object') : [];
        const day = (u) => (typeof u['date'] === 'string' ? u['date'] : '');
        const latest = days.sort((a, b) => (0, compare_1.compareStrings)(day(b), day(a)))[0];
        const components = count(latest?.['component_total_count']);
        if (components === undefined)
            return { unavailable: 'the usage counters answered in an unknown shape' };
        const requests24h = count(latest?.['requests_per_last_24h']);
        return { components, ...(requests24h !== undefined ? { requests24h } : {}) };
    }
    catch (e) {
        return { unavailable: `the usage counters could not be read: ${e.message}` };
    }
}


/***/ }),

/***/ 1213:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.applyBudget = applyBudget;
const item_1 = __nccwpck_require__(4867);
const order_1 = __nccwpck_require__(762);
const ranking_1 = __nccwpck_require__(9156);
/** Tags the plan removes now (pending ones stay). */
function removedTags(work) {
    return work.reduce((n, w) => n + w.items.reduce((m, it) => m + (it.action === 'delete' ? it.tags.length : 0), 0), 0);
}
function applyBudget(planAll, max, budget) {
    // What the rest of the policy removes (its followers placed, without the max-deletions cap).
    const first = planAll();
    (0, order_1.orderDeletions)(first, undefined);
    const planned = removedTags(first);
    const over = budget.components - planned - max;
    const taken = new Set();
    let tookTags = 0;
    if (over > 0) {
        const younger = [];
        for (const w of first) {
            for (const it of w.items)
                if (it.rule === 'younger' && !it.refs && !it.dependent && it.tags.length > 0)
                    younger.push({ w, it, rank: (0, ranking_1.slot)(it, w.policy).rank });
        }
        // lowest-ranked first; among equals the older first, then by name for a stable plan
        younger.sort((a, b) => b.rank - a.rank || (a.it.rankDate ?? 0) - (b.it.rankDate ?? 0) || (0, item_1.cmpStr)((0, item_1.budgetKey)(a.w.inv, a.it), (0, item_1.budgetKey)(b.w.inv, b.it)));
        for (const y of younger) {
            if (tookTags >= over)
                break;
            taken.add((0, item_1.budgetKey)(y.w.inv, y.it));
            tookTags += y.it.tags.length;
        }
    }
    const work = taken.size > 0 ? planAll(taken) : planAll();
    return {
        work,
        report: final => {
            const after = budget.components - removedTags(final);
            return { max, before: budget.components, planned, tookManifests: taken.size, tookTags, after, met: after <= max };
        }
    };
}


/***/ }),

/***/ 5055:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.retainReached = retainReached;
// Retention is a closure: whatever a retained manifest reaches is retained, with the path in its reason.
const graph_1 = __nccwpck_require__(6394);
const item_1 = __nccwpck_require__(4867);
const ranking_1 = __nccwpck_require__(9156);
/**
 * Whatever a retained manifest reaches (children at any depth, their referrers, referrers of referrers)
 * is retained, with the path in its reason: "signature of child of kept 2.0.0". Roots go in plan order,
 * so the path named is the shortest from the highest-ranked kept manifest.
 */
function retainReached(items, graph, byDigest) {
    const roots = items.filter(it => it.rule).sort(ranking_1.byPlanOrder);
    const via = graph.reach(roots.map(it => it.record.digest));
    for (const it of items) {
        if (it.rule)
            continue;
        const into = via.get(it.record.digest);
        if (!into)
            continue;
        const path = [];
        let at = it.record.digest;
        for (let e = into; e; e = via.get(at)) {
            path.push(e.label);
            at = e.from;
        }
        const root = byDigest.get(at);
        if (into.label !== 'child')
            it.subject = into.from;
        (0, item_1.decide)(it, 'keep', into.label === 'child' ? 'child-of-kept-index' : 'referrer-of-kept', (0, graph_1.pathText)(path, `kept ${(0, item_1.label)(root)}`));
    }
}


/***/ }),

/***/ 6931:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Which manifests' image config `created` the planner needs, so the inventory reads a config blob (and on
// Nexus a manifest) only where a decision depends on it. Pure. It works on the planner's own
// classification (src/policy/item.ts: families, referrers, tagged children) and follows its rules: the
// age is `created` with age-basis created, or where no push date is recorded; a date ranks where a family
// is ordered by date, or versions tie. A `created` that is not read leaves the decision's date undefined,
// which only the report's Date column shows ("—").
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.createdNeeded = createdNeeded;
const item_1 = __nccwpck_require__(4867);
const version_1 = __nccwpck_require__(9698);
/**
 * The digests of one image whose `created` the plan needs: an index among them needs its children's too
 * (its `created` is its newest child's), so they are included when the index's children are known.
 * `untagged`: the image's untagged manifests, as the inventory found them (the graph needs them).
 */
function createdNeeded(manifests, policy, untagged = []) {
    const { items, graph } = (0, item_1.classify)({ repository: '', name: '', manifests: [...manifests], untagged: [...untagged] }, policy.ageBasis);
    const pushedKnown = (it) => (0, item_1.validDate)(it.record.pushed) !== undefined;
    const need = new Set();
    // Age (older-than): ranked manifests, and referrers that may be orphans (no subject in the graph), are
    // aged on their own; a tagged child, or a referrer with its subject here, goes with what it hangs from.
    if (policy.olderThan) {
        for (const it of items) {
            if (it.dependent)
                continue;
            if (it.refs && it.refs.some(r => r.subject !== it.record.digest && graph.has(r.subject)))
                continue;
            if (policy.ageBasis === 'created' || !pushedKnown(it))
                need.add(it);
        }
    }
    // Ranking: a date is `pushed ?? created`, so only manifests without a push date need `created`, and only
    // where the order depends on dates: a family ranked by date (the other family, or all in sort: date)
    // with more than one member, and versions that compare equal (ties broken by date).
    const ranked = items.filter(it => !it.refs && !it.dependent);
    const byDate = policy.sort === 'date' ? ranked : ranked.filter(it => !it.version);
    if (byDate.length > 1)
        for (const it of byDate)
            if (!pushedKnown(it))
                need.add(it);
    if (policy.sort !== 'date') {
        const versions = ranked.filter(it => it.version).sort((a, b) => (0, version_1.compareVersions)(a.version, b.version));
        for (let i = 0; i < versions.length; i++) {
            const [before, here, after] = [versions[i - 1], versions[i], versions[i + 1]];
            const tied = (before !== undefined && (0, version_1.compareVersions)(before.version, here.version) === 0) ||
                (after !== undefined && (0, version_1.compareVersions)(here.version, after.version) === 0);
            if (tied && !pushedKnown(here))
                need.add(here);
        }
    }
    const out = new Set();
    for (const it of need) {
        out.add(it.record.digest);
        for (const c of it.record.children)
            out.add(c);
    }
    return out;
}


/***/ }),

/***/ 6394:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The manifest graph of one image, pure: its tagged and untagged manifests, with an edge from each index to
// its children and from each subject to its referrers (signatures, attestations, SBOMs: the
// `sha256-<hex>.<suffix>` tag schema, and the OCI 1.1 `subject` field). Retention flows down these edges:
// whatever a kept manifest reaches is kept.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ManifestGraph = void 0;
exports.pathText = pathText;
const referrers_1 = __nccwpck_require__(7898);
class ManifestGraph {
    tagged = new Set();
    /** Every manifest of the image, tagged or untagged. */
    nodes;
    down = new Map();
    up = new Map();
    constructor(inv) {
        for (const m of inv.manifests)
            this.tagged.add(m.digest);
        const nodes = (this.nodes = new Set([...inv.manifests, ...(inv.untagged ?? [])].map(m => m.digest)));
        for (const m of [...inv.manifests, ...(inv.untagged ?? [])]) {
            for (const c of m.children)
                this.add({ from: m.digest, to: c, label: 'child' });
        }
        for (const m of inv.manifests) {
            for (const tag of [...m.tags].sort()) {
                const r = (0, referrers_1.parseReferrerTag)(tag);
                if (r && nodes.has(r.subject))
                    this.add({ from: r.subject, to: m.digest, label: r.noun });
            }
            if (m.subject && nodes.has(m.subject))
                this.add({ from: m.subject, to: m.digest, label: 'referrer' });
        }
        // Untagged referrers found through the OCI referrers API.
        for (const m of inv.untagged ?? []) {
            if (m.subject && nodes.has(m.subject))
                this.add({ from: m.subject, to: m.digest, label: nounOfArtifact(m.artifactType) });
        }
    }
    /** Whether the image holds `digest` (tagged, or untagged as the inventory found it). */
    has(digest) {
        return this.nodes.has(digest);
    }
    /** The edges into `digest` (from its parents and subjects). */
    parents(digest) {
        return this.up.get(digest) ?? [];
    }
    /**
     * Breadth first from `roots` (in order) along every edge: each manifest reached, with the edge it was
     * first reached by (null for a root). The first path found is the shortest from the earliest root.
     */
    reach(roots) {
        const via = new Map();
        const queue = [];
        for (const r of roots) {
            if (via.has(r))
                continue;
            via.set(r, null);
            queue.push(r);
        }
        for (let i = 0; i < queue.length; i++) {
            for (const e of this.down.get(queue[i]) ?? []) {
                if (via.has(e.to))
                    continue;
                via.set(e.to, e);
                queue.push(e.to);
            }
        }
        return via;
    }
    /**
     * The nearest tagged manifests above `digest`: walking up its edges (only `child` edges when
     * `childOnly`) through untagged manifests, stopping at each tagged one. Sorted by digest.
     */
    taggedAncestors(digest, childOnly = false) {
        const found = new Map();
        const seen = new Set([digest]);
        let level = [{ digest, path: [] }];
        while (level.length > 0) {
            const next = [];
            for (const at of level) {
                for (const e of this.parents(at.digest)) {
                    if (childOnly && e.label !== 'child')
                        continue;
                    if (seen.has(e.from))
                        continue;
                    seen.add(e.from);
                    const path = [...at.path, e.label];
                    if (this.tagged.has(e.from))
                        found.set(e.from, path);
                    else
                        next.push({ digest: e.from, path });
                }
            }
            level = next;
        }
        return [...found].map(([d, path]) => ({ digest: d, path })).sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    }
    add(e) {
        if (e.from === e.to)
            return;
        const down = this.down.get(e.from) ?? [];
        if (down.some(x => x.to === e.to && x.label === e.label))
            return;
        down.push(e);
        this.down.set(e.from, down);
        this.up.set(e.to, [...(this.up.get(e.to) ?? []), e]);
    }
}
exports.ManifestGraph = ManifestGraph;
/** What an OCI `artifactType` holds, as reasons name it. */
function nounOfArtifact(type) {
    const t = (type ?? '').toLowerCase();
    if (/sig/.test(t))
        return 'signature';
    if (/sbom|spdx|cyclonedx/.test(t))
        return 'SBOM';
    if (/in-toto|attest|provenance/.test(t))
        return 'attestation';
    return 'referrer';
}
/** `["signature", "child"]` + `kept 2.0.0` -> `signature of child of kept 2.0.0`. */
function pathText(path, end) {
    return [...path, end].join(' of ');
}


/***/ }),

/***/ 1517:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.IN_USE = void 0;
exports.referencedHere = referencedHere;
const references_1 = __nccwpck_require__(653);
const item_1 = __nccwpck_require__(4867);
exports.IN_USE = 'in use (keep-references)';
function referencedHere(inv, graph, items, references) {
    const reasons = new Map();
    const matched = [];
    for (const ref of references) {
        if (!(0, references_1.referenceNames)(ref, inv.repository).includes(inv.name))
            continue;
        const named = [];
        // A digest protects that content even after its tag moved; the tag protects what it points at now.
        if (ref.digest && graph.has(ref.digest))
            named.push(ref.digest);
        const tagged = ref.tag === undefined ? undefined : items.find(it => it.tags.includes(ref.tag));
        if (tagged)
            named.push(tagged.record.digest);
        if (named.length === 0)
            continue;
        matched.push(ref.text);
        for (const digest of named) {
            reasons.set(digest, exports.IN_USE);
            if (items.some(it => it.record.digest === digest && it.tags.length > 0))
                continue;
            for (const a of graph.taggedAncestors(digest))
                if (!reasons.has(a.digest))
                    reasons.set(a.digest, `${exports.IN_USE}: reaches ${(0, item_1.shortDigest)(digest)}`);
        }
    }
    return { reasons, matched };
}


/***/ }),

/***/ 4867:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.shortDigest = exports.cmpStr = exports.PLACEHOLDER_BEFORE = void 0;
exports.classify = classify;
exports.describe = describe;
exports.validDate = validDate;
exports.usableCreated = usableCreated;
exports.ageOf = ageOf;
exports.byTagThenDigest = byTagThenDigest;
exports.decide = decide;
exports.budgetKey = budgetKey;
exports.label = label;
exports.nounOf = nounOf;
exports.unique = unique;
const compare_1 = __nccwpck_require__(5344);
Object.defineProperty(exports, "cmpStr", ({ enumerable: true, get: function () { return compare_1.compareStrings; } }));
const digest_1 = __nccwpck_require__(2187);
Object.defineProperty(exports, "shortDigest", ({ enumerable: true, get: function () { return digest_1.shortDigest; } }));
const graph_1 = __nccwpck_require__(6394);
const referrers_1 = __nccwpck_require__(7898);
const version_1 = __nccwpck_require__(9698);
/** Docker's first release. Image `created` dates before it are reproducible-build stamps (1970, 1980), not ages. */
exports.PLACEHOLDER_BEFORE = Date.UTC(2013, 2, 20);
/**
 * One image's manifests as the planner sees them, for the planner and for the date reader alike: each
 * one's facts, and which hang from another tagged manifest (a tagged child takes no rank of its own).
 */
function classify(inv, basis) {
    const graph = new graph_1.ManifestGraph(inv);
    const items = inv.manifests.map(m => describe(m, basis));
    for (const it of items)
        it.dependent = !it.refs && graph.taggedAncestors(it.record.digest, true).length > 0;
    return { items, graph };
}
function describe(m, basis) {
    const tags = [...m.tags].sort();
    const tagRefs = (0, referrers_1.referrerTagsOf)(tags);
    const oci = m.subject && m.subject !== m.digest ? [{ tag: '', subject: m.subject, noun: 'referrer' }] : [];
    const refs = tagRefs || oci.length > 0 ? [...(tagRefs ?? []), ...oci] : undefined;
    const version = refs ? undefined : (0, version_1.highestVersion)(tags);
    const pushed = validDate(m.pushed);
    const created = usableCreated(m.created);
    return {
        record: m,
        tags,
        refs,
        version,
        family: refs ? 'referrer' : version ? 'version' : 'other',
        rankDate: (pushed ?? created.date)?.getTime(),
        age: ageOf(basis, pushed, created, m.lastPulled),
        dependent: false,
        action: 'keep',
        reason: '',
        prereqs: [],
        followers: []
    };
}
function validDate(d) {
    return d instanceof Date && !Number.isNaN(d.getTime()) ? d : undefined;
}
function usableCreated(d) {
    const date = validDate(d);
    if (!date)
        return { why: 'no created date' };
    if (date.getTime() < exports.PLACEHOLDER_BEFORE) {
        return { why: `created ${date.toISOString().slice(0, 10)} is a reproducible-build placeholder` };
    }
    return { date };
}
function ageOf(basis, pushed, created, lastPulled) {
    const fromCreated = created.date ? { date: created.date, basis: 'created' } : { basis: 'none', unknown: created.why };
    if (basis === 'created')
        return fromCreated;
    // Plain registries do not know push dates, so `pushed` falls back to `created` (the config layer warns).
    const fromPushed = pushed ? { date: pushed, basis: 'pushed' } : fromCreated;
    if (basis === 'pushed')
        return fromPushed;
    const pulled = validDate(lastPulled);
    if (pulled && (!fromPushed.date || pulled > fromPushed.date))
        return { date: pulled, basis: 'last-pulled' };
    return fromPushed;
}
function byTagThenDigest(a, b) {
    return (0, compare_1.compareStrings)(a.tags[0] ?? '', b.tags[0] ?? '') || (0, compare_1.compareStrings)(a.record.digest, b.record.digest);
}
function decide(it, action, rule, reason) {
    it.action = action;
    it.rule = rule;
    it.reason = reason;
}
/** How max-components names a manifest across images. */
function budgetKey(inv, it) {
    return `${inv.repository}/${inv.name}@${it.record.digest}`;
}
function label(it) {
    return it.version?.tag ?? it.tags[0] ?? it.record.digest;
}
function nounOf(referrer, subject) {
    return (referrer.refs?.find(r => r.subject === subject) ?? referrer.refs?.[0])?.noun ?? 'referrer';
}
function unique(values) {
    return [...new Set(values)];
}


/***/ }),

/***/ 762:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.orderDeletions = orderDeletions;
exports.follow = follow;
// The order of deletions across the images planned together, and max-deletions.
const graph_1 = __nccwpck_require__(6394);
const item_1 = __nccwpck_require__(4867);
/**
 * Numbers every deletion across the images planned together: round robin over images (in name order) so a
 * max-deletions cap spreads over images. What hangs from deleted manifests comes right after the last of
 * them, with their action, uncounted (a parent and its exclusive children are one unit); orphan referrers
 * come last. Anything left unplaced hangs from a cycle of referrers: it is kept.
 */
function orderDeletions(work, cap) {
    const images = [...work].sort((a, b) => (0, item_1.cmpStr)(a.inv.name, b.inv.name) || (0, item_1.cmpStr)(a.inv.repository, b.inv.repository));
    let order = 0;
    const place = (it) => {
        if (it.deleteOrder !== undefined)
            return;
        it.deleteOrder = ++order;
        for (const f of it.followers) {
            if (f.deleteOrder !== undefined || f.rule !== undefined)
                continue;
            if (!f.prereqs.every(p => p.item.deleteOrder !== undefined))
                continue;
            follow(f, cap);
            place(f);
        }
    };
    let counted = 0;
    const longest = Math.max(0, ...images.map(w => w.candidates.length));
    for (let pos = 0; pos < longest; pos++) {
        for (const w of images) {
            const it = w.candidates[pos];
            if (!it)
                continue;
            counted++;
            if (cap !== undefined && counted > cap) {
                it.dueReason = it.reason;
                (0, item_1.decide)(it, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached`);
            }
            place(it);
        }
    }
    for (const w of images)
        w.orphans.forEach(place);
    for (const w of images) {
        for (const it of w.items) {
            if (it.rule !== undefined)
                continue;
            const p = it.prereqs[0];
            (0, item_1.decide)(it, 'keep', 'subject-exists', `${(0, graph_1.pathText)(p?.path ?? [], (0, item_1.label)(p?.item ?? it))}, which is part of a reference cycle`);
        }
    }
}
/** Decides a manifest hanging from others once all of them are placed: pending if any is. */
function follow(f, cap) {
    const pending = f.prereqs.find(p => p.item.action === 'pending');
    if (pending) {
        (0, item_1.decide)(f, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached (${(0, graph_1.pathText)(pending.path, (0, item_1.label)(pending.item))})`);
        return;
    }
    const last = f.prereqs.reduce((a, b) => ((b.item.deleteOrder ?? 0) > (a.item.deleteOrder ?? 0) ? b : a));
    (0, item_1.decide)(f, 'delete', f.refs ? 'referrer-of-deleted' : 'child-of-deleted', (0, graph_1.pathText)(last.path, `deleted ${(0, item_1.label)(last.item)}`));
}


/***/ }),

/***/ 302:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.plan = plan;
exports.ageUnknownCount = ageUnknownCount;
exports.ageUnknownNote = ageUnknownNote;
const budget_1 = __nccwpck_require__(1213);
const closure_1 = __nccwpck_require__(5055);
const in_use_1 = __nccwpck_require__(1517);
const select_1 = __nccwpck_require__(6416);
const item_1 = __nccwpck_require__(4867);
const order_1 = __nccwpck_require__(762);
const ranking_1 = __nccwpck_require__(9156);
const rules_1 = __nccwpck_require__(1821);
/**
 * `locate` finds a subject that this image's inventory proved absent (missingSubjects) in the other
 * images of the run; without it, such a subject counts as gone everywhere.
 */
function plan(inventory, policy, now, locate, budget) {
    const planAll = (taken) => inventory.map(inv => planImage(inv, policy, now.getTime(), locate, taken));
    // max-components plans twice: once to see what the rest of the policy removes, once with what the budget takes.
    const { work, report } = policy.maxComponents !== undefined && budget ? (0, budget_1.applyBudget)(planAll, policy.maxComponents, budget) : { work: planAll(), report: undefined };
    (0, order_1.orderDeletions)(work, policy.maxDeletions);
    const images = work.map(w => toImagePlan(w));
    const note = ageUnknownNote(images.reduce((n, p) => n + ageUnknownCount(p), 0));
    return { images, notes: note ? [note] : [], ...(report ? { budget: report(work) } : {}) };
}
function ageUnknownCount(p) {
    return p.decisions.filter(d => d.rule === 'age-unknown').length;
}
/** The run-wide note for manifests kept because their age is unknown (one line, however many images). */
function ageUnknownNote(unknown) {
    if (unknown === 0)
        return undefined;
    return (`age unknown for ${unknown} manifest${unknown === 1 ? '' : 's'}: kept, since older-than cannot be checked ` +
        `without a date (image created dates before 2013-03-20 are reproducible-build placeholders)`);
}
/** `taken`: the manifests max-components takes (budgetKey), which `younger` no longer keeps. */
function planImage(inv, base, now, locate, taken) {
    const { policy, rule } = (0, select_1.policyFor)(base, inv.name);
    const { items, graph } = (0, item_1.classify)(inv, policy.ageBasis);
    const byDigest = new Map(items.map(it => [it.record.digest, it]));
    const work = { inv, items, candidates: [], orphans: [], notes: (0, ranking_1.rankItems)(items, policy), policy, ...(rule ? { rule } : {}), referencesMatched: [] };
    if (inv.error) {
        for (const it of items)
            (0, item_1.decide)(it, 'keep', 'image-failed', `image inventory failed: ${inv.error}`);
        return work;
    }
    const inUse = (0, in_use_1.referencedHere)(inv, graph, items, base.references ?? []);
    work.referencesMatched = inUse.matched;
    const missing = new Set(inv.missingSubjects ?? []);
    const states = new Map();
    for (const it of items) {
        if (it.refs) {
            const state = (0, rules_1.subjectState)(it, graph, missing, locate);
            states.set(it, state);
            it.subject = state.kind === 'follows' ? it.refs[0]?.subject : state.subject;
        }
        const base = (0, rules_1.baseRule)(it, policy, now, states.get(it), { inUse: inUse.reasons.get(it.record.digest), taken: taken?.has((0, item_1.budgetKey)(inv, it)) === true });
        if (base)
            (0, item_1.decide)(it, 'keep', base[0], base[1]);
    }
    (0, closure_1.retainReached)(items, graph, byDigest);
    for (const it of items) {
        if (it.rule)
            continue;
        const state = states.get(it);
        if (!it.refs && !it.dependent) {
            const s = (0, ranking_1.slot)(it, policy);
            if (it.onDemand)
                (0, item_1.decide)(it, 'delete', 'on-demand', `deleted on demand (delete-tags: ${it.onDemand.join(', ')})`);
            else if (taken?.has((0, item_1.budgetKey)(inv, it))) {
                (0, item_1.decide)(it, 'delete', 'budget', `${s.beyond}, younger than ${policy.olderThan?.text ?? '—'}: taken by max-components ${base.maxComponents ?? ''}`);
            }
            else
                (0, item_1.decide)(it, 'delete', 'delete', `${s.beyond}${policy.olderThan ? ` and older than ${policy.olderThan.text}` : ''}`);
        }
        else if (state?.kind === 'orphan') {
            (0, item_1.decide)(it, 'delete', 'orphan-referrer', `orphan ${(0, item_1.nounOf)(it, state.subject)}: subject ${(0, item_1.shortDigest)(state.subject)} not found`);
            work.orphans.push(it);
        }
        else {
            // Hangs from manifests none of which is retained (or the closure would have kept it): it goes after
            // them, and takes their action once max-deletions has been applied.
            it.prereqs = graph.taggedAncestors(it.record.digest).map(a => ({ item: byDigest.get(a.digest), path: a.path }));
            for (const p of it.prereqs)
                p.item.followers.push(it);
            const subject = it.prereqs.find(p => p.path.length === 1 && p.path[0] !== 'child');
            if (it.refs)
                it.subject = subject?.item.record.digest ?? it.refs[0]?.subject;
        }
    }
    for (const it of items)
        it.followers.sort(item_1.byTagThenDigest);
    work.orphans.sort(item_1.byTagThenDigest);
    work.candidates = (0, ranking_1.candidateOrder)(items, policy);
    return work;
}
function toImagePlan(w) {
    const { policy } = w;
    const order = policy.sort === 'date' ? (a, b) => (a.refs ? 1 : 0) - (b.refs ? 1 : 0) || (0, ranking_1.byPlanDate)(a, b) : ranking_1.byPlanOrder;
    return {
        repository: w.inv.repository,
        image: w.inv.name,
        decisions: [...w.items].sort(order).map(it => toDecision(w.inv, it)),
        ...(w.inv.error !== undefined ? { error: w.inv.error } : {}),
        notes: [...(w.inv.notes ?? []), ...w.notes],
        ...(w.rule ? { rule: (0, select_1.ruleLabel)(w.rule) } : {}),
        ...(w.referencesMatched.length > 0 ? { referencesMatched: w.referencesMatched } : {})
    };
}
function toDecision(inv, it) {
    return {
        repository: inv.repository,
        image: inv.name,
        digest: it.record.digest,
        tags: [...it.tags],
        action: it.action,
        rule: it.rule,
        reason: it.reason,
        ...(it.dueReason !== undefined ? { dueReason: it.dueReason } : {}),
        family: it.family,
        ...(it.rank !== undefined ? { rank: it.rank } : {}),
        ...(it.version ? { version: it.version.tag } : {}),
        ...(it.age.date ? { ageDate: new Date(it.age.date.getTime()) } : {}),
        ageBasis: it.age.basis,
        ...(it.subject !== undefined ? { subject: it.subject } : {}),
        ...(it.deleteOrder !== undefined ? { deleteOrder: it.deleteOrder } : {}),
        ...(it.prereqs.length > 0 && it.action !== 'keep' ? { after: it.prereqs.map(p => p.item.record.digest) } : {})
    };
}


/***/ }),

/***/ 9156:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.rankItems = rankItems;
exports.byDateDesc = byDateDesc;
exports.byVersionThenDate = byVersionThenDate;
exports.byDateThenTag = byDateThenTag;
exports.slot = slot;
exports.candidateOrder = candidateOrder;
exports.byPlanOrder = byPlanOrder;
exports.byPlanDate = byPlanDate;
const item_1 = __nccwpck_require__(4867);
const version_1 = __nccwpck_require__(9698);
/**
 * Ranks the manifests of their own (not referrers, not tagged children of another tagged manifest), newest
 * first: in semver mode versions and others separately, in date mode all together. Protected and
 * not-selected manifests take rank slots too: `keep N` means "the N newest", and one of those also being
 * protected is fine (it does not push an older manifest into the kept set). Returns notes on the order
 * used where dates were missing.
 */
function rankItems(items, policy) {
    const ranked = items.filter(it => !it.refs && !it.dependent);
    const versions = ranked.filter(it => it.version).sort(byVersionThenDate);
    const byDate = policy.sort === 'date' ? ranked.sort(byDateThenTag) : ranked.filter(it => !it.version).sort(byDateThenTag);
    const lists = policy.sort === 'date' ? [byDate] : [versions, byDate];
    for (const list of lists)
        list.forEach((it, i) => (it.rank = i + 1));
    if (policy.sort !== 'date' && policy.keepPer !== 'none')
        rankLines(versions, policy);
    const undated = byDate.filter(it => it.rankDate === undefined).length;
    if (byDate.length < 2 || undated === 0)
        return [];
    const what = policy.sort === 'date' ? 'manifests' : 'manifests without a version tag';
    return [
        undated === byDate.length
            ? `no usable date for any of the ${byDate.length} ${what}: ranked by tag name (alphabetical order, first = newest) instead`
            : `${undated} of the ${byDate.length} ${what} have no usable date: they rank after the dated ones, by tag name`
    ];
}
/** keep-per: each version's line (by major, or major.minor), the lines newest first, the rank within each. */
function rankLines(versions, policy) {
    const lines = new Map();
    for (const it of versions) {
        const [major = 0n, minor = 0n] = it.version.numbers;
        const key = policy.keepPer === 'major' ? `${major}.x` : `${major}.${minor}.x`;
        const line = lines.get(key) ?? [];
        if (line.length === 0)
            lines.set(key, line);
        line.push(it); // versions come newest first, so lines do too, and so does each line
    }
    let index = 0;
    for (const [key, line] of lines) {
        line.forEach((it, i) => Object.assign(it, { line: key, lineIndex: index, lineRank: i + 1 }));
        index++;
    }
}
function byDateDesc(a, b) {
    if (a.rankDate === b.rankDate)
        return 0;
    if (a.rankDate === undefined)
        return 1;
    if (b.rankDate === undefined)
        return -1;
    return b.rankDate - a.rankDate;
}
function byVersionThenDate(a, b) {
    return (0, version_1.compareVersions)(b.version, a.version) || byDateDesc(a, b) || (0, item_1.cmpStr)(a.record.digest, b.record.digest);
}
function byDateThenTag(a, b) {
    return byDateDesc(a, b) || (0, item_1.byTagThenDigest)(a, b);
}
/** The keep count that applies to a ranked manifest, and how reasons name it. */
function slot(it, policy) {
    const rank = it.rank ?? Number.MAX_SAFE_INTEGER;
    const plain = (n, label, name) => ({ n, rank, kept: `keep ${n} (${label}) #${rank}`, beyond: `beyond ${name} ${n}` });
    if (policy.sort === 'date')
        return plain(policy.keep, 'date', 'keep');
    if (!it.version)
        return plain(policy.keepOther, 'other', 'keep-other');
    if (it.line === undefined || it.lineRank === undefined || it.lineIndex === undefined)
        return plain(policy.keep, 'semver', 'keep');
    const per = `per ${policy.keepPer} (${it.line})`;
    if (policy.keepLines !== undefined && it.lineIndex >= policy.keepLines) {
        return { n: 0, rank: it.lineRank, kept: '', beyond: `beyond keep-lines ${policy.keepLines} (${it.line})` };
    }
    return { n: policy.keep, rank: it.lineRank, kept: `keep ${policy.keep} ${per} #${it.lineRank}`, beyond: `beyond keep ${policy.keep} ${per}` };
}
/**
 * This image's ranked candidates, first to delete first: the lowest-ranked first. In semver mode the
 * version and other families alternate (version first), each from its bottom, so a cap trims both evenly.
 */
function candidateOrder(items, policy) {
    const bottomUp = (list) => list.sort((a, b) => b.rank - a.rank);
    const candidates = items.filter(it => it.rule === 'delete' || it.rule === 'on-demand' || it.rule === 'budget');
    if (policy.sort === 'date')
        return bottomUp(candidates);
    const versions = bottomUp(candidates.filter(it => it.version));
    const others = bottomUp(candidates.filter(it => !it.version));
    const merged = [];
    for (let i = 0; i < Math.max(versions.length, others.length); i++) {
        const [v, o] = [versions[i], others[i]];
        if (v)
            merged.push(v);
        if (o)
            merged.push(o);
    }
    return merged;
}
/** Version family, then other family (one list in date mode), each by rank, unranked after; then referrers. */
function byPlanOrder(a, b) {
    const familyOrder = (it) => (it.refs ? 2 : it.family === 'version' ? 0 : 1);
    return (familyOrder(a) - familyOrder(b) ||
        (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
        (0, item_1.cmpStr)(a.subject ?? '', b.subject ?? '') ||
        (0, item_1.byTagThenDigest)(a, b));
}
/** Date mode: one ranked list, unranked after, then as byPlanOrder. */
function byPlanDate(a, b) {
    return (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) || byPlanOrder(a, b);
}


/***/ }),

/***/ 7898:
/***/ ((__unused_webpack_module, exports) => {


// Referrer tags name another manifest (their subject) by digest: cosign's `sha256-<hex>.sig` / `.att` /
// `.sbom`, any other `sha256-<hex>.<suffix>`, and the bare `sha256-<hex>` of the OCI referrers tag schema.
// They are not images of their own: they live and die with their subject.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseReferrerTag = parseReferrerTag;
exports.referrerTagsOf = referrerTagsOf;
// Digests are lowercase hex by spec, so an uppercase "digest" is not one.
const REFERRER_RE = /^sha256-([0-9a-f]{64})(?:\.([0-9A-Za-z_.-]+))?$/;
const NOUNS = new Map([
    ['sig', 'signature'],
    ['att', 'attestation'],
    ['sbom', 'SBOM']
]);
function parseReferrerTag(tag) {
    const m = REFERRER_RE.exec(tag);
    if (!m)
        return undefined;
    return { tag, subject: `sha256:${m[1]}`, noun: NOUNS.get(m[2] ?? '') ?? 'referrer' };
}
/**
 * The parsed tags when a manifest is a referrer (it has tags and every one is a referrer tag),
 * otherwise undefined: one ordinary tag makes it an image in its own right.
 */
function referrerTagsOf(tags) {
    if (tags.length === 0)
        return undefined;
    const parsed = [];
    for (const tag of tags) {
        const r = parseReferrerTag(tag);
        if (!r)
            return undefined;
        parsed.push(r);
    }
    return parsed;
}


/***/ }),

/***/ 1821:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DAY_MS = void 0;
exports.subjectState = subjectState;
exports.baseRule = baseRule;
// The rules that keep a manifest on its own account (protection, selection, keep-N, age), and what a
// referrer's subject says about it.
const glob_1 = __nccwpck_require__(5601);
const item_1 = __nccwpck_require__(4867);
const ranking_1 = __nccwpck_require__(9156);
exports.DAY_MS = 86_400_000;
/**
 * A referrer's subject: in the graph and owned by a tagged manifest (it follows that), or known to exist
 * (untagged here, in another image of the run, or not proven gone: kept), or proven gone (an orphan).
 */
function subjectState(it, graph, missing, locate) {
    const subjects = (0, item_1.unique)((it.refs ?? []).map(r => r.subject));
    const inGraph = subjects.find(s => s !== it.record.digest && graph.has(s));
    if (inGraph !== undefined) {
        if (graph.taggedAncestors(it.record.digest).length > 0)
            return { kind: 'follows' };
        return { kind: 'exists', subject: inGraph, reason: `${(0, item_1.nounOf)(it, inGraph)} of untagged ${(0, item_1.shortDigest)(inGraph)}, which exists` };
    }
    for (const s of subjects) {
        const noun = (0, item_1.nounOf)(it, s);
        if (s === it.record.digest)
            return { kind: 'exists', subject: s, reason: `${noun} naming its own digest` };
        if (!missing.has(s))
            return { kind: 'exists', subject: s, reason: `${noun} of ${(0, item_1.shortDigest)(s)}, not proven gone` };
        const where = locate?.(s);
        if (where !== undefined)
            return { kind: 'exists', subject: s, reason: `${noun} of ${(0, item_1.shortDigest)(s)} ${where}` };
    }
    return { kind: 'orphan', subject: subjects[0] }; // a referrer names one subject at least
}
/**
 * The first of protected > in use > (referrers) subject exists > on demand > not-selected > keep-newest >
 * younger > age-unknown that applies. A referrer that follows its subject, and a dependent, are decided by
 * what they hang from. On demand (delete-tags) only marks the manifest: it goes unless the graph keeps it.
 */
function baseRule(it, policy, now, state, ctx = {}) {
    const glob = policy.keepTags.find(g => it.tags.some(t => (0, glob_1.matchesAny)(t, [g])));
    if (glob !== undefined)
        return ['protected', `protected by keep-tags: ${glob}`];
    if (ctx.inUse !== undefined)
        return ['in-use', ctx.inUse];
    if (state?.kind === 'exists')
        return ['subject-exists', state.reason];
    // A referrer with a subject belongs to it: `tags` selects subjects, and their signatures follow them.
    if (state?.kind === 'follows')
        return undefined;
    if (!it.refs && !it.dependent && policy.deleteTags.length > 0) {
        const matched = it.tags.filter(t => (0, glob_1.matchesAny)(t, policy.deleteTags));
        if (matched.length > 0) {
            const other = it.tags.find(t => !(0, glob_1.matchesAny)(t, policy.deleteTags));
            if (other !== undefined)
                return ['also-tagged', `also tagged ${other} (delete-tags matched ${matched.join(', ')})`];
            it.onDemand = (0, item_1.unique)(matched);
            return undefined;
        }
    }
    const outside = it.tags.find(t => !(0, glob_1.matchesAny)(t, policy.tags));
    if (outside !== undefined)
        return ['not-selected', `tag ${outside} not selected by tags`];
    if (it.dependent)
        return undefined;
    if (!it.refs) {
        const s = (0, ranking_1.slot)(it, policy);
        if (s.rank <= s.n)
            return ['keep-newest', s.kept];
    }
    if (!policy.olderThan)
        return undefined;
    if (!it.age.date)
        return ['age-unknown', `age unknown (${it.age.unknown})`];
    const ageMs = now - it.age.date.getTime();
    if (ageMs >= policy.olderThan.ms)
        return undefined;
    if (ctx.taken)
        return undefined;
    if (it.age.basis !== 'last-pulled')
        return ['younger', `younger than ${policy.olderThan.text}`];
    const days = Math.max(0, Math.floor(ageMs / exports.DAY_MS));
    return ['younger', `pulled ${days} day${days === 1 ? '' : 's'} ago`];
}


/***/ }),

/***/ 6416:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.policyFor = policyFor;
exports.ruleText = ruleText;
exports.ruleLabel = ruleLabel;
// Which rule decides an image: the first whose images match (and whose exclude-images do not); its fields
// over the inputs. Pure, so the inventory (which dates to read) and the planner agree.
const glob_1 = __nccwpck_require__(5601);
function policyFor(base, image) {
    const rule = base.rules?.find(r => (0, glob_1.matchesAny)(image, r.images) && !(0, glob_1.matchesAny)(image, r.excludeImages));
    if (!rule)
        return { policy: base };
    const policy = { ...base, ...rule.set };
    // keep-other left empty follows keep, the rule's keep included
    if (rule.set.keepOther === undefined && base.keepOtherFollowsKeep)
        policy.keepOther = policy.keep;
    // keep-per none in a rule drops the keep-lines it would inherit (lines need keep-per)
    if (rule.set.keepPer === 'none' && rule.set.keepLines === undefined)
        delete policy.keepLines;
    return { policy, rule };
}
const FIELD_TEXT = {
    keep: v => `keep ${v}`,
    keepOther: v => `keep-other ${v}`,
    keepPer: v => `keep-per ${v}`,
    keepLines: v => `keep-lines ${v}`,
    olderThan: v => `older-than ${v.text}`,
    ageBasis: v => `age-basis ${v}`,
    sort: v => `sort ${v}`,
    tags: v => `tags ${v.join(', ')}`,
    keepTags: v => `keep-tags ${v.join(', ')}`,
    deleteTags: v => `delete-tags ${v.join(', ')}`
};
/** `rule 1: images prod/** · keep 20 · keep-per minor`: how the report names and lists a rule. */
function ruleText(rule) {
    const parts = [`images ${rule.images.join(', ')}`];
    if (rule.excludeImages.length > 0)
        parts.push(`exclude-images ${rule.excludeImages.join(', ')}`);
    for (const key of Object.keys(FIELD_TEXT)) {
        const v = rule.set[key];
        if (v !== undefined)
            parts.push(FIELD_TEXT[key](v));
    }
    return `rule ${rule.index}: ${parts.join(' · ')}`;
}
/** How an image's row names the rule that decided it. */
function ruleLabel(rule) {
    return rule ? `rule ${rule.index} (${rule.images.join(', ')})` : undefined;
}


/***/ }),

/***/ 9698:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseVersion = parseVersion;
exports.isVersionTag = isVersionTag;
exports.compareVersions = compareVersions;
exports.highestVersion = highestVersion;
// Version tags: `[v]N(.N){0,3}(-PRERELEASE)?([+_]BUILD)?`, ordered like SemVer 2.0 but with up to four
// numeric parts. Tags are parsed strictly: nothing is coerced, so `sha-1a2b` or `pr-123` never become versions.
const semver_1 = __nccwpck_require__(2088);
const IDENTS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
// Docker tags cannot contain `+`, so `_` stands in for it (`5.2.6_1` is `5.2.6+1`).
const VERSION_RE = new RegExp(`^([vV])?(\\d+(?:\\.\\d+){0,3})(?:-(${IDENTS}))?(?:[+_](${IDENTS}))?$`);
/**
 * Parses a version tag, or returns undefined for any other tag.
 *
 * A bare integer (`1`, `190`, `20240101`, `20240101-1`) is NOT a version even though it fits the pattern:
 * in practice such tags are build numbers or dates, and ranking them as versions would mix them with real
 * releases. A tag needs a `.` in its numeric part or a `v`/`V` prefix (`v1`, `1.0`) to count as a version.
 */
function parseVersion(tag) {
    const m = VERSION_RE.exec(tag);
    if (!m)
        return undefined;
    const [, prefix, core = '', pre, build] = m;
    if (!prefix && !core.includes('.'))
        return undefined;
    return {
        tag,
        numbers: core.split('.').map(n => BigInt(n)),
        prerelease: pre ? pre.split('.') : [],
        ...(build !== undefined ? { build } : {})
    };
}
function isVersionTag(tag) {
    return parseVersion(tag) !== undefined;
}
/** SemVer precedence: numeric parts left to right (missing = 0), then pre-release; build metadata ignored. */
function compareVersions(a, b) {
    const len = Math.max(a.numbers.length, b.numbers.length);
    for (let i = 0; i < len; i++) {
        const x = a.numbers[i] ?? 0n;
        const y = b.numbers[i] ?? 0n;
        if (x !== y)
            return x < y ? -1 : 1;
    }
    return comparePrerelease(a.prerelease, b.prerelease);
}
function comparePrerelease(a, b) {
    // A release is higher than any of its pre-releases.
    if (a.length === 0 || b.length === 0)
        return Math.sign(b.length - a.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const c = (0, semver_1.compareIdentifiers)(a[i], b[i]);
        if (c !== 0)
            return c;
    }
    // All shared identifiers equal: the longer list is higher (`alpha` < `alpha.1`).
    return Math.sign(a.length - b.length);
}
/** The highest version among `tags` (the first such tag on a tie), or undefined when none is a version. */
function highestVersion(tags) {
    let best;
    for (const tag of tags) {
        const v = parseVersion(tag);
        if (!v)
            continue;
        const c = best ? compareVersions(v, best) : 1;
        // Among equal versions (`1.10` and `1.10.0` on one digest) name the most specific tag.
        if (c > 0 || (c === 0 && best && v.numbers.length > best.numbers.length))
            best = v;
    }
    return best;
}


/***/ }),

/***/ 653:
/***/ ((__unused_webpack_module, exports) => {


// keep-references: image references in use (what Kubernetes, Compose or Helm pull), reduced to what they
// name in the repositories a run cleans. Forms: name:tag, name@sha256:…, name:tag@sha256:…, each with or
// without a registry host (a name's first part with a dot or a port, or localhost) and a
// `/repository/<repo>/` prefix (Nexus's repository path).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseReference = parseReference;
exports.referenceNames = referenceNames;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// Docker's reference grammar, loosely: lower-case path components; a tag of word characters, . and -.
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** One reference, or a reason it is not one. */
function parseReference(text) {
    let rest = text.trim();
    let digest;
    const at = rest.indexOf('@');
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest))
            return 'a digest of the form sha256:<64 hex digits>';
    }
    const parts = rest.split('/');
    // A first part with a dot or a port, or localhost, is a registry host (Docker's rule).
    if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? ''))
        parts.shift();
    let repository;
    if (parts[0] === 'repository' && parts.length > 2) {
        repository = parts[1];
        parts.splice(0, 2);
    }
    let path = parts.join('/');
    let tag;
    const colon = path.lastIndexOf(':');
    if (colon >= 0) {
        tag = path.slice(colon + 1);
        path = path.slice(0, colon);
        if (!TAG.test(tag))
            return 'a tag of letters, digits, _ . and - (at most 128)';
    }
    if (!NAME.test(path))
        return 'an image name in lower case (path parts of letters, digits, . _ -)';
    if (tag === undefined && digest === undefined)
        return 'name:tag, name@sha256:… or name:tag@sha256:…';
    return {
        text: text.trim(),
        ...(repository !== undefined ? { repository } : {}),
        name: path,
        ...(tag !== undefined ? { tag } : {}),
        ...(digest ? { digest } : {})
    };
}
/**
 * The names a reference may mean in `repository`: its path; and where the path starts with that
 * repository's name (Nexus 3.83+ path routing, `host/<repo>/<image>`), the path without it.
 */
function referenceNames(ref, repository) {
    if (ref.repository !== undefined)
        return ref.repository === repository ? [ref.name] : [];
    const names = [ref.name];
    if (ref.name.startsWith(`${repository}/`))
        names.push(ref.name.slice(repository.length + 1));
    return names;
}


/***/ }),

/***/ 1023:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Backend for a plain OCI Distribution registry: inventory from the v2 API, delete by digest
// (which removes every tag on that digest, exactly our unit of decision).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RegistryBackend = void 0;
const inventory_1 = __nccwpck_require__(4255);
const concurrency_1 = __nccwpck_require__(1532);
const media_1 = __nccwpck_require__(6571);
const digest_1 = __nccwpck_require__(2187);
const sleep_1 = __nccwpck_require__(6972);
class RegistryBackend {
    client;
    opts;
    notes = [];
    repository;
    constructor(client, opts) {
        this.client = client;
        this.opts = opts;
        this.repository = new URL(client.base).host;
    }
    async preflight() {
        const server = await this.client.ping();
        // Reading a tag's manifest through Nexus's registry API marks the tag pulled: this mode reads every
        // tag, so the next age-basis last-pulled run would keep everything. Refuse before reading any.
        if (/^Nexus\b/i.test(server) && !this.opts.forceOnNexus) {
            throw new Error(`api: registry, but ${this.client.base} is Nexus (Server: ${server}): reading every tag through its registry API marks every tag pulled. Use api: nexus with host and repository (or force-registry-api: true)`);
        }
    }
    async listImages() {
        const names = await this.client.catalog();
        return names.map(name => ({ repository: this.repository, name }));
    }
    async inventory(ref) {
        const inv = { repository: ref.repository, name: ref.name, manifests: [] };
        try {
            // GET each tag (a plain registry has no pull side effects): the digest and the body in one request,
            // so describing the digest afterwards needs no second read.
            const reader = (0, inventory_1.cachingReader)(this.client);
            const tags = await this.client.tags(ref.name);
            const readTag = async (tag) => {
                const body = await this.client.manifest(ref.name, tag);
                if (!body)
                    return undefined;
                reader.remember(body);
                return { tag, digest: body.digest, mediaType: body.mediaType, ...(body.manifest.subject ? { subject: body.manifest.subject } : {}) };
            };
            const readAll = async (names) => (await (0, concurrency_1.mapLimit)(names, this.opts.parallel, readTag)).filter((r) => r !== undefined);
            const read = await readAll(tags);
            const missingFrom = (names) => {
                const found = new Set(read.map(r => r.tag));
                return names.filter(t => !found.has(t));
            };
            let missing = missingFrom(tags);
            const gone = [];
            // Listed but unknown: deleted since the listing (another run, a user; docker-registry removes a
            // manifest's tags one after the other, so for a moment a tag outlives its manifest), or a registry
            // answering wrongly. Listing again tells them apart: a tag no longer listed is gone and protects
            // nothing. One still listed after a few looks leaves the image's picture incomplete (its digest may be
            // shared with a tag we would then delete): fail closed.
            for (let look = 0; missing.length > 0; look++) {
                if (look > 0)
                    await (0, sleep_1.sleep)(100 * 2 ** look);
                const listed = new Set(await this.client.tags(ref.name));
                gone.push(...missing.filter(t => !listed.has(t)));
                const still = missing.filter(t => listed.has(t));
                read.push(...(await readAll(still)));
                missing = missingFrom(still);
                if (missing.length > 0 && look >= 2)
                    throw new Error(`tag ${missing[0] ?? ''} is listed but its manifest answers 404; a rerun finishes the job`);
            }
            if (gone.length > 0) {
                inv.notes = [...(inv.notes ?? []), `${gone.length} tag${gone.length === 1 ? '' : 's'} deleted while the run read the image (${gone.join(', ')})`];
            }
            inv.manifests = (0, inventory_1.groupByDigest)(read);
            // The graph: nested indexes (the tagged ones were read above) and subjects not in it.
            await (0, inventory_1.readGraph)(reader, inv, this.opts.parallel);
            // Every tagged manifest was read anyway, so its blobs cost nothing; an index's descendants are read
            // for theirs too, unless there is to be no estimate.
            await (0, inventory_1.readManifestDetails)(reader, ref.name, inv.manifests, this.opts.parallel, { blobs: this.opts.sizeEstimate === 'off' ? 'none' : 'read' });
            // Config blobs only where a decision needs the date (no push dates here: created is the only one).
            await (0, inventory_1.readNeededDates)(reader, inv, this.opts.policy, this.opts.parallel);
        }
        catch (e) {
            inv.error = e.message;
        }
        return inv;
    }
    /** The inventory already read every manifest and its blobs (or, with size-estimate off, none). */
    async readSizes() { }
    async recheck(image, doomed) {
        const changed = new Map();
        if (doomed.length === 0)
            return changed;
        const doomedDigests = new Set(doomed.map(d => d.digest));
        const doomedTags = new Set(doomed.flatMap(d => d.tags));
        const known = new Set(image.manifests.flatMap(m => m.tags));
        const now = await this.client.tags(image.name);
        // A delete by digest takes every tag on it: any tag that is not planned to go (a new tag, or a kept
        // one re-pointed, say a rollback of `stable` to an old build) now on a doomed digest stops that delete.
        const others = await this.resolveTags(image.name, now.filter(t => !doomedTags.has(t)));
        const planned = new Set([...image.manifests, ...(image.untagged ?? [])].map(m => m.digest));
        for (const t of others) {
            const who = `${known.has(t.tag) ? 'kept' : 'new'} tag ${t.tag}`;
            if (doomedDigests.has(t.digest))
                changed.set(t.digest, `changed since planned: ${who} now points at it`);
            // A tag on an index the plan never saw (pushed meanwhile) protects whatever that index reaches.
            else if (!planned.has(t.digest) && (0, media_1.isIndexType)(t.mediaType)) {
                for (const d of await this.descendants(image.name, t.digest, t.mediaType)) {
                    if (doomedDigests.has(d))
                        changed.set(d, `changed since planned: ${who} now reaches it through index ${(0, digest_1.shortDigest)(t.digest)}`);
                }
            }
        }
        // A planned tag that moved is harmless here: the delete by digest removes only the content the plan
        // condemned, and the tag keeps its new content. Only when asked is the move looked for, and then it
        // keeps the old content too.
        if (!this.opts.verifyBeforeDelete)
            return changed;
        const current = new Set(now);
        await (0, concurrency_1.mapLimit)(doomed, this.opts.parallel, async (d) => {
            for (const tag of d.tags) {
                if (!current.has(tag))
                    continue; // already gone: nothing moved
                const head = await this.client.resolve(image.name, tag);
                if (head && head.digest !== d.digest) {
                    changed.set(d.digest, `changed since planned: ${tag} now points at ${(0, digest_1.shortDigest)(head.digest)}`);
                    return;
                }
            }
        });
        return changed;
    }
    delete(image, decision) {
        return this.client.deleteManifest(image.name, decision.digest);
    }
    async gone(image, decision) {
        return (await this.client.resolve(image.name, decision.digest)) === undefined;
    }
    async confirm(image, deleted) {
        const left = new Map();
        if (deleted.length === 0)
            return left;
        const listed = new Set(await this.client.tags(image.name));
        await (0, concurrency_1.mapLimit)(deleted, this.opts.parallel, async (d) => {
            const still = [];
            for (const tag of d.tags.filter(t => listed.has(t))) {
                const head = await this.client.resolve(image.name, tag);
                // A tag re-pushed to new content after our delete is someone else's; only the old digest is a problem.
                if (head?.digest === d.digest)
                    still.push(tag);
            }
            if (still.length > 0)
                left.set(d.digest, { tags: still, problem: `tag ${still.join(', ')} still point${still.length === 1 ? 's' : ''} at the deleted digest` });
        });
        return left;
    }
    /**
     * Every manifest below an index the plan never saw, read by digest to any depth (the graph's own walk:
     * a nested index that cannot be read fails the recheck, so nothing of the image is deleted).
     */
    async descendants(name, digest, mediaType) {
        const root = { digest, mediaType, tags: [], children: [] };
        const below = await (0, inventory_1.readIndexTree)(this.client, name, [root], new Map([[digest, root]]), this.opts.parallel);
        return below.map(m => m.digest);
    }
    async resolveTags(name, tags) {
        const out = await (0, concurrency_1.mapLimit)(tags, this.opts.parallel, async (tag) => {
            const head = await this.client.resolve(name, tag);
            return head ? { tag, digest: head.digest, mediaType: head.mediaType } : undefined;
        });
        // A tag listed but unknown by the time we read it was deleted meanwhile: nothing to decide.
        return out.filter((t) => t !== undefined);
    }
}
exports.RegistryBackend = RegistryBackend;


/***/ }),

/***/ 2440:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// A thin client for the OCI Distribution (Docker Registry v2) API. It knows URLs, pagination and status
// codes; what to read and when is the inventory's business.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RegistryClient = exports.MAX_PAGES = void 0;
exports.nextLink = nextLink;
const node_crypto_1 = __nccwpck_require__(7598);
const http_1 = __nccwpck_require__(6803);
const media_1 = __nccwpck_require__(6571);
/** distribution/distribution caps `n` at 1000 by default and answers 400 above it. */
const PAGE = 1000;
/** A hard bound on pages of one listing (10M items at 1000 a page): a server that always links on stops. */
exports.MAX_PAGES = 10_000;
class RegistryClient {
    http;
    base;
    pageSize;
    /** Some Nexus versions answer 404 to HEAD on manifests while GET works: after one, use GET. */
    headBroken = false;
    /** Whether the server offers the OCI referrers API, once the first call found out. */
    referrersApi;
    /** @param base the URL under which `/v2/` is served (no trailing slash). */
    constructor(http, base, pageSize = PAGE) {
        this.http = http;
        this.base = base;
        this.pageSize = pageSize;
    }
    /** Checks that the API answers and the credentials are accepted; returns the `Server` header. */
    async ping() {
        const res = await this.http.request('GET', `${this.base}/v2/`, { kind: 'registry GET /v2/', handles: [401, 403, 404] });
        if (res.status === 401) {
            throw new Error(`The registry at ${this.base}/v2/ refused the credentials (401): check username and password`);
        }
        if (res.status === 403)
            throw new Error(`The registry at ${this.base}/v2/ answered 403: the user may not read it`);
        if (res.status === 404)
            throw new Error(`No Docker registry API at ${this.base}/v2/ (404): check the URL`);
        return header(res, 'server') ?? '';
    }
    /** Every image name; any page that fails or is malformed fails the whole listing. */
    catalog() {
        return this.paginate(`${this.base}/v2/_catalog?n=${this.pageSize}`, 'registry GET _catalog', 'repositories', false);
    }
    /**
     * Tags of an image. An image without tags answers `tags: null` (docker-registry after its last tag
     * was deleted) or 404 NAME_UNKNOWN on the first page: []. Anything odd on a later page is an error.
     */
    tags(name) {
        return this.paginate(`${this.base}/v2/${name}/tags/list?n=${this.pageSize}`, 'registry GET tags/list', 'tags', true);
    }
    /** Digest and media type of a tag or digest; undefined when the registry does not know it. */
    async resolve(name, ref) {
        if (!this.headBroken) {
            const url = `${this.base}/v2/${name}/manifests/${ref}`;
            const res = await this.http.request('HEAD', url, { kind: 'registry HEAD manifest', headers: { accept: media_1.MANIFEST_ACCEPT }, handles: [404] });
            const digest = header(res, 'docker-content-digest');
            if (res.status === 200 && digest)
                return { digest, mediaType: contentType(res) };
            if (res.status === 404) {
                // A 404 may be a real "unknown" or the HEAD quirk: GET tells them apart.
                const body = await this.manifest(name, ref);
                if (body)
                    this.headBroken = true;
                return body;
            }
        }
        return this.manifest(name, ref);
    }
    async manifest(name, ref) {
        const url = `${this.base}/v2/${name}/manifests/${ref}`;
        const res = await this.http.request('GET', url, { kind: 'registry GET manifest', headers: { accept: media_1.MANIFEST_ACCEPT }, handles: [404] });
        if (res.status === 404)
            return undefined;
        const digest = header(res, 'docker-content-digest') ?? 'sha256:' + (0, node_crypto_1.createHash)('sha256').update(res.body).digest('hex');
        let manifest;
        try {
            manifest = (0, media_1.parseManifest)(res.body, contentType(res));
        }
        catch {
            throw new http_1.HttpError('GET', url, res.status, 'the manifest is not JSON');
        }
        return { digest, mediaType: manifest.mediaType, manifest, size: res.body.length };
    }
    /**
     * OCI 1.1 referrers of a manifest (`GET /v2/<name>/referrers/<digest>`), untagged ones included; undefined
     * when the server does not offer the API (404, 400, 405). The first call finds that out; calls made
     * meanwhile wait for its answer, so a registry without the API is asked once.
     */
    async referrers(name, digest) {
        if (this.referrersApi) {
            if (!(await this.referrersApi))
                return undefined;
            return this.fetchReferrers(name, digest);
        }
        let settle = () => { };
        this.referrersApi = new Promise(resolve => (settle = resolve));
        try {
            const list = await this.fetchReferrers(name, digest);
            settle(list !== undefined);
            return list;
        }
        catch (e) {
            // Not an answer about the API: the next call asks again.
            this.referrersApi = undefined;
            settle(true);
            throw e;
        }
    }
    async fetchReferrers(name, digest) {
        const url = `${this.base}/v2/${name}/referrers/${digest}`;
        const res = await this.http.request('GET', url, { kind: 'registry GET referrers', headers: { accept: media_1.OCI_INDEX }, handles: [400, 404, 405] });
        if (res.status !== 200)
            return undefined;
        try {
            const j = JSON.parse(res.body.toString('utf8'));
            if (!Array.isArray(j.manifests))
                throw new Error('no manifests list');
            return j.manifests;
        }
        catch {
            throw new http_1.HttpError('GET', url, res.status, 'the referrers answer is not an index');
        }
    }
    /** The image config's `created`, or undefined when absent or unparsable. */
    async configCreated(name, digest) {
        const url = `${this.base}/v2/${name}/blobs/${digest}`;
        const res = await this.http.request('GET', url, { kind: 'registry GET config blob', handles: [404] });
        if (res.status === 404)
            return undefined;
        try {
            const created = JSON.parse(res.body.toString('utf8')).created;
            const d = created ? new Date(created) : undefined;
            return d && !Number.isNaN(d.getTime()) ? d : undefined;
        }
        catch {
            return undefined;
        }
    }
    /** Deletes a manifest by digest: 'deleted', or 'gone' when the registry no longer has it. */
    async deleteManifest(name, digest) {
        const url = `${this.base}/v2/${name}/manifests/${digest}`;
        const res = await this.http.request('DELETE', url, { kind: 'registry DELETE manifest', handles: [404, 405] });
        if (res.status === 405) {
            throw new http_1.HttpError('DELETE', url, 405, 'deleting is disabled on this registry (docker-registry: storage.delete.enabled: true)');
        }
        return res.status === 404 ? 'gone' : 'deleted';
    }
    /**
     * Follows `Link: <...>; rel="next"` to the end. Fails closed: a later page that errors, answers 404 or
     * has no list, a page repeating an item already seen, a `last` that does not advance, or more than
     * MAX_PAGES pages is an error, never the end of the listing (a short listing would make kept content
     * look absent).
     */
    async paginate(first, kind, key, emptyOn404) {
        const items = [];
        const seen = new Set();
        const urls = new Set();
        let url = first;
        for (let page = 1; url; page++) {
            if (page > exports.MAX_PAGES)
                throw new Error(`${kind}: more than ${exports.MAX_PAGES} pages, stopped (a listing that never ends)`);
            if (urls.has(url))
                throw new Error(`${kind}: page ${page} repeats ${url} (pagination loop)`);
            urls.add(url);
            const res = await this.http.request('GET', url, { kind, headers: { accept: 'application/json' }, handles: [400, 404] });
            if (res.status === 400 && url === first && new URL(url).searchParams.has('n')) {
                // A registry configured with a smaller page cap refuses our `n`: let it choose the page size.
                const plain = new URL(url);
                plain.searchParams.delete('n');
                url = plain.toString();
                page--;
                continue;
            }
            if (res.status === 400)
                throw new http_1.HttpError('GET', url, 400, res.body.toString('utf8').slice(0, 200));
            if (res.status === 404) {
                if (page === 1 && emptyOn404)
                    return [];
                throw new http_1.HttpError('GET', url, 404, `page ${page} of the listing is missing: the listing is incomplete`);
            }
            let list;
            try {
                list = JSON.parse(res.body.toString('utf8'))?.[key];
            }
            catch {
                throw new http_1.HttpError('GET', url, res.status, 'the body is not JSON');
            }
            const next = nextLink(url, header(res, 'link'));
            if (list === null && page === 1 && !next)
                return [];
            if (!Array.isArray(list) || list.some(v => typeof v !== 'string')) {
                throw new http_1.HttpError('GET', url, res.status, `page ${page} has no "${key}" list: the listing is incomplete`);
            }
            for (const item of list) {
                if (seen.has(item))
                    throw new http_1.HttpError('GET', url, res.status, `page ${page} repeats ${JSON.stringify(item)}, listed before`);
                seen.add(item);
                items.push(item);
            }
            if (next) {
                const last = new URL(next).searchParams.get('last');
                if (last !== null && last === new URL(url).searchParams.get('last')) {
                    throw new http_1.HttpError('GET', url, res.status, `page ${page} links to the same last=${last}: the listing does not advance`);
                }
            }
            url = next;
        }
        return items;
    }
}
exports.RegistryClient = RegistryClient;
/**
 * The next page from a Link header, resolved against the current URL. Nexus behind a connector port
 * answers a path with `/repository/<repo>/` that 400s if followed: when the link's path is not the one we
 * asked, keep our path and take only its query (`n`, `last`).
 */
function nextLink(current, link) {
    if (!link)
        return undefined;
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
    if (!m)
        return undefined;
    const next = new URL(m[1] ?? '', current);
    const cur = new URL(current);
    // Credentials go with every request: a next page elsewhere would hand them to another server.
    if (next.pathname === cur.pathname && next.origin !== cur.origin) {
        throw new Error(`the next-page link points at another origin (${next.origin}, not ${cur.origin}): refused`);
    }
    if (next.pathname !== cur.pathname) {
        cur.search = next.search;
        return cur.toString();
    }
    return next.toString();
}
function header(res, name) {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
}
function contentType(res) {
    return (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
}


/***/ }),

/***/ 6571:
/***/ ((__unused_webpack_module, exports) => {


// Manifest media types and the few manifest fields cleanup needs.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.MANIFEST_ACCEPT = exports.OCI_INDEX = exports.OCI_MANIFEST = exports.DOCKER_LIST = exports.DOCKER_MANIFEST = void 0;
exports.isIndexType = isIndexType;
exports.parseManifest = parseManifest;
exports.DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
exports.DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
exports.OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
exports.OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Sent on every manifest read: without it registries may answer an older schema or refuse an index. */
exports.MANIFEST_ACCEPT = [exports.DOCKER_MANIFEST, exports.DOCKER_LIST, exports.OCI_MANIFEST, exports.OCI_INDEX].join(', ');
function isIndexType(mediaType) {
    return mediaType === exports.DOCKER_LIST || mediaType === exports.OCI_INDEX;
}
/** Parses a manifest body; the media type comes from the body when present, else from Content-Type. */
function parseManifest(body, contentType) {
    const json = JSON.parse(body.toString('utf8'));
    const ct = (contentType ?? '').split(';')[0]?.trim() ?? '';
    const mediaType = json.mediaType ?? (ct || (json.manifests ? exports.OCI_INDEX : exports.OCI_MANIFEST));
    return {
        mediaType,
        manifests: Array.isArray(json.manifests) ? json.manifests : [],
        config: json.config,
        layers: Array.isArray(json.layers) ? json.layers : [],
        subject: json.subject?.digest
    };
}


/***/ }),

/***/ 665:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Rendering of a RunReport: job summary, terminal text, action outputs and the JSON report.
// Everything here is pure; the only output goes through the SummaryWriter the caller passes in.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.zeroCounts = exports.summarizeCounts = exports.reportJsonFrame = exports.reportJson = exports.actionOutputs = exports.renderTerminal = exports.renderSummary = exports.JsonReportSpool = exports.boundReport = exports.ReportCollector = exports.DEFAULT_MAX_ROWS = exports.shortDigest = exports.formatBytes = void 0;
var format_1 = __nccwpck_require__(2011);
Object.defineProperty(exports, "formatBytes", ({ enumerable: true, get: function () { return format_1.formatBytes; } }));
Object.defineProperty(exports, "shortDigest", ({ enumerable: true, get: function () { return format_1.shortDigest; } }));
var collect_1 = __nccwpck_require__(9707);
Object.defineProperty(exports, "DEFAULT_MAX_ROWS", ({ enumerable: true, get: function () { return collect_1.DEFAULT_MAX_ROWS; } }));
Object.defineProperty(exports, "ReportCollector", ({ enumerable: true, get: function () { return collect_1.ReportCollector; } }));
Object.defineProperty(exports, "boundReport", ({ enumerable: true, get: function () { return collect_1.boundReport; } }));
var json_file_1 = __nccwpck_require__(5869);
Object.defineProperty(exports, "JsonReportSpool", ({ enumerable: true, get: function () { return json_file_1.JsonReportSpool; } }));
var summary_1 = __nccwpck_require__(7994);
Object.defineProperty(exports, "renderSummary", ({ enumerable: true, get: function () { return summary_1.renderSummary; } }));
var terminal_1 = __nccwpck_require__(7496);
Object.defineProperty(exports, "renderTerminal", ({ enumerable: true, get: function () { return terminal_1.renderTerminal; } }));
var data_1 = __nccwpck_require__(1356);
Object.defineProperty(exports, "actionOutputs", ({ enumerable: true, get: function () { return data_1.actionOutputs; } }));
Object.defineProperty(exports, "reportJson", ({ enumerable: true, get: function () { return data_1.reportJson; } }));
Object.defineProperty(exports, "reportJsonFrame", ({ enumerable: true, get: function () { return data_1.reportJsonFrame; } }));
var counts_1 = __nccwpck_require__(5495);
Object.defineProperty(exports, "summarizeCounts", ({ enumerable: true, get: function () { return counts_1.summarizeCounts; } }));
Object.defineProperty(exports, "zeroCounts", ({ enumerable: true, get: function () { return counts_1.zeroCounts; } }));


/***/ }),

/***/ 9707:
/***/ ((__unused_webpack_module, exports) => {


// What the tables and outputs need of a run, gathered image by image with bounded memory: the first
// rows of each table (the rest only counted) and the tag lists of the outputs up to GitHub's size limit.
// The JSON report is the place for every outcome; this is the place for what a person reads.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ReportCollector = exports.LIST_OUTPUT_MAX_CHARS = exports.DEFAULT_MAX_ROWS = void 0;
exports.boundReport = boundReport;
exports.isBoundedReport = isBoundedReport;
exports.DEFAULT_MAX_ROWS = 200;
/**
 * A step's outputs may take 1 MB per job (counted as UTF-16), so each image:tag list output stops at this
 * many characters; the JSON report (report-file) always has all of them.
 */
exports.LIST_OUTPUT_MAX_CHARS = 200_000;
class RefCollector {
    list = { refs: [], total: 0 };
    chars = 2;
    add(ref) {
        this.list.total++;
        // JSON adds quotes, escapes and a comma; a tag or image name rarely needs escaping.
        const cost = JSON.stringify(ref).length + 1;
        if (this.list.refs.length === this.list.total - 1 && this.chars + cost <= exports.LIST_OUTPUT_MAX_CHARS) {
            this.list.refs.push(ref);
            this.chars += cost;
        }
    }
    result() {
        return this.list;
    }
}
/** Feed it each image's report in image order, then ask for the bounded report. */
class ReportCollector {
    maxRows;
    // The plan table reads image by image, each in the plan's order (versions newest first, then other
    // tags, then referrers). When it is cut, failed rows are taken first so that a cut never hides one.
    failedRows = [];
    otherRows = [];
    planTotal = 0;
    images = 0;
    kept = [];
    keptTotal = 0;
    deleted = new RefCollector();
    wouldDelete = new RefCollector();
    constructor(maxRows = exports.DEFAULT_MAX_ROWS) {
        this.maxRows = maxRows;
    }
    add(img) {
        const imageIndex = this.images++;
        img.outcomes.forEach((o, index) => {
            const e = { outcome: o, repository: img.repository, image: img.image };
            if (o.status === 'kept') {
                this.keptTotal++;
                if (this.kept.length < this.maxRows)
                    this.kept.push(e);
            }
            else {
                this.planTotal++;
                const rows = o.status === 'failed' ? this.failedRows : this.otherRows;
                if (rows.length < this.maxRows)
                    rows.push({ e, imageIndex, index });
            }
            if (o.status === 'deleted')
                for (const tag of o.decision.tags)
                    this.deleted.add(`${img.image}:${tag}`);
            else if (o.status === 'failed')
                for (const tag of o.deletedTags ?? [])
                    this.deleted.add(`${img.image}:${tag}`);
            else if (o.status === 'would-delete')
                for (const tag of o.decision.tags)
                    this.wouldDelete.add(`${img.image}:${tag}`);
        });
    }
    planRows() {
        const chosen = [...this.failedRows, ...this.otherRows].slice(0, this.maxRows);
        return chosen.sort((a, b) => a.imageIndex - b.imageIndex || a.index - b.index).map(p => p.e);
    }
    bounded(summary) {
        return {
            summary,
            plan: { entries: this.planRows(), total: this.planTotal },
            kept: { entries: [...this.kept], total: this.keptTotal },
            deleted: this.deleted.result(),
            wouldDelete: this.wouldDelete.result()
        };
    }
}
exports.ReportCollector = ReportCollector;
/** The bounded report of a whole report (every outcome in memory), as the streaming run would have built it. */
function boundReport(report, maxRows = exports.DEFAULT_MAX_ROWS) {
    const c = new ReportCollector(maxRows);
    for (const img of report.images)
        c.add(img);
    const images = report.images.map(({ outcomes: _outcomes, ...rest }) => rest);
    return c.bounded({ ...report, images });
}
function isBoundedReport(x) {
    return 'summary' in x && 'plan' in x;
}


/***/ }),

/***/ 1356:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Machine-readable views of a run: action outputs and the JSON report.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.actionOutputs = actionOutputs;
exports.normalize = normalize;
exports.reportJson = reportJson;
exports.reportJsonFrame = reportJsonFrame;
exports.imageJson = imageJson;
exports.imageJsonParts = imageJsonParts;
const collect_1 = __nccwpck_require__(9707);
const format_1 = __nccwpck_require__(2011);
/**
 * Step outputs (all strings, as GitHub requires). Counts are tags; `deleted` lists only real deletions,
 * cut at LIST_OUTPUT_MAX_CHARS (the view then says so).
 */
function actionOutputs(run) {
    const d = (0, collect_1.isBoundedReport)(run) ? run : (0, collect_1.boundReport)(run);
    const report = d.summary;
    const t = report.totals.tags;
    const bytes = report.totals.freeableBytes;
    return {
        'deleted-count': String(t.deleted),
        'would-delete-count': String(t.wouldDelete),
        'kept-count': String(t.kept),
        'failed-count': String(t.failed),
        'pending-count': String(t.pending),
        'skipped-count': String(t.skipped),
        'manifests-deleted-count': String(report.totals.manifests.deleted),
        deleted: JSON.stringify(d.deleted.refs),
        'would-delete': JSON.stringify(d.wouldDelete.refs),
        'freeable-bytes': bytes === undefined || !Number.isFinite(bytes) ? '' : String(Math.round(bytes)),
        'reclaimed-bytes': report.reclaim?.reclaimedBytes === undefined ? '' : String(report.reclaim.reclaimedBytes),
        tasks: JSON.stringify((report.reclaim?.tasks ?? []).map(t => ({ name: t.name, type: t.type, target: t.target, result: t.result, durationMs: t.durationMs ?? null })))
    };
}
// Defense in depth: the model never carries credentials, but the JSON file may be uploaded as an artifact.
const SECRET_KEY = /^(password|passwd|authorization|token|secret|cookie)$/i;
/**
 * Sorted keys (so two runs' reports diff cleanly) and no credential-looking key. Applied node by node
 * while stringifying, so a large report is never copied whole. Dates arrive as ISO strings (toJSON runs
 * first; an invalid date becomes null), undefined and functions are dropped, non-finite numbers are null.
 */
function normalize(key, value) {
    if (SECRET_KEY.test(key))
        return undefined;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const out = {};
        for (const k of Object.keys(value).sort())
            out[k] = value[k];
        return out;
    }
    return value;
}
/** The full report (every outcome, kept included, with its decision), never cut; no trailing newline. */
function reportJson(report) {
    const { head, tail } = reportJsonFrame(report);
    return report.images.length === 0 ? `${head}[]${tail}` : `${head}[\n${report.images.map(imageJson).join(',\n')}\n  ]${tail}`;
}
/**
 * `value` as JSON, split where its array `key` goes, so the array can be written piece by piece between
 * the two halves; `indentBy` indents the whole text first (as it sits nested in a larger document).
 */
function frameAround(value, key, indentBy = '') {
    const mark = JSON.stringify(`\u0000${key}\u0000`);
    const text = indent(JSON.stringify({ ...value, [key]: JSON.parse(mark) }, normalize, 2), indentBy);
    const at = text.indexOf(mark);
    return { head: text.slice(0, at), tail: text.slice(at + mark.length) };
}
function indent(text, by) {
    return by ? text.replace(/^/gm, by) : text;
}
/**
 * The report's JSON around its `images` array, so a streaming run can write the images one at a time
 * between the two: head + '[' + images joined by ',\n' + '\n  ]' + tail is exactly reportJson's text.
 */
function reportJsonFrame(report) {
    return frameAround({ ...report, host: (0, format_1.redactHost)(report.host) }, 'images');
}
/** One element of the report's `images` array, indented as it sits inside the report. */
function imageJson(image) {
    return [...imageJsonParts(image)].join('');
}
/**
 * imageJson's text in pieces of one outcome each, so a streaming run never builds one image's text whole:
 * a large string goes straight to V8's old generation and stays there until a full GC (measured: +50 MB
 * peak RSS at 100k tags).
 */
function* imageJsonParts(image) {
    const { head, tail } = frameAround(image, 'outcomes', '    ');
    yield head;
    if (image.outcomes.length === 0)
        yield '[]';
    else {
        yield '[';
        for (let i = 0; i < image.outcomes.length; i++) {
            yield (i === 0 ? '\n' : ',\n') + indent(JSON.stringify(image.outcomes[i], normalize, 2), '        ');
        }
        yield '\n      ]';
    }
    yield tail;
}


/***/ }),

/***/ 2011:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Small pure formatters shared by every renderer.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.shortDigest = exports.formatBytes = void 0;
exports.formatDuration = formatDuration;
exports.toDate = toDate;
exports.ymd = ymd;
exports.plural = plural;
exports.escapeHtml = escapeHtml;
exports.stripControls = stripControls;
exports.redactHost = redactHost;
var bytes_1 = __nccwpck_require__(6136);
Object.defineProperty(exports, "formatBytes", ({ enumerable: true, get: function () { return bytes_1.formatBytes; } }));
var digest_1 = __nccwpck_require__(2187);
Object.defineProperty(exports, "shortDigest", ({ enumerable: true, get: function () { return digest_1.shortDigest; } }));
/** `850 ms`, `3.2 s`, `2 min 5 s`, `1 h 2 min`. */
function formatDuration(ms) {
    if (!Number.isFinite(ms) || ms < 0)
        return '—';
    if (ms < 1000)
        return `${Math.round(ms)} ms`;
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
    const totalS = Math.round(ms / 1000);
    const h = Math.floor(totalS / 3600);
    const m = Math.floor((totalS % 3600) / 60);
    const s = totalS % 60;
    return h > 0 ? `${h} h ${m} min` : `${m} min ${s} s`;
}
/** Dates may arrive as Date or, after a JSON round trip, as ISO strings; invalid ones become undefined. */
function toDate(v) {
    if (v === null || v === undefined)
        return undefined;
    const d = v instanceof Date ? v : new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
}
/** UTC calendar day, so the summary does not depend on the runner's time zone. */
function ymd(v) {
    return toDate(v)?.toISOString().slice(0, 10);
}
/** `1 tag`, `3 tags`. */
function plural(n, word) {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
}
/**
 * HTML-escapes user data (image and tag names, server error text) for the job summary.
 * `|` is escaped too so a cell can never split a Markdown table; newlines become `<br>` because a
 * blank line would end the HTML block and let the rest be parsed as Markdown.
 */
function escapeHtml(text) {
    return stripControls(text, '\n')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;')
        .replace(/\|/g, '&#124;')
        .replace(/\r?\n/g, '<br>');
}
/**
 * Replaces control characters (ESC included) with spaces: server error text reaches the terminal and
 * must not be able to inject escape sequences or break a table row. Characters in `keep` survive.
 */
function stripControls(text, keep = '') {
    return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, c => (keep.includes(c) ? c : ' '));
}
/** Drops `user:password@` from a URL: the host is printed everywhere and must never carry credentials. */
function redactHost(host) {
    return host.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}


/***/ }),

/***/ 5869:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The JSON report of a streaming run: each image's part goes to a spool file as the image finishes, and
// the report is assembled at the end (its sorted keys put run-wide fields such as `failures` before
// `images`). Memory holds one image at a time; the text is exactly reportJson's.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.JsonReportSpool = void 0;
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __nccwpck_require__(6760);
const temp_dir_1 = __nccwpck_require__(327);
const data_1 = __nccwpck_require__(1356);
class JsonReportSpool {
    dir;
    path;
    fd;
    count = 0;
    constructor() {
        this.dir = (0, temp_dir_1.privateTempDir)();
        this.path = (0, node_path_1.join)(this.dir, 'images.json');
        this.fd = (0, node_fs_1.openSync)(this.path, 'w', 0o600);
    }
    add(image) {
        const fd = this.fd;
        if (fd === undefined)
            throw new Error('JSON report spool already closed');
        // In pieces of about 32k characters: small strings die young (see imageJsonParts).
        let batch = this.count++ === 0 ? [] : [',\n'];
        let size = 0;
        for (const part of (0, data_1.imageJsonParts)(image)) {
            batch.push(part);
            size += part.length;
            if (size >= 32768) {
                (0, node_fs_1.writeSync)(fd, batch.join(''));
                batch = [];
                size = 0;
            }
        }
        if (batch.length > 0)
            (0, node_fs_1.writeSync)(fd, batch.join(''));
    }
    /** Writes the whole report to the file at `path` (created or replaced); no trailing newline. */
    writeFile(summary, path) {
        const out = (0, node_fs_1.openSync)(path, 'w');
        try {
            for (const chunk of this.chunks(summary)) {
                if (typeof chunk === 'string')
                    (0, node_fs_1.writeSync)(out, chunk);
                else
                    (0, node_fs_1.writeSync)(out, chunk);
            }
        }
        finally {
            (0, node_fs_1.closeSync)(out);
        }
    }
    /** Writes the whole report to a stream such as stdout, each chunk flushed before the next is read. */
    async writeStream(summary, out) {
        for (const chunk of this.chunks(summary)) {
            await new Promise((resolve, reject) => out.write(chunk, e => (e ? reject(e) : resolve())));
        }
    }
    /**
     * The report in order: head, the spooled images through one reused 1 MB buffer (a fresh buffer per read
     * would pile up 60 MB of garbage outside the heap for a 60 MB report), tail. Each chunk is valid only
     * until the next is asked for.
     */
    *chunks(summary) {
        this.close();
        const { head, tail } = (0, data_1.reportJsonFrame)(summary);
        yield this.count === 0 ? `${head}[]` : `${head}[\n`;
        if (this.count > 0) {
            const from = (0, node_fs_1.openSync)(this.path, 'r');
            const buf = Buffer.allocUnsafe(1 << 20);
            try {
                for (let n = (0, node_fs_1.readSync)(from, buf); n > 0; n = (0, node_fs_1.readSync)(from, buf))
                    yield buf.subarray(0, n);
            }
            finally {
                (0, node_fs_1.closeSync)(from);
            }
            yield '\n  ]';
        }
        yield tail;
    }
    /** Removes the spool file; safe to call more than once. */
    dispose() {
        this.close();
        (0, node_fs_1.rmSync)(this.dir, { recursive: true, force: true });
    }
    close() {
        if (this.fd !== undefined)
            (0, node_fs_1.closeSync)(this.fd);
        this.fd = undefined;
    }
}
exports.JsonReportSpool = JsonReportSpool;


/***/ }),

/***/ 3278:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.readReportFile = readReportFile;
exports.expandReportGlobs = expandReportGlobs;
exports.mergeReports = mergeReports;
// merge-reports: the JSON reports of a sharded run's jobs (each shard's report-file), and the reclaim-only
// job's own run, as one report of the whole run: images once each, counts added up. Pure, apart from
// reading the files (readReportFile).
const node_fs_1 = __nccwpck_require__(3024);
const node_path_1 = __nccwpck_require__(6760);
const compare_1 = __nccwpck_require__(5344);
const counts_1 = __nccwpck_require__(5495);
const glob_1 = __nccwpck_require__(5601);
/** A report as `report-file` wrote it, with its dates as Dates again. */
function readReportFile(path) {
    let parsed;
    try {
        parsed = JSON.parse((0, node_fs_1.readFileSync)(path, 'utf8'));
    }
    catch (e) {
        throw new Error(`merge-reports: ${path} is not a readable JSON report (${e.message})`);
    }
    const r = parsed;
    if (!r || typeof r !== 'object' || !Array.isArray(r.images) || !r.totals || !r.tool) {
        throw new Error(`merge-reports: ${path} is not a nexus-image-lifecycle report (no tool, totals and images)`);
    }
    for (const img of r.images) {
        for (const o of img.outcomes) {
            const d = o.decision;
            if (typeof d.ageDate === 'string')
                d.ageDate = new Date(d.ageDate);
        }
    }
    return r;
}
/** The files the globs match, relative to `cwd`, sorted; a glob that matches nothing is an error. */
function expandReportGlobs(globs, cwd = process.cwd()) {
    const out = new Set();
    for (const glob of globs) {
        const parts = glob.split('/');
        const fixed = [];
        while (parts.length > 1 && !/[*?[{]/.test(parts[0] ?? ''))
            fixed.push(parts.shift());
        const root = (0, node_path_1.join)(cwd, ...fixed);
        const re = (0, glob_1.globToRegExp)(parts.join('/'));
        const walk = (dir) => {
            let names = [];
            try {
                names = (0, node_fs_1.readdirSync)(dir);
            }
            catch {
                return [];
            }
            return names.flatMap(n => {
                const p = (0, node_path_1.join)(dir, n);
                return (0, node_fs_1.statSync)(p).isDirectory() ? walk(p) : [p];
            });
        };
        const matched = walk(root).filter(p => re.test((0, node_path_1.relative)(root, p).split(node_path_1.sep).join('/')));
        if (matched.length === 0)
            throw new Error(`merge-reports: ${glob} matched no file`);
        for (const p of matched)
            out.add((0, node_path_1.relative)(cwd, p));
    }
    return [...out].sort();
}
/**
 * One report of the whole run. `own`: this job's own run (reclaim-only), whose reclaim step, requests,
 * notes and failures join the shards'. Reports must agree on api and dry-run.
 */
function mergeReports(reports, own) {
    const first = reports[0];
    if (!first)
        throw new Error('merge-reports: no report to merge');
    for (const r of reports) {
        if (r.api !== first.api || r.dryRun !== first.dryRun) {
            throw new Error(`merge-reports: the reports disagree (api ${first.api} / ${r.api}, dry-run ${first.dryRun} / ${r.dryRun}): merge the reports of one run`);
        }
    }
    const seen = new Set();
    const duplicates = [];
    const images = [];
    for (const r of reports) {
        for (const img of r.images) {
            const key = `${img.repository}/${img.image}`;
            if (seen.has(key))
                duplicates.push(key);
            else {
                seen.add(key);
                images.push(img);
            }
        }
    }
    images.sort((a, b) => (0, compare_1.compareStrings)(`${a.repository}/${a.image}`, `${b.repository}/${b.image}`));
    const tags = (0, counts_1.zeroCounts)();
    const manifests = (0, counts_1.zeroCounts)();
    for (const img of images) {
        (0, counts_1.addCounts)(tags, img.tags);
        (0, counts_1.addCounts)(manifests, img.manifests);
    }
    const all = [...reports, ...(own ? [own] : [])];
    const requests = {};
    for (const r of all)
        for (const [k, n] of Object.entries(r.requests))
            requests[k] = (requests[k] ?? 0) + n;
    const starts = all.map(r => Date.parse(r.startedAt));
    const ends = all.map(r => Date.parse(r.startedAt) + r.durationMs);
    const bytes = reports.map(r => r.totals.freeableBytes);
    const notes = [...new Set(all.flatMap(r => r.notes))];
    if (duplicates.length > 0)
        notes.push(`merge-reports: ${duplicates.length} image(s) in more than one report, counted once: ${duplicates.join(', ')}`);
    const reclaim = own?.reclaim ?? reports.find(r => r.reclaim)?.reclaim;
    const { shard: _shard, reclaimOnly: _reclaimOnly, ...base } = first;
    return {
        ...base,
        repositories: [...new Set(all.flatMap(r => r.repositories))],
        startedAt: new Date(Math.min(...starts)).toISOString(),
        durationMs: Math.max(...ends) - Math.min(...starts),
        images,
        totals: {
            images: images.length,
            tags,
            manifests,
            // each shard counts its own blobs: shared layers across shards may be counted twice (an upper bound still)
            ...(bytes.every(b => b !== undefined) ? { freeableBytes: bytes.reduce((n, b) => n + (b ?? 0), 0) } : {})
        },
        requests,
        notes,
        failures: all.flatMap(r => r.failures),
        ...(reclaim ? { reclaim } : {}),
        merged: { reports: reports.length, duplicates }
    };
}


/***/ }),

/***/ 7994:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Job summary rendering. Every piece of text goes through escapeHtml: core.summary inserts strings
// verbatim, and image/tag names and server messages are user data.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.FOLD_ROWS = void 0;
exports.renderSummary = renderSummary;
const format_1 = __nccwpck_require__(2011);
const collect_1 = __nccwpck_require__(9707);
const view_1 = __nccwpck_require__(4153);
/** A table longer than this is folded into <details>, its counts in the fold's title. */
exports.FOLD_ROWS = 20;
function tableRows(table, fullList) {
    const rows = [table.columns.map(c => ({ data: (0, format_1.escapeHtml)(c.header), header: true }))];
    for (const row of table.rows)
        rows.push(row.map(cell => (0, format_1.escapeHtml)(cell)));
    if (table.more > 0)
        rows.push([{ data: (0, format_1.escapeHtml)((0, view_1.moreText)(table.more, fullList)), colspan: String(table.columns.length) }]);
    return rows;
}
/** An HTML table for places core.summary's addTable cannot reach (inside <details>). */
function htmlTable(table, fullList) {
    const head = `<tr>${table.columns.map(c => `<th>${(0, format_1.escapeHtml)(c.header)}</th>`).join('')}</tr>`;
    const body = table.rows.map(r => `<tr>${r.map(c => `<td>${(0, format_1.escapeHtml)(c)}</td>`).join('')}</tr>`).join('');
    const more = table.more > 0 ? `<tr><td colspan="${table.columns.length}">${(0, format_1.escapeHtml)((0, view_1.moreText)(table.more, fullList))}</td></tr>` : '';
    return `<table>${head}${body}${more}</table>`;
}
/** A table in the open when it fits a screen, else folded under `title`. */
function addTable(s, table, title, fullList) {
    if (table.rows.length + (table.more > 0 ? 1 : 0) > exports.FOLD_ROWS)
        s.addDetails((0, format_1.escapeHtml)(title), htmlTable(table, fullList));
    else
        s.addTable(tableRows(table, fullList));
}
function planTitle(counts, dryRun) {
    const parts = [
        [dryRun ? counts.wouldDelete : counts.deleted, dryRun ? 'would delete' : 'deleted'],
        [counts.failed, 'failed'],
        [counts.pending, 'pending'],
        [counts.skipped, 'skipped']
    ].filter(([n]) => n > 0);
    const total = parts.reduce((n, [c]) => n + c, 0);
    return `Plan: ${(0, format_1.plural)(total, 'manifest')} (${parts.map(([n, w]) => `${w} ${n}`).join(', ')})`;
}
/** Writes the run report into `s` (typically `core.summary`); the caller decides when to `write()`. */
function renderSummary(report, s, opts = {}) {
    const v = (0, view_1.buildView)(report, opts);
    const summary = (0, collect_1.isBoundedReport)(report) ? report.summary : report;
    s.addHeading((0, format_1.escapeHtml)(v.answer), 2);
    s.addRaw(`<p><sub><strong>${(0, format_1.escapeHtml)(v.context)}</strong></sub><br><sub>Policy: ${(0, format_1.escapeHtml)(v.policy)}</sub></p>`, true);
    if (v.rules.length > 0)
        s.addRaw(`<p><sub>Rules (an image takes the first that matches):<br>${v.rules.map(format_1.escapeHtml).join('<br>')}</sub></p>`, true);
    if (v.usage.length > 0)
        s.addRaw(`<p>${v.usage.map(format_1.escapeHtml).join('<br>')}</p>`, true);
    s.addHeading('Images', 3);
    if (v.images.rows.length === 0)
        s.addRaw('<p>No image matched.</p>', true);
    else {
        const touched = summary.images.filter(i => (summary.dryRun ? i.manifests.wouldDelete : i.manifests.deleted) > 0).length;
        addTable(s, v.images, `Images: ${summary.images.length} (${touched} with deletions)`, v.fullList);
    }
    s.addHeading('Plan', 3);
    if (v.plan.rows.length === 0)
        s.addRaw('<p>Nothing to delete: every tag is kept.</p>', true);
    else
        addTable(s, v.plan, planTitle(summary.totals.manifests, summary.dryRun), v.fullList);
    if (v.tasks) {
        s.addHeading('Reclaim space (Nexus cleanup tasks)', 3);
        addTable(s, v.tasks, `Tasks: ${v.tasks.rows.length + v.tasks.more}`, v.fullList);
        if (v.blobStores)
            addTable(s, v.blobStores, `Blob stores: ${v.blobStores.rows.length + v.blobStores.more}`, v.fullList);
    }
    if (v.kept.rows.length > 0) {
        s.addDetails((0, format_1.escapeHtml)(`Kept: ${v.kept.rows.length + v.kept.more} manifests and why`), htmlTable(v.kept, v.fullList));
    }
    if (v.failures.length > 0) {
        s.addHeading('Failures', 3);
        s.addList(v.failures.map(format_1.escapeHtml));
    }
    const notes = [...v.notes, ...v.outputNotes];
    if (notes.length > 0) {
        s.addHeading('Notes', 3);
        s.addList(notes.map(format_1.escapeHtml));
    }
    if (v.requests !== undefined)
        s.addDetails('HTTP requests', `<p>${(0, format_1.escapeHtml)(v.requests)}</p>`);
    s.addEOL();
}


/***/ }),

/***/ 7496:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Plain-text rendering for the CLI: aligned, box-free tables; ANSI colors only when asked for.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.renderTerminal = renderTerminal;
const format_1 = __nccwpck_require__(2011);
const view_1 = __nccwpck_require__(4153);
const GAP = '  ';
/** A truncated column keeps at least this many characters, even if the line then overflows. */
const MIN_FLEX = 8;
const STATUS_COLOR = {
    failed: '31',
    deleted: '32',
    'would-delete': '36',
    pending: '33',
    skipped: '2'
};
// Lengths in code points, so a surrogate pair is never split by truncation.
function len(s) {
    return [...s].length;
}
function truncate(s, width) {
    const chars = [...s];
    return chars.length <= width ? s : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}
function fitWidths(table, cells, width) {
    const widths = table.columns.map((c, i) => Math.max(len(c.header), ...cells.map(r => len(r[i] ?? ''))));
    if (width === undefined || !Number.isFinite(width))
        return widths;
    const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
    // Shrink the widest free-text column one step at a time so the cuts are spread fairly.
    for (let excess = total() - width; excess > 0; excess--) {
        let widest = -1;
        table.columns.forEach((c, i) => {
            const w = widths[i] ?? 0;
            if (c.flex && w > MIN_FLEX && (widest < 0 || w > (widths[widest] ?? 0)))
                widest = i;
        });
        if (widest < 0)
            break;
        widths[widest] = (widths[widest] ?? 0) - 1;
    }
    return widths;
}
function renderTable(table, opts, paint, fullList) {
    const cells = table.rows.map(r => r.map(c => (0, format_1.stripControls)(c)));
    const widths = fitWidths(table, cells, opts.width);
    const line = (row, style) => row
        .map((cell, i) => {
        const w = widths[i] ?? 0;
        const text = truncate(cell, w);
        const pad = i === row.length - 1 ? '' : ' '.repeat(w - len(text));
        return (style ? style(i, text) : text) + pad;
    })
        .join(GAP)
        .trimEnd();
    const statusCol = table.columns.findIndex(c => c.status);
    const out = [
        line(table.columns.map(c => c.header), (_, t) => paint('1', t)),
        widths.map(w => '-'.repeat(w)).join(GAP)
    ];
    cells.forEach((row, r) => {
        const status = table.statuses?.[r];
        const color = status ? STATUS_COLOR[status] : undefined;
        out.push(line(row, (i, t) => (i === statusCol && color ? paint(color, t) : t)));
    });
    if (table.more > 0)
        out.push((0, view_1.moreText)(table.more, fullList));
    return out;
}
/** The report as text for the CLI (no trailing newline); pure, so the caller picks color and width from the TTY. */
function renderTerminal(report, opts = {}) {
    const paint = opts.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_, text) => text;
    const v = (0, view_1.buildView)(report, opts);
    const table = (t) => renderTable(t, opts, paint, v.fullList);
    const out = [];
    out.push(paint(v.mode === 'DRY RUN' ? '1;33' : '1;31', (0, format_1.stripControls)(v.answer)));
    out.push((0, format_1.stripControls)(v.context), `Policy: ${(0, format_1.stripControls)(v.policy)}`);
    if (v.rules.length > 0)
        out.push('Rules (an image takes the first that matches):', ...v.rules.map(r => `  ${(0, format_1.stripControls)(r)}`));
    out.push(...v.usage.map(l => (0, format_1.stripControls)(l)), '');
    out.push(paint('1', 'Images'));
    out.push(...(v.images.rows.length === 0 ? ['No image matched.'] : table(v.images)), '');
    out.push(paint('1', 'Plan'));
    out.push(...(v.plan.rows.length === 0 ? ['Nothing to delete: every tag is kept.'] : table(v.plan)), '');
    if (v.tasks) {
        out.push(paint('1', 'Reclaim space (Nexus cleanup tasks)'), ...table(v.tasks), '');
        if (v.blobStores)
            out.push(...table(v.blobStores), '');
    }
    if (v.kept.rows.length > 0)
        out.push(paint('1', 'Kept'), ...table(v.kept), '');
    if (v.failures.length > 0) {
        out.push(paint('1;31', 'Failures'), ...v.failures.map(f => `- ${(0, format_1.stripControls)(f)}`), '');
    }
    if (v.notes.length > 0)
        out.push(paint('1', 'Notes'), ...v.notes.map(n => `- ${(0, format_1.stripControls)(n)}`), '');
    if (v.requests !== undefined)
        out.push(`HTTP requests: ${(0, format_1.stripControls)(v.requests)}`, '');
    return out.join('\n').replace(/\n+$/, '');
}


/***/ }),

/***/ 4153:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The report's content as plain-text tables and lines, built once so the job summary and the terminal
// say exactly the same thing; each renderer only escapes, pads and decorates.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.STATUS_LABEL = exports.NO_FULL_LIST = void 0;
exports.moreText = moreText;
exports.buildView = buildView;
const collect_1 = __nccwpck_require__(9707);
const format_1 = __nccwpck_require__(2011);
/** What a cut table says when the door wrote no JSON report. */
exports.NO_FULL_LIST = 'set report-file for the full list';
function moreText(n, fullList) {
    return `… and ${n} more (${fullList})`;
}
exports.STATUS_LABEL = {
    kept: 'kept',
    deleted: 'deleted',
    'would-delete': 'would delete',
    pending: 'pending',
    skipped: 'skipped',
    failed: 'failed'
};
function normalizeMaxRows(maxRows) {
    if (maxRows === undefined || Number.isNaN(maxRows))
        return collect_1.DEFAULT_MAX_ROWS;
    return Math.max(1, Math.floor(maxRows));
}
function cut(table, maxRows) {
    const more = Math.max(0, table.rows.length - maxRows);
    if (more === 0)
        return { ...table, more };
    return {
        columns: table.columns,
        rows: table.rows.slice(0, maxRows),
        statuses: table.statuses?.slice(0, maxRows),
        more
    };
}
function countPhrase(tags, manifests) {
    // Tags are what users see; manifests are what the registry stores. Zero needs no second number.
    return tags === 0 && manifests === 0 ? '0 tags' : `${(0, format_1.plural)(tags, 'tag')} (${(0, format_1.plural)(manifests, 'manifest')})`;
}
function list(values) {
    return values && values.length > 0 ? values.join(', ') : '—';
}
function answer(report) {
    if (report.reclaimOnly && !report.merged)
        return `Reclaim only (no inventory, nothing deleted by this job) · ${spaceText(report)}`;
    const t = report.totals.tags;
    const m = report.totals.manifests;
    const removedTags = report.dryRun ? t.wouldDelete : t.deleted;
    const removedManifests = report.dryRun ? m.wouldDelete : m.deleted;
    const touched = report.images.filter(i => (report.dryRun ? i.manifests.wouldDelete : i.manifests.deleted) > 0).length;
    const parts = [
        removedTags === 0 && removedManifests === 0
            ? report.dryRun
                ? 'Nothing to delete'
                : 'Deleted nothing'
            : `${report.dryRun ? 'Would delete' : 'Deleted'} ${countPhrase(removedTags, removedManifests)} in ${(0, format_1.plural)(touched, 'image')}`,
        `kept ${countPhrase(t.kept, m.kept)}`,
        spaceText(report)
    ];
    // What did not go as planned is part of the answer; zero needs no mention.
    for (const [n, what] of [
        [t.failed, 'failed'],
        [t.pending, 'pending (max-deletions)'],
        [t.skipped, 'skipped (changed since planned)']
    ]) {
        if (n > 0)
            parts.push(`${(0, format_1.plural)(n, 'tag')} ${what}`);
    }
    // A dry run cannot delete, and a real run cannot "would delete"; show the other only if it happened.
    if (report.dryRun && (t.deleted > 0 || m.deleted > 0))
        parts.push(`deleted ${countPhrase(t.deleted, m.deleted)}`);
    if (!report.dryRun && (t.wouldDelete > 0 || m.wouldDelete > 0))
        parts.push(`would delete ${countPhrase(t.wouldDelete, m.wouldDelete)}`);
    return parts.join(' · ');
}
function spaceText(report) {
    const bytes = report.totals.freeableBytes;
    const reclaimed = report.reclaim?.reclaimedBytes;
    if (reclaimed !== undefined) {
        return `${(0, format_1.formatBytes)(reclaimed)} came back (measured on the blob store${bytes === undefined ? '' : `; estimate was up to ${(0, format_1.formatBytes)(bytes)}`})`;
    }
    if (bytes === undefined)
        return 'space to come back unknown';
    if (report.dryRun)
        return `up to ${(0, format_1.formatBytes)(bytes)} would come back (estimate)`;
    const when = report.api === 'nexus' ? "once Nexus's Docker GC and compact tasks run (run-cleanup-tasks)" : "after the registry's garbage collection";
    return `up to ${(0, format_1.formatBytes)(bytes)} to come back ${when} (estimate)`;
}
function contextLine(report) {
    const repos = report.repositories.length > 0 ? report.repositories.join(', ') : '—';
    return [
        report.dryRun ? 'DRY RUN: nothing was deleted' : 'DELETE',
        `${report.tool.name} ${report.tool.version}`,
        `api ${report.api}`,
        `host ${(0, format_1.redactHost)(report.host)}`,
        `repositories ${repos}`,
        `${(0, format_1.plural)(report.totals.images, 'image')} scanned`,
        ...(report.shard ? [`shard ${report.shard.index}/${report.shard.count}: ${report.shard.images} of ${report.shard.of} selected images`] : []),
        ...(report.merged ? [`merged from ${(0, format_1.plural)(report.merged.reports, 'report')}`] : []),
        `duration ${(0, format_1.formatDuration)(report.durationMs)}`,
        ...concurrencyText(report)
    ].join(' · ');
}
function concurrencyText(report) {
    const c = report.concurrency;
    if (!c)
        return [];
    if (!c.adaptive)
        return [`concurrency ${c.settled}`];
    const backoffs = c.backoffs > 0 ? `, backed off ${(0, format_1.plural)(c.backoffs, 'time')}` : '';
    return [`concurrency auto: settled at ${c.settled} (peak ${c.peak} of ${c.ceiling}${backoffs})`];
}
const count = (n) => n.toLocaleString('en-US');
function budgetLines(report) {
    const b = report.budget;
    if (!b)
        return [];
    const over = b.before - b.planned - b.max;
    if (over <= 0)
        return [
            `max-components ${count(b.max)}: ${count(b.before)} components before, ${count(b.before - b.planned)} after the policy: within the budget, it took nothing.`
        ];
    const took = `${(0, format_1.plural)(b.tookManifests, 'manifest')} (${(0, format_1.plural)(b.tookTags, 'tag')}) beyond keep but younger than older-than`;
    return [
        `max-components ${count(b.max)}: ${count(b.before)} components before; the rest of the policy leaves ${count(b.before - b.planned)}, ${count(over)} over; the budget took ${took}; ${count(b.after)} after.` +
            (b.met ? '' : ` The budget cannot be met within the keeps: still ${count(b.after - b.max)} over (keep, protections and the graph hold).`)
    ];
}
function usageLines(report) {
    const u = report.usage;
    if (!u)
        return budgetLines(report);
    if (u.unavailable)
        return [`Community Edition counters: not read: ${u.unavailable}.`, ...budgetLines(report)];
    const lines = [];
    const limit = `Community Edition's limit of ${count(u.componentLimit)}`;
    if (u.componentsBefore !== undefined) {
        const share = (n) => {
            const pct = (n / u.componentLimit) * 100;
            return pct > 0 && pct < 1 ? 'under 1%' : `${Math.round(pct)}%`;
        };
        const gone = report.dryRun ? report.totals.tags.wouldDelete : report.totals.tags.deleted;
        if (u.componentsAfter !== undefined) {
            lines.push(`Components: ${count(u.componentsBefore)} before, ${count(u.componentsAfter)} after (${share(u.componentsAfter)} of ${limit}; each Docker tag is one).`);
        }
        else if (report.dryRun) {
            lines.push(`Components: ${count(u.componentsBefore)} (${share(u.componentsBefore)} of ${limit}; each Docker tag is one); the real run would remove ${count(gone)}.`);
        }
        else {
            lines.push(`Components: ${count(u.componentsBefore)} before (${share(u.componentsBefore)} of ${limit}; each Docker tag is one); this run deleted ${count(gone)}.`);
        }
    }
    const seen = u.requests24hBefore !== undefined ? `; Nexus had counted ${count(u.requests24hBefore)} in the 24 hours before the run` : '';
    lines.push(`Requests: this run sent ${count(u.runRequests)} to the Docker API (/repository/…), which Community Edition counts against its daily limit${seen}.`);
    return [...lines, ...budgetLines(report)];
}
function policyLine(report) {
    const p = report.policy;
    const parts = [
        `keep ${p.keep}`,
        `keep-other ${p.keepOther}`,
        `older-than ${p.olderThan ?? '—'}`,
        `age-basis ${p.ageBasis}`,
        `sort ${p.sort}`,
        `keep-tags ${list(p.keepTags)}`,
        `tags ${list(p.tags)}`,
        `images ${list(p.images)}`
    ];
    if (p.excludeImages.length > 0)
        parts.push(`exclude-images ${list(p.excludeImages)}`);
    // Shown when set (older reports lack these fields)
    if (p.keepPer && p.keepPer !== 'none')
        parts.push(`keep-per ${p.keepPer}`);
    if (p.keepLines !== undefined)
        parts.push(`keep-lines ${p.keepLines}`);
    if (p.deleteTags && p.deleteTags.length > 0)
        parts.push(`delete-tags ${list(p.deleteTags)}`);
    if (p.references && p.references.length > 0)
        parts.push(`keep-references ${p.references.length}`);
    if (p.maxDeletions !== undefined)
        parts.push(`max-deletions ${p.maxDeletions}`);
    if (p.maxComponents !== undefined)
        parts.push(`max-components ${p.maxComponents}`);
    return parts.join(' · ');
}
function imagesTable(report) {
    const columns = [
        { header: 'Image', flex: true },
        { header: 'Rule' },
        { header: 'Tags kept' },
        { header: report.dryRun ? 'Would delete' : 'Tags deleted' },
        { header: 'Pending' },
        { header: 'Skipped' },
        { header: 'Failed' },
        { header: 'Freeable (up to)' },
        { header: 'Note', flex: true }
    ];
    const rows = report.images.map(img => {
        const removed = report.dryRun ? 'wouldDelete' : 'deleted';
        const note = img.error !== undefined ? `error: ${img.error}` : img.notes.join('; ');
        return [
            `${img.repository}/${img.image}`,
            img.rule ?? '—',
            String(img.tags.kept),
            String(img.tags[removed]),
            String(img.tags.pending),
            String(img.tags.skipped),
            String(img.tags.failed),
            // "0 B" next to a failure would read as measured; nothing is known to come back there
            img.freeableBytes === undefined || (img.freeableBytes === 0 && (img.tags.failed > 0 || img.error !== undefined)) ? '—' : (0, format_1.formatBytes)(img.freeableBytes),
            note || '—'
        ];
    });
    return withoutEmptyColumns({ columns, rows }, 1);
}
/** Leaves out the columns (after the first `keep`) that are zero or unknown on every row. */
function withoutEmptyColumns(table, keep) {
    const shown = table.columns.map((_, i) => i < keep || table.rows.some(r => r[i] !== '0' && r[i] !== '—'));
    return {
        columns: table.columns.filter((_, i) => shown[i]),
        rows: table.rows.map(r => r.filter((_, i) => shown[i]))
    };
}
function dateCell(o) {
    const day = (0, format_1.ymd)(o.decision.ageDate) ?? '—';
    const basis = o.decision.ageBasis;
    return basis && basis !== 'none' ? `${day} (${basis})` : day;
}
/** Image names alone are ambiguous once a run spans several repositories. */
function imageLabel(report) {
    const multiRepo = new Set(report.images.map((i) => i.repository)).size > 1;
    return e => (multiRepo ? `${e.repository}/${e.image}` : e.image);
}
/** The decision's reason, then what happened when it differs (a held-back row keeps the reason it is due for). */
function reasonCell(o) {
    const reason = o.decision.dueReason ?? o.decision.reason;
    return o.detail && o.detail !== reason ? `${reason} — ${o.detail}` : reason;
}
/** Columns and cells shared by the plan and kept tables; the plan adds Status and the outcome detail. */
function decisionTable(rows, label, withStatus, maxRows) {
    const columns = [
        { header: 'Image', flex: true },
        { header: 'Tags', flex: true },
        { header: 'Digest' },
        { header: 'Date' },
        { header: 'Version' },
        ...(withStatus ? [{ header: 'Status', status: true }] : []),
        { header: 'Reason', flex: true }
    ];
    const shown = rows.entries.slice(0, maxRows);
    const cells = shown.map(e => [
        label(e),
        e.outcome.decision.tags.length > 0 ? e.outcome.decision.tags.join(', ') : '(untagged)',
        (0, format_1.shortDigest)(e.outcome.decision.digest),
        dateCell(e.outcome),
        e.outcome.decision.version ?? '—',
        ...(withStatus ? [exports.STATUS_LABEL[e.outcome.status]] : []),
        reasonCell(e.outcome)
    ]);
    return {
        columns,
        rows: cells,
        ...(withStatus ? { statuses: shown.map(e => e.outcome.status) } : {}),
        more: Math.max(0, rows.total - shown.length)
    };
}
function tasksTable(report) {
    const r = report.reclaim;
    if (!r || r.tasks.length === 0)
        return undefined;
    const columns = [
        { header: 'Task', flex: true },
        { header: 'Type' },
        { header: 'For' },
        { header: 'Result' },
        { header: 'Duration' },
        { header: 'Message', flex: true }
    ];
    const rows = r.tasks.map(t => [t.name, t.type, t.target, t.result, t.durationMs === undefined ? '—' : (0, format_1.formatDuration)(t.durationMs), t.message ?? '—']);
    return { columns, rows };
}
function blobStoresTable(report) {
    const r = report.reclaim;
    if (!r || r.blobStores.length === 0)
        return undefined;
    const b = (n) => (n === undefined ? '—' : (0, format_1.formatBytes)(n));
    const columns = [
        { header: 'Blob store' },
        { header: 'Type' },
        { header: 'Before' },
        { header: 'After' },
        { header: 'Freed' },
        { header: 'Measured' }
    ];
    const rows = r.blobStores.map(s => [s.name, s.type, b(s.beforeBytes), b(s.afterBytes), b(s.freedBytes), s.measuredAt ?? '—']);
    return { columns, rows };
}
function requestsLine(report) {
    const kinds = Object.entries(report.requests ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (kinds.length === 0)
        return undefined;
    const total = kinds.reduce((sum, [, n]) => sum + n, 0);
    return `${total} (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})`;
}
function optionalCut(table, limit) {
    return table ? cut(table, limit) : undefined;
}
/** The view of a run: from the digest a streaming run collected, or from a whole report. */
function buildView(run, opts = {}) {
    const limit = normalizeMaxRows(opts.maxRows);
    const d = (0, collect_1.isBoundedReport)(run) ? run : (0, collect_1.boundReport)(run, limit);
    const report = d.summary;
    const label = imageLabel(report);
    const notes = [...report.notes, ...(report.reclaim?.notes ?? [])];
    if (report.totals.manifests.pending > 0) {
        const cap = report.policy.maxDeletions !== undefined ? ` (${report.policy.maxDeletions})` : '';
        notes.push(`pending: max-deletions${cap} reached; a later run deletes the rest`);
    }
    const outputNotes = [];
    for (const [name, list] of [
        ['deleted', d.deleted],
        ['would-delete', d.wouldDelete]
    ]) {
        if (list.refs.length < list.total) {
            outputNotes.push(`the ${name} output lists the first ${list.refs.length} of ${list.total} tags (GitHub limits outputs to 1 MB); report-file has them all`);
        }
    }
    return {
        title: `${report.tool.name} ${report.tool.version}`,
        mode: report.dryRun ? 'DRY RUN' : 'DELETE',
        modeNote: report.dryRun ? 'nothing was deleted' : 'dry-run is off',
        answer: answer(report),
        context: contextLine(report),
        policy: policyLine(report),
        usage: usageLines(report),
        rules: report.policy.rules ?? [],
        images: cut(imagesTable(report), limit),
        plan: decisionTable(d.plan, label, true, limit),
        kept: decisionTable(d.kept, label, false, limit),
        tasks: optionalCut(tasksTable(report), limit),
        blobStores: optionalCut(blobStoresTable(report), limit),
        notes,
        outputNotes,
        failures: report.failures,
        requests: requestsLine(report),
        fullList: opts.fullList ?? exports.NO_FULL_LIST
    };
}


/***/ }),

/***/ 670:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// What every stage of a run shares: the validated config, the HTTP client and the backend built from it,
// the clock, and the notes and failures the run collects as it goes.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.TOOL_NAME = void 0;
exports.createBackend = createBackend;
exports.openRun = openRun;
const config_1 = __nccwpck_require__(2973);
const http_1 = __nccwpck_require__(6803);
const backend_1 = __nccwpck_require__(6131);
const backend_2 = __nccwpck_require__(1023);
const client_1 = __nccwpck_require__(2440);
exports.TOOL_NAME = 'nexus-image-lifecycle';
function createBackend(cfg, http) {
    if (cfg.api === 'registry') {
        const client = new client_1.RegistryClient(http, cfg.registryUrl ?? cfg.host);
        return new backend_2.RegistryBackend(client, {
            parallel: cfg.concurrency,
            policy: cfg.policy,
            verifyBeforeDelete: cfg.verifyBeforeDelete,
            sizeEstimate: cfg.sizeEstimate,
            forceOnNexus: cfg.forceRegistryApi
        });
    }
    return new backend_1.NexusBackend(http, {
        host: cfg.host,
        repositories: cfg.repositories,
        registryUrl: cfg.registryUrl,
        policy: cfg.policy,
        concurrency: cfg.concurrency,
        sizeEstimate: cfg.sizeEstimate,
        verifyBeforeDelete: cfg.verifyBeforeDelete,
        deleteMethod: cfg.deleteMethod,
        dryRun: cfg.dryRun,
        runCleanupTasks: cfg.runCleanupTasks,
        createMissingTasks: cfg.createMissingTasks
    });
}
/** Builds the HTTP client and the backend; says the config's warnings once. Sends nothing. */
function openRun(cfg, deps) {
    const { log } = deps;
    const http = new http_1.Http({
        username: cfg.username,
        password: cfg.password,
        timeoutMs: cfg.requestTimeoutMs,
        retries: cfg.retries,
        ...(cfg.adaptiveStart !== undefined ? { concurrency: cfg.adaptiveStart, maxConcurrency: cfg.concurrency } : { concurrency: cfg.concurrency }),
        userAgent: `${exports.TOOL_NAME}/${deps.version}`,
        log,
        caCert: cfg.caCert,
        insecureSkipTlsVerify: cfg.insecureSkipTlsVerify
    });
    const run = {
        cfg,
        deps,
        log,
        http,
        backend: createBackend(cfg, http),
        started: (deps.now ?? (() => new Date()))(),
        t0: Date.now(),
        notes: [],
        failures: []
    };
    const warnings = [...(0, config_1.securityWarnings)(cfg)];
    if (cfg.api === 'registry' && cfg.policy.ageBasis === 'pushed') {
        warnings.push('age-basis pushed: a plain registry does not record push dates, so the image config created date is used');
    }
    for (const w of warnings) {
        log.warning(w);
        run.notes.push(w);
    }
    return run;
}


/***/ }),

/***/ 8463:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The middle of a run, image by image: inventory -> plan -> execute -> report. Each image is handed to the
// sink once done, then dropped, so memory stays flat as tags grow. Two things hold images back: an image
// whose referrers name subjects it does not hold waits until every image is known (its subjects may be
// elsewhere), and max-deletions plans every image before the first delete (the cap is shared over them).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.noImages = noImages;
exports.runImages = runImages;
const counts_1 = __nccwpck_require__(5495);
const execute_1 = __nccwpck_require__(5208);
const freeable_1 = __nccwpck_require__(9217);
const kept_content_1 = __nccwpck_require__(8403);
const concurrency_1 = __nccwpck_require__(1532);
const memory_1 = __nccwpck_require__(8820);
const planner_1 = __nccwpck_require__(302);
const subject_directory_1 = __nccwpck_require__(9661);
/** What a run that looked at no image has done (reclaim-only). */
function noImages() {
    return { summaries: [], tags: (0, counts_1.zeroCounts)(), manifests: (0, counts_1.zeroCounts)() };
}
/** `usage`: the instance's component count, for max-components (undefined = unknown: no budget). */
async function runImages(run, listing, sink, usage) {
    const { cfg, log, backend } = run;
    // Images in flight: with concurrency auto its starting point, not its ceiling. Requests within an image
    // still fill the adaptive limit; more images at once only hold more inventories in memory.
    const imagesInFlight = cfg.adaptiveStart ?? cfg.concurrency;
    const freeable = new freeable_1.FreeableEstimate();
    const kept = cfg.runCleanupTasks ? new kept_content_1.KeptContent(!cfg.dryRun) : undefined;
    const done = { summaries: [], tags: (0, counts_1.zeroCounts)(), manifests: (0, counts_1.zeroCounts)(), ...(kept ? { kept } : {}) };
    let ageUnknown = 0;
    const referencesMatched = new Set();
    // Every manifest of every image inventoried, so a referrer whose subject is not in its own image (a
    // signatures repository) is kept while the subject exists anywhere the run lists.
    const directory = new subject_directory_1.SubjectDirectory();
    const locate = (digest) => directory.locate(digest);
    const inventory = async (ref) => {
        const inv = await backend.inventory(ref);
        if (inv.error)
            log.warning(`${inv.name}: inventory failed, nothing of it will be deleted: ${inv.error}`);
        directory.add(inv);
        return inv;
    };
    /** Before deciding an orphan: the listed images not selected may hold its subject too (read-only). */
    const completeDirectory = async () => {
        const rest = listing.all.filter(r => !directory.has(r.repository, r.name));
        if (rest.length === 0)
            return;
        log.info(`referrers name subjects outside their image: reading the ${rest.length} images not selected to look for them (nothing of them is deleted)`);
        await (0, concurrency_1.mapLimit)(rest, imagesInFlight, async (ref) => directory.add(await backend.inventory(ref)));
    };
    const needsDirectory = (inv) => !inv.error && (inv.missingSubjects?.length ?? 0) > 0;
    /** One image planned alone (its subjects found through the directory). */
    const planOne = (inv) => (0, planner_1.plan)([inv], cfg.policy, run.started, locate).images[0];
    // Everything an image needs after its plan: the size reads, the execute step, its report.
    const finish = async (inv, ip) => {
        ageUnknown += (0, planner_1.ageUnknownCount)(ip);
        const going = ip.decisions.filter(d => d.action === 'delete').map(d => d.digest);
        if (going.length > 0) {
            // The estimate of freed bytes needs the blobs of what goes; read them now, before they are gone.
            try {
                await backend.readSizes(inv, going);
            }
            catch (e) {
                log.warning(`${ip.image}: size estimate unavailable: ${e.message}`);
            }
        }
        const outcomes = await (0, execute_1.executeImage)(ip, inv, backend, { dryRun: cfg.dryRun, parallel: cfg.concurrency, log });
        kept?.add(inv, outcomes);
        const counts = (0, counts_1.summarizeCounts)(outcomes);
        // size-estimate off: unknown, even where nothing goes (0 would read as measured)
        const bytes = cfg.sizeEstimate === 'off' ? undefined : freeable.add(inv, outcomes);
        const tagCount = inv.manifests.reduce((n, m) => n + m.tags.length, 0);
        const gone = cfg.dryRun ? counts.tags.wouldDelete : counts.tags.deleted;
        if (!inv.error) {
            log.info(`${inv.repository}/${inv.name}: ${tagCount} tags on ${inv.manifests.length} manifests, ${cfg.dryRun ? 'would delete' : 'deleted'} ${gone} tags`);
        }
        for (const text of ip.referencesMatched ?? [])
            referencesMatched.add(text);
        return {
            repository: ip.repository,
            image: ip.image,
            ...(ip.error ? { error: ip.error } : {}),
            ...(ip.rule ? { rule: ip.rule } : {}),
            notes: ip.notes,
            outcomes,
            tags: counts.tags,
            manifests: counts.manifests,
            ...(bytes !== undefined ? { freeableBytes: bytes } : {})
        };
    };
    const emit = (r) => {
        if (r.error)
            run.failures.push(`${r.repository}/${r.image}: inventory failed: ${r.error}`);
        for (const o of r.outcomes) {
            if (o.status === 'failed')
                run.failures.push(`${r.image}:${o.decision.tags.join(',')}: ${o.detail ?? 'failed'}`);
        }
        const { outcomes: _dropped, ...summary } = r;
        done.summaries.push(summary);
        (0, counts_1.addCounts)(done.tags, summary.tags);
        (0, counts_1.addCounts)(done.manifests, summary.manifests);
        sink(r);
        (0, memory_1.collectIfHeapGrew)();
    };
    await log.group(cfg.dryRun ? 'Plan and dry run (nothing is deleted)' : 'Plan and delete', async () => {
        // max-deletions shares a cap over images, max-components a budget: both plan every image together.
        if (cfg.policy.maxDeletions === undefined && cfg.policy.maxComponents === undefined) {
            const deferred = [];
            await (0, concurrency_1.mapOrdered)(listing.selected, imagesInFlight, async (ref) => {
                // A turn of the event loop per image: with nothing to wait for (a Nexus dry run plans from
                // the spooled listing), images would run back to back in microtasks, and V8's GC tasks would
                // wait until the end (measured: +60 MB peak RSS at 100k tags).
                await new Promise(resolve => setImmediate(resolve));
                const inv = await inventory(ref);
                if (needsDirectory(inv)) {
                    deferred.push(inv);
                    return undefined;
                }
                return finish(inv, planOne(inv));
            }, r => r && emit(r));
            if (deferred.length > 0)
                await completeDirectory();
            for (const inv of deferred)
                emit(await finish(inv, planOne(inv)));
            return;
        }
        const invs = await (0, concurrency_1.mapLimit)(listing.selected, imagesInFlight, inventory);
        if (invs.some(needsDirectory))
            await completeDirectory();
        const budget = cfg.policy.maxComponents !== undefined && usage?.components !== undefined ? { components: usage.components } : undefined;
        if (cfg.policy.maxComponents !== undefined && !budget) {
            const note = `max-components ${cfg.policy.maxComponents}: the instance's component count could not be read, so the budget took nothing (the rest of the policy applies)`;
            log.warning(note);
            run.notes.push(note);
        }
        const whole = (0, planner_1.plan)(invs, cfg.policy, run.started, locate, budget);
        if (whole.budget)
            done.budget = whole.budget;
        await (0, concurrency_1.mapOrdered)(whole.images, imagesInFlight, async (ip, i) => {
            const report = await finish(invs[i], ip);
            invs[i] = undefined;
            return report;
        }, emit);
    });
    const unmatched = (cfg.policy.references ?? []).filter(r => !referencesMatched.has(r.text)).map(r => r.text);
    if (unmatched.length > 0) {
        const note = `keep-references: ${unmatched.length} of ${cfg.policy.references?.length ?? 0} matched nothing in the images this run cleans: ${unmatched.join(', ')}`;
        log.info(note);
        run.notes.push(note);
    }
    const unknownNote = (0, planner_1.ageUnknownNote)(ageUnknown);
    if (unknownNote) {
        log.info(unknownNote);
        run.notes.push(unknownNote);
    }
    const freeableBytes = cfg.sizeEstimate === 'off' ? undefined : freeable.total();
    if (freeableBytes !== undefined)
        done.freeableBytes = freeableBytes;
    return done;
}


/***/ }),

/***/ 6653:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The inventory's first step: the backend's preflight (reachability, credentials, repositories,
// privileges), then every image listed, and those `images` / `exclude-images` select (and `shard`).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.listImages = listImages;
const glob_1 = __nccwpck_require__(5601);
const shard_1 = __nccwpck_require__(7903);
function listImages(run) {
    const { backend, cfg, log } = run;
    return log.group('Inventory', async () => {
        await backend.preflight();
        const all = await backend.listImages();
        const chosen = all.filter(r => (0, glob_1.matchesAny)(r.name, cfg.policy.images) && !(0, glob_1.matchesAny)(r.name, cfg.policy.excludeImages));
        log.info(`${all.length} images found, ${chosen.length} selected by images/exclude-images`);
        for (const n of backend.notes)
            log.warning(n);
        run.notes.push(...backend.notes);
        if (!cfg.shard)
            return { all, selected: chosen };
        // The whole listing stays: subjects and shared content are looked up across every shard's images.
        const { index, count } = cfg.shard;
        const selected = chosen.filter(r => (0, shard_1.shardOf)(r.repository, r.name, count) === index);
        log.info(`shard ${index}/${count}: ${selected.length} of the ${chosen.length} selected images`);
        return { all, selected, selectedAllShards: chosen.length };
    });
}


/***/ }),

/***/ 3329:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The last stage, with run-cleanup-tasks: Nexus's own tasks free the disk (src/nexus/reclaim.ts), given what the
// run deleted and what it must leave standing. A failure here fails the run; what was deleted stays reported.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.reclaimSpace = reclaimSpace;
const client_1 = __nccwpck_require__(9852);
const reclaim_1 = __nccwpck_require__(8380);
/** `deletedElsewhere`: reclaim-only, after shards that deleted (the tasks run whatever this job deleted). */
async function reclaimSpace(run, images, opts = {}) {
    const { cfg, http, log } = run;
    if (!cfg.runCleanupTasks)
        return undefined;
    const kept = images.kept;
    if (opts.deletedElsewhere)
        run.notes.push('reclaim-only: no inventory, so kept tags are not re-read after the Docker GC task (the shards listed them)');
    const reclaimed = await log.group('Reclaim space (Nexus cleanup tasks)', async () => {
        try {
            return await (0, reclaim_1.reclaim)(cfg, http, log, opts.deletedElsewhere === true || images.tags.deleted > 0, {
                expectedBytes: images.freeableBytes,
                ...run.deps.reclaimTiming,
                ociRepositories: [...(kept?.ociRepositories ?? [])],
                ...(kept && !cfg.dryRun ? { verifyKept: () => kept.verify(http, repo => (0, client_1.registryBase)(cfg.host, repo, cfg.registryUrl), cfg.concurrency) } : {})
            });
        }
        catch (e) {
            run.failures.push(`reclaim: ${e.message}`);
            log.error(`reclaim: ${e.message}`);
            return undefined;
        }
    });
    for (const n of reclaimed?.notes ?? [])
        log.info(n);
    return reclaimed;
}


/***/ }),

/***/ 5293:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// The run in one value, without its outcomes (those went to the sink image by image): what every report
// renders.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.summarizeRun = summarizeRun;
const select_1 = __nccwpck_require__(6416);
const context_1 = __nccwpck_require__(670);
function summarizeRun(run, images, reclaimed, usage, listing) {
    const { cfg, deps } = run;
    const requests = { ...run.http.counts };
    const usageReport = usage?.report(requests);
    return {
        tool: { name: context_1.TOOL_NAME, version: deps.version },
        api: cfg.api,
        dryRun: cfg.dryRun,
        host: cfg.host,
        repositories: cfg.repositories,
        startedAt: run.started.toISOString(),
        durationMs: Date.now() - run.t0,
        policy: {
            images: cfg.policy.images,
            excludeImages: cfg.policy.excludeImages,
            tags: cfg.policy.tags,
            keepTags: cfg.policy.keepTags,
            keep: cfg.policy.keep,
            keepOther: cfg.policy.keepOther,
            ...(cfg.policy.olderThan ? { olderThan: cfg.policy.olderThan.text } : {}),
            ageBasis: cfg.policy.ageBasis,
            sort: cfg.policy.sort,
            ...(cfg.policy.maxDeletions !== undefined ? { maxDeletions: cfg.policy.maxDeletions } : {}),
            keepPer: cfg.policy.keepPer,
            ...(cfg.policy.keepLines !== undefined ? { keepLines: cfg.policy.keepLines } : {}),
            deleteTags: cfg.policy.deleteTags,
            ...(cfg.policy.rules ? { rules: cfg.policy.rules.map(select_1.ruleText) } : {}),
            ...(cfg.policy.references ? { references: cfg.policy.references.map(r => r.text) } : {}),
            ...(cfg.policy.maxComponents !== undefined ? { maxComponents: cfg.policy.maxComponents } : {})
        },
        images: images.summaries,
        totals: {
            images: images.summaries.length,
            tags: images.tags,
            manifests: images.manifests,
            ...(images.freeableBytes !== undefined ? { freeableBytes: images.freeableBytes } : {})
        },
        requests,
        notes: run.notes,
        failures: run.failures,
        ...(reclaimed ? { reclaim: reclaimed } : {}),
        ...(usageReport ? { usage: usageReport } : {}),
        ...(images.budget ? { budget: images.budget } : {}),
        concurrency: run.http.concurrency(),
        ...(cfg.shard && listing ? { shard: { ...cfg.shard, images: listing.selected.length, of: listing.selectedAllShards ?? listing.selected.length } } : {}),
        ...(cfg.reclaimOnly ? { reclaimOnly: true } : {})
    };
}


/***/ }),

/***/ 482:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Community Edition's counters around the run (api nexus): read once after the listing, again after a real
// run that deleted something, and set against the 40,000 components limit in the report.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.UsageCounters = void 0;
const usage_1 = __nccwpck_require__(6408);
class UsageCounters {
    run;
    before;
    after;
    constructor(run) {
        this.run = run;
    }
    /** The instance's component count before the run, when read. */
    get components() {
        return this.before?.components;
    }
    async readBefore() {
        if (this.run.cfg.api !== 'nexus')
            return;
        this.before = await (0, usage_1.readUsage)(this.run.http, this.run.cfg.host);
        if (this.before.unavailable)
            this.run.log.info(`usage counters: ${this.before.unavailable}`);
    }
    async readAfter(images) {
        if (!this.before || this.before.unavailable || this.run.cfg.dryRun || images.tags.deleted === 0)
            return;
        this.after = await (0, usage_1.readUsage)(this.run.http, this.run.cfg.host);
    }
    /** The report's view; the run's own Docker API requests are counted from the HTTP client's tallies. */
    report(requests) {
        if (!this.before)
            return undefined;
        const runRequests = Object.entries(requests)
            .filter(([kind]) => kind.startsWith('registry '))
            .reduce((n, [, c]) => n + c, 0);
        const b = this.before;
        return {
            componentLimit: usage_1.CE_COMPONENT_LIMIT,
            ...(b.components !== undefined ? { componentsBefore: b.components } : {}),
            ...(this.after?.components !== undefined ? { componentsAfter: this.after.components } : {}),
            ...(b.requests24h !== undefined ? { requests24hBefore: b.requests24h } : {}),
            runRequests,
            ...(b.unavailable ? { unavailable: b.unavailable } : {})
        };
    }
}
exports.UsageCounters = UsageCounters;


/***/ }),

/***/ 7903:
/***/ ((__unused_webpack_module, exports) => {


// shard K/N: which images a run takes. The partition is a stable hash of `repository/name` (FNV-1a, 32 bit,
// over its UTF-8 bytes), modulo N, plus one: the same on every machine and every version of this tool, so
// the jobs of a matrix split the images between them without talking to each other.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.fnv1a32 = fnv1a32;
exports.shardOf = shardOf;
exports.parseShard = parseShard;
/** FNV-1a, 32 bit, over the UTF-8 bytes of `text`. */
function fnv1a32(text) {
    let h = 0x811c9dc5;
    for (const byte of Buffer.from(text, 'utf8')) {
        h ^= byte;
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
}
/** The shard (1..count) of an image. Do not change: shards of different versions must agree. */
function shardOf(repository, name, count) {
    return (fnv1a32(`${repository}/${name}`) % count) + 1;
}
/** `K/N` with 1 <= K <= N, or a reason it is not. */
function parseShard(text) {
    const m = /^(\d+)\/(\d+)$/.exec(text.trim());
    if (!m)
        return 'K/N, such as 2/4 (this job takes shard K of N)';
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count < 1 || count > 1000)
        return 'K/N with N from 1 to 1000';
    if (index < 1 || index > count)
        return `K/N with K from 1 to N (here 1 to ${count})`;
    return { index, count };
}


/***/ }),

/***/ 6972:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.sleep = sleep;
/** Waits `ms`; the default behind every injectable wait (retry backoff, task polls). */
function sleep(ms) {
    return new Promise(resolve => setTimeout(resolve, ms));
}


/***/ }),

/***/ 1370:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// What both doors run: the engine, with each finished image going to the bounded report tables and, when
// a JSON report is wanted, to its spool file. Nothing here holds every outcome of the run.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.runStreamed = runStreamed;
exports.writeReportFile = writeReportFile;
exports.writeReportText = writeReportText;
const node_fs_1 = __nccwpck_require__(3024);
const engine_1 = __nccwpck_require__(825);
const report_1 = __nccwpck_require__(665);
async function runStreamed(cfg, deps, json) {
    const collector = new report_1.ReportCollector();
    const spool = json ? new report_1.JsonReportSpool() : undefined;
    try {
        const summary = await (0, engine_1.runCleanupStreaming)(cfg, deps, image => {
            collector.add(image);
            spool?.add(image);
        });
        return { report: collector.bounded(summary), ...(spool ? { spool } : {}) };
    }
    catch (e) {
        spool?.dispose();
        throw e;
    }
}
/**
 * Writes the JSON report to `report-file`, when asked. Its directory was checked writable before the run;
 * should it fail now, the run's outputs and tables still say what was deleted. Returns the error line.
 */
function writeReportFile(run, cfg) {
    if (!run.spool || !cfg.reportFile)
        return undefined;
    try {
        run.spool.writeFile(run.report.summary, cfg.reportFile);
        return undefined;
    }
    catch (e) {
        return `report-file ${cfg.reportFile}: ${e.message}`;
    }
}
/** A whole report's JSON text to `report-file` (a merged run); returns the error line, as writeReportFile. */
function writeReportText(path, text) {
    try {
        (0, node_fs_1.writeFileSync)(path, text);
        return undefined;
    }
    catch (e) {
        return `report-file ${path}: ${e.message}`;
    }
}


/***/ }),

/***/ 9661:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Which image of the run holds a manifest: so a referrer whose subject is not in its own image (cosign's
// COSIGN_REPOSITORY keeps signatures in a repository of their own) is kept while its subject exists
// anywhere the run lists. Digests are kept as 52-bit numbers (a few MB at 100k tags): a collision can
// only find a subject that is not there, so it keeps a referrer, never deletes one.
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.SubjectDirectory = void 0;
const digest_1 = __nccwpck_require__(2187);
class SubjectDirectory {
    images = [];
    where = new Map();
    added = new Set();
    /** Images whose inventory failed: what they hold is unknown. */
    unreadable = [];
    /** Records every manifest of the image, tagged or untagged. */
    add(inv) {
        const label = `${inv.repository}/${inv.name}`;
        if (this.added.has(label))
            return;
        this.added.add(label);
        if (inv.error !== undefined)
            this.unreadable.push(label);
        const at = this.images.push(label) - 1;
        for (const m of [...inv.manifests, ...(inv.untagged ?? [])])
            if (!this.where.has((0, digest_1.digestKey)(m.digest)))
                this.where.set((0, digest_1.digestKey)(m.digest), at);
    }
    has(repository, name) {
        return this.added.has(`${repository}/${name}`);
    }
    /**
     * Where `digest` is, as the planner's reasons say it (`in docker-hosted/app`), or undefined when no
     * image holds it. While any image could not be read, nothing is proven absent.
     */
    locate(digest) {
        const at = this.where.get((0, digest_1.digestKey)(digest));
        if (at !== undefined)
            return `in ${this.images[at]}`;
        if (this.unreadable.length > 0)
            return `perhaps in ${this.unreadable[0]} (its inventory failed)`;
        return undefined;
    }
}
exports.SubjectDirectory = SubjectDirectory;


/***/ }),

/***/ 327:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


// Where the run spools what it must not hold in memory: a fresh directory only this user can read (mkdtemp
// makes it 0700), under the runner's temporary directory when there is one (GitHub empties it after the job).
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.privateTempDir = privateTempDir;
const node_fs_1 = __nccwpck_require__(3024);
const node_os_1 = __nccwpck_require__(8161);
const node_path_1 = __nccwpck_require__(6760);
function privateTempDir() {
    return (0, node_fs_1.mkdtempSync)((0, node_path_1.join)(process.env.RUNNER_TEMP || (0, node_os_1.tmpdir)(), 'nexus-image-lifecycle-'));
}


/***/ }),

/***/ 9646:
/***/ (function(__unused_webpack_module, exports, __nccwpck_require__) {


// The wire under src/http.ts: node's http and https with keep-alive agents, the proxy variables every CI
// runner sets (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as @actions/http-client reads them), redirects, and a
// socket timeout that frees its slot. Thinner than @actions/http-client (measured ~50 µs less CPU per
// request, and no bundled undici to load at start-up: about 40 ms of a CLI's start).
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Transport = void 0;
exports.proxyFor = proxyFor;
const http = __importStar(__nccwpck_require__(7067));
const https = __importStar(__nccwpck_require__(4708));
const tls = __importStar(__nccwpck_require__(1692));
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/**
 * The proxy for a URL, as @actions/http-client decides it: `https_proxy`/`HTTPS_PROXY` for https,
 * `http_proxy`/`HTTP_PROXY` for http; none for loopback hosts or hosts NO_PROXY names (`*`, a host, a
 * domain suffix with or without a leading dot, optionally with a port).
 */
function proxyFor(url, env = process.env) {
    const https = url.protocol === 'https:';
    const names = https ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
    const name = names.find(n => env[n]);
    const value = name ? env[name] : undefined;
    if (!name || !value || bypassed(url, env))
        return undefined;
    try {
        // `proxy.corp:3128` would parse as a URL of scheme `proxy.corp:`: without `scheme://` it is host:port
        return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    }
    catch {
        // the value may hold the proxy's password: named, not shown
        throw new Error(`${name} is not a proxy URL (expected http://host:port or http://user:password@host:port)`);
    }
}
function bypassed(url, env) {
    const host = url.hostname.toUpperCase();
    if (host === 'LOCALHOST' || host.startsWith('127.') || host === '[::1]' || host === '[0:0:0:0:0:0:0:1]')
        return true;
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const names = [host, `${host}:${port}`];
    const list = (env['no_proxy'] || env['NO_PROXY'] || '').split(',');
    return list
        .map(x => x.trim().toUpperCase())
        .filter(x => x !== '')
        .some(item => item === '*' || names.some(n => n === item || n.endsWith(item.startsWith('.') ? item : `.${item}`)));
}
function proxyAuthorization(proxy) {
    if (!proxy.username && !proxy.password)
        return undefined;
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    return 'Basic ' + Buffer.from(user).toString('base64');
}
/**
 * HTTPS through a proxy: each new socket is a CONNECT tunnel, then TLS to the target inside it. The agent
 * pools the TLS sockets like any https.Agent, so keep-alive holds through the proxy too.
 */
class TunnelAgent extends https.Agent {
    proxy;
    constructor(proxy, options) {
        super(options);
        this.proxy = proxy;
    }
    createConnection(options, done) {
        const target = `${options.host ?? ''}:${options.port ?? 443}`;
        const auth = proxyAuthorization(this.proxy);
        const via = this.proxy.protocol === 'https:' ? https : http;
        const connect = via.request({
            host: this.proxy.hostname,
            port: this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80),
            method: 'CONNECT',
            path: target,
            headers: { host: target, ...(auth ? { 'proxy-authorization': auth } : {}) },
            agent: false,
            ...(this.proxy.protocol === 'https:' ? tlsOptions(options) : {})
        });
        connect.once('connect', (res, socket) => {
            if (res.statusCode !== 200) {
                socket.destroy();
                done(new Error(`proxy ${this.proxy.host} refused CONNECT ${target}: ${res.statusCode ?? 0}`));
                return;
            }
            const secure = tls.connect({ ...tlsOptions(options), socket, servername: options.servername ?? options.host ?? '' });
            secure.once('secureConnect', () => done(null, secure));
            secure.once('error', (e) => done(e));
        });
        connect.once('error', e => done(new Error(`proxy ${this.proxy.host}: ${e.message}`)));
        connect.end();
        return undefined;
    }
}
/** The run's TLS settings (ca-cert, insecure-skip-tls-verify); an https:// proxy is verified with them too. */
function tlsOptions(o) {
    return { ...(o.ca ? { ca: o.ca } : {}), ...(o.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) };
}
class Transport {
    opts;
    agents = new Map();
    /** The proxy per origin: the variables do not change during a run, and reading them costs per request. */
    proxies = new Map();
    env;
    constructor(opts) {
        this.opts = opts;
        this.env = opts.env ?? process.env;
    }
    /** One request, following redirects; the whole body is read (an unread body keeps its socket busy). */
    async request(method, url, headers, body) {
        let target = new URL(url);
        let verb = method;
        let payload = body;
        const sent = { 'user-agent': this.opts.userAgent, ...headers };
        for (let hops = 0;; hops++) {
            const res = await this.once(verb, target, sent, payload);
            const location = res.headers.location;
            if (!REDIRECTS.has(res.status) || !location || hops >= MAX_REDIRECTS)
                return res;
            const next = new URL(location, target);
            if (target.protocol === 'https:' && next.protocol !== 'https:') {
                throw new Error(`${target.origin} redirected to ${next.origin}: a downgrade from HTTPS is not followed`);
            }
            // Credentials are for the server they were meant for: a blob redirected to object storage (a signed
            // URL) must not carry them, and some stores refuse a request that does.
            if (next.hostname !== target.hostname)
                delete sent['authorization'];
            if (res.status === 303 && verb !== 'HEAD') {
                verb = 'GET';
                payload = undefined;
            }
            target = next;
        }
    }
    /** Closes the pooled sockets (the process can exit without waiting for keep-alive to time out). */
    close() {
        for (const a of this.agents.values())
            a.destroy();
        this.agents.clear();
    }
    once(method, url, headers, body) {
        const origin = `${url.protocol}//${url.host}`;
        if (!this.proxies.has(origin))
            this.proxies.set(origin, proxyFor(url, this.env));
        const proxy = this.proxies.get(origin);
        const secure = url.protocol === 'https:';
        // Plain HTTP through a proxy is sent to the proxy with the whole URL as the path (absolute form).
        const forward = proxy !== undefined && !secure;
        const auth = proxy ? proxyAuthorization(proxy) : undefined;
        const options = {
            method,
            host: forward ? proxy.hostname : url.hostname,
            port: forward ? proxy.port || (proxy.protocol === 'https:' ? 443 : 80) : url.port || (secure ? 443 : 80),
            path: forward ? url.href : url.pathname + url.search,
            headers: { host: url.host, ...headers, ...(forward && auth ? { 'proxy-authorization': auth } : {}) },
            agent: this.agent(url, proxy),
            timeout: this.opts.timeoutMs
        };
        const lib = (forward ? proxy.protocol === 'https:' : secure) ? https : http;
        return new Promise((resolve, reject) => {
            const req = lib.request(options, res => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.href }));
                res.on('error', reject);
                // a body cut short is never an answer (a listing page half read must not parse as a short page)
                res.on('close', () => {
                    if (!res.complete)
                        reject(new Error('the connection closed before the answer ended'));
                });
            });
            // A timeout destroys the request: a socket only half-closed would keep its pool slot forever against
            // a server that never answers, and a stalled body would never end.
            req.on('timeout', () => req.destroy(new Error(`timeout: no data for ${this.opts.timeoutMs} ms (request-timeout)`)));
            req.on('error', reject);
            req.end(body);
        });
    }
    agent(url, proxy) {
        const secure = url.protocol === 'https:';
        const key = `${secure ? 'https' : 'http'} ${proxy?.href ?? 'direct'}`;
        const existing = this.agents.get(key);
        if (existing)
            return existing;
        const base = { keepAlive: true, maxSockets: this.opts.maxSockets };
        const tlsOpts = { ...(this.opts.ca ? { ca: this.opts.ca } : {}), ...(this.opts.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}) };
        let agent;
        if (secure && proxy)
            agent = new TunnelAgent(proxy, { ...base, ...tlsOpts });
        else if (secure)
            agent = new https.Agent({ ...base, ...tlsOpts });
        // plain HTTP: direct, or to the proxy itself (over TLS when the proxy's own URL is https)
        else
            agent = proxy?.protocol === 'https:' ? new https.Agent({ ...base, ...tlsOpts }) : new http.Agent(base);
        this.agents.set(key, agent);
        return agent;
    }
}
exports.Transport = Transport;


/***/ }),

/***/ 311:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.VERSION = void 0;
// Written by scripts/write-version.ts from package.json (npm run package); do not edit.
exports.VERSION = '0.1.0';


/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = require("buffer");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = require("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = require("node:fs");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = require("node:http");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = require("node:https");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = require("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = require("node:path");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = require("node:tls");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = require("node:util");

/***/ }),

/***/ 8877:
/***/ ((module) => {

module.exports = require("node:v8");

/***/ }),

/***/ 714:
/***/ ((module) => {

module.exports = require("node:vm");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = require("process");

/***/ }),

/***/ 7349:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveBlockMap = __nccwpck_require__(7103);
var resolveBlockSeq = __nccwpck_require__(334);
var resolveFlowCollection = __nccwpck_require__(3142);

function resolveCollection(CN, ctx, token, onError, tagName, tag) {
    const coll = token.type === 'block-map'
        ? resolveBlockMap.resolveBlockMap(CN, ctx, token, onError, tag)
        : token.type === 'block-seq'
            ? resolveBlockSeq.resolveBlockSeq(CN, ctx, token, onError, tag)
            : resolveFlowCollection.resolveFlowCollection(CN, ctx, token, onError, tag);
    const Coll = coll.constructor;
    // If we got a tagName matching the class, or the tag name is '!',
    // then use the tagName from the node class used to create it.
    if (tagName === '!' || tagName === Coll.tagName) {
        coll.tag = Coll.tagName;
        return coll;
    }
    if (tagName)
        coll.tag = tagName;
    return coll;
}
function composeCollection(CN, ctx, token, props, onError) {
    const tagToken = props.tag;
    const tagName = !tagToken
        ? null
        : ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg));
    if (token.type === 'block-seq') {
        const { anchor, newlineAfterProp: nl } = props;
        const lastProp = anchor && tagToken
            ? anchor.offset > tagToken.offset
                ? anchor
                : tagToken
            : (anchor ?? tagToken);
        if (lastProp && (!nl || nl.offset < lastProp.offset)) {
            const message = 'Missing newline after block sequence props';
            onError(lastProp, 'MISSING_CHAR', message);
        }
    }
    const expType = token.type === 'block-map'
        ? 'map'
        : token.type === 'block-seq'
            ? 'seq'
            : token.start.source === '{'
                ? 'map'
                : 'seq';
    // shortcut: check if it's a generic YAMLMap or YAMLSeq
    // before jumping into the custom tag logic.
    if (!tagToken ||
        !tagName ||
        tagName === '!' ||
        (tagName === YAMLMap.YAMLMap.tagName && expType === 'map') ||
        (tagName === YAMLSeq.YAMLSeq.tagName && expType === 'seq')) {
        return resolveCollection(CN, ctx, token, onError, tagName);
    }
    let tag = ctx.schema.tags.find(t => t.tag === tagName && t.collection === expType);
    if (!tag) {
        const kt = ctx.schema.knownTags[tagName];
        if (kt?.collection === expType) {
            ctx.schema.tags.push(Object.assign({}, kt, { default: false }));
            tag = kt;
        }
        else {
            if (kt) {
                onError(tagToken, 'BAD_COLLECTION_TYPE', `${kt.tag} used for ${expType} collection, but expects ${kt.collection ?? 'scalar'}`, true);
            }
            else {
                onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, true);
            }
            return resolveCollection(CN, ctx, token, onError, tagName);
        }
    }
    const coll = resolveCollection(CN, ctx, token, onError, tagName, tag);
    const res = tag.resolve?.(coll, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg), ctx.options) ?? coll;
    const node = identity.isNode(res)
        ? res
        : new Scalar.Scalar(res);
    node.range = coll.range;
    node.tag = tagName;
    if (tag?.format)
        node.format = tag.format;
    return node;
}

exports.composeCollection = composeCollection;


/***/ }),

/***/ 3683:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Document = __nccwpck_require__(3021);
var composeNode = __nccwpck_require__(5937);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);

function composeDoc(options, directives, { offset, start, value, end }, onError) {
    const opts = Object.assign({ _directives: directives }, options);
    const doc = new Document.Document(undefined, opts);
    const ctx = {
        atKey: false,
        atRoot: true,
        directives: doc.directives,
        options: doc.options,
        schema: doc.schema
    };
    const props = resolveProps.resolveProps(start, {
        indicator: 'doc-start',
        next: value ?? end?.[0],
        offset,
        onError,
        parentIndent: 0,
        startOnNewline: true
    });
    if (props.found) {
        doc.directives.docStart = true;
        if (value &&
            (value.type === 'block-map' || value.type === 'block-seq') &&
            !props.hasNewline)
            onError(props.end, 'MISSING_CHAR', 'Block collection cannot start on same line with directives-end marker');
    }
    // @ts-expect-error If Contents is set, let's trust the user
    doc.contents = value
        ? composeNode.composeNode(ctx, value, props, onError)
        : composeNode.composeEmptyNode(ctx, props.end, start, null, props, onError);
    const contentEnd = doc.contents.range[2];
    const re = resolveEnd.resolveEnd(end, contentEnd, false, onError);
    if (re.comment)
        doc.comment = re.comment;
    doc.range = [offset, contentEnd, re.offset];
    return doc;
}

exports.composeDoc = composeDoc;


/***/ }),

/***/ 5937:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var composeCollection = __nccwpck_require__(7349);
var composeScalar = __nccwpck_require__(5413);
var resolveEnd = __nccwpck_require__(7788);
var utilEmptyScalarPosition = __nccwpck_require__(2599);

const CN = { composeNode, composeEmptyNode };
function composeNode(ctx, token, props, onError) {
    const atKey = ctx.atKey;
    const { spaceBefore, comment, anchor, tag } = props;
    let node;
    let isSrcToken = true;
    switch (token.type) {
        case 'alias':
            node = composeAlias(ctx, token, onError);
            if (anchor || tag)
                onError(token, 'ALIAS_PROPS', 'An alias node must not specify any properties');
            break;
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'block-scalar':
            node = composeScalar.composeScalar(ctx, token, tag, onError);
            if (anchor)
                node.anchor = anchor.source.substring(1);
            break;
        case 'block-map':
        case 'block-seq':
        case 'flow-collection':
            try {
                node = composeCollection.composeCollection(CN, ctx, token, props, onError);
                if (anchor)
                    node.anchor = anchor.source.substring(1);
            }
            catch (error) {
                // Almost certainly here due to a stack overflow
                const message = error instanceof Error ? error.message : String(error);
                onError(token, 'RESOURCE_EXHAUSTION', message);
            }
            break;
        default: {
            const message = token.type === 'error'
                ? token.message
                : `Unsupported token (type: ${token.type})`;
            onError(token, 'UNEXPECTED_TOKEN', message);
            isSrcToken = false;
        }
    }
    node ?? (node = composeEmptyNode(ctx, token.offset, undefined, null, props, onError));
    if (anchor && node.anchor === '')
        onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    if (atKey &&
        ctx.options.stringKeys &&
        (!identity.isScalar(node) ||
            typeof node.value !== 'string' ||
            (node.tag && node.tag !== 'tag:yaml.org,2002:str'))) {
        const msg = 'With stringKeys, all keys must be strings';
        onError(tag ?? token, 'NON_STRING_KEY', msg);
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        if (token.type === 'scalar' && token.source === '')
            node.comment = comment;
        else
            node.commentBefore = comment;
    }
    // @ts-expect-error Type checking misses meaning of isSrcToken
    if (ctx.options.keepSourceTokens && isSrcToken)
        node.srcToken = token;
    return node;
}
function composeEmptyNode(ctx, offset, before, pos, { spaceBefore, comment, anchor, tag, end }, onError) {
    const token = {
        type: 'scalar',
        offset: utilEmptyScalarPosition.emptyScalarPosition(offset, before, pos),
        indent: -1,
        source: ''
    };
    const node = composeScalar.composeScalar(ctx, token, tag, onError);
    if (anchor) {
        node.anchor = anchor.source.substring(1);
        if (node.anchor === '')
            onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        node.comment = comment;
        node.range[2] = end;
    }
    return node;
}
function composeAlias({ options }, { offset, source, end }, onError) {
    const alias = new Alias.Alias(source.substring(1));
    if (alias.source === '')
        onError(offset, 'BAD_ALIAS', 'Alias cannot be an empty string');
    if (alias.source.endsWith(':'))
        onError(offset + source.length - 1, 'BAD_ALIAS', 'Alias ending in : is ambiguous', true);
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, options.strict, onError);
    alias.range = [offset, valueEnd, re.offset];
    if (re.comment)
        alias.comment = re.comment;
    return alias;
}

exports.composeEmptyNode = composeEmptyNode;
exports.composeNode = composeNode;


/***/ }),

/***/ 5413:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);

function composeScalar(ctx, token, tagToken, onError) {
    const { value, type, comment, range } = token.type === 'block-scalar'
        ? resolveBlockScalar.resolveBlockScalar(ctx, token, onError)
        : resolveFlowScalar.resolveFlowScalar(token, ctx.options.strict, onError);
    const tagName = tagToken
        ? ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg))
        : null;
    let tag;
    if (ctx.options.stringKeys && ctx.atKey) {
        tag = ctx.schema[identity.SCALAR];
    }
    else if (tagName)
        tag = findScalarTagByName(ctx.schema, value, tagName, tagToken, onError);
    else if (token.type === 'scalar')
        tag = findScalarTagByTest(ctx, value, token, onError);
    else
        tag = ctx.schema[identity.SCALAR];
    let scalar;
    try {
        const res = tag.resolve(value, msg => onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg), ctx.options);
        scalar = identity.isScalar(res) ? res : new Scalar.Scalar(res);
    }
    catch (error) {
        const msg = error instanceof Error ? error.message : String(error);
        onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg);
        scalar = new Scalar.Scalar(value);
    }
    scalar.range = range;
    scalar.source = value;
    if (type)
        scalar.type = type;
    if (tagName)
        scalar.tag = tagName;
    if (tag.format)
        scalar.format = tag.format;
    if (comment)
        scalar.comment = comment;
    return scalar;
}
function findScalarTagByName(schema, value, tagName, tagToken, onError) {
    if (tagName === '!')
        return schema[identity.SCALAR]; // non-specific tag
    const matchWithTest = [];
    for (const tag of schema.tags) {
        if (!tag.collection && tag.tag === tagName) {
            if (tag.default && tag.test)
                matchWithTest.push(tag);
            else
                return tag;
        }
    }
    for (const tag of matchWithTest)
        if (tag.test?.test(value))
            return tag;
    const kt = schema.knownTags[tagName];
    if (kt && !kt.collection) {
        // Ensure that the known tag is available for stringifying,
        // but does not get used by default.
        schema.tags.push(Object.assign({}, kt, { default: false, test: undefined }));
        return kt;
    }
    onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, tagName !== 'tag:yaml.org,2002:str');
    return schema[identity.SCALAR];
}
function findScalarTagByTest({ atKey, directives, schema }, value, token, onError) {
    const tag = schema.tags.find(tag => (tag.default === true || (atKey && tag.default === 'key')) &&
        tag.test?.test(value)) || schema[identity.SCALAR];
    if (schema.compat) {
        const compat = schema.compat.find(tag => tag.default && tag.test?.test(value)) ??
            schema[identity.SCALAR];
        if (tag.tag !== compat.tag) {
            const ts = directives.tagString(tag.tag);
            const cs = directives.tagString(compat.tag);
            const msg = `Value may be parsed as either ${ts} or ${cs}`;
            onError(token, 'TAG_RESOLVE_FAILED', msg, true);
        }
    }
    return tag;
}

exports.composeScalar = composeScalar;


/***/ }),

/***/ 9984:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var directives = __nccwpck_require__(1342);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var identity = __nccwpck_require__(1127);
var composeDoc = __nccwpck_require__(3683);
var resolveEnd = __nccwpck_require__(7788);

function getErrorPos(src) {
    if (typeof src === 'number')
        return [src, src + 1];
    if (Array.isArray(src))
        return src.length === 2 ? src : [src[0], src[1]];
    const { offset, source } = src;
    return [offset, offset + (typeof source === 'string' ? source.length : 1)];
}
function parsePrelude(prelude) {
    let comment = '';
    let atComment = false;
    let afterEmptyLine = false;
    for (let i = 0; i < prelude.length; ++i) {
        const source = prelude[i];
        switch (source[0]) {
            case '#':
                comment +=
                    (comment === '' ? '' : afterEmptyLine ? '\n\n' : '\n') +
                        (source.substring(1) || ' ');
                atComment = true;
                afterEmptyLine = false;
                break;
            case '%':
                if (prelude[i + 1]?.[0] !== '#')
                    i += 1;
                atComment = false;
                break;
            default:
                // This may be wrong after doc-end, but in that case it doesn't matter
                if (!atComment)
                    afterEmptyLine = true;
                atComment = false;
        }
    }
    return { comment, afterEmptyLine };
}
/**
 * Compose a stream of CST nodes into a stream of YAML Documents.
 *
 * ```ts
 * import { Composer, Parser } from 'yaml'
 *
 * const src: string = ...
 * const tokens = new Parser().parse(src)
 * const docs = new Composer().compose(tokens)
 * ```
 */
class Composer {
    constructor(options = {}) {
        this.doc = null;
        this.atDirectives = false;
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
        this.onError = (source, code, message, warning) => {
            const pos = getErrorPos(source);
            if (warning)
                this.warnings.push(new errors.YAMLWarning(pos, code, message));
            else
                this.errors.push(new errors.YAMLParseError(pos, code, message));
        };
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        this.directives = new directives.Directives({ version: options.version || '1.2' });
        this.options = options;
    }
    decorate(doc, afterDoc) {
        const { comment, afterEmptyLine } = parsePrelude(this.prelude);
        //console.log({ dc: doc.comment, prelude, comment })
        if (comment) {
            const dc = doc.contents;
            if (afterDoc) {
                doc.comment = doc.comment ? `${doc.comment}\n${comment}` : comment;
            }
            else if (afterEmptyLine || doc.directives.docStart || !dc) {
                doc.commentBefore = comment;
            }
            else if (identity.isCollection(dc) && !dc.flow && dc.items.length > 0) {
                let it = dc.items[0];
                if (identity.isPair(it))
                    it = it.key;
                const cb = it.commentBefore;
                it.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
            else {
                const cb = dc.commentBefore;
                dc.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
        }
        if (afterDoc) {
            for (let i = 0; i < this.errors.length; ++i)
                doc.errors.push(this.errors[i]);
            for (let i = 0; i < this.warnings.length; ++i)
                doc.warnings.push(this.warnings[i]);
        }
        else {
            doc.errors = this.errors;
            doc.warnings = this.warnings;
        }
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
    }
    /**
     * Current stream status information.
     *
     * Mostly useful at the end of input for an empty stream.
     */
    streamInfo() {
        return {
            comment: parsePrelude(this.prelude).comment,
            directives: this.directives,
            errors: this.errors,
            warnings: this.warnings
        };
    }
    /**
     * Compose tokens into documents.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *compose(tokens, forceDoc = false, endOffset = -1) {
        for (const token of tokens)
            yield* this.next(token);
        yield* this.end(forceDoc, endOffset);
    }
    /** Advance the composer by one CST token. */
    *next(token) {
        if (node_process.env.LOG_STREAM)
            console.dir(token, { depth: null });
        switch (token.type) {
            case 'directive':
                this.directives.add(token.source, (offset, message, warning) => {
                    const pos = getErrorPos(token);
                    pos[0] += offset;
                    this.onError(pos, 'BAD_DIRECTIVE', message, warning);
                });
                this.prelude.push(token.source);
                this.atDirectives = true;
                break;
            case 'document': {
                const doc = composeDoc.composeDoc(this.options, this.directives, token, this.onError);
                if (this.atDirectives && !doc.directives.docStart)
                    this.onError(token, 'MISSING_CHAR', 'Missing directives-end/doc-start indicator line');
                this.decorate(doc, false);
                if (this.doc)
                    yield this.doc;
                this.doc = doc;
                this.atDirectives = false;
                break;
            }
            case 'byte-order-mark':
            case 'space':
                break;
            case 'comment':
            case 'newline':
                this.prelude.push(token.source);
                break;
            case 'error': {
                const msg = token.source
                    ? `${token.message}: ${JSON.stringify(token.source)}`
                    : token.message;
                const error = new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg);
                if (this.atDirectives || !this.doc)
                    this.errors.push(error);
                else
                    this.doc.errors.push(error);
                break;
            }
            case 'doc-end': {
                if (!this.doc) {
                    const msg = 'Unexpected doc-end without preceding document';
                    this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg));
                    break;
                }
                this.doc.directives.docEnd = true;
                const end = resolveEnd.resolveEnd(token.end, token.offset + token.source.length, this.doc.options.strict, this.onError);
                this.decorate(this.doc, true);
                if (end.comment) {
                    const dc = this.doc.comment;
                    this.doc.comment = dc ? `${dc}\n${end.comment}` : end.comment;
                }
                this.doc.range[2] = end.offset;
                break;
            }
            default:
                this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', `Unsupported token ${token.type}`));
        }
    }
    /**
     * Call at end of input to yield any remaining document.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *end(forceDoc = false, endOffset = -1) {
        if (this.doc) {
            this.decorate(this.doc, true);
            yield this.doc;
            this.doc = null;
        }
        else if (forceDoc) {
            const opts = Object.assign({ _directives: this.directives }, this.options);
            const doc = new Document.Document(undefined, opts);
            if (this.atDirectives)
                this.onError(endOffset, 'MISSING_CHAR', 'Missing directives-end indicator line');
            doc.range = [0, endOffset, endOffset];
            this.decorate(doc, false);
            yield doc;
        }
    }
}

exports.Composer = Composer;


/***/ }),

/***/ 7103:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilFlowIndentCheck = __nccwpck_require__(4051);
var utilMapIncludes = __nccwpck_require__(1187);

const startColMsg = 'All mapping items must start at the same column';
function resolveBlockMap({ composeNode, composeEmptyNode }, ctx, bm, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLMap.YAMLMap;
    const map = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    let offset = bm.offset;
    let commentEnd = null;
    for (const collItem of bm.items) {
        const { start, key, sep, value } = collItem;
        // key properties
        const keyProps = resolveProps.resolveProps(start, {
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: bm.indent,
            startOnNewline: true
        });
        const implicitKey = !keyProps.found;
        if (implicitKey) {
            if (key) {
                if (key.type === 'block-seq')
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'A block sequence may not be used as an implicit map key');
                else if ('indent' in key && key.indent !== bm.indent)
                    onError(offset, 'BAD_INDENT', startColMsg);
            }
            if (!keyProps.anchor && !keyProps.tag && !sep) {
                commentEnd = keyProps.end;
                if (keyProps.comment) {
                    if (map.comment)
                        map.comment += '\n' + keyProps.comment;
                    else
                        map.comment = keyProps.comment;
                }
                continue;
            }
            if (keyProps.newlineAfterProp || utilContainsNewline.containsNewline(key)) {
                onError(key ?? start[start.length - 1], 'MULTILINE_IMPLICIT_KEY', 'Implicit keys need to be on a single line');
            }
        }
        else if (keyProps.found?.indent !== bm.indent) {
            onError(offset, 'BAD_INDENT', startColMsg);
        }
        // key value
        ctx.atKey = true;
        const keyStart = keyProps.end;
        const keyNode = key
            ? composeNode(ctx, key, keyProps, onError)
            : composeEmptyNode(ctx, keyStart, start, null, keyProps, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bm.indent, key, onError);
        ctx.atKey = false;
        if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
            onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
        // value properties
        const valueProps = resolveProps.resolveProps(sep ?? [], {
            indicator: 'map-value-ind',
            next: value,
            offset: keyNode.range[2],
            onError,
            parentIndent: bm.indent,
            startOnNewline: !key || key.type === 'block-scalar'
        });
        offset = valueProps.end;
        if (valueProps.found) {
            if (implicitKey) {
                if (value?.type === 'block-map' && !valueProps.hasNewline)
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'Nested mappings are not allowed in compact mappings');
                if (ctx.options.strict &&
                    keyProps.start < valueProps.found.offset - 1024)
                    onError(keyNode.range, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key');
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : composeEmptyNode(ctx, offset, sep, null, valueProps, onError);
            if (ctx.schema.compat)
                utilFlowIndentCheck.flowIndentCheck(bm.indent, value, onError);
            offset = valueNode.range[2];
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
        else {
            // key with no value
            if (implicitKey)
                onError(keyNode.range, 'MISSING_CHAR', 'Implicit map keys need to be followed by map values');
            if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
    }
    if (commentEnd && commentEnd < offset)
        onError(commentEnd, 'IMPOSSIBLE', 'Map comment with trailing content');
    map.range = [bm.offset, offset, commentEnd ?? offset];
    return map;
}

exports.resolveBlockMap = resolveBlockMap;


/***/ }),

/***/ 8913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function resolveBlockScalar(ctx, scalar, onError) {
    const start = scalar.offset;
    const header = parseBlockScalarHeader(scalar, ctx.options.strict, onError);
    if (!header)
        return { value: '', type: null, comment: '', range: [start, start, start] };
    const type = header.mode === '>' ? Scalar.Scalar.BLOCK_FOLDED : Scalar.Scalar.BLOCK_LITERAL;
    const lines = scalar.source ? splitLines(scalar.source) : [];
    // determine the end of content & start of chomping
    let chompStart = lines.length;
    for (let i = lines.length - 1; i >= 0; --i) {
        const content = lines[i][1];
        if (content === '' || content === '\r')
            chompStart = i;
        else
            break;
    }
    // shortcut for empty contents
    if (chompStart === 0) {
        const value = header.chomp === '+' && lines.length > 0
            ? '\n'.repeat(Math.max(1, lines.length - 1))
            : '';
        let end = start + header.length;
        if (scalar.source)
            end += scalar.source.length;
        return { value, type, comment: header.comment, range: [start, end, end] };
    }
    // find the indentation level to trim from start
    let trimIndent = scalar.indent + header.indent;
    let offset = scalar.offset + header.length;
    let contentStart = 0;
    for (let i = 0; i < chompStart; ++i) {
        const [indent, content] = lines[i];
        if (content === '' || content === '\r') {
            if (header.indent === 0 && indent.length > trimIndent)
                trimIndent = indent.length;
        }
        else {
            if (indent.length < trimIndent) {
                const message = 'Block scalars with more-indented leading empty lines must use an explicit indentation indicator';
                onError(offset + indent.length, 'MISSING_CHAR', message);
            }
            if (header.indent === 0)
                trimIndent = indent.length;
            contentStart = i;
            if (trimIndent === 0 && !ctx.atRoot) {
                const message = 'Block scalar values in collections must be indented';
                onError(offset, 'BAD_INDENT', message);
            }
            break;
        }
        offset += indent.length + content.length + 1;
    }
    // include trailing more-indented empty lines in content
    for (let i = lines.length - 1; i >= chompStart; --i) {
        if (lines[i][0].length > trimIndent)
            chompStart = i + 1;
    }
    let value = '';
    let sep = '';
    let prevMoreIndented = false;
    // leading whitespace is kept intact
    for (let i = 0; i < contentStart; ++i)
        value += lines[i][0].slice(trimIndent) + '\n';
    for (let i = contentStart; i < chompStart; ++i) {
        let [indent, content] = lines[i];
        offset += indent.length + content.length + 1;
        const crlf = content[content.length - 1] === '\r';
        if (crlf)
            content = content.slice(0, -1);
        /* istanbul ignore if already caught in lexer */
        if (content && indent.length < trimIndent) {
            const src = header.indent
                ? 'explicit indentation indicator'
                : 'first line';
            const message = `Block scalar lines must not be less indented than their ${src}`;
            onError(offset - content.length - (crlf ? 2 : 1), 'BAD_INDENT', message);
            indent = '';
        }
        if (type === Scalar.Scalar.BLOCK_LITERAL) {
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
        }
        else if (indent.length > trimIndent || content[0] === '\t') {
            // more-indented content within a folded block
            if (sep === ' ')
                sep = '\n';
            else if (!prevMoreIndented && sep === '\n')
                sep = '\n\n';
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
            prevMoreIndented = true;
        }
        else if (content === '') {
            // empty line
            if (sep === '\n')
                value += '\n';
            else
                sep = '\n';
        }
        else {
            value += sep + content;
            sep = ' ';
            prevMoreIndented = false;
        }
    }
    switch (header.chomp) {
        case '-':
            break;
        case '+':
            for (let i = chompStart; i < lines.length; ++i)
                value += '\n' + lines[i][0].slice(trimIndent);
            if (value[value.length - 1] !== '\n')
                value += '\n';
            break;
        default:
            value += '\n';
    }
    const end = start + header.length + scalar.source.length;
    return { value, type, comment: header.comment, range: [start, end, end] };
}
function parseBlockScalarHeader({ offset, props }, strict, onError) {
    /* istanbul ignore if should not happen */
    if (props[0].type !== 'block-scalar-header') {
        onError(props[0], 'IMPOSSIBLE', 'Block scalar header not found');
        return null;
    }
    const { source } = props[0];
    const mode = source[0];
    let indent = 0;
    let chomp = '';
    let error = -1;
    for (let i = 1; i < source.length; ++i) {
        const ch = source[i];
        if (!chomp && (ch === '-' || ch === '+'))
            chomp = ch;
        else {
            const n = Number(ch);
            if (!indent && n)
                indent = n;
            else if (error === -1)
                error = offset + i;
        }
    }
    if (error !== -1)
        onError(error, 'UNEXPECTED_TOKEN', `Block scalar header includes extra characters: ${source}`);
    let hasSpace = false;
    let comment = '';
    let length = source.length;
    for (let i = 1; i < props.length; ++i) {
        const token = props[i];
        switch (token.type) {
            case 'space':
                hasSpace = true;
            // fallthrough
            case 'newline':
                length += token.source.length;
                break;
            case 'comment':
                if (strict && !hasSpace) {
                    const message = 'Comments must be separated from other tokens by white space characters';
                    onError(token, 'MISSING_CHAR', message);
                }
                length += token.source.length;
                comment = token.source.substring(1);
                break;
            case 'error':
                onError(token, 'UNEXPECTED_TOKEN', token.message);
                length += token.source.length;
                break;
            /* istanbul ignore next should not happen */
            default: {
                const message = `Unexpected token in block scalar header: ${token.type}`;
                onError(token, 'UNEXPECTED_TOKEN', message);
                const ts = token.source;
                if (ts && typeof ts === 'string')
                    length += ts.length;
            }
        }
    }
    return { mode, indent, chomp, comment, length };
}
/** @returns Array of lines split up as `[indent, content]` */
function splitLines(source) {
    const split = source.split(/\n( *)/);
    const first = split[0];
    const m = first.match(/^( *)/);
    const line0 = m?.[1]
        ? [m[1], first.slice(m[1].length)]
        : ['', first];
    const lines = [line0];
    for (let i = 1; i < split.length; i += 2)
        lines.push([split[i], split[i + 1]]);
    return lines;
}

exports.resolveBlockScalar = resolveBlockScalar;


/***/ }),

/***/ 334:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var YAMLSeq = __nccwpck_require__(2223);
var resolveProps = __nccwpck_require__(4631);
var utilFlowIndentCheck = __nccwpck_require__(4051);

function resolveBlockSeq({ composeNode, composeEmptyNode }, ctx, bs, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLSeq.YAMLSeq;
    const seq = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = bs.offset;
    let commentEnd = null;
    for (const { start, value } of bs.items) {
        const props = resolveProps.resolveProps(start, {
            indicator: 'seq-item-ind',
            next: value,
            offset,
            onError,
            parentIndent: bs.indent,
            startOnNewline: true
        });
        if (!props.found) {
            if (props.anchor || props.tag || value) {
                if (value?.type === 'block-seq')
                    onError(props.end, 'BAD_INDENT', 'All sequence items must start at the same column');
                else
                    onError(offset, 'MISSING_CHAR', 'Sequence item without - indicator');
            }
            else {
                commentEnd = props.end;
                if (props.comment)
                    seq.comment = props.comment;
                continue;
            }
        }
        const node = value
            ? composeNode(ctx, value, props, onError)
            : composeEmptyNode(ctx, props.end, start, null, props, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bs.indent, value, onError);
        offset = node.range[2];
        seq.items.push(node);
    }
    seq.range = [bs.offset, offset, commentEnd ?? offset];
    return seq;
}

exports.resolveBlockSeq = resolveBlockSeq;


/***/ }),

/***/ 7788:
/***/ ((__unused_webpack_module, exports) => {



function resolveEnd(end, offset, reqSpace, onError) {
    let comment = '';
    if (end) {
        let hasSpace = false;
        let sep = '';
        for (const token of end) {
            const { source, type } = token;
            switch (type) {
                case 'space':
                    hasSpace = true;
                    break;
                case 'comment': {
                    if (reqSpace && !hasSpace)
                        onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                    const cb = source.substring(1) || ' ';
                    if (!comment)
                        comment = cb;
                    else
                        comment += sep + cb;
                    sep = '';
                    break;
                }
                case 'newline':
                    if (comment)
                        sep += source;
                    hasSpace = true;
                    break;
                default:
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${type} at node end`);
            }
            offset += source.length;
        }
    }
    return { comment, offset };
}

exports.resolveEnd = resolveEnd;


/***/ }),

/***/ 3142:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilMapIncludes = __nccwpck_require__(1187);

const blockMsg = 'Block collections are not allowed within flow collections';
const isBlock = (token) => token && (token.type === 'block-map' || token.type === 'block-seq');
function resolveFlowCollection({ composeNode, composeEmptyNode }, ctx, fc, onError, tag) {
    const isMap = fc.start.source === '{';
    const fcName = isMap ? 'flow map' : 'flow sequence';
    const NodeClass = (tag?.nodeClass ?? (isMap ? YAMLMap.YAMLMap : YAMLSeq.YAMLSeq));
    const coll = new NodeClass(ctx.schema);
    coll.flow = true;
    const atRoot = ctx.atRoot;
    if (atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = fc.offset + fc.start.source.length;
    for (let i = 0; i < fc.items.length; ++i) {
        const collItem = fc.items[i];
        const { start, key, sep, value } = collItem;
        const props = resolveProps.resolveProps(start, {
            flow: fcName,
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: fc.indent,
            startOnNewline: false
        });
        if (!props.found) {
            if (!props.anchor && !props.tag && !sep && !value) {
                if (i === 0 && props.comma)
                    onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
                else if (i < fc.items.length - 1)
                    onError(props.start, 'UNEXPECTED_TOKEN', `Unexpected empty item in ${fcName}`);
                if (props.comment) {
                    if (coll.comment)
                        coll.comment += '\n' + props.comment;
                    else
                        coll.comment = props.comment;
                }
                offset = props.end;
                continue;
            }
            if (!isMap && ctx.options.strict && utilContainsNewline.containsNewline(key))
                onError(key, // checked by containsNewline()
                'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
        }
        if (i === 0) {
            if (props.comma)
                onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
        }
        else {
            if (!props.comma)
                onError(props.start, 'MISSING_CHAR', `Missing , between ${fcName} items`);
            if (props.comment) {
                let prevItemComment = '';
                loop: for (const st of start) {
                    switch (st.type) {
                        case 'comma':
                        case 'space':
                            break;
                        case 'comment':
                            prevItemComment = st.source.substring(1);
                            break loop;
                        default:
                            break loop;
                    }
                }
                if (prevItemComment) {
                    let prev = coll.items[coll.items.length - 1];
                    if (identity.isPair(prev))
                        prev = prev.value ?? prev.key;
                    if (prev.comment)
                        prev.comment += '\n' + prevItemComment;
                    else
                        prev.comment = prevItemComment;
                    props.comment = props.comment.substring(prevItemComment.length + 1);
                }
            }
        }
        if (!isMap && !sep && !props.found) {
            // item is a value in a seq
            // → key & sep are empty, start does not include ? or :
            const valueNode = value
                ? composeNode(ctx, value, props, onError)
                : composeEmptyNode(ctx, props.end, sep, null, props, onError);
            coll.items.push(valueNode);
            offset = valueNode.range[2];
            if (isBlock(value))
                onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
        }
        else {
            // item is a key+value pair
            // key value
            ctx.atKey = true;
            const keyStart = props.end;
            const keyNode = key
                ? composeNode(ctx, key, props, onError)
                : composeEmptyNode(ctx, keyStart, start, null, props, onError);
            if (isBlock(key))
                onError(keyNode.range, 'BLOCK_IN_FLOW', blockMsg);
            ctx.atKey = false;
            // value properties
            const valueProps = resolveProps.resolveProps(sep ?? [], {
                flow: fcName,
                indicator: 'map-value-ind',
                next: value,
                offset: keyNode.range[2],
                onError,
                parentIndent: fc.indent,
                startOnNewline: false
            });
            if (valueProps.found) {
                if (!isMap && !props.found && ctx.options.strict) {
                    if (sep)
                        for (const st of sep) {
                            if (st === valueProps.found)
                                break;
                            if (st.type === 'newline') {
                                onError(st, 'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
                                break;
                            }
                        }
                    if (props.start < valueProps.found.offset - 1024)
                        onError(valueProps.found, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit flow sequence key');
                }
            }
            else if (value) {
                if ('source' in value && value.source?.[0] === ':')
                    onError(value, 'MISSING_CHAR', `Missing space after : in ${fcName}`);
                else
                    onError(valueProps.start, 'MISSING_CHAR', `Missing , or : between ${fcName} items`);
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : valueProps.found
                    ? composeEmptyNode(ctx, valueProps.end, sep, null, valueProps, onError)
                    : null;
            if (valueNode) {
                if (isBlock(value))
                    onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
            }
            else if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            if (isMap) {
                const map = coll;
                if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
                    onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
                map.items.push(pair);
            }
            else {
                const map = new YAMLMap.YAMLMap(ctx.schema);
                map.flow = true;
                map.items.push(pair);
                const endRange = (valueNode ?? keyNode).range;
                map.range = [keyNode.range[0], endRange[1], endRange[2]];
                coll.items.push(map);
            }
            offset = valueNode ? valueNode.range[2] : valueProps.end;
        }
    }
    const expectedEnd = isMap ? '}' : ']';
    const [ce, ...ee] = fc.end;
    let cePos = offset;
    if (ce?.source === expectedEnd)
        cePos = ce.offset + ce.source.length;
    else {
        const name = fcName[0].toUpperCase() + fcName.substring(1);
        const msg = atRoot
            ? `${name} must end with a ${expectedEnd}`
            : `${name} in block collection must be sufficiently indented and end with a ${expectedEnd}`;
        onError(offset, atRoot ? 'MISSING_CHAR' : 'BAD_INDENT', msg);
        if (ce && ce.source.length !== 1)
            ee.unshift(ce);
    }
    if (ee.length > 0) {
        const end = resolveEnd.resolveEnd(ee, cePos, ctx.options.strict, onError);
        if (end.comment) {
            if (coll.comment)
                coll.comment += '\n' + end.comment;
            else
                coll.comment = end.comment;
        }
        coll.range = [fc.offset, cePos, end.offset];
    }
    else {
        coll.range = [fc.offset, cePos, cePos];
    }
    return coll;
}

exports.resolveFlowCollection = resolveFlowCollection;


/***/ }),

/***/ 6842:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var resolveEnd = __nccwpck_require__(7788);

function resolveFlowScalar(scalar, strict, onError) {
    const { offset, type, source, end } = scalar;
    let _type;
    let value;
    const _onError = (rel, code, msg) => onError(offset + rel, code, msg);
    switch (type) {
        case 'scalar':
            _type = Scalar.Scalar.PLAIN;
            value = plainValue(source, _onError);
            break;
        case 'single-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_SINGLE;
            value = singleQuotedValue(source, _onError);
            break;
        case 'double-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_DOUBLE;
            value = doubleQuotedValue(source, _onError);
            break;
        /* istanbul ignore next should not happen */
        default:
            onError(scalar, 'UNEXPECTED_TOKEN', `Expected a flow scalar value, but found: ${type}`);
            return {
                value: '',
                type: null,
                comment: '',
                range: [offset, offset + source.length, offset + source.length]
            };
    }
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, strict, onError);
    return {
        value,
        type: _type,
        comment: re.comment,
        range: [offset, valueEnd, re.offset]
    };
}
function plainValue(source, onError) {
    let badChar = '';
    switch (source[0]) {
        /* istanbul ignore next should not happen */
        case '\t':
            badChar = 'a tab character';
            break;
        case ',':
            badChar = 'flow indicator character ,';
            break;
        case '%':
            badChar = 'directive indicator character %';
            break;
        case '|':
        case '>': {
            badChar = `block scalar indicator ${source[0]}`;
            break;
        }
        case '@':
        case '`': {
            badChar = `reserved character ${source[0]}`;
            break;
        }
    }
    if (badChar)
        onError(0, 'BAD_SCALAR_START', `Plain value cannot start with ${badChar}`);
    return unfoldLines(source);
}
function singleQuotedValue(source, onError) {
    if (source[source.length - 1] !== "'" || source.length === 1)
        onError(source.length, 'MISSING_CHAR', "Missing closing 'quote");
    return unfoldLines(source.slice(1, -1)).replace(/''/g, "'");
}
function unfoldLines(source) {
    const line = /(.*?)\r?\n/sy;
    let match = line.exec(source);
    if (!match)
        return source;
    /**
     * The negative lookbehinds in these RegExps are to
     * prevent causing a polynomial search time in certain cases.
     *
     * The try-catch is for Safari < 16.4 and other old browsers:
     * https://caniuse.com/js-regexp-lookbehind
     */
    let trimEnd, trimBoth;
    try {
        trimEnd = new RegExp('(?<![ \t])[ \t]+$');
        trimBoth = new RegExp('^[ \t]+|(?<![ \t])[ \t]+$', 'g');
    }
    catch {
        trimEnd = /[ \t]+$/;
        trimBoth = /^[ \t]+|[ \t]+$/g;
    }
    let res = match[1].replace(trimEnd, '');
    let sep = ' ';
    let pos = line.lastIndex;
    while ((match = line.exec(source))) {
        const lm = match[1].replace(trimBoth, '');
        if (lm === '') {
            if (sep === '\n')
                res += sep;
            else
                sep = '\n';
        }
        else {
            res += sep + lm;
            sep = ' ';
        }
        pos = line.lastIndex;
    }
    const last = /[ \t]*(.*)/sy;
    last.lastIndex = pos;
    match = last.exec(source);
    return res + sep + (match?.[1] ?? '');
}
function doubleQuotedValue(source, onError) {
    let res = '';
    for (let i = 1; i < source.length - 1; ++i) {
        const ch = source[i];
        if (ch === '\r' && source[i + 1] === '\n')
            continue;
        if (ch === '\n') {
            const { fold, offset } = foldNewline(source, i);
            res += fold;
            i = offset;
        }
        else if (ch === '\\') {
            let next = source[++i];
            const cc = escapeCodes[next];
            if (cc)
                res += cc;
            else if (next === '\n') {
                // skip escaped newlines, but still trim the following line
                next = source[i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === '\r' && source[i + 1] === '\n') {
                // skip escaped CRLF newlines, but still trim the following line
                next = source[++i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === 'x' || next === 'u' || next === 'U') {
                const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
                res += parseCharCode(source, i + 1, length, onError);
                i += length;
            }
            else {
                const raw = source.substr(i - 1, 2);
                onError(i - 1, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
                res += raw;
            }
        }
        else if (ch === ' ' || ch === '\t') {
            // trim trailing whitespace
            const wsStart = i;
            let next = source[i + 1];
            while (next === ' ' || next === '\t')
                next = source[++i + 1];
            if (next !== '\n' && !(next === '\r' && source[i + 2] === '\n'))
                res += i > wsStart ? source.slice(wsStart, i + 1) : ch;
        }
        else {
            res += ch;
        }
    }
    if (source[source.length - 1] !== '"' || source.length === 1)
        onError(source.length, 'MISSING_CHAR', 'Missing closing "quote');
    return res;
}
/**
 * Fold a single newline into a space, multiple newlines to N - 1 newlines.
 * Presumes `source[offset] === '\n'`
 */
function foldNewline(source, offset) {
    let fold = '';
    let ch = source[offset + 1];
    while (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        if (ch === '\r' && source[offset + 2] !== '\n')
            break;
        if (ch === '\n')
            fold += '\n';
        offset += 1;
        ch = source[offset + 1];
    }
    if (!fold)
        fold = ' ';
    return { fold, offset };
}
const escapeCodes = {
    '0': '\0', // null character
    a: '\x07', // bell character
    b: '\b', // backspace
    e: '\x1b', // escape character
    f: '\f', // form feed
    n: '\n', // line feed
    r: '\r', // carriage return
    t: '\t', // horizontal tab
    v: '\v', // vertical tab
    N: '\u0085', // Unicode next line
    _: '\u00a0', // Unicode non-breaking space
    L: '\u2028', // Unicode line separator
    P: '\u2029', // Unicode paragraph separator
    ' ': ' ',
    '"': '"',
    '/': '/',
    '\\': '\\',
    '\t': '\t'
};
function parseCharCode(source, offset, length, onError) {
    const cc = source.substr(offset, length);
    const ok = cc.length === length && /^[0-9a-fA-F]+$/.test(cc);
    const code = ok ? parseInt(cc, 16) : NaN;
    try {
        return String.fromCodePoint(code);
    }
    catch {
        const raw = source.substr(offset - 2, length + 2);
        onError(offset - 2, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
        return raw;
    }
}

exports.resolveFlowScalar = resolveFlowScalar;


/***/ }),

/***/ 4631:
/***/ ((__unused_webpack_module, exports) => {



function resolveProps(tokens, { flow, indicator, next, offset, onError, parentIndent, startOnNewline }) {
    let spaceBefore = false;
    let atNewline = startOnNewline;
    let hasSpace = startOnNewline;
    let comment = '';
    let commentSep = '';
    let hasNewline = false;
    let reqSpace = false;
    let tab = null;
    let anchor = null;
    let tag = null;
    let newlineAfterProp = null;
    let comma = null;
    let found = null;
    let start = null;
    for (const token of tokens) {
        if (reqSpace) {
            if (token.type !== 'space' &&
                token.type !== 'newline' &&
                token.type !== 'comma')
                onError(token.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
            reqSpace = false;
        }
        if (tab) {
            if (atNewline && token.type !== 'comment' && token.type !== 'newline') {
                onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
            }
            tab = null;
        }
        switch (token.type) {
            case 'space':
                // At the doc level, tabs at line start may be parsed
                // as leading white space rather than indentation.
                // In a flow collection, only the parser handles indent.
                if (!flow &&
                    (indicator !== 'doc-start' || next?.type !== 'flow-collection') &&
                    token.source.includes('\t')) {
                    tab = token;
                }
                hasSpace = true;
                break;
            case 'comment': {
                if (!hasSpace)
                    onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                const cb = token.source.substring(1) || ' ';
                if (!comment)
                    comment = cb;
                else
                    comment += commentSep + cb;
                commentSep = '';
                atNewline = false;
                break;
            }
            case 'newline':
                if (atNewline) {
                    if (comment)
                        comment += token.source;
                    else if (!found || indicator !== 'seq-item-ind')
                        spaceBefore = true;
                }
                else
                    commentSep += token.source;
                atNewline = true;
                hasNewline = true;
                if (anchor || tag)
                    newlineAfterProp = token;
                hasSpace = true;
                break;
            case 'anchor':
                if (anchor)
                    onError(token, 'MULTIPLE_ANCHORS', 'A node can have at most one anchor');
                if (token.source.endsWith(':'))
                    onError(token.offset + token.source.length - 1, 'BAD_ALIAS', 'Anchor ending in : is ambiguous', true);
                anchor = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            case 'tag': {
                if (tag)
                    onError(token, 'MULTIPLE_TAGS', 'A node can have at most one tag');
                tag = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            }
            case indicator:
                // Could here handle preceding comments differently
                if (anchor || tag)
                    onError(token, 'BAD_PROP_ORDER', `Anchors and tags must be after the ${token.source} indicator`);
                if (found)
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.source} in ${flow ?? 'collection'}`);
                found = token;
                atNewline =
                    indicator === 'seq-item-ind' || indicator === 'explicit-key-ind';
                hasSpace = false;
                break;
            case 'comma':
                if (flow) {
                    if (comma)
                        onError(token, 'UNEXPECTED_TOKEN', `Unexpected , in ${flow}`);
                    comma = token;
                    atNewline = false;
                    hasSpace = false;
                    break;
                }
            // else fallthrough
            default:
                onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.type} token`);
                atNewline = false;
                hasSpace = false;
        }
    }
    const last = tokens[tokens.length - 1];
    const end = last ? last.offset + last.source.length : offset;
    if (reqSpace &&
        next &&
        next.type !== 'space' &&
        next.type !== 'newline' &&
        next.type !== 'comma' &&
        (next.type !== 'scalar' || next.source !== '')) {
        onError(next.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
    }
    if (tab &&
        ((atNewline && tab.indent <= parentIndent) ||
            next?.type === 'block-map' ||
            next?.type === 'block-seq'))
        onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
    return {
        comma,
        found,
        spaceBefore,
        comment,
        hasNewline,
        anchor,
        tag,
        newlineAfterProp,
        end,
        start: start ?? end
    };
}

exports.resolveProps = resolveProps;


/***/ }),

/***/ 9499:
/***/ ((__unused_webpack_module, exports) => {



function containsNewline(key) {
    if (!key)
        return null;
    switch (key.type) {
        case 'alias':
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            if (key.source.includes('\n'))
                return true;
            if (key.end)
                for (const st of key.end)
                    if (st.type === 'newline')
                        return true;
            return false;
        case 'flow-collection':
            for (const it of key.items) {
                for (const st of it.start)
                    if (st.type === 'newline')
                        return true;
                if (it.sep)
                    for (const st of it.sep)
                        if (st.type === 'newline')
                            return true;
                if (containsNewline(it.key) || containsNewline(it.value))
                    return true;
            }
            return false;
        default:
            return true;
    }
}

exports.containsNewline = containsNewline;


/***/ }),

/***/ 2599:
/***/ ((__unused_webpack_module, exports) => {



function emptyScalarPosition(offset, before, pos) {
    if (before) {
        pos ?? (pos = before.length);
        for (let i = pos - 1; i >= 0; --i) {
            let st = before[i];
            switch (st.type) {
                case 'space':
                case 'comment':
                case 'newline':
                    offset -= st.source.length;
                    continue;
            }
            // Technically, an empty scalar is immediately after the last non-empty
            // node, but it's more useful to place it after any whitespace.
            st = before[++i];
            while (st?.type === 'space') {
                offset += st.source.length;
                st = before[++i];
            }
            break;
        }
    }
    return offset;
}

exports.emptyScalarPosition = emptyScalarPosition;


/***/ }),

/***/ 4051:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var utilContainsNewline = __nccwpck_require__(9499);

function flowIndentCheck(indent, fc, onError) {
    if (fc?.type === 'flow-collection') {
        const end = fc.end[0];
        if (end.indent === indent &&
            (end.source === ']' || end.source === '}') &&
            utilContainsNewline.containsNewline(fc)) {
            const msg = 'Flow end indicator should be more indented than parent';
            onError(end, 'BAD_INDENT', msg, true);
        }
    }
}

exports.flowIndentCheck = flowIndentCheck;


/***/ }),

/***/ 1187:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

function mapIncludes(ctx, items, search) {
    const { uniqueKeys } = ctx.options;
    if (uniqueKeys === false)
        return false;
    const isEqual = typeof uniqueKeys === 'function'
        ? uniqueKeys
        : (a, b) => a === b || (identity.isScalar(a) && identity.isScalar(b) && a.value === b.value);
    return items.some(pair => isEqual(pair.key, search));
}

exports.mapIncludes = mapIncludes;


/***/ }),

/***/ 3021:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var toJS = __nccwpck_require__(4043);
var Schema = __nccwpck_require__(5840);
var stringifyDocument = __nccwpck_require__(6829);
var anchors = __nccwpck_require__(1596);
var applyReviver = __nccwpck_require__(3661);
var createNode = __nccwpck_require__(2404);
var directives = __nccwpck_require__(1342);

class Document {
    constructor(value, replacer, options) {
        /** A comment before this Document */
        this.commentBefore = null;
        /** A comment immediately after this Document */
        this.comment = null;
        /** Errors encountered during parsing. */
        this.errors = [];
        /** Warnings encountered during parsing. */
        this.warnings = [];
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.DOC });
        let _replacer = null;
        if (typeof replacer === 'function' || Array.isArray(replacer)) {
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const opt = Object.assign({
            intAsBigInt: false,
            keepSourceTokens: false,
            logLevel: 'warn',
            prettyErrors: true,
            strict: true,
            stringKeys: false,
            uniqueKeys: true,
            version: '1.2'
        }, options);
        this.options = opt;
        let { version } = opt;
        if (options?._directives) {
            this.directives = options._directives.atDocument();
            if (this.directives.yaml.explicit)
                version = this.directives.yaml.version;
        }
        else
            this.directives = new directives.Directives({ version });
        this.setSchema(version, options);
        // @ts-expect-error We can't really know that this matches Contents.
        this.contents =
            value === undefined ? null : this.createNode(value, _replacer, options);
    }
    /**
     * Create a deep copy of this Document and its contents.
     *
     * Custom Node values that inherit from `Object` still refer to their original instances.
     */
    clone() {
        const copy = Object.create(Document.prototype, {
            [identity.NODE_TYPE]: { value: identity.DOC }
        });
        copy.commentBefore = this.commentBefore;
        copy.comment = this.comment;
        copy.errors = this.errors.slice();
        copy.warnings = this.warnings.slice();
        copy.options = Object.assign({}, this.options);
        if (this.directives)
            copy.directives = this.directives.clone();
        copy.schema = this.schema.clone();
        // @ts-expect-error We can't really know that this matches Contents.
        copy.contents = identity.isNode(this.contents)
            ? this.contents.clone(copy.schema)
            : this.contents;
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** Adds a value to the document. */
    add(value) {
        if (assertCollection(this.contents))
            this.contents.add(value);
    }
    /** Adds a value to the document. */
    addIn(path, value) {
        if (assertCollection(this.contents))
            this.contents.addIn(path, value);
    }
    /**
     * Create a new `Alias` node, ensuring that the target `node` has the required anchor.
     *
     * If `node` already has an anchor, `name` is ignored.
     * Otherwise, the `node.anchor` value will be set to `name`,
     * or if an anchor with that name is already present in the document,
     * `name` will be used as a prefix for a new unique anchor.
     * If `name` is undefined, the generated anchor will use 'a' as a prefix.
     */
    createAlias(node, name) {
        if (!node.anchor) {
            const prev = anchors.anchorNames(this);
            node.anchor =
                // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
                !name || prev.has(name) ? anchors.findNewAnchor(name || 'a', prev) : name;
        }
        return new Alias.Alias(node.anchor);
    }
    createNode(value, replacer, options) {
        let _replacer = undefined;
        if (typeof replacer === 'function') {
            value = replacer.call({ '': value }, '', value);
            _replacer = replacer;
        }
        else if (Array.isArray(replacer)) {
            const keyToStr = (v) => typeof v === 'number' || v instanceof String || v instanceof Number;
            const asStr = replacer.filter(keyToStr).map(String);
            if (asStr.length > 0)
                replacer = replacer.concat(asStr);
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const { aliasDuplicateObjects, anchorPrefix, flow, keepUndefined, onTagObj, tag } = options ?? {};
        const { onAnchor, setAnchors, sourceObjects } = anchors.createNodeAnchors(this, 
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        anchorPrefix || 'a');
        const ctx = {
            aliasDuplicateObjects: aliasDuplicateObjects ?? true,
            keepUndefined: keepUndefined ?? false,
            onAnchor,
            onTagObj,
            replacer: _replacer,
            schema: this.schema,
            sourceObjects
        };
        const node = createNode.createNode(value, tag, ctx);
        if (flow && identity.isCollection(node))
            node.flow = true;
        setAnchors();
        return node;
    }
    /**
     * Convert a key and a value into a `Pair` using the current schema,
     * recursively wrapping all values as `Scalar` or `Collection` nodes.
     */
    createPair(key, value, options = {}) {
        const k = this.createNode(key, null, options);
        const v = this.createNode(value, null, options);
        return new Pair.Pair(k, v);
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        return assertCollection(this.contents) ? this.contents.delete(key) : false;
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        if (Collection.isEmptyPath(path)) {
            if (this.contents == null)
                return false;
            // @ts-expect-error Presumed impossible if Strict extends false
            this.contents = null;
            return true;
        }
        return assertCollection(this.contents)
            ? this.contents.deleteIn(path)
            : false;
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    get(key, keepScalar) {
        return identity.isCollection(this.contents)
            ? this.contents.get(key, keepScalar)
            : undefined;
    }
    /**
     * Returns item at `path`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        if (Collection.isEmptyPath(path))
            return !keepScalar && identity.isScalar(this.contents)
                ? this.contents.value
                : this.contents;
        return identity.isCollection(this.contents)
            ? this.contents.getIn(path, keepScalar)
            : undefined;
    }
    /**
     * Checks if the document includes a value with the key `key`.
     */
    has(key) {
        return identity.isCollection(this.contents) ? this.contents.has(key) : false;
    }
    /**
     * Checks if the document includes a value at `path`.
     */
    hasIn(path) {
        if (Collection.isEmptyPath(path))
            return this.contents !== undefined;
        return identity.isCollection(this.contents) ? this.contents.hasIn(path) : false;
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    set(key, value) {
        if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, [key], value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.set(key, value);
        }
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        if (Collection.isEmptyPath(path)) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = value;
        }
        else if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, Array.from(path), value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.setIn(path, value);
        }
    }
    /**
     * Change the YAML version and schema used by the document.
     * A `null` version disables support for directives, explicit tags, anchors, and aliases.
     * It also requires the `schema` option to be given as a `Schema` instance value.
     *
     * Overrides all previously set schema options.
     */
    setSchema(version, options = {}) {
        if (typeof version === 'number')
            version = String(version);
        let opt;
        switch (version) {
            case '1.1':
                if (this.directives)
                    this.directives.yaml.version = '1.1';
                else
                    this.directives = new directives.Directives({ version: '1.1' });
                opt = { resolveKnownTags: false, schema: 'yaml-1.1' };
                break;
            case '1.2':
            case 'next':
                if (this.directives)
                    this.directives.yaml.version = version;
                else
                    this.directives = new directives.Directives({ version });
                opt = { resolveKnownTags: true, schema: 'core' };
                break;
            case null:
                if (this.directives)
                    delete this.directives;
                opt = null;
                break;
            default: {
                const sv = JSON.stringify(version);
                throw new Error(`Expected '1.1', '1.2' or null as first argument, but found: ${sv}`);
            }
        }
        // Not using `instanceof Schema` to allow for duck typing
        if (options.schema instanceof Object)
            this.schema = options.schema;
        else if (opt)
            this.schema = new Schema.Schema(Object.assign(opt, options));
        else
            throw new Error(`With a null YAML version, the { schema: Schema } option is required`);
    }
    // json & jsonArg are only used from toJSON()
    toJS({ json, jsonArg, mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        const ctx = {
            anchors: new Map(),
            doc: this,
            keep: !json,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this.contents, jsonArg ?? '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
    /**
     * A JSON representation of the document `contents`.
     *
     * @param jsonArg Used by `JSON.stringify` to indicate the array index or
     *   property name.
     */
    toJSON(jsonArg, onAnchor) {
        return this.toJS({ json: true, jsonArg, mapAsMap: false, onAnchor });
    }
    /** A YAML representation of the document. */
    toString(options = {}) {
        if (this.errors.length > 0)
            throw new Error('Document with errors cannot be stringified');
        if ('indent' in options &&
            (!Number.isInteger(options.indent) || Number(options.indent) <= 0)) {
            const s = JSON.stringify(options.indent);
            throw new Error(`"indent" option must be a positive integer, not ${s}`);
        }
        return stringifyDocument.stringifyDocument(this, options);
    }
}
function assertCollection(contents) {
    if (identity.isCollection(contents))
        return true;
    throw new Error('Expected a YAML collection as document contents');
}

exports.Document = Document;


/***/ }),

/***/ 1596:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

/**
 * Verify that the input string is a valid anchor.
 *
 * Will throw on errors.
 */
function anchorIsValid(anchor) {
    if (/[\x00-\x19\s,[\]{}]/.test(anchor)) {
        const sa = JSON.stringify(anchor);
        const msg = `Anchor must not contain whitespace or control characters: ${sa}`;
        throw new Error(msg);
    }
    return true;
}
function anchorNames(root) {
    const anchors = new Set();
    visit.visit(root, {
        Value(_key, node) {
            if (node.anchor)
                anchors.add(node.anchor);
        }
    });
    return anchors;
}
/** Find a new anchor name with the given `prefix` and a one-indexed suffix. */
function findNewAnchor(prefix, exclude) {
    for (let i = 1; true; ++i) {
        const name = `${prefix}${i}`;
        if (!exclude.has(name))
            return name;
    }
}
function createNodeAnchors(doc, prefix) {
    const aliasObjects = [];
    const sourceObjects = new Map();
    let prevAnchors = null;
    return {
        onAnchor: (source) => {
            aliasObjects.push(source);
            prevAnchors ?? (prevAnchors = anchorNames(doc));
            const anchor = findNewAnchor(prefix, prevAnchors);
            prevAnchors.add(anchor);
            return anchor;
        },
        /**
         * With circular references, the source node is only resolved after all
         * of its child nodes are. This is why anchors are set only after all of
         * the nodes have been created.
         */
        setAnchors: () => {
            for (const source of aliasObjects) {
                const ref = sourceObjects.get(source);
                if (typeof ref === 'object' &&
                    ref.anchor &&
                    (identity.isScalar(ref.node) || identity.isCollection(ref.node))) {
                    ref.node.anchor = ref.anchor;
                }
                else {
                    const error = new Error('Failed to resolve repeated object (this should not happen)');
                    error.source = source;
                    throw error;
                }
            }
        },
        sourceObjects
    };
}

exports.anchorIsValid = anchorIsValid;
exports.anchorNames = anchorNames;
exports.createNodeAnchors = createNodeAnchors;
exports.findNewAnchor = findNewAnchor;


/***/ }),

/***/ 3661:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Applies the JSON.parse reviver algorithm as defined in the ECMA-262 spec,
 * in section 24.5.1.1 "Runtime Semantics: InternalizeJSONProperty" of the
 * 2021 edition: https://tc39.es/ecma262/#sec-json.parse
 *
 * Includes extensions for handling Map and Set objects.
 */
function applyReviver(reviver, obj, key, val) {
    if (val && typeof val === 'object') {
        if (Array.isArray(val)) {
            for (let i = 0, len = val.length; i < len; ++i) {
                const v0 = val[i];
                const v1 = applyReviver(reviver, val, String(i), v0);
                // eslint-disable-next-line @typescript-eslint/no-array-delete
                if (v1 === undefined)
                    delete val[i];
                else if (v1 !== v0)
                    val[i] = v1;
            }
        }
        else if (val instanceof Map) {
            for (const k of Array.from(val.keys())) {
                const v0 = val.get(k);
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    val.delete(k);
                else if (v1 !== v0)
                    val.set(k, v1);
            }
        }
        else if (val instanceof Set) {
            for (const v0 of Array.from(val)) {
                const v1 = applyReviver(reviver, val, v0, v0);
                if (v1 === undefined)
                    val.delete(v0);
                else if (v1 !== v0) {
                    val.delete(v0);
                    val.add(v1);
                }
            }
        }
        else {
            for (const [k, v0] of Object.entries(val)) {
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    delete val[k];
                else if (v1 !== v0)
                    val[k] = v1;
            }
        }
    }
    return reviver.call(obj, key, val);
}

exports.applyReviver = applyReviver;


/***/ }),

/***/ 2404:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

const defaultTagPrefix = 'tag:yaml.org,2002:';
function findTagObject(value, tagName, tags) {
    if (tagName) {
        const match = tags.filter(t => t.tag === tagName);
        const tagObj = match.find(t => !t.format) ?? match[0];
        if (!tagObj)
            throw new Error(`Tag ${tagName} not found`);
        return tagObj;
    }
    return tags.find(t => t.identify?.(value) && !t.format);
}
function createNode(value, tagName, ctx) {
    if (identity.isDocument(value))
        value = value.contents;
    if (identity.isNode(value))
        return value;
    if (identity.isPair(value)) {
        const map = ctx.schema[identity.MAP].createNode?.(ctx.schema, null, ctx);
        map.items.push(value);
        return map;
    }
    if (value instanceof String ||
        value instanceof Number ||
        value instanceof Boolean ||
        (typeof BigInt !== 'undefined' && value instanceof BigInt) // not supported everywhere
    ) {
        // https://tc39.es/ecma262/#sec-serializejsonproperty
        value = value.valueOf();
    }
    const { aliasDuplicateObjects, onAnchor, onTagObj, schema, sourceObjects } = ctx;
    // Detect duplicate references to the same object & use Alias nodes for all
    // after first. The `ref` wrapper allows for circular references to resolve.
    let ref = undefined;
    if (aliasDuplicateObjects && value && typeof value === 'object') {
        ref = sourceObjects.get(value);
        if (ref) {
            ref.anchor ?? (ref.anchor = onAnchor(value));
            return new Alias.Alias(ref.anchor);
        }
        else {
            ref = { anchor: null, node: null };
            sourceObjects.set(value, ref);
        }
    }
    if (tagName?.startsWith('!!'))
        tagName = defaultTagPrefix + tagName.slice(2);
    let tagObj = findTagObject(value, tagName, schema.tags);
    if (!tagObj) {
        if (value && typeof value.toJSON === 'function') {
            // eslint-disable-next-line @typescript-eslint/no-unsafe-call
            value = value.toJSON();
        }
        if (!value || typeof value !== 'object') {
            const node = new Scalar.Scalar(value);
            if (ref)
                ref.node = node;
            return node;
        }
        tagObj =
            value instanceof Map
                ? schema[identity.MAP]
                : Symbol.iterator in Object(value)
                    ? schema[identity.SEQ]
                    : schema[identity.MAP];
    }
    if (onTagObj) {
        onTagObj(tagObj);
        delete ctx.onTagObj;
    }
    const node = tagObj?.createNode
        ? tagObj.createNode(ctx.schema, value, ctx)
        : typeof tagObj?.nodeClass?.from === 'function'
            ? tagObj.nodeClass.from(ctx.schema, value, ctx)
            : new Scalar.Scalar(value);
    if (tagName)
        node.tag = tagName;
    else if (!tagObj.default)
        node.tag = tagObj.tag;
    if (ref)
        ref.node = node;
    return node;
}

exports.createNode = createNode;


/***/ }),

/***/ 1342:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

const escapeChars = {
    '!': '%21',
    ',': '%2C',
    '[': '%5B',
    ']': '%5D',
    '{': '%7B',
    '}': '%7D'
};
const escapeTagName = (tn) => tn.replace(/[!,[\]{}]/g, ch => escapeChars[ch]);
class Directives {
    constructor(yaml, tags) {
        /**
         * The directives-end/doc-start marker `---`. If `null`, a marker may still be
         * included in the document's stringified representation.
         */
        this.docStart = null;
        /** The doc-end marker `...`.  */
        this.docEnd = false;
        this.yaml = Object.assign({}, Directives.defaultYaml, yaml);
        this.tags = Object.assign({}, Directives.defaultTags, tags);
    }
    clone() {
        const copy = new Directives(this.yaml, this.tags);
        copy.docStart = this.docStart;
        return copy;
    }
    /**
     * During parsing, get a Directives instance for the current document and
     * update the stream state according to the current version's spec.
     */
    atDocument() {
        const res = new Directives(this.yaml, this.tags);
        switch (this.yaml.version) {
            case '1.1':
                this.atNextDocument = true;
                break;
            case '1.2':
                this.atNextDocument = false;
                this.yaml = {
                    explicit: Directives.defaultYaml.explicit,
                    version: '1.2'
                };
                this.tags = Object.assign({}, Directives.defaultTags);
                break;
        }
        return res;
    }
    /**
     * @param onError - May be called even if the action was successful
     * @returns `true` on success
     */
    add(line, onError) {
        if (this.atNextDocument) {
            this.yaml = { explicit: Directives.defaultYaml.explicit, version: '1.1' };
            this.tags = Object.assign({}, Directives.defaultTags);
            this.atNextDocument = false;
        }
        const parts = line.trim().split(/[ \t]+/);
        const name = parts.shift();
        switch (name) {
            case '%TAG': {
                if (parts.length !== 2) {
                    onError(0, '%TAG directive should contain exactly two parts');
                    if (parts.length < 2)
                        return false;
                }
                const [handle, prefix] = parts;
                this.tags[handle] = prefix;
                return true;
            }
            case '%YAML': {
                this.yaml.explicit = true;
                if (parts.length !== 1) {
                    onError(0, '%YAML directive should contain exactly one part');
                    return false;
                }
                const [version] = parts;
                if (version === '1.1' || version === '1.2') {
                    this.yaml.version = version;
                    return true;
                }
                else {
                    const isValid = /^\d+\.\d+$/.test(version);
                    onError(6, `Unsupported YAML version ${version}`, isValid);
                    return false;
                }
            }
            default:
                onError(0, `Unknown directive ${name}`, true);
                return false;
        }
    }
    /**
     * Resolves a tag, matching handles to those defined in %TAG directives.
     *
     * @returns Resolved tag, which may also be the non-specific tag `'!'` or a
     *   `'!local'` tag, or `null` if unresolvable.
     */
    tagName(source, onError) {
        if (source === '!')
            return '!'; // non-specific tag
        if (source[0] !== '!') {
            onError(`Not a valid tag: ${source}`);
            return null;
        }
        if (source[1] === '<') {
            const verbatim = source.slice(2, -1);
            if (verbatim === '!' || verbatim === '!!') {
                onError(`Verbatim tags aren't resolved, so ${source} is invalid.`);
                return null;
            }
            if (source[source.length - 1] !== '>')
                onError('Verbatim tags must end with a >');
            return verbatim;
        }
        const [, handle, suffix] = source.match(/^(.*!)([^!]*)$/s);
        if (!suffix)
            onError(`The ${source} tag has no suffix`);
        const prefix = this.tags[handle];
        if (prefix) {
            try {
                return prefix + decodeURIComponent(suffix);
            }
            catch (error) {
                onError(String(error));
                return null;
            }
        }
        if (handle === '!')
            return source; // local tag
        onError(`Could not resolve tag: ${source}`);
        return null;
    }
    /**
     * Given a fully resolved tag, returns its printable string form,
     * taking into account current tag prefixes and defaults.
     */
    tagString(tag) {
        for (const [handle, prefix] of Object.entries(this.tags)) {
            if (tag.startsWith(prefix))
                return handle + escapeTagName(tag.substring(prefix.length));
        }
        return tag[0] === '!' ? tag : `!<${tag}>`;
    }
    toString(doc) {
        const lines = this.yaml.explicit
            ? [`%YAML ${this.yaml.version || '1.2'}`]
            : [];
        const tagEntries = Object.entries(this.tags);
        let tagNames;
        if (doc && tagEntries.length > 0 && identity.isNode(doc.contents)) {
            const tags = {};
            visit.visit(doc.contents, (_key, node) => {
                if (identity.isNode(node) && node.tag)
                    tags[node.tag] = true;
            });
            tagNames = Object.keys(tags);
        }
        else
            tagNames = [];
        for (const [handle, prefix] of tagEntries) {
            if (handle === '!!' && prefix === 'tag:yaml.org,2002:')
                continue;
            if (!doc || tagNames.some(tn => tn.startsWith(prefix)))
                lines.push(`%TAG ${handle} ${prefix}`);
        }
        return lines.join('\n');
    }
}
Directives.defaultYaml = { explicit: false, version: '1.2' };
Directives.defaultTags = { '!!': 'tag:yaml.org,2002:' };

exports.Directives = Directives;


/***/ }),

/***/ 1464:
/***/ ((__unused_webpack_module, exports) => {



class YAMLError extends Error {
    constructor(name, pos, code, message) {
        super();
        this.name = name;
        this.code = code;
        this.message = message;
        this.pos = pos;
    }
}
class YAMLParseError extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLParseError', pos, code, message);
    }
}
class YAMLWarning extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLWarning', pos, code, message);
    }
}
const prettifyError = (src, lc) => (error) => {
    if (error.pos[0] === -1)
        return;
    error.linePos = error.pos.map(pos => lc.linePos(pos));
    const { line, col } = error.linePos[0];
    error.message += ` at line ${line}, column ${col}`;
    let ci = col - 1;
    let lineStr = src
        .substring(lc.lineStarts[line - 1], lc.lineStarts[line])
        .replace(/[\n\r]+$/, '');
    // Trim to max 80 chars, keeping col position near the middle
    if (ci >= 60 && lineStr.length > 80) {
        const trimStart = Math.min(ci - 39, lineStr.length - 79);
        lineStr = '…' + lineStr.substring(trimStart);
        ci -= trimStart - 1;
    }
    if (lineStr.length > 80)
        lineStr = lineStr.substring(0, 79) + '…';
    // Include previous line in context if pointing at line start
    if (line > 1 && /^ *$/.test(lineStr.substring(0, ci))) {
        // Regexp won't match if start is trimmed
        let prev = src.substring(lc.lineStarts[line - 2], lc.lineStarts[line - 1]);
        if (prev.length > 80)
            prev = prev.substring(0, 79) + '…\n';
        lineStr = prev + lineStr;
    }
    if (/[^ ]/.test(lineStr)) {
        let count = 1;
        const end = error.linePos[1];
        if (end?.line === line && end.col > col) {
            count = Math.max(1, Math.min(end.col - col, 80 - ci));
        }
        const pointer = ' '.repeat(ci) + '^'.repeat(count);
        error.message += `:\n\n${lineStr}\n${pointer}\n`;
    }
};

exports.YAMLError = YAMLError;
exports.YAMLParseError = YAMLParseError;
exports.YAMLWarning = YAMLWarning;
exports.prettifyError = prettifyError;


/***/ }),

/***/ 8815:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var Schema = __nccwpck_require__(5840);
var errors = __nccwpck_require__(1464);
var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);
var publicApi = __nccwpck_require__(4047);
var visit = __nccwpck_require__(204);



exports.Composer = composer.Composer;
exports.Document = Document.Document;
exports.Schema = Schema.Schema;
exports.YAMLError = errors.YAMLError;
exports.YAMLParseError = errors.YAMLParseError;
exports.YAMLWarning = errors.YAMLWarning;
exports.Alias = Alias.Alias;
exports.isAlias = identity.isAlias;
exports.isCollection = identity.isCollection;
exports.isDocument = identity.isDocument;
exports.isMap = identity.isMap;
exports.isNode = identity.isNode;
exports.isPair = identity.isPair;
exports.isScalar = identity.isScalar;
exports.isSeq = identity.isSeq;
exports.Pair = Pair.Pair;
exports.Scalar = Scalar.Scalar;
exports.YAMLMap = YAMLMap.YAMLMap;
exports.YAMLSeq = YAMLSeq.YAMLSeq;
exports.CST = cst;
exports.Lexer = lexer.Lexer;
exports.LineCounter = lineCounter.LineCounter;
exports.Parser = parser.Parser;
exports.parse = publicApi.parse;
exports.parseAllDocuments = publicApi.parseAllDocuments;
exports.parseDocument = publicApi.parseDocument;
exports.stringify = publicApi.stringify;
exports.visit = visit.visit;
exports.visitAsync = visit.visitAsync;


/***/ }),

/***/ 7249:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);

function debug(logLevel, ...messages) {
    if (logLevel === 'debug')
        console.log(...messages);
}
function warn(logLevel, warning) {
    if (logLevel === 'debug' || logLevel === 'warn') {
        if (typeof node_process.emitWarning === 'function')
            node_process.emitWarning(warning);
        else
            console.warn(warning);
    }
}

exports.debug = debug;
exports.warn = warn;


/***/ }),

/***/ 4065:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var visit = __nccwpck_require__(204);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

class Alias extends Node.NodeBase {
    constructor(source) {
        super(identity.ALIAS);
        this.source = source;
        Object.defineProperty(this, 'tag', {
            set() {
                throw new Error('Alias nodes cannot have tags');
            }
        });
    }
    /**
     * Resolve the value of this alias within `doc`, finding the last
     * instance of the `source` anchor before this node.
     */
    resolve(doc, ctx) {
        if (ctx?.maxAliasCount === 0)
            throw new ReferenceError('Alias resolution is disabled');
        let nodes;
        if (ctx?.aliasResolveCache) {
            nodes = ctx.aliasResolveCache;
        }
        else {
            nodes = [];
            visit.visit(doc, {
                Node: (_key, node) => {
                    if (identity.isAlias(node) || identity.hasAnchor(node))
                        nodes.push(node);
                }
            });
            if (ctx)
                ctx.aliasResolveCache = nodes;
        }
        let found = undefined;
        for (const node of nodes) {
            if (node === this)
                break;
            if (node.anchor === this.source)
                found = node;
        }
        if (found && ctx) {
            const { anchors, doc, maxAliasCount } = ctx;
            let data = anchors.get(found);
            if (!data) {
                // Resolve anchors for Node.prototype.toJS()
                toJS.toJS(found, null, ctx);
                data = anchors.get(found);
            }
            /* istanbul ignore if */
            if (data?.res === undefined) {
                const msg = 'This should not happen: Alias anchor was not resolved?';
                throw new ReferenceError(msg);
            }
            if (maxAliasCount >= 0) {
                data.count += 1;
                if (data.aliasCount === 0)
                    data.aliasCount = getAliasCount(doc, found, anchors);
                if (data.count * data.aliasCount > maxAliasCount) {
                    const msg = 'Excessive alias count indicates a resource exhaustion attack';
                    throw new ReferenceError(msg);
                }
            }
        }
        return found;
    }
    toJSON(_arg, ctx) {
        if (!ctx)
            return { source: this.source };
        const source = this.resolve(ctx.doc, ctx);
        if (!source) {
            const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
            throw new ReferenceError(msg);
        }
        return ctx.anchors.get(source).res;
    }
    toString(ctx, _onComment, _onChompKeep) {
        const src = `*${this.source}`;
        if (ctx) {
            anchors.anchorIsValid(this.source);
            if (ctx.options.verifyAliasOrder && !ctx.anchors.has(this.source)) {
                const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
                throw new Error(msg);
            }
            if (ctx.implicitKey)
                return `${src} `;
        }
        return src;
    }
}
function getAliasCount(doc, node, anchors) {
    if (identity.isAlias(node)) {
        const source = node.resolve(doc);
        const anchor = anchors && source && anchors.get(source);
        return anchor ? anchor.count * anchor.aliasCount : 0;
    }
    else if (identity.isCollection(node)) {
        let count = 0;
        for (const item of node.items) {
            const c = getAliasCount(doc, item, anchors);
            if (c > count)
                count = c;
        }
        return count;
    }
    else if (identity.isPair(node)) {
        const kc = getAliasCount(doc, node.key, anchors);
        const vc = getAliasCount(doc, node.value, anchors);
        return Math.max(kc, vc);
    }
    return 1;
}

exports.Alias = Alias;


/***/ }),

/***/ 101:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);

function collectionFromPath(schema, path, value) {
    let v = value;
    for (let i = path.length - 1; i >= 0; --i) {
        const k = path[i];
        if (typeof k === 'number' && Number.isInteger(k) && k >= 0) {
            const a = [];
            a[k] = v;
            v = a;
        }
        else {
            v = new Map([[k, v]]);
        }
    }
    return createNode.createNode(v, undefined, {
        aliasDuplicateObjects: false,
        keepUndefined: false,
        onAnchor: () => {
            throw new Error('This should not happen, please report a bug.');
        },
        schema,
        sourceObjects: new Map()
    });
}
// Type guard is intentionally a little wrong so as to be more useful,
// as it does not cover untypable empty non-string iterables (e.g. []).
const isEmptyPath = (path) => path == null ||
    (typeof path === 'object' && !!path[Symbol.iterator]().next().done);
class Collection extends Node.NodeBase {
    constructor(type, schema) {
        super(type);
        Object.defineProperty(this, 'schema', {
            value: schema,
            configurable: true,
            enumerable: false,
            writable: true
        });
    }
    /**
     * Create a copy of this collection.
     *
     * @param schema - If defined, overwrites the original's schema
     */
    clone(schema) {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (schema)
            copy.schema = schema;
        copy.items = copy.items.map(it => identity.isNode(it) || identity.isPair(it) ? it.clone(schema) : it);
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /**
     * Adds a value to the collection. For `!!map` and `!!omap` the value must
     * be a Pair instance or a `{ key, value }` object, which may not have a key
     * that already exists in the map.
     */
    addIn(path, value) {
        if (isEmptyPath(path))
            this.add(value);
        else {
            const [key, ...rest] = path;
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.addIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
    /**
     * Removes a value from the collection.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.delete(key);
        const node = this.get(key, true);
        if (identity.isCollection(node))
            return node.deleteIn(rest);
        else
            throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        const [key, ...rest] = path;
        const node = this.get(key, true);
        if (rest.length === 0)
            return !keepScalar && identity.isScalar(node) ? node.value : node;
        else
            return identity.isCollection(node) ? node.getIn(rest, keepScalar) : undefined;
    }
    hasAllNullValues(allowScalar) {
        return this.items.every(node => {
            if (!identity.isPair(node))
                return false;
            const n = node.value;
            return (n == null ||
                (allowScalar &&
                    identity.isScalar(n) &&
                    n.value == null &&
                    !n.commentBefore &&
                    !n.comment &&
                    !n.tag));
        });
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     */
    hasIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.has(key);
        const node = this.get(key, true);
        return identity.isCollection(node) ? node.hasIn(rest) : false;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        const [key, ...rest] = path;
        if (rest.length === 0) {
            this.set(key, value);
        }
        else {
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.setIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
}

exports.Collection = Collection;
exports.collectionFromPath = collectionFromPath;
exports.isEmptyPath = isEmptyPath;


/***/ }),

/***/ 6673:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var applyReviver = __nccwpck_require__(3661);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

class NodeBase {
    constructor(type) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: type });
    }
    /** Create a copy of this node.  */
    clone() {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** A plain JavaScript representation of this node. */
    toJS(doc, { mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        if (!identity.isDocument(doc))
            throw new TypeError('A document argument is required');
        const ctx = {
            anchors: new Map(),
            doc,
            keep: true,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this, '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
}

exports.NodeBase = NodeBase;


/***/ }),

/***/ 7165:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyPair = __nccwpck_require__(9748);
var addPairToJSMap = __nccwpck_require__(7104);
var identity = __nccwpck_require__(1127);

function createPair(key, value, ctx) {
    const k = createNode.createNode(key, undefined, ctx);
    const v = createNode.createNode(value, undefined, ctx);
    return new Pair(k, v);
}
class Pair {
    constructor(key, value = null) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.PAIR });
        this.key = key;
        this.value = value;
    }
    clone(schema) {
        let { key, value } = this;
        if (identity.isNode(key))
            key = key.clone(schema);
        if (identity.isNode(value))
            value = value.clone(schema);
        return new Pair(key, value);
    }
    toJSON(_, ctx) {
        const pair = ctx?.mapAsMap ? new Map() : {};
        return addPairToJSMap.addPairToJSMap(ctx, pair, this);
    }
    toString(ctx, onComment, onChompKeep) {
        return ctx?.doc
            ? stringifyPair.stringifyPair(this, ctx, onComment, onChompKeep)
            : JSON.stringify(this);
    }
}

exports.Pair = Pair;
exports.createPair = createPair;


/***/ }),

/***/ 3301:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

const isScalarValue = (value) => !value || (typeof value !== 'function' && typeof value !== 'object');
class Scalar extends Node.NodeBase {
    constructor(value) {
        super(identity.SCALAR);
        this.value = value;
    }
    toJSON(arg, ctx) {
        return ctx?.keep ? this.value : toJS.toJS(this.value, arg, ctx);
    }
    toString() {
        return String(this.value);
    }
}
Scalar.BLOCK_FOLDED = 'BLOCK_FOLDED';
Scalar.BLOCK_LITERAL = 'BLOCK_LITERAL';
Scalar.PLAIN = 'PLAIN';
Scalar.QUOTE_DOUBLE = 'QUOTE_DOUBLE';
Scalar.QUOTE_SINGLE = 'QUOTE_SINGLE';

exports.Scalar = Scalar;
exports.isScalarValue = isScalarValue;


/***/ }),

/***/ 4454:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyCollection = __nccwpck_require__(1212);
var addPairToJSMap = __nccwpck_require__(7104);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);

function findPair(items, key) {
    const k = identity.isScalar(key) ? key.value : key;
    for (const it of items) {
        if (identity.isPair(it)) {
            if (it.key === key || it.key === k)
                return it;
            if (identity.isScalar(it.key) && it.key.value === k)
                return it;
        }
    }
    return undefined;
}
class YAMLMap extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:map';
    }
    constructor(schema) {
        super(identity.MAP, schema);
        this.items = [];
    }
    /**
     * A generic collection parsing method that can be extended
     * to other node classes that inherit from YAMLMap
     */
    static from(schema, obj, ctx) {
        const { keepUndefined, replacer } = ctx;
        const map = new this(schema);
        const add = (key, value) => {
            if (typeof replacer === 'function')
                value = replacer.call(obj, key, value);
            else if (Array.isArray(replacer) && !replacer.includes(key))
                return;
            if (value !== undefined || keepUndefined)
                map.items.push(Pair.createPair(key, value, ctx));
        };
        if (obj instanceof Map) {
            for (const [key, value] of obj)
                add(key, value);
        }
        else if (obj && typeof obj === 'object') {
            for (const key of Object.keys(obj))
                add(key, obj[key]);
        }
        if (typeof schema.sortMapEntries === 'function') {
            map.items.sort(schema.sortMapEntries);
        }
        return map;
    }
    /**
     * Adds a value to the collection.
     *
     * @param overwrite - If not set `true`, using a key that is already in the
     *   collection will throw. Otherwise, overwrites the previous value.
     */
    add(pair, overwrite) {
        let _pair;
        if (identity.isPair(pair))
            _pair = pair;
        else if (!pair || typeof pair !== 'object' || !('key' in pair)) {
            // In TypeScript, this never happens.
            _pair = new Pair.Pair(pair, pair?.value);
        }
        else
            _pair = new Pair.Pair(pair.key, pair.value);
        const prev = findPair(this.items, _pair.key);
        const sortEntries = this.schema?.sortMapEntries;
        if (prev) {
            if (!overwrite)
                throw new Error(`Key ${_pair.key} already set`);
            // For scalars, keep the old node & its comments and anchors
            if (identity.isScalar(prev.value) && Scalar.isScalarValue(_pair.value))
                prev.value.value = _pair.value;
            else
                prev.value = _pair.value;
        }
        else if (sortEntries) {
            const i = this.items.findIndex(item => sortEntries(_pair, item) < 0);
            if (i === -1)
                this.items.push(_pair);
            else
                this.items.splice(i, 0, _pair);
        }
        else {
            this.items.push(_pair);
        }
    }
    delete(key) {
        const it = findPair(this.items, key);
        if (!it)
            return false;
        const del = this.items.splice(this.items.indexOf(it), 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const it = findPair(this.items, key);
        const node = it?.value;
        return (!keepScalar && identity.isScalar(node) ? node.value : node) ?? undefined;
    }
    has(key) {
        return !!findPair(this.items, key);
    }
    set(key, value) {
        this.add(new Pair.Pair(key, value), true);
    }
    /**
     * @param ctx - Conversion context, originally set in Document#toJS()
     * @param {Class} Type - If set, forces the returned collection type
     * @returns Instance of Type, Map, or Object
     */
    toJSON(_, ctx, Type) {
        const map = Type ? new Type() : ctx?.mapAsMap ? new Map() : {};
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const item of this.items)
            addPairToJSMap.addPairToJSMap(ctx, map, item);
        return map;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        for (const item of this.items) {
            if (!identity.isPair(item))
                throw new Error(`Map items must all be pairs; found ${JSON.stringify(item)} instead`);
        }
        if (!ctx.allNullValues && this.hasAllNullValues(false))
            ctx = Object.assign({}, ctx, { allNullValues: true });
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '',
            flowChars: { start: '{', end: '}' },
            itemIndent: ctx.indent || '',
            onChompKeep,
            onComment
        });
    }
}

exports.YAMLMap = YAMLMap;
exports.findPair = findPair;


/***/ }),

/***/ 2223:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyCollection = __nccwpck_require__(1212);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var toJS = __nccwpck_require__(4043);

class YAMLSeq extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:seq';
    }
    constructor(schema) {
        super(identity.SEQ, schema);
        this.items = [];
    }
    add(value) {
        this.items.push(value);
    }
    /**
     * Removes a value from the collection.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     *
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return false;
        const del = this.items.splice(idx, 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return undefined;
        const it = this.items[idx];
        return !keepScalar && identity.isScalar(it) ? it.value : it;
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     */
    has(key) {
        const idx = asItemIndex(key);
        return typeof idx === 'number' && idx < this.items.length;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     *
     * If `key` does not contain a representation of an integer, this will throw.
     * It may be wrapped in a `Scalar`.
     */
    set(key, value) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            throw new Error(`Expected a valid index, not ${key}.`);
        const prev = this.items[idx];
        if (identity.isScalar(prev) && Scalar.isScalarValue(value))
            prev.value = value;
        else
            this.items[idx] = value;
    }
    toJSON(_, ctx) {
        const seq = [];
        if (ctx?.onCreate)
            ctx.onCreate(seq);
        let i = 0;
        for (const item of this.items)
            seq.push(toJS.toJS(item, String(i++), ctx));
        return seq;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '- ',
            flowChars: { start: '[', end: ']' },
            itemIndent: (ctx.indent || '') + '  ',
            onChompKeep,
            onComment
        });
    }
    static from(schema, obj, ctx) {
        const { replacer } = ctx;
        const seq = new this(schema);
        if (obj && Symbol.iterator in Object(obj)) {
            let i = 0;
            for (let it of obj) {
                if (typeof replacer === 'function') {
                    const key = obj instanceof Set ? it : String(i++);
                    it = replacer.call(obj, key, it);
                }
                seq.items.push(createNode.createNode(it, undefined, ctx));
            }
        }
        return seq;
    }
}
function asItemIndex(key) {
    let idx = identity.isScalar(key) ? key.value : key;
    if (idx && typeof idx === 'string')
        idx = Number(idx);
    return typeof idx === 'number' && Number.isInteger(idx) && idx >= 0
        ? idx
        : null;
}

exports.YAMLSeq = YAMLSeq;


/***/ }),

/***/ 7104:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var log = __nccwpck_require__(7249);
var merge = __nccwpck_require__(452);
var stringify = __nccwpck_require__(2148);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

function addPairToJSMap(ctx, map, { key, value }) {
    if (identity.isNode(key) && key.addToJSMap)
        key.addToJSMap(ctx, map, value);
    // TODO: Should drop this special case for bare << handling
    else if (merge.isMergeKey(ctx, key))
        merge.addMergeToJSMap(ctx, map, value);
    else {
        const jsKey = toJS.toJS(key, '', ctx);
        if (map instanceof Map) {
            map.set(jsKey, toJS.toJS(value, jsKey, ctx));
        }
        else if (map instanceof Set) {
            map.add(jsKey);
        }
        else {
            const stringKey = stringifyKey(key, jsKey, ctx);
            const jsValue = toJS.toJS(value, stringKey, ctx);
            if (stringKey in map)
                Object.defineProperty(map, stringKey, {
                    value: jsValue,
                    writable: true,
                    enumerable: true,
                    configurable: true
                });
            else
                map[stringKey] = jsValue;
        }
    }
    return map;
}
function stringifyKey(key, jsKey, ctx) {
    if (jsKey === null)
        return '';
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    if (typeof jsKey !== 'object')
        return String(jsKey);
    if (identity.isNode(key) && ctx?.doc) {
        const strCtx = stringify.createStringifyContext(ctx.doc, {});
        strCtx.anchors = new Set();
        for (const node of ctx.anchors.keys())
            strCtx.anchors.add(node.anchor);
        strCtx.inFlow = true;
        strCtx.inStringifyKey = true;
        const strKey = key.toString(strCtx);
        if (!ctx.mapKeyWarned) {
            let jsonStr = JSON.stringify(strKey);
            if (jsonStr.length > 40)
                jsonStr = jsonStr.substring(0, 36) + '..."';
            log.warn(ctx.doc.options.logLevel, `Keys with collection values will be stringified due to JS Object restrictions: ${jsonStr}. Set mapAsMap: true to use object keys.`);
            ctx.mapKeyWarned = true;
        }
        return strKey;
    }
    return JSON.stringify(jsKey);
}

exports.addPairToJSMap = addPairToJSMap;


/***/ }),

/***/ 1127:
/***/ ((__unused_webpack_module, exports) => {



const ALIAS = Symbol.for('yaml.alias');
const DOC = Symbol.for('yaml.document');
const MAP = Symbol.for('yaml.map');
const PAIR = Symbol.for('yaml.pair');
const SCALAR = Symbol.for('yaml.scalar');
const SEQ = Symbol.for('yaml.seq');
const NODE_TYPE = Symbol.for('yaml.node.type');
const isAlias = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === ALIAS;
const isDocument = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === DOC;
const isMap = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === MAP;
const isPair = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === PAIR;
const isScalar = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SCALAR;
const isSeq = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SEQ;
function isCollection(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case MAP:
            case SEQ:
                return true;
        }
    return false;
}
function isNode(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case ALIAS:
            case MAP:
            case SCALAR:
            case SEQ:
                return true;
        }
    return false;
}
const hasAnchor = (node) => (isScalar(node) || isCollection(node)) && !!node.anchor;

exports.ALIAS = ALIAS;
exports.DOC = DOC;
exports.MAP = MAP;
exports.NODE_TYPE = NODE_TYPE;
exports.PAIR = PAIR;
exports.SCALAR = SCALAR;
exports.SEQ = SEQ;
exports.hasAnchor = hasAnchor;
exports.isAlias = isAlias;
exports.isCollection = isCollection;
exports.isDocument = isDocument;
exports.isMap = isMap;
exports.isNode = isNode;
exports.isPair = isPair;
exports.isScalar = isScalar;
exports.isSeq = isSeq;


/***/ }),

/***/ 4043:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

/**
 * Recursively convert any node or its contents to native JavaScript
 *
 * @param value - The input value
 * @param arg - If `value` defines a `toJSON()` method, use this
 *   as its first argument
 * @param ctx - Conversion context, originally set in Document#toJS(). If
 *   `{ keep: true }` is not set, output should be suitable for JSON
 *   stringification.
 */
function toJS(value, arg, ctx) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    if (Array.isArray(value))
        return value.map((v, i) => toJS(v, String(i), ctx));
    if (value && typeof value.toJSON === 'function') {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-call
        if (!ctx || !identity.hasAnchor(value))
            return value.toJSON(arg, ctx);
        const data = { aliasCount: 0, count: 1, res: undefined };
        ctx.anchors.set(value, data);
        ctx.onCreate = res => {
            data.res = res;
            delete ctx.onCreate;
        };
        const res = value.toJSON(arg, ctx);
        if (ctx.onCreate)
            ctx.onCreate(res);
        return res;
    }
    if (typeof value === 'bigint' && !ctx?.keep)
        return Number(value);
    return value;
}

exports.toJS = toJS;


/***/ }),

/***/ 110:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);
var errors = __nccwpck_require__(1464);
var stringifyString = __nccwpck_require__(3069);

function resolveAsScalar(token, strict = true, onError) {
    if (token) {
        const _onError = (pos, code, message) => {
            const offset = typeof pos === 'number' ? pos : Array.isArray(pos) ? pos[0] : pos.offset;
            if (onError)
                onError(offset, code, message);
            else
                throw new errors.YAMLParseError([offset, offset + 1], code, message);
        };
        switch (token.type) {
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return resolveFlowScalar.resolveFlowScalar(token, strict, _onError);
            case 'block-scalar':
                return resolveBlockScalar.resolveBlockScalar({ options: { strict } }, token, _onError);
        }
    }
    return null;
}
/**
 * Create a new scalar token with `value`
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.end Comments and whitespace after the end of the value, or after the block scalar header. If undefined, a newline will be added.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.indent The indent level of the token.
 * @param context.inFlow Is this scalar within a flow collection? This may affect the resolved type of the token's value.
 * @param context.offset The offset position of the token.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function createScalarToken(value, context) {
    const { implicitKey = false, indent, inFlow = false, offset = -1, type = 'PLAIN' } = context;
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey,
        indent: indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    const end = context.end ?? [
        { type: 'newline', offset: -1, indent, source: '\n' }
    ];
    switch (source[0]) {
        case '|':
        case '>': {
            const he = source.indexOf('\n');
            const head = source.substring(0, he);
            const body = source.substring(he + 1) + '\n';
            const props = [
                { type: 'block-scalar-header', offset, indent, source: head }
            ];
            if (!addEndtoBlockProps(props, end))
                props.push({ type: 'newline', offset: -1, indent, source: '\n' });
            return { type: 'block-scalar', offset, indent, props, source: body };
        }
        case '"':
            return { type: 'double-quoted-scalar', offset, indent, source, end };
        case "'":
            return { type: 'single-quoted-scalar', offset, indent, source, end };
        default:
            return { type: 'scalar', offset, indent, source, end };
    }
}
/**
 * Set the value of `token` to the given string `value`, overwriting any previous contents and type that it may have.
 *
 * Best efforts are made to retain any comments previously associated with the `token`,
 * though all contents within a collection's `items` will be overwritten.
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param token Any token. If it does not include an `indent` value, the value will be stringified as if it were an implicit key.
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.afterKey In most cases, values after a key should have an additional level of indentation.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.inFlow Being within a flow collection may affect the resolved type of the token's value.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function setScalarValue(token, value, context = {}) {
    let { afterKey = false, implicitKey = false, inFlow = false, type } = context;
    let indent = 'indent' in token ? token.indent : null;
    if (afterKey && typeof indent === 'number')
        indent += 2;
    if (!type)
        switch (token.type) {
            case 'single-quoted-scalar':
                type = 'QUOTE_SINGLE';
                break;
            case 'double-quoted-scalar':
                type = 'QUOTE_DOUBLE';
                break;
            case 'block-scalar': {
                const header = token.props[0];
                if (header.type !== 'block-scalar-header')
                    throw new Error('Invalid block scalar header');
                type = header.source[0] === '>' ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL';
                break;
            }
            default:
                type = 'PLAIN';
        }
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey: implicitKey || indent === null,
        indent: indent !== null && indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    switch (source[0]) {
        case '|':
        case '>':
            setBlockScalarValue(token, source);
            break;
        case '"':
            setFlowScalarValue(token, source, 'double-quoted-scalar');
            break;
        case "'":
            setFlowScalarValue(token, source, 'single-quoted-scalar');
            break;
        default:
            setFlowScalarValue(token, source, 'scalar');
    }
}
function setBlockScalarValue(token, source) {
    const he = source.indexOf('\n');
    const head = source.substring(0, he);
    const body = source.substring(he + 1) + '\n';
    if (token.type === 'block-scalar') {
        const header = token.props[0];
        if (header.type !== 'block-scalar-header')
            throw new Error('Invalid block scalar header');
        header.source = head;
        token.source = body;
    }
    else {
        const { offset } = token;
        const indent = 'indent' in token ? token.indent : -1;
        const props = [
            { type: 'block-scalar-header', offset, indent, source: head }
        ];
        if (!addEndtoBlockProps(props, 'end' in token ? token.end : undefined))
            props.push({ type: 'newline', offset: -1, indent, source: '\n' });
        for (const key of Object.keys(token))
            if (key !== 'type' && key !== 'offset')
                delete token[key];
        Object.assign(token, { type: 'block-scalar', indent, props, source: body });
    }
}
/** @returns `true` if last token is a newline */
function addEndtoBlockProps(props, end) {
    if (end)
        for (const st of end)
            switch (st.type) {
                case 'space':
                case 'comment':
                    props.push(st);
                    break;
                case 'newline':
                    props.push(st);
                    return true;
            }
    return false;
}
function setFlowScalarValue(token, source, type) {
    switch (token.type) {
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            token.type = type;
            token.source = source;
            break;
        case 'block-scalar': {
            const end = token.props.slice(1);
            let oa = source.length;
            if (token.props[0].type === 'block-scalar-header')
                oa -= token.props[0].source.length;
            for (const tok of end)
                tok.offset += oa;
            delete token.props;
            Object.assign(token, { type, source, end });
            break;
        }
        case 'block-map':
        case 'block-seq': {
            const offset = token.offset + source.length;
            const nl = { type: 'newline', offset, indent: token.indent, source: '\n' };
            delete token.items;
            Object.assign(token, { type, source, end: [nl] });
            break;
        }
        default: {
            const indent = 'indent' in token ? token.indent : -1;
            const end = 'end' in token && Array.isArray(token.end)
                ? token.end.filter(st => st.type === 'space' ||
                    st.type === 'comment' ||
                    st.type === 'newline')
                : [];
            for (const key of Object.keys(token))
                if (key !== 'type' && key !== 'offset')
                    delete token[key];
            Object.assign(token, { type, indent, source, end });
        }
    }
}

exports.createScalarToken = createScalarToken;
exports.resolveAsScalar = resolveAsScalar;
exports.setScalarValue = setScalarValue;


/***/ }),

/***/ 1733:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringify a CST document, token, or collection item
 *
 * Fair warning: This applies no validation whatsoever, and
 * simply concatenates the sources in their logical order.
 */
const stringify = (cst) => 'type' in cst ? stringifyToken(cst) : stringifyItem(cst);
function stringifyToken(token) {
    switch (token.type) {
        case 'block-scalar': {
            let res = '';
            for (const tok of token.props)
                res += stringifyToken(tok);
            return res + token.source;
        }
        case 'block-map':
        case 'block-seq': {
            let res = '';
            for (const item of token.items)
                res += stringifyItem(item);
            return res;
        }
        case 'flow-collection': {
            let res = token.start.source;
            for (const item of token.items)
                res += stringifyItem(item);
            for (const st of token.end)
                res += st.source;
            return res;
        }
        case 'document': {
            let res = stringifyItem(token);
            if (token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
        default: {
            let res = token.source;
            if ('end' in token && token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
    }
}
function stringifyItem({ start, key, sep, value }) {
    let res = '';
    for (const st of start)
        res += st.source;
    if (key)
        res += stringifyToken(key);
    if (sep)
        for (const st of sep)
            res += st.source;
    if (value)
        res += stringifyToken(value);
    return res;
}

exports.stringify = stringify;


/***/ }),

/***/ 7715:
/***/ ((__unused_webpack_module, exports) => {



const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove item');
/**
 * Apply a visitor to a CST document or item.
 *
 * Walks through the tree (depth-first) starting from the root, calling a
 * `visitor` function with two arguments when entering each item:
 *   - `item`: The current item, which included the following members:
 *     - `start: SourceToken[]` – Source tokens before the key or value,
 *       possibly including its anchor or tag.
 *     - `key?: Token | null` – Set for pair values. May then be `null`, if
 *       the key before the `:` separator is empty.
 *     - `sep?: SourceToken[]` – Source tokens between the key and the value,
 *       which should include the `:` map value indicator if `value` is set.
 *     - `value?: Token` – The value of a sequence item, or of a map pair.
 *   - `path`: The steps from the root to the current node, as an array of
 *     `['key' | 'value', number]` tuples.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this token, continue with
 *      next sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current item, then continue with the next one
 *   - `number`: Set the index of the next step. This is useful especially if
 *     the index of the current token has changed.
 *   - `function`: Define the next visitor for this item. After the original
 *     visitor is called on item entry, next visitors are called after handling
 *     a non-empty `key` and when exiting the item.
 */
function visit(cst, visitor) {
    if ('type' in cst && cst.type === 'document')
        cst = { start: cst.start, value: cst.value };
    _visit(Object.freeze([]), cst, visitor);
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current item */
visit.SKIP = SKIP;
/** Remove the current item */
visit.REMOVE = REMOVE;
/** Find the item at `path` from `cst` as the root */
visit.itemAtPath = (cst, path) => {
    let item = cst;
    for (const [field, index] of path) {
        const tok = item?.[field];
        if (tok && 'items' in tok) {
            item = tok.items[index];
        }
        else
            return undefined;
    }
    return item;
};
/**
 * Get the immediate parent collection of the item at `path` from `cst` as the root.
 *
 * Throws an error if the collection is not found, which should never happen if the item itself exists.
 */
visit.parentCollection = (cst, path) => {
    const parent = visit.itemAtPath(cst, path.slice(0, -1));
    const field = path[path.length - 1][0];
    const coll = parent?.[field];
    if (coll && 'items' in coll)
        return coll;
    throw new Error('Parent collection not found');
};
function _visit(path, item, visitor) {
    let ctrl = visitor(item, path);
    if (typeof ctrl === 'symbol')
        return ctrl;
    for (const field of ['key', 'value']) {
        const token = item[field];
        if (token && 'items' in token) {
            for (let i = 0; i < token.items.length; ++i) {
                const ci = _visit(Object.freeze(path.concat([[field, i]])), token.items[i], visitor);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    token.items.splice(i, 1);
                    i -= 1;
                }
            }
            if (typeof ctrl === 'function' && field === 'key')
                ctrl = ctrl(item, path);
        }
    }
    return typeof ctrl === 'function' ? ctrl(item, path) : ctrl;
}

exports.visit = visit;


/***/ }),

/***/ 3461:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cstScalar = __nccwpck_require__(110);
var cstStringify = __nccwpck_require__(1733);
var cstVisit = __nccwpck_require__(7715);

/** The byte order mark */
const BOM = '\u{FEFF}';
/** Start of doc-mode */
const DOCUMENT = '\x02'; // C0: Start of Text
/** Unexpected end of flow-mode */
const FLOW_END = '\x18'; // C0: Cancel
/** Next token is a scalar value */
const SCALAR = '\x1f'; // C0: Unit Separator
/** @returns `true` if `token` is a flow or block collection */
const isCollection = (token) => !!token && 'items' in token;
/** @returns `true` if `token` is a flow or block scalar; not an alias */
const isScalar = (token) => !!token &&
    (token.type === 'scalar' ||
        token.type === 'single-quoted-scalar' ||
        token.type === 'double-quoted-scalar' ||
        token.type === 'block-scalar');
/* istanbul ignore next */
/** Get a printable representation of a lexer token */
function prettyToken(token) {
    switch (token) {
        case BOM:
            return '<BOM>';
        case DOCUMENT:
            return '<DOC>';
        case FLOW_END:
            return '<FLOW_END>';
        case SCALAR:
            return '<SCALAR>';
        default:
            return JSON.stringify(token);
    }
}
/** Identify the type of a lexer token. May return `null` for unknown tokens. */
function tokenType(source) {
    switch (source) {
        case BOM:
            return 'byte-order-mark';
        case DOCUMENT:
            return 'doc-mode';
        case FLOW_END:
            return 'flow-error-end';
        case SCALAR:
            return 'scalar';
        case '---':
            return 'doc-start';
        case '...':
            return 'doc-end';
        case '':
        case '\n':
        case '\r\n':
            return 'newline';
        case '-':
            return 'seq-item-ind';
        case '?':
            return 'explicit-key-ind';
        case ':':
            return 'map-value-ind';
        case '{':
            return 'flow-map-start';
        case '}':
            return 'flow-map-end';
        case '[':
            return 'flow-seq-start';
        case ']':
            return 'flow-seq-end';
        case ',':
            return 'comma';
    }
    switch (source[0]) {
        case ' ':
        case '\t':
            return 'space';
        case '#':
            return 'comment';
        case '%':
            return 'directive-line';
        case '*':
            return 'alias';
        case '&':
            return 'anchor';
        case '!':
            return 'tag';
        case "'":
            return 'single-quoted-scalar';
        case '"':
            return 'double-quoted-scalar';
        case '|':
        case '>':
            return 'block-scalar-header';
    }
    return null;
}

exports.createScalarToken = cstScalar.createScalarToken;
exports.resolveAsScalar = cstScalar.resolveAsScalar;
exports.setScalarValue = cstScalar.setScalarValue;
exports.stringify = cstStringify.stringify;
exports.visit = cstVisit.visit;
exports.BOM = BOM;
exports.DOCUMENT = DOCUMENT;
exports.FLOW_END = FLOW_END;
exports.SCALAR = SCALAR;
exports.isCollection = isCollection;
exports.isScalar = isScalar;
exports.prettyToken = prettyToken;
exports.tokenType = tokenType;


/***/ }),

/***/ 361:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cst = __nccwpck_require__(3461);

/*
START -> stream

stream
  directive -> line-end -> stream
  indent + line-end -> stream
  [else] -> line-start

line-end
  comment -> line-end
  newline -> .
  input-end -> END

line-start
  doc-start -> doc
  doc-end -> stream
  [else] -> indent -> block-start

block-start
  seq-item-start -> block-start
  explicit-key-start -> block-start
  map-value-start -> block-start
  [else] -> doc

doc
  line-end -> line-start
  spaces -> doc
  anchor -> doc
  tag -> doc
  flow-start -> flow -> doc
  flow-end -> error -> doc
  seq-item-start -> error -> doc
  explicit-key-start -> error -> doc
  map-value-start -> doc
  alias -> doc
  quote-start -> quoted-scalar -> doc
  block-scalar-header -> line-end -> block-scalar(min) -> line-start
  [else] -> plain-scalar(false, min) -> doc

flow
  line-end -> flow
  spaces -> flow
  anchor -> flow
  tag -> flow
  flow-start -> flow -> flow
  flow-end -> .
  seq-item-start -> error -> flow
  explicit-key-start -> flow
  map-value-start -> flow
  alias -> flow
  quote-start -> quoted-scalar -> flow
  comma -> flow
  [else] -> plain-scalar(true, 0) -> flow

quoted-scalar
  quote-end -> .
  [else] -> quoted-scalar

block-scalar(min)
  newline + peek(indent < min) -> .
  [else] -> block-scalar(min)

plain-scalar(is-flow, min)
  scalar-end(is-flow) -> .
  peek(newline + (indent < min)) -> .
  [else] -> plain-scalar(min)
*/
function isEmpty(ch) {
    switch (ch) {
        case undefined:
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            return true;
        default:
            return false;
    }
}
const hexDigits = new Set('0123456789ABCDEFabcdef');
const tagChars = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");
const flowIndicatorChars = new Set(',[]{}');
const invalidAnchorChars = new Set(' ,[]{}\n\r\t');
const isNotAnchorChar = (ch) => !ch || invalidAnchorChars.has(ch);
/**
 * Splits an input string into lexical tokens, i.e. smaller strings that are
 * easily identifiable by `tokens.tokenType()`.
 *
 * Lexing starts always in a "stream" context. Incomplete input may be buffered
 * until a complete token can be emitted.
 *
 * In addition to slices of the original input, the following control characters
 * may also be emitted:
 *
 * - `\x02` (Start of Text): A document starts with the next token
 * - `\x18` (Cancel): Unexpected end of flow-mode (indicates an error)
 * - `\x1f` (Unit Separator): Next token is a scalar value
 * - `\u{FEFF}` (Byte order mark): Emitted separately outside documents
 */
class Lexer {
    constructor() {
        /**
         * Flag indicating whether the end of the current buffer marks the end of
         * all input
         */
        this.atEnd = false;
        /**
         * Explicit indent set in block scalar header, as an offset from the current
         * minimum indent, so e.g. set to 1 from a header `|2+`. Set to -1 if not
         * explicitly set.
         */
        this.blockScalarIndent = -1;
        /**
         * Block scalars that include a + (keep) chomping indicator in their header
         * include trailing empty lines, which are otherwise excluded from the
         * scalar's contents.
         */
        this.blockScalarKeep = false;
        /** Current input */
        this.buffer = '';
        /**
         * Flag noting whether the map value indicator : can immediately follow this
         * node within a flow context.
         */
        this.flowKey = false;
        /** Count of surrounding flow collection levels. */
        this.flowLevel = 0;
        /**
         * Minimum level of indentation required for next lines to be parsed as a
         * part of the current scalar value.
         */
        this.indentNext = 0;
        /** Indentation level of the current line. */
        this.indentValue = 0;
        /** Position of the next \n character. */
        this.lineEndPos = null;
        /** Stores the state of the lexer if reaching the end of incpomplete input */
        this.next = null;
        /** A pointer to `buffer`; the current position of the lexer. */
        this.pos = 0;
    }
    /**
     * Generate YAML tokens from the `source` string. If `incomplete`,
     * a part of the last line may be left as a buffer for the next call.
     *
     * @returns A generator of lexical tokens
     */
    *lex(source, incomplete = false) {
        if (source) {
            if (typeof source !== 'string')
                throw TypeError('source is not a string');
            this.buffer = this.buffer ? this.buffer + source : source;
            this.lineEndPos = null;
        }
        this.atEnd = !incomplete;
        let next = this.next ?? 'stream';
        while (next && (incomplete || this.hasChars(1)))
            next = yield* this.parseNext(next);
    }
    atLineEnd() {
        let i = this.pos;
        let ch = this.buffer[i];
        while (ch === ' ' || ch === '\t')
            ch = this.buffer[++i];
        if (!ch || ch === '#' || ch === '\n')
            return true;
        if (ch === '\r')
            return this.buffer[i + 1] === '\n';
        return false;
    }
    charAt(n) {
        return this.buffer[this.pos + n];
    }
    continueScalar(offset) {
        let ch = this.buffer[offset];
        if (this.indentNext > 0) {
            let indent = 0;
            while (ch === ' ')
                ch = this.buffer[++indent + offset];
            if (ch === '\r') {
                const next = this.buffer[indent + offset + 1];
                if (next === '\n' || (!next && !this.atEnd))
                    return offset + indent + 1;
            }
            return ch === '\n' || indent >= this.indentNext || (!ch && !this.atEnd)
                ? offset + indent
                : -1;
        }
        if (ch === '-' || ch === '.') {
            const dt = this.buffer.substr(offset, 3);
            if ((dt === '---' || dt === '...') && isEmpty(this.buffer[offset + 3]))
                return -1;
        }
        return offset;
    }
    getLine() {
        let end = this.lineEndPos;
        if (typeof end !== 'number' || (end !== -1 && end < this.pos)) {
            end = this.buffer.indexOf('\n', this.pos);
            this.lineEndPos = end;
        }
        if (end === -1)
            return this.atEnd ? this.buffer.substring(this.pos) : null;
        if (this.buffer[end - 1] === '\r')
            end -= 1;
        return this.buffer.substring(this.pos, end);
    }
    hasChars(n) {
        return this.pos + n <= this.buffer.length;
    }
    setNext(state) {
        this.buffer = this.buffer.substring(this.pos);
        this.pos = 0;
        this.lineEndPos = null;
        this.next = state;
        return null;
    }
    peek(n) {
        return this.buffer.substr(this.pos, n);
    }
    *parseNext(next) {
        switch (next) {
            case 'stream':
                return yield* this.parseStream();
            case 'line-start':
                return yield* this.parseLineStart();
            case 'block-start':
                return yield* this.parseBlockStart();
            case 'doc':
                return yield* this.parseDocument();
            case 'flow':
                return yield* this.parseFlowCollection();
            case 'quoted-scalar':
                return yield* this.parseQuotedScalar();
            case 'block-scalar':
                return yield* this.parseBlockScalar();
            case 'plain-scalar':
                return yield* this.parsePlainScalar();
        }
    }
    *parseStream() {
        let line = this.getLine();
        if (line === null)
            return this.setNext('stream');
        if (line[0] === cst.BOM) {
            yield* this.pushCount(1);
            line = line.substring(1);
        }
        if (line[0] === '%') {
            let dirEnd = line.length;
            let cs = line.indexOf('#');
            while (cs !== -1) {
                const ch = line[cs - 1];
                if (ch === ' ' || ch === '\t') {
                    dirEnd = cs - 1;
                    break;
                }
                else {
                    cs = line.indexOf('#', cs + 1);
                }
            }
            while (true) {
                const ch = line[dirEnd - 1];
                if (ch === ' ' || ch === '\t')
                    dirEnd -= 1;
                else
                    break;
            }
            const n = (yield* this.pushCount(dirEnd)) + (yield* this.pushSpaces(true));
            yield* this.pushCount(line.length - n); // possible comment
            this.pushNewline();
            return 'stream';
        }
        if (this.atLineEnd()) {
            const sp = yield* this.pushSpaces(true);
            yield* this.pushCount(line.length - sp);
            yield* this.pushNewline();
            return 'stream';
        }
        yield cst.DOCUMENT;
        return yield* this.parseLineStart();
    }
    *parseLineStart() {
        const ch = this.charAt(0);
        if (!ch && !this.atEnd)
            return this.setNext('line-start');
        if (ch === '-' || ch === '.') {
            if (!this.atEnd && !this.hasChars(4))
                return this.setNext('line-start');
            const s = this.peek(3);
            if ((s === '---' || s === '...') && isEmpty(this.charAt(3))) {
                yield* this.pushCount(3);
                this.indentValue = 0;
                this.indentNext = 0;
                return s === '---' ? 'doc' : 'stream';
            }
        }
        this.indentValue = yield* this.pushSpaces(false);
        if (this.indentNext > this.indentValue && !isEmpty(this.charAt(1)))
            this.indentNext = this.indentValue;
        return yield* this.parseBlockStart();
    }
    *parseBlockStart() {
        const [ch0, ch1] = this.peek(2);
        if (!ch1 && !this.atEnd)
            return this.setNext('block-start');
        if ((ch0 === '-' || ch0 === '?' || ch0 === ':') && isEmpty(ch1)) {
            const n = (yield* this.pushCount(1)) + (yield* this.pushSpaces(true));
            this.indentNext = this.indentValue + 1;
            this.indentValue += n;
            return 'block-start';
        }
        return 'doc';
    }
    *parseDocument() {
        yield* this.pushSpaces(true);
        const line = this.getLine();
        if (line === null)
            return this.setNext('doc');
        let n = yield* this.pushIndicators();
        switch (line[n]) {
            case '#':
                yield* this.pushCount(line.length - n);
            // fallthrough
            case undefined:
                yield* this.pushNewline();
                return yield* this.parseLineStart();
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel = 1;
                return 'flow';
            case '}':
            case ']':
                // this is an error
                yield* this.pushCount(1);
                return 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'doc';
            case '"':
            case "'":
                return yield* this.parseQuotedScalar();
            case '|':
            case '>':
                n += yield* this.parseBlockScalarHeader();
                n += yield* this.pushSpaces(true);
                yield* this.pushCount(line.length - n);
                yield* this.pushNewline();
                return yield* this.parseBlockScalar();
            default:
                return yield* this.parsePlainScalar();
        }
    }
    *parseFlowCollection() {
        let nl, sp;
        let indent = -1;
        do {
            nl = yield* this.pushNewline();
            if (nl > 0) {
                sp = yield* this.pushSpaces(false);
                this.indentValue = indent = sp;
            }
            else {
                sp = 0;
            }
            sp += yield* this.pushSpaces(true);
        } while (nl + sp > 0);
        const line = this.getLine();
        if (line === null)
            return this.setNext('flow');
        if ((indent !== -1 && indent < this.indentNext && line[0] !== '#') ||
            (indent === 0 &&
                (line.startsWith('---') || line.startsWith('...')) &&
                isEmpty(line[3]))) {
            // Allowing for the terminal ] or } at the same (rather than greater)
            // indent level as the initial [ or { is technically invalid, but
            // failing here would be surprising to users.
            const atFlowEndMarker = indent === this.indentNext - 1 &&
                this.flowLevel === 1 &&
                (line[0] === ']' || line[0] === '}');
            if (!atFlowEndMarker) {
                // this is an error
                this.flowLevel = 0;
                yield cst.FLOW_END;
                return yield* this.parseLineStart();
            }
        }
        let n = 0;
        while (line[n] === ',') {
            n += yield* this.pushCount(1);
            n += yield* this.pushSpaces(true);
            this.flowKey = false;
        }
        n += yield* this.pushIndicators();
        switch (line[n]) {
            case undefined:
                return 'flow';
            case '#':
                yield* this.pushCount(line.length - n);
                return 'flow';
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel += 1;
                return 'flow';
            case '}':
            case ']':
                yield* this.pushCount(1);
                this.flowKey = true;
                this.flowLevel -= 1;
                return this.flowLevel ? 'flow' : 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'flow';
            case '"':
            case "'":
                this.flowKey = true;
                return yield* this.parseQuotedScalar();
            case ':': {
                const next = this.charAt(1);
                if (this.flowKey || isEmpty(next) || next === ',') {
                    this.flowKey = false;
                    yield* this.pushCount(1);
                    yield* this.pushSpaces(true);
                    return 'flow';
                }
            }
            // fallthrough
            default:
                this.flowKey = false;
                return yield* this.parsePlainScalar();
        }
    }
    *parseQuotedScalar() {
        const quote = this.charAt(0);
        let end = this.buffer.indexOf(quote, this.pos + 1);
        if (quote === "'") {
            while (end !== -1 && this.buffer[end + 1] === "'")
                end = this.buffer.indexOf("'", end + 2);
        }
        else {
            // double-quote
            while (end !== -1) {
                let n = 0;
                while (this.buffer[end - 1 - n] === '\\')
                    n += 1;
                if (n % 2 === 0)
                    break;
                end = this.buffer.indexOf('"', end + 1);
            }
        }
        // Only looking for newlines within the quotes
        const qb = this.buffer.substring(0, end);
        let nl = qb.indexOf('\n', this.pos);
        if (nl !== -1) {
            while (nl !== -1) {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = qb.indexOf('\n', cs);
            }
            if (nl !== -1) {
                // this is an error caused by an unexpected unindent
                end = nl - (qb[nl - 1] === '\r' ? 2 : 1);
            }
        }
        if (end === -1) {
            if (!this.atEnd)
                return this.setNext('quoted-scalar');
            end = this.buffer.length;
        }
        yield* this.pushToIndex(end + 1, false);
        return this.flowLevel ? 'flow' : 'doc';
    }
    *parseBlockScalarHeader() {
        this.blockScalarIndent = -1;
        this.blockScalarKeep = false;
        let i = this.pos;
        while (true) {
            const ch = this.buffer[++i];
            if (ch === '+')
                this.blockScalarKeep = true;
            else if (ch > '0' && ch <= '9')
                this.blockScalarIndent = Number(ch) - 1;
            else if (ch !== '-')
                break;
        }
        return yield* this.pushUntil(ch => isEmpty(ch) || ch === '#');
    }
    *parseBlockScalar() {
        let nl = this.pos - 1; // may be -1 if this.pos === 0
        let indent = 0;
        let ch;
        loop: for (let i = this.pos; (ch = this.buffer[i]); ++i) {
            switch (ch) {
                case ' ':
                    indent += 1;
                    break;
                case '\n':
                    nl = i;
                    indent = 0;
                    break;
                case '\r': {
                    const next = this.buffer[i + 1];
                    if (!next && !this.atEnd)
                        return this.setNext('block-scalar');
                    if (next === '\n')
                        break;
                } // fallthrough
                default:
                    break loop;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('block-scalar');
        if (indent >= this.indentNext) {
            if (this.blockScalarIndent === -1)
                this.indentNext = indent;
            else {
                this.indentNext =
                    this.blockScalarIndent + (this.indentNext === 0 ? 1 : this.indentNext);
            }
            do {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = this.buffer.indexOf('\n', cs);
            } while (nl !== -1);
            if (nl === -1) {
                if (!this.atEnd)
                    return this.setNext('block-scalar');
                nl = this.buffer.length;
            }
        }
        // Trailing insufficiently indented tabs are invalid.
        // To catch that during parsing, we include them in the block scalar value.
        let i = nl + 1;
        ch = this.buffer[i];
        while (ch === ' ')
            ch = this.buffer[++i];
        if (ch === '\t') {
            while (ch === '\t' || ch === ' ' || ch === '\r' || ch === '\n')
                ch = this.buffer[++i];
            nl = i - 1;
        }
        else if (!this.blockScalarKeep) {
            do {
                let i = nl - 1;
                let ch = this.buffer[i];
                if (ch === '\r')
                    ch = this.buffer[--i];
                const lastChar = i; // Drop the line if last char not more indented
                while (ch === ' ')
                    ch = this.buffer[--i];
                if (ch === '\n' && i >= this.pos && i + 1 + indent > lastChar)
                    nl = i;
                else
                    break;
            } while (true);
        }
        yield cst.SCALAR;
        yield* this.pushToIndex(nl + 1, true);
        return yield* this.parseLineStart();
    }
    *parsePlainScalar() {
        const inFlow = this.flowLevel > 0;
        let end = this.pos - 1;
        let i = this.pos - 1;
        let ch;
        while ((ch = this.buffer[++i])) {
            if (ch === ':') {
                const next = this.buffer[i + 1];
                if (isEmpty(next) || (inFlow && flowIndicatorChars.has(next)))
                    break;
                end = i;
            }
            else if (isEmpty(ch)) {
                let next = this.buffer[i + 1];
                if (ch === '\r') {
                    if (next === '\n') {
                        i += 1;
                        ch = '\n';
                        next = this.buffer[i + 1];
                    }
                    else
                        end = i;
                }
                if (next === '#' || (inFlow && flowIndicatorChars.has(next)))
                    break;
                if (ch === '\n') {
                    const cs = this.continueScalar(i + 1);
                    if (cs === -1)
                        break;
                    i = Math.max(i, cs - 2); // to advance, but still account for ' #'
                }
            }
            else {
                if (inFlow && flowIndicatorChars.has(ch))
                    break;
                end = i;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('plain-scalar');
        yield cst.SCALAR;
        yield* this.pushToIndex(end + 1, true);
        return inFlow ? 'flow' : 'doc';
    }
    *pushCount(n) {
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos += n;
            return n;
        }
        return 0;
    }
    *pushToIndex(i, allowEmpty) {
        const s = this.buffer.slice(this.pos, i);
        if (s) {
            yield s;
            this.pos += s.length;
            return s.length;
        }
        else if (allowEmpty)
            yield '';
        return 0;
    }
    *pushIndicators() {
        let n = 0;
        loop: while (true) {
            switch (this.charAt(0)) {
                case '!':
                    n += yield* this.pushTag();
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '&':
                    n += yield* this.pushUntil(isNotAnchorChar);
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '-': // this is an error
                case '?': // this is an error outside flow collections
                case ':': {
                    const inFlow = this.flowLevel > 0;
                    const ch1 = this.charAt(1);
                    if (isEmpty(ch1) || (inFlow && flowIndicatorChars.has(ch1))) {
                        if (!inFlow)
                            this.indentNext = this.indentValue + 1;
                        else if (this.flowKey)
                            this.flowKey = false;
                        n += yield* this.pushCount(1);
                        n += yield* this.pushSpaces(true);
                        continue loop;
                    }
                }
            }
            break loop;
        }
        return n;
    }
    *pushTag() {
        if (this.charAt(1) === '<') {
            let i = this.pos + 2;
            let ch = this.buffer[i];
            while (!isEmpty(ch) && ch !== '>')
                ch = this.buffer[++i];
            return yield* this.pushToIndex(ch === '>' ? i + 1 : i, false);
        }
        else {
            let i = this.pos + 1;
            let ch = this.buffer[i];
            while (ch) {
                if (tagChars.has(ch))
                    ch = this.buffer[++i];
                else if (ch === '%' &&
                    hexDigits.has(this.buffer[i + 1]) &&
                    hexDigits.has(this.buffer[i + 2])) {
                    ch = this.buffer[(i += 3)];
                }
                else
                    break;
            }
            return yield* this.pushToIndex(i, false);
        }
    }
    *pushNewline() {
        const ch = this.buffer[this.pos];
        if (ch === '\n')
            return yield* this.pushCount(1);
        else if (ch === '\r' && this.charAt(1) === '\n')
            return yield* this.pushCount(2);
        else
            return 0;
    }
    *pushSpaces(allowTabs) {
        let i = this.pos - 1;
        let ch;
        do {
            ch = this.buffer[++i];
        } while (ch === ' ' || (allowTabs && ch === '\t'));
        const n = i - this.pos;
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos = i;
        }
        return n;
    }
    *pushUntil(test) {
        let i = this.pos;
        let ch = this.buffer[i];
        while (!test(ch))
            ch = this.buffer[++i];
        return yield* this.pushToIndex(i, false);
    }
}

exports.Lexer = Lexer;


/***/ }),

/***/ 6628:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Tracks newlines during parsing in order to provide an efficient API for
 * determining the one-indexed `{ line, col }` position for any offset
 * within the input.
 */
class LineCounter {
    constructor() {
        this.lineStarts = [];
        /**
         * Should be called in ascending order. Otherwise, call
         * `lineCounter.lineStarts.sort()` before calling `linePos()`.
         */
        this.addNewLine = (offset) => this.lineStarts.push(offset);
        /**
         * Performs a binary search and returns the 1-indexed { line, col }
         * position of `offset`. If `line === 0`, `addNewLine` has never been
         * called or `offset` is before the first known newline.
         */
        this.linePos = (offset) => {
            let low = 0;
            let high = this.lineStarts.length;
            while (low < high) {
                const mid = (low + high) >> 1; // Math.floor((low + high) / 2)
                if (this.lineStarts[mid] < offset)
                    low = mid + 1;
                else
                    high = mid;
            }
            if (this.lineStarts[low] === offset)
                return { line: low + 1, col: 1 };
            if (low === 0)
                return { line: 0, col: offset };
            const start = this.lineStarts[low - 1];
            return { line: low, col: offset - start + 1 };
        };
    }
}

exports.LineCounter = LineCounter;


/***/ }),

/***/ 3456:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);

function includesToken(list, type) {
    for (let i = 0; i < list.length; ++i)
        if (list[i].type === type)
            return true;
    return false;
}
function findNonEmptyIndex(list) {
    for (let i = 0; i < list.length; ++i) {
        switch (list[i].type) {
            case 'space':
            case 'comment':
            case 'newline':
                break;
            default:
                return i;
        }
    }
    return -1;
}
function isFlowToken(token) {
    switch (token?.type) {
        case 'alias':
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'flow-collection':
            return true;
        default:
            return false;
    }
}
function getPrevProps(parent) {
    switch (parent.type) {
        case 'document':
            return parent.start;
        case 'block-map': {
            const it = parent.items[parent.items.length - 1];
            return it.sep ?? it.start;
        }
        case 'block-seq':
            return parent.items[parent.items.length - 1].start;
        /* istanbul ignore next should not happen */
        default:
            return [];
    }
}
/** Note: May modify input array */
function getFirstKeyStartProps(prev) {
    if (prev.length === 0)
        return [];
    let i = prev.length;
    loop: while (--i >= 0) {
        switch (prev[i].type) {
            case 'doc-start':
            case 'explicit-key-ind':
            case 'map-value-ind':
            case 'seq-item-ind':
            case 'newline':
                break loop;
        }
    }
    while (prev[++i]?.type === 'space') {
        /* loop */
    }
    return prev.splice(i, prev.length);
}
function arrayPushArray(target, source) {
    // May exhaust call stack with large `source` array
    if (source.length < 1e5)
        Array.prototype.push.apply(target, source);
    else
        for (let i = 0; i < source.length; ++i)
            target.push(source[i]);
}
function fixFlowSeqItems(fc) {
    if (fc.start.type === 'flow-seq-start') {
        for (const it of fc.items) {
            if (it.sep &&
                !it.value &&
                !includesToken(it.start, 'explicit-key-ind') &&
                !includesToken(it.sep, 'map-value-ind')) {
                if (it.key)
                    it.value = it.key;
                delete it.key;
                if (isFlowToken(it.value)) {
                    if (it.value.end)
                        arrayPushArray(it.value.end, it.sep);
                    else
                        it.value.end = it.sep;
                }
                else
                    arrayPushArray(it.start, it.sep);
                delete it.sep;
            }
        }
    }
}
/**
 * A YAML concrete syntax tree (CST) parser
 *
 * ```ts
 * const src: string = ...
 * for (const token of new Parser().parse(src)) {
 *   // token: Token
 * }
 * ```
 *
 * To use the parser with a user-provided lexer:
 *
 * ```ts
 * function* parse(source: string, lexer: Lexer) {
 *   const parser = new Parser()
 *   for (const lexeme of lexer.lex(source))
 *     yield* parser.next(lexeme)
 *   yield* parser.end()
 * }
 *
 * const src: string = ...
 * const lexer = new Lexer()
 * for (const token of parse(src, lexer)) {
 *   // token: Token
 * }
 * ```
 */
class Parser {
    /**
     * @param onNewLine - If defined, called separately with the start position of
     *   each new line (in `parse()`, including the start of input).
     */
    constructor(onNewLine) {
        /** If true, space and sequence indicators count as indentation */
        this.atNewLine = true;
        /** If true, next token is a scalar value */
        this.atScalar = false;
        /** Current indentation level */
        this.indent = 0;
        /** Current offset since the start of parsing */
        this.offset = 0;
        /** On the same line with a block map key */
        this.onKeyLine = false;
        /** Top indicates the node that's currently being built */
        this.stack = [];
        /** The source of the current token, set in parse() */
        this.source = '';
        /** The type of the current token, set in parse() */
        this.type = '';
        // Must be defined after `next()`
        this.lexer = new lexer.Lexer();
        this.onNewLine = onNewLine;
    }
    /**
     * Parse `source` as a YAML stream.
     * If `incomplete`, a part of the last line may be left as a buffer for the next call.
     *
     * Errors are not thrown, but yielded as `{ type: 'error', message }` tokens.
     *
     * @returns A generator of tokens representing each directive, document, and other structure.
     */
    *parse(source, incomplete = false) {
        if (this.onNewLine && this.offset === 0)
            this.onNewLine(0);
        for (const lexeme of this.lexer.lex(source, incomplete))
            yield* this.next(lexeme);
        if (!incomplete)
            yield* this.end();
    }
    /**
     * Advance the parser by the `source` of one lexical token.
     */
    *next(source) {
        this.source = source;
        if (node_process.env.LOG_TOKENS)
            console.log('|', cst.prettyToken(source));
        if (this.atScalar) {
            this.atScalar = false;
            yield* this.step();
            this.offset += source.length;
            return;
        }
        const type = cst.tokenType(source);
        if (!type) {
            const message = `Not a YAML token: ${source}`;
            yield* this.pop({ type: 'error', offset: this.offset, message, source });
            this.offset += source.length;
        }
        else if (type === 'scalar') {
            this.atNewLine = false;
            this.atScalar = true;
            this.type = 'scalar';
        }
        else {
            this.type = type;
            yield* this.step();
            switch (type) {
                case 'newline':
                    this.atNewLine = true;
                    this.indent = 0;
                    if (this.onNewLine)
                        this.onNewLine(this.offset + source.length);
                    break;
                case 'space':
                    if (this.atNewLine && source[0] === ' ')
                        this.indent += source.length;
                    break;
                case 'explicit-key-ind':
                case 'map-value-ind':
                case 'seq-item-ind':
                    if (this.atNewLine)
                        this.indent += source.length;
                    break;
                case 'doc-mode':
                case 'flow-error-end':
                    return;
                default:
                    this.atNewLine = false;
            }
            this.offset += source.length;
        }
    }
    /** Call at end of input to push out any remaining constructions */
    *end() {
        while (this.stack.length > 0)
            yield* this.pop();
    }
    get sourceToken() {
        const st = {
            type: this.type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
        return st;
    }
    *step() {
        const top = this.peek(1);
        if (this.type === 'doc-end' && top?.type !== 'doc-end') {
            while (this.stack.length > 0)
                yield* this.pop();
            this.stack.push({
                type: 'doc-end',
                offset: this.offset,
                source: this.source
            });
            return;
        }
        if (!top)
            return yield* this.stream();
        switch (top.type) {
            case 'document':
                return yield* this.document(top);
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return yield* this.scalar(top);
            case 'block-scalar':
                return yield* this.blockScalar(top);
            case 'block-map':
                return yield* this.blockMap(top);
            case 'block-seq':
                return yield* this.blockSequence(top);
            case 'flow-collection':
                return yield* this.flowCollection(top);
            case 'doc-end':
                return yield* this.documentEnd(top);
        }
        /* istanbul ignore next should not happen */
        yield* this.pop();
    }
    peek(n) {
        return this.stack[this.stack.length - n];
    }
    *pop(error) {
        const token = error ?? this.stack.pop();
        /* istanbul ignore if should not happen */
        if (!token) {
            const message = 'Tried to pop an empty stack';
            yield { type: 'error', offset: this.offset, source: '', message };
        }
        else if (this.stack.length === 0) {
            yield token;
        }
        else {
            const top = this.peek(1);
            if (token.type === 'block-scalar') {
                // Block scalars use their parent rather than header indent
                token.indent = 'indent' in top ? top.indent : 0;
            }
            else if (token.type === 'flow-collection' && top.type === 'document') {
                // Ignore all indent for top-level flow collections
                token.indent = 0;
            }
            if (token.type === 'flow-collection')
                fixFlowSeqItems(token);
            switch (top.type) {
                case 'document':
                    top.value = token;
                    break;
                case 'block-scalar':
                    top.props.push(token); // error
                    break;
                case 'block-map': {
                    const it = top.items[top.items.length - 1];
                    if (it.value) {
                        top.items.push({ start: [], key: token, sep: [] });
                        this.onKeyLine = true;
                        return;
                    }
                    else if (it.sep) {
                        it.value = token;
                    }
                    else {
                        Object.assign(it, { key: token, sep: [] });
                        this.onKeyLine = !it.explicitKey;
                        return;
                    }
                    break;
                }
                case 'block-seq': {
                    const it = top.items[top.items.length - 1];
                    if (it.value)
                        top.items.push({ start: [], value: token });
                    else
                        it.value = token;
                    break;
                }
                case 'flow-collection': {
                    const it = top.items[top.items.length - 1];
                    if (!it || it.value)
                        top.items.push({ start: [], key: token, sep: [] });
                    else if (it.sep)
                        it.value = token;
                    else
                        Object.assign(it, { key: token, sep: [] });
                    return;
                }
                /* istanbul ignore next should not happen */
                default:
                    yield* this.pop();
                    yield* this.pop(token);
            }
            if ((top.type === 'document' ||
                top.type === 'block-map' ||
                top.type === 'block-seq') &&
                (token.type === 'block-map' || token.type === 'block-seq')) {
                const last = token.items[token.items.length - 1];
                if (last &&
                    !last.sep &&
                    !last.value &&
                    last.start.length > 0 &&
                    findNonEmptyIndex(last.start) === -1 &&
                    (token.indent === 0 ||
                        last.start.every(st => st.type !== 'comment' || st.indent < token.indent))) {
                    if (top.type === 'document')
                        top.end = last.start;
                    else
                        top.items.push({ start: last.start });
                    token.items.splice(-1, 1);
                }
            }
        }
    }
    *stream() {
        switch (this.type) {
            case 'directive-line':
                yield { type: 'directive', offset: this.offset, source: this.source };
                return;
            case 'byte-order-mark':
            case 'space':
            case 'comment':
            case 'newline':
                yield this.sourceToken;
                return;
            case 'doc-mode':
            case 'doc-start': {
                const doc = {
                    type: 'document',
                    offset: this.offset,
                    start: []
                };
                if (this.type === 'doc-start')
                    doc.start.push(this.sourceToken);
                this.stack.push(doc);
                return;
            }
        }
        yield {
            type: 'error',
            offset: this.offset,
            message: `Unexpected ${this.type} token in YAML stream`,
            source: this.source
        };
    }
    *document(doc) {
        if (doc.value)
            return yield* this.lineEnd(doc);
        switch (this.type) {
            case 'doc-start': {
                if (findNonEmptyIndex(doc.start) !== -1) {
                    yield* this.pop();
                    yield* this.step();
                }
                else
                    doc.start.push(this.sourceToken);
                return;
            }
            case 'anchor':
            case 'tag':
            case 'space':
            case 'comment':
            case 'newline':
                doc.start.push(this.sourceToken);
                return;
        }
        const bv = this.startBlockValue(doc);
        if (bv)
            this.stack.push(bv);
        else {
            yield {
                type: 'error',
                offset: this.offset,
                message: `Unexpected ${this.type} token in YAML document`,
                source: this.source
            };
        }
    }
    *scalar(scalar) {
        if (this.type === 'map-value-ind') {
            const prev = getPrevProps(this.peek(2));
            const start = getFirstKeyStartProps(prev);
            let sep;
            if (scalar.end) {
                sep = scalar.end;
                sep.push(this.sourceToken);
                delete scalar.end;
            }
            else
                sep = [this.sourceToken];
            const map = {
                type: 'block-map',
                offset: scalar.offset,
                indent: scalar.indent,
                items: [{ start, key: scalar, sep }]
            };
            this.onKeyLine = true;
            this.stack[this.stack.length - 1] = map;
        }
        else
            yield* this.lineEnd(scalar);
    }
    *blockScalar(scalar) {
        switch (this.type) {
            case 'space':
            case 'comment':
            case 'newline':
                scalar.props.push(this.sourceToken);
                return;
            case 'scalar':
                scalar.source = this.source;
                // block-scalar source includes trailing newline
                this.atNewLine = true;
                this.indent = 0;
                if (this.onNewLine) {
                    let nl = this.source.indexOf('\n') + 1;
                    while (nl !== 0) {
                        this.onNewLine(this.offset + nl);
                        nl = this.source.indexOf('\n', nl) + 1;
                    }
                }
                yield* this.pop();
                break;
            /* istanbul ignore next should not happen */
            default:
                yield* this.pop();
                yield* this.step();
        }
    }
    *blockMap(map) {
        const it = map.items[map.items.length - 1];
        // it.sep is true-ish if pair already has key or : separator
        switch (this.type) {
            case 'newline':
                this.onKeyLine = false;
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    it.start.push(this.sourceToken);
                }
                return;
            case 'space':
            case 'comment':
                if (it.value) {
                    map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    if (this.atIndentedComment(it.start, map.indent)) {
                        const prev = map.items[map.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            map.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
        }
        if (this.indent >= map.indent) {
            const atMapIndent = !this.onKeyLine && this.indent === map.indent;
            const atNextItem = atMapIndent &&
                (it.sep || it.explicitKey) &&
                this.type !== 'seq-item-ind';
            // For empty nodes, assign newline-separated not indented empty tokens to following node
            let start = [];
            if (atNextItem && it.sep && !it.value) {
                const nl = [];
                for (let i = 0; i < it.sep.length; ++i) {
                    const st = it.sep[i];
                    switch (st.type) {
                        case 'newline':
                            nl.push(i);
                            break;
                        case 'space':
                            break;
                        case 'comment':
                            if (st.indent > map.indent)
                                nl.length = 0;
                            break;
                        default:
                            nl.length = 0;
                    }
                }
                if (nl.length >= 2)
                    start = it.sep.splice(nl[1]);
            }
            switch (this.type) {
                case 'anchor':
                case 'tag':
                    if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        it.sep.push(this.sourceToken);
                    }
                    else {
                        it.start.push(this.sourceToken);
                    }
                    return;
                case 'explicit-key-ind':
                    if (!it.sep && !it.explicitKey) {
                        it.start.push(this.sourceToken);
                        it.explicitKey = true;
                    }
                    else if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start, explicitKey: true });
                    }
                    else {
                        this.stack.push({
                            type: 'block-map',
                            offset: this.offset,
                            indent: this.indent,
                            items: [{ start: [this.sourceToken], explicitKey: true }]
                        });
                    }
                    this.onKeyLine = true;
                    return;
                case 'map-value-ind':
                    if (it.explicitKey) {
                        if (!it.sep) {
                            if (includesToken(it.start, 'newline')) {
                                Object.assign(it, { key: null, sep: [this.sourceToken] });
                            }
                            else {
                                const start = getFirstKeyStartProps(it.start);
                                this.stack.push({
                                    type: 'block-map',
                                    offset: this.offset,
                                    indent: this.indent,
                                    items: [{ start, key: null, sep: [this.sourceToken] }]
                                });
                            }
                        }
                        else if (it.value) {
                            map.items.push({ start: [], key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else if (isFlowToken(it.key) &&
                            !includesToken(it.sep, 'newline')) {
                            const start = getFirstKeyStartProps(it.start);
                            const key = it.key;
                            const sep = it.sep;
                            sep.push(this.sourceToken);
                            // @ts-expect-error type guard is wrong here
                            delete it.key;
                            // @ts-expect-error type guard is wrong here
                            delete it.sep;
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key, sep }]
                            });
                        }
                        else if (start.length > 0) {
                            // Not actually at next item
                            it.sep = it.sep.concat(start, this.sourceToken);
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    else {
                        if (!it.sep) {
                            Object.assign(it, { key: null, sep: [this.sourceToken] });
                        }
                        else if (it.value || atNextItem) {
                            map.items.push({ start, key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start: [], key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    this.onKeyLine = true;
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (atNextItem || it.value) {
                        map.items.push({ start, key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        this.stack.push(fs);
                    }
                    else {
                        Object.assign(it, { key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    return;
                }
                default: {
                    const bv = this.startBlockValue(map);
                    if (bv) {
                        if (bv.type === 'block-seq') {
                            if (!it.explicitKey &&
                                it.sep &&
                                !includesToken(it.sep, 'newline')) {
                                yield* this.pop({
                                    type: 'error',
                                    offset: this.offset,
                                    message: 'Unexpected block-seq-ind on same line with key',
                                    source: this.source
                                });
                                return;
                            }
                        }
                        else if (atMapIndent) {
                            map.items.push({ start });
                        }
                        this.stack.push(bv);
                        return;
                    }
                }
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *blockSequence(seq) {
        const it = seq.items[seq.items.length - 1];
        switch (this.type) {
            case 'newline':
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        seq.items.push({ start: [this.sourceToken] });
                }
                else
                    it.start.push(this.sourceToken);
                return;
            case 'space':
            case 'comment':
                if (it.value)
                    seq.items.push({ start: [this.sourceToken] });
                else {
                    if (this.atIndentedComment(it.start, seq.indent)) {
                        const prev = seq.items[seq.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            seq.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
            case 'anchor':
            case 'tag':
                if (it.value || this.indent <= seq.indent)
                    break;
                it.start.push(this.sourceToken);
                return;
            case 'seq-item-ind':
                if (this.indent !== seq.indent)
                    break;
                if (it.value || includesToken(it.start, 'seq-item-ind'))
                    seq.items.push({ start: [this.sourceToken] });
                else
                    it.start.push(this.sourceToken);
                return;
        }
        if (this.indent > seq.indent) {
            const bv = this.startBlockValue(seq);
            if (bv) {
                this.stack.push(bv);
                return;
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *flowCollection(fc) {
        const it = fc.items[fc.items.length - 1];
        if (this.type === 'flow-error-end') {
            let top;
            do {
                yield* this.pop();
                top = this.peek(1);
            } while (top?.type === 'flow-collection');
        }
        else if (fc.end.length === 0) {
            switch (this.type) {
                case 'comma':
                case 'explicit-key-ind':
                    if (!it || it.sep)
                        fc.items.push({ start: [this.sourceToken] });
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'map-value-ind':
                    if (!it || it.value)
                        fc.items.push({ start: [], key: null, sep: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        Object.assign(it, { key: null, sep: [this.sourceToken] });
                    return;
                case 'space':
                case 'comment':
                case 'newline':
                case 'anchor':
                case 'tag':
                    if (!it || it.value)
                        fc.items.push({ start: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (!it || it.value)
                        fc.items.push({ start: [], key: fs, sep: [] });
                    else if (it.sep)
                        this.stack.push(fs);
                    else
                        Object.assign(it, { key: fs, sep: [] });
                    return;
                }
                case 'flow-map-end':
                case 'flow-seq-end':
                    fc.end.push(this.sourceToken);
                    return;
            }
            const bv = this.startBlockValue(fc);
            /* istanbul ignore else should not happen */
            if (bv)
                this.stack.push(bv);
            else {
                yield* this.pop();
                yield* this.step();
            }
        }
        else {
            const parent = this.peek(2);
            if (parent.type === 'block-map' &&
                ((this.type === 'map-value-ind' && parent.indent === fc.indent) ||
                    (this.type === 'newline' &&
                        !parent.items[parent.items.length - 1].sep))) {
                yield* this.pop();
                yield* this.step();
            }
            else if (this.type === 'map-value-ind' &&
                parent.type !== 'flow-collection') {
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                fixFlowSeqItems(fc);
                const sep = fc.end.splice(1, fc.end.length);
                sep.push(this.sourceToken);
                const map = {
                    type: 'block-map',
                    offset: fc.offset,
                    indent: fc.indent,
                    items: [{ start, key: fc, sep }]
                };
                this.onKeyLine = true;
                this.stack[this.stack.length - 1] = map;
            }
            else {
                yield* this.lineEnd(fc);
            }
        }
    }
    flowScalar(type) {
        if (this.onNewLine) {
            let nl = this.source.indexOf('\n') + 1;
            while (nl !== 0) {
                this.onNewLine(this.offset + nl);
                nl = this.source.indexOf('\n', nl) + 1;
            }
        }
        return {
            type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
    }
    startBlockValue(parent) {
        switch (this.type) {
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return this.flowScalar(this.type);
            case 'block-scalar-header':
                return {
                    type: 'block-scalar',
                    offset: this.offset,
                    indent: this.indent,
                    props: [this.sourceToken],
                    source: ''
                };
            case 'flow-map-start':
            case 'flow-seq-start':
                return {
                    type: 'flow-collection',
                    offset: this.offset,
                    indent: this.indent,
                    start: this.sourceToken,
                    items: [],
                    end: []
                };
            case 'seq-item-ind':
                return {
                    type: 'block-seq',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start: [this.sourceToken] }]
                };
            case 'explicit-key-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                start.push(this.sourceToken);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, explicitKey: true }]
                };
            }
            case 'map-value-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, key: null, sep: [this.sourceToken] }]
                };
            }
        }
        return null;
    }
    atIndentedComment(start, indent) {
        if (this.type !== 'comment')
            return false;
        if (this.indent <= indent)
            return false;
        return start.every(st => st.type === 'newline' || st.type === 'space');
    }
    *documentEnd(docEnd) {
        if (this.type !== 'doc-mode') {
            if (docEnd.end)
                docEnd.end.push(this.sourceToken);
            else
                docEnd.end = [this.sourceToken];
            if (this.type === 'newline')
                yield* this.pop();
        }
    }
    *lineEnd(token) {
        switch (this.type) {
            case 'comma':
            case 'doc-start':
            case 'doc-end':
            case 'flow-seq-end':
            case 'flow-map-end':
            case 'map-value-ind':
                yield* this.pop();
                yield* this.step();
                break;
            case 'newline':
                this.onKeyLine = false;
            // fallthrough
            case 'space':
            case 'comment':
            default:
                // all other values are errors
                if (token.end)
                    token.end.push(this.sourceToken);
                else
                    token.end = [this.sourceToken];
                if (this.type === 'newline')
                    yield* this.pop();
        }
    }
}

exports.Parser = Parser;


/***/ }),

/***/ 4047:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var log = __nccwpck_require__(7249);
var identity = __nccwpck_require__(1127);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);

function parseOptions(options) {
    const prettyErrors = options.prettyErrors !== false;
    const lineCounter$1 = options.lineCounter || (prettyErrors && new lineCounter.LineCounter()) || null;
    return { lineCounter: lineCounter$1, prettyErrors };
}
/**
 * Parse the input as a stream of YAML documents.
 *
 * Documents should be separated from each other by `...` or `---` marker lines.
 *
 * @returns If an empty `docs` array is returned, it will be of type
 *   EmptyStream and contain additional stream information. In
 *   TypeScript, you should use `'empty' in docs` as a type guard for it.
 */
function parseAllDocuments(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    const docs = Array.from(composer$1.compose(parser$1.parse(source)));
    if (prettyErrors && lineCounter)
        for (const doc of docs) {
            doc.errors.forEach(errors.prettifyError(source, lineCounter));
            doc.warnings.forEach(errors.prettifyError(source, lineCounter));
        }
    if (docs.length > 0)
        return docs;
    return Object.assign([], { empty: true }, composer$1.streamInfo());
}
/** Parse an input string into a single YAML.Document */
function parseDocument(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    // `doc` is always set by compose.end(true) at the very latest
    let doc = null;
    for (const _doc of composer$1.compose(parser$1.parse(source), true, source.length)) {
        if (!doc)
            doc = _doc;
        else if (doc.options.logLevel !== 'silent') {
            doc.errors.push(new errors.YAMLParseError(_doc.range.slice(0, 2), 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
            break;
        }
    }
    if (prettyErrors && lineCounter) {
        doc.errors.forEach(errors.prettifyError(source, lineCounter));
        doc.warnings.forEach(errors.prettifyError(source, lineCounter));
    }
    return doc;
}
function parse(src, reviver, options) {
    let _reviver = undefined;
    if (typeof reviver === 'function') {
        _reviver = reviver;
    }
    else if (options === undefined && reviver && typeof reviver === 'object') {
        options = reviver;
    }
    const doc = parseDocument(src, options);
    if (!doc)
        return null;
    doc.warnings.forEach(warning => log.warn(doc.options.logLevel, warning));
    if (doc.errors.length > 0) {
        if (doc.options.logLevel !== 'silent')
            throw doc.errors[0];
        else
            doc.errors = [];
    }
    return doc.toJS(Object.assign({ reviver: _reviver }, options));
}
function stringify(value, replacer, options) {
    let _replacer = null;
    if (typeof replacer === 'function' || Array.isArray(replacer)) {
        _replacer = replacer;
    }
    else if (options === undefined && replacer) {
        options = replacer;
    }
    if (typeof options === 'string')
        options = options.length;
    if (typeof options === 'number') {
        const indent = Math.round(options);
        options = indent < 1 ? undefined : indent > 8 ? { indent: 8 } : { indent };
    }
    if (value === undefined) {
        const { keepUndefined } = options ?? replacer ?? {};
        if (!keepUndefined)
            return undefined;
    }
    if (identity.isDocument(value) && !_replacer)
        return value.toString(options);
    return new Document.Document(value, _replacer, options).toString(options);
}

exports.parse = parse;
exports.parseAllDocuments = parseAllDocuments;
exports.parseDocument = parseDocument;
exports.stringify = stringify;


/***/ }),

/***/ 5840:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var tags = __nccwpck_require__(18);

const sortMapEntriesByKey = (a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
class Schema {
    constructor({ compat, customTags, merge, resolveKnownTags, schema, sortMapEntries, toStringDefaults }) {
        this.compat = Array.isArray(compat)
            ? tags.getTags(compat, 'compat')
            : compat
                ? tags.getTags(null, compat)
                : null;
        this.name = (typeof schema === 'string' && schema) || 'core';
        this.knownTags = resolveKnownTags ? tags.coreKnownTags : {};
        this.tags = tags.getTags(customTags, this.name, merge);
        this.toStringOptions = toStringDefaults ?? null;
        Object.defineProperty(this, identity.MAP, { value: map.map });
        Object.defineProperty(this, identity.SCALAR, { value: string.string });
        Object.defineProperty(this, identity.SEQ, { value: seq.seq });
        // Used by createMap()
        this.sortMapEntries =
            typeof sortMapEntries === 'function'
                ? sortMapEntries
                : sortMapEntries === true
                    ? sortMapEntriesByKey
                    : null;
    }
    clone() {
        const copy = Object.create(Schema.prototype, Object.getOwnPropertyDescriptors(this));
        copy.tags = this.tags.slice();
        return copy;
    }
}

exports.Schema = Schema;


/***/ }),

/***/ 7451:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLMap = __nccwpck_require__(4454);

const map = {
    collection: 'map',
    default: true,
    nodeClass: YAMLMap.YAMLMap,
    tag: 'tag:yaml.org,2002:map',
    resolve(map, onError) {
        if (!identity.isMap(map))
            onError('Expected a mapping for this tag');
        return map;
    },
    createNode: (schema, obj, ctx) => YAMLMap.YAMLMap.from(schema, obj, ctx)
};

exports.map = map;


/***/ }),

/***/ 3632:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const nullTag = {
    identify: value => value == null,
    createNode: () => new Scalar.Scalar(null),
    default: true,
    tag: 'tag:yaml.org,2002:null',
    test: /^(?:~|[Nn]ull|NULL)?$/,
    resolve: () => new Scalar.Scalar(null),
    stringify: ({ source }, ctx) => typeof source === 'string' && nullTag.test.test(source)
        ? source
        : ctx.options.nullStr
};

exports.nullTag = nullTag;


/***/ }),

/***/ 1706:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLSeq = __nccwpck_require__(2223);

const seq = {
    collection: 'seq',
    default: true,
    nodeClass: YAMLSeq.YAMLSeq,
    tag: 'tag:yaml.org,2002:seq',
    resolve(seq, onError) {
        if (!identity.isSeq(seq))
            onError('Expected a sequence for this tag');
        return seq;
    },
    createNode: (schema, obj, ctx) => YAMLSeq.YAMLSeq.from(schema, obj, ctx)
};

exports.seq = seq;


/***/ }),

/***/ 6464:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyString = __nccwpck_require__(3069);

const string = {
    identify: value => typeof value === 'string',
    default: true,
    tag: 'tag:yaml.org,2002:str',
    resolve: str => str,
    stringify(item, ctx, onComment, onChompKeep) {
        ctx = Object.assign({ actualString: true }, ctx);
        return stringifyString.stringifyString(item, ctx, onComment, onChompKeep);
    }
};

exports.string = string;


/***/ }),

/***/ 3959:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const boolTag = {
    identify: value => typeof value === 'boolean',
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    resolve: str => new Scalar.Scalar(str[0] === 't' || str[0] === 'T'),
    stringify({ source, value }, ctx) {
        if (source && boolTag.test.test(source)) {
            const sv = source[0] === 't' || source[0] === 'T';
            if (value === sv)
                return source;
        }
        return value ? ctx.options.trueStr : ctx.options.falseStr;
    }
};

exports.boolTag = boolTag;


/***/ }),

/***/ 8405:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: str => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    resolve: str => parseFloat(str),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str));
        const dot = str.indexOf('.');
        if (dot !== -1 && str[str.length - 1] === '0')
            node.minFractionDigits = str.length - dot - 1;
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 9874:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
const intResolve = (str, offset, radix, { intAsBigInt }) => (intAsBigInt ? BigInt(str) : parseInt(str.substring(offset), radix));
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value) && value >= 0)
        return prefix + value.toString(radix);
    return stringifyNumber.stringifyNumber(node);
}
const intOct = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^0o[0-7]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 8, opt),
    stringify: node => intStringify(node, 8, '0o')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^0x[0-9a-fA-F]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 896:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.boolTag,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float
];

exports.schema = schema;


/***/ }),

/***/ 3559:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);

function intIdentify(value) {
    return typeof value === 'bigint' || Number.isInteger(value);
}
const stringifyJSON = ({ value }) => JSON.stringify(value);
const jsonScalars = [
    {
        identify: value => typeof value === 'string',
        default: true,
        tag: 'tag:yaml.org,2002:str',
        resolve: str => str,
        stringify: stringifyJSON
    },
    {
        identify: value => value == null,
        createNode: () => new Scalar.Scalar(null),
        default: true,
        tag: 'tag:yaml.org,2002:null',
        test: /^null$/,
        resolve: () => null,
        stringify: stringifyJSON
    },
    {
        identify: value => typeof value === 'boolean',
        default: true,
        tag: 'tag:yaml.org,2002:bool',
        test: /^true$|^false$/,
        resolve: str => str === 'true',
        stringify: stringifyJSON
    },
    {
        identify: intIdentify,
        default: true,
        tag: 'tag:yaml.org,2002:int',
        test: /^-?(?:0|[1-9][0-9]*)$/,
        resolve: (str, _onError, { intAsBigInt }) => intAsBigInt ? BigInt(str) : parseInt(str, 10),
        stringify: ({ value }) => intIdentify(value) ? value.toString() : JSON.stringify(value)
    },
    {
        identify: value => typeof value === 'number',
        default: true,
        tag: 'tag:yaml.org,2002:float',
        test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/,
        resolve: str => parseFloat(str),
        stringify: stringifyJSON
    }
];
const jsonError = {
    default: true,
    tag: '',
    test: /^/,
    resolve(str, onError) {
        onError(`Unresolved plain scalar ${JSON.stringify(str)}`);
        return str;
    }
};
const schema = [map.map, seq.seq].concat(jsonScalars, jsonError);

exports.schema = schema;


/***/ }),

/***/ 18:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);
var schema = __nccwpck_require__(896);
var schema$1 = __nccwpck_require__(3559);
var binary = __nccwpck_require__(6083);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var schema$2 = __nccwpck_require__(5913);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schemas = new Map([
    ['core', schema.schema],
    ['failsafe', [map.map, seq.seq, string.string]],
    ['json', schema$1.schema],
    ['yaml11', schema$2.schema],
    ['yaml-1.1', schema$2.schema]
]);
const tagsByName = {
    binary: binary.binary,
    bool: bool.boolTag,
    float: float.float,
    floatExp: float.floatExp,
    floatNaN: float.floatNaN,
    floatTime: timestamp.floatTime,
    int: int.int,
    intHex: int.intHex,
    intOct: int.intOct,
    intTime: timestamp.intTime,
    map: map.map,
    merge: merge.merge,
    null: _null.nullTag,
    omap: omap.omap,
    pairs: pairs.pairs,
    seq: seq.seq,
    set: set.set,
    timestamp: timestamp.timestamp
};
const coreKnownTags = {
    'tag:yaml.org,2002:binary': binary.binary,
    'tag:yaml.org,2002:merge': merge.merge,
    'tag:yaml.org,2002:omap': omap.omap,
    'tag:yaml.org,2002:pairs': pairs.pairs,
    'tag:yaml.org,2002:set': set.set,
    'tag:yaml.org,2002:timestamp': timestamp.timestamp
};
function getTags(customTags, schemaName, addMergeTag) {
    const schemaTags = schemas.get(schemaName);
    if (schemaTags && !customTags) {
        return addMergeTag && !schemaTags.includes(merge.merge)
            ? schemaTags.concat(merge.merge)
            : schemaTags.slice();
    }
    let tags = schemaTags;
    if (!tags) {
        if (Array.isArray(customTags))
            tags = [];
        else {
            const keys = Array.from(schemas.keys())
                .filter(key => key !== 'yaml11')
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown schema "${schemaName}"; use one of ${keys} or define customTags array`);
        }
    }
    if (Array.isArray(customTags)) {
        for (const tag of customTags)
            tags = tags.concat(tag);
    }
    else if (typeof customTags === 'function') {
        tags = customTags(tags.slice());
    }
    if (addMergeTag)
        tags = tags.concat(merge.merge);
    return tags.reduce((tags, tag) => {
        const tagObj = typeof tag === 'string' ? tagsByName[tag] : tag;
        if (!tagObj) {
            const tagName = JSON.stringify(tag);
            const keys = Object.keys(tagsByName)
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown custom tag ${tagName}; use one of ${keys}`);
        }
        if (!tags.includes(tagObj))
            tags.push(tagObj);
        return tags;
    }, []);
}

exports.coreKnownTags = coreKnownTags;
exports.getTags = getTags;


/***/ }),

/***/ 6083:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_buffer = __nccwpck_require__(181);
var Scalar = __nccwpck_require__(3301);
var stringifyString = __nccwpck_require__(3069);

const binary = {
    identify: value => value instanceof Uint8Array, // Buffer inherits from Uint8Array
    default: false,
    tag: 'tag:yaml.org,2002:binary',
    /**
     * Returns a Buffer in node and an Uint8Array in browsers
     *
     * To use the resulting buffer as an image, you'll want to do something like:
     *
     *   const blob = new Blob([buffer], { type: 'image/jpeg' })
     *   document.querySelector('#photo').src = URL.createObjectURL(blob)
     */
    resolve(src, onError) {
        if (typeof node_buffer.Buffer === 'function') {
            return node_buffer.Buffer.from(src, 'base64');
        }
        else if (typeof atob === 'function') {
            // On IE 11, atob() can't handle newlines
            const str = atob(src.replace(/[\n\r]/g, ''));
            const buffer = new Uint8Array(str.length);
            for (let i = 0; i < str.length; ++i)
                buffer[i] = str.charCodeAt(i);
            return buffer;
        }
        else {
            onError('This environment does not support reading binary tags; either Buffer or atob is required');
            return src;
        }
    },
    stringify({ comment, type, value }, ctx, onComment, onChompKeep) {
        if (!value)
            return '';
        const buf = value; // checked earlier by binary.identify()
        let str;
        if (typeof node_buffer.Buffer === 'function') {
            str =
                buf instanceof node_buffer.Buffer
                    ? buf.toString('base64')
                    : node_buffer.Buffer.from(buf.buffer).toString('base64');
        }
        else if (typeof btoa === 'function') {
            let s = '';
            for (let i = 0; i < buf.length; ++i)
                s += String.fromCharCode(buf[i]);
            str = btoa(s);
        }
        else {
            throw new Error('This environment does not support writing binary tags; either Buffer or btoa is required');
        }
        type ?? (type = Scalar.Scalar.BLOCK_LITERAL);
        if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
            const lineWidth = Math.max(ctx.options.lineWidth - ctx.indent.length, ctx.options.minContentWidth);
            const n = Math.ceil(str.length / lineWidth);
            const lines = new Array(n);
            for (let i = 0, o = 0; i < n; ++i, o += lineWidth) {
                lines[i] = str.substr(o, lineWidth);
            }
            str = lines.join(type === Scalar.Scalar.BLOCK_LITERAL ? '\n' : ' ');
        }
        return stringifyString.stringifyString({ comment, type, value: str }, ctx, onComment, onChompKeep);
    }
};

exports.binary = binary;


/***/ }),

/***/ 8398:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function boolStringify({ value, source }, ctx) {
    const boolObj = value ? trueTag : falseTag;
    if (source && boolObj.test.test(source))
        return source;
    return value ? ctx.options.trueStr : ctx.options.falseStr;
}
const trueTag = {
    identify: value => value === true,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    resolve: () => new Scalar.Scalar(true),
    stringify: boolStringify
};
const falseTag = {
    identify: value => value === false,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    resolve: () => new Scalar.Scalar(false),
    stringify: boolStringify
};

exports.falseTag = falseTag;
exports.trueTag = trueTag;


/***/ }),

/***/ 5782:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: (str) => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    resolve: (str) => parseFloat(str.replace(/_/g, '')),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str.replace(/_/g, '')));
        const dot = str.indexOf('.');
        if (dot !== -1) {
            const f = str.substring(dot + 1).replace(/_/g, '');
            if (f[f.length - 1] === '0')
                node.minFractionDigits = f.length;
        }
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 873:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
function intResolve(str, offset, radix, { intAsBigInt }) {
    const sign = str[0];
    if (sign === '-' || sign === '+')
        offset += 1;
    str = str.substring(offset).replace(/_/g, '');
    if (intAsBigInt) {
        switch (radix) {
            case 2:
                str = `0b${str}`;
                break;
            case 8:
                str = `0o${str}`;
                break;
            case 16:
                str = `0x${str}`;
                break;
        }
        const n = BigInt(str);
        return sign === '-' ? BigInt(-1) * n : n;
    }
    const n = parseInt(str, radix);
    return sign === '-' ? -1 * n : n;
}
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value)) {
        const str = value.toString(radix);
        return value < 0 ? '-' + prefix + str.substr(1) : prefix + str;
    }
    return stringifyNumber.stringifyNumber(node);
}
const intBin = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'BIN',
    test: /^[-+]?0b[0-1_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 2, opt),
    stringify: node => intStringify(node, 2, '0b')
};
const intOct = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^[-+]?0[0-7_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 1, 8, opt),
    stringify: node => intStringify(node, 8, '0')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9][0-9_]*$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^[-+]?0x[0-9a-fA-F_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intBin = intBin;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 452:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

// If the value associated with a merge key is a single mapping node, each of
// its key/value pairs is inserted into the current mapping, unless the key
// already exists in it. If the value associated with the merge key is a
// sequence, then this sequence is expected to contain mapping nodes and each
// of these nodes is merged in turn according to its order in the sequence.
// Keys in mapping nodes earlier in the sequence override keys specified in
// later mapping nodes. -- http://yaml.org/type/merge.html
const MERGE_KEY = '<<';
const merge = {
    identify: value => value === MERGE_KEY ||
        (typeof value === 'symbol' && value.description === MERGE_KEY),
    default: 'key',
    tag: 'tag:yaml.org,2002:merge',
    test: /^<<$/,
    resolve: () => Object.assign(new Scalar.Scalar(Symbol(MERGE_KEY)), {
        addToJSMap: addMergeToJSMap
    }),
    stringify: () => MERGE_KEY
};
const isMergeKey = (ctx, key) => (merge.identify(key) ||
    (identity.isScalar(key) &&
        (!key.type || key.type === Scalar.Scalar.PLAIN) &&
        merge.identify(key.value))) &&
    ctx?.doc.schema.tags.some(tag => tag.tag === merge.tag && tag.default);
function addMergeToJSMap(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (identity.isSeq(source))
        for (const it of source.items)
            mergeValue(ctx, map, it);
    else if (Array.isArray(source))
        for (const it of source)
            mergeValue(ctx, map, it);
    else
        mergeValue(ctx, map, source);
}
function mergeValue(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (!identity.isMap(source))
        throw new Error('Merge sources must be maps or map aliases');
    const srcMap = source.toJSON(null, ctx, Map);
    for (const [key, value] of srcMap) {
        if (map instanceof Map) {
            if (!map.has(key))
                map.set(key, value);
        }
        else if (map instanceof Set) {
            map.add(key);
        }
        else if (!Object.prototype.hasOwnProperty.call(map, key)) {
            Object.defineProperty(map, key, {
                value,
                writable: true,
                enumerable: true,
                configurable: true
            });
        }
    }
    return map;
}
function resolveAliasValue(ctx, value) {
    return ctx && identity.isAlias(value) ? value.resolve(ctx.doc, ctx) : value;
}

exports.addMergeToJSMap = addMergeToJSMap;
exports.isMergeKey = isMergeKey;
exports.merge = merge;


/***/ }),

/***/ 303:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var pairs = __nccwpck_require__(8385);

class YAMLOMap extends YAMLSeq.YAMLSeq {
    constructor() {
        super();
        this.add = YAMLMap.YAMLMap.prototype.add.bind(this);
        this.delete = YAMLMap.YAMLMap.prototype.delete.bind(this);
        this.get = YAMLMap.YAMLMap.prototype.get.bind(this);
        this.has = YAMLMap.YAMLMap.prototype.has.bind(this);
        this.set = YAMLMap.YAMLMap.prototype.set.bind(this);
        this.tag = YAMLOMap.tag;
    }
    /**
     * If `ctx` is given, the return type is actually `Map<unknown, unknown>`,
     * but TypeScript won't allow widening the signature of a child method.
     */
    toJSON(_, ctx) {
        if (!ctx)
            return super.toJSON(_);
        const map = new Map();
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const pair of this.items) {
            let key, value;
            if (identity.isPair(pair)) {
                key = toJS.toJS(pair.key, '', ctx);
                value = toJS.toJS(pair.value, key, ctx);
            }
            else {
                key = toJS.toJS(pair, '', ctx);
            }
            if (map.has(key))
                throw new Error('Ordered maps must not include duplicate keys');
            map.set(key, value);
        }
        return map;
    }
    static from(schema, iterable, ctx) {
        const pairs$1 = pairs.createPairs(schema, iterable, ctx);
        const omap = new this();
        omap.items = pairs$1.items;
        return omap;
    }
}
YAMLOMap.tag = 'tag:yaml.org,2002:omap';
const omap = {
    collection: 'seq',
    identify: value => value instanceof Map,
    nodeClass: YAMLOMap,
    default: false,
    tag: 'tag:yaml.org,2002:omap',
    resolve(seq, onError) {
        const pairs$1 = pairs.resolvePairs(seq, onError);
        const seenKeys = [];
        for (const { key } of pairs$1.items) {
            if (identity.isScalar(key)) {
                if (seenKeys.includes(key.value)) {
                    onError(`Ordered maps must not include duplicate keys: ${key.value}`);
                }
                else {
                    seenKeys.push(key.value);
                }
            }
        }
        return Object.assign(new YAMLOMap(), pairs$1);
    },
    createNode: (schema, iterable, ctx) => YAMLOMap.from(schema, iterable, ctx)
};

exports.YAMLOMap = YAMLOMap;
exports.omap = omap;


/***/ }),

/***/ 8385:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLSeq = __nccwpck_require__(2223);

function resolvePairs(seq, onError) {
    if (identity.isSeq(seq)) {
        for (let i = 0; i < seq.items.length; ++i) {
            let item = seq.items[i];
            if (identity.isPair(item))
                continue;
            else if (identity.isMap(item)) {
                if (item.items.length > 1)
                    onError('Each pair must have its own sequence indicator');
                const pair = item.items[0] || new Pair.Pair(new Scalar.Scalar(null));
                if (item.commentBefore)
                    pair.key.commentBefore = pair.key.commentBefore
                        ? `${item.commentBefore}\n${pair.key.commentBefore}`
                        : item.commentBefore;
                if (item.comment) {
                    const cn = pair.value ?? pair.key;
                    cn.comment = cn.comment
                        ? `${item.comment}\n${cn.comment}`
                        : item.comment;
                }
                item = pair;
            }
            seq.items[i] = identity.isPair(item) ? item : new Pair.Pair(item);
        }
    }
    else
        onError('Expected a sequence for this tag');
    return seq;
}
function createPairs(schema, iterable, ctx) {
    const { replacer } = ctx;
    const pairs = new YAMLSeq.YAMLSeq(schema);
    pairs.tag = 'tag:yaml.org,2002:pairs';
    let i = 0;
    if (iterable && Symbol.iterator in Object(iterable))
        for (let it of iterable) {
            if (typeof replacer === 'function')
                it = replacer.call(iterable, String(i++), it);
            let key, value;
            if (Array.isArray(it)) {
                if (it.length === 2) {
                    key = it[0];
                    value = it[1];
                }
                else
                    throw new TypeError(`Expected [key, value] tuple: ${it}`);
            }
            else if (it && it instanceof Object) {
                const keys = Object.keys(it);
                if (keys.length === 1) {
                    key = keys[0];
                    value = it[key];
                }
                else {
                    throw new TypeError(`Expected tuple with one key, not ${keys.length} keys`);
                }
            }
            else {
                key = it;
            }
            pairs.items.push(Pair.createPair(key, value, ctx));
        }
    return pairs;
}
const pairs = {
    collection: 'seq',
    default: false,
    tag: 'tag:yaml.org,2002:pairs',
    resolve: resolvePairs,
    createNode: createPairs
};

exports.createPairs = createPairs;
exports.pairs = pairs;
exports.resolvePairs = resolvePairs;


/***/ }),

/***/ 5913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var binary = __nccwpck_require__(6083);
var bool = __nccwpck_require__(8398);
var float = __nccwpck_require__(5782);
var int = __nccwpck_require__(873);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.trueTag,
    bool.falseTag,
    int.intBin,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float,
    binary.binary,
    merge.merge,
    omap.omap,
    pairs.pairs,
    set.set,
    timestamp.intTime,
    timestamp.floatTime,
    timestamp.timestamp
];

exports.schema = schema;


/***/ }),

/***/ 1528:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);

class YAMLSet extends YAMLMap.YAMLMap {
    constructor(schema) {
        super(schema);
        this.tag = YAMLSet.tag;
    }
    add(key) {
        let pair;
        if (identity.isPair(key))
            pair = key;
        else if (key &&
            typeof key === 'object' &&
            'key' in key &&
            'value' in key &&
            key.value === null)
            pair = new Pair.Pair(key.key, null);
        else
            pair = new Pair.Pair(key, null);
        const prev = YAMLMap.findPair(this.items, pair.key);
        if (!prev)
            this.items.push(pair);
    }
    /**
     * If `keepPair` is `true`, returns the Pair matching `key`.
     * Otherwise, returns the value of that Pair's key.
     */
    get(key, keepPair) {
        const pair = YAMLMap.findPair(this.items, key);
        return !keepPair && identity.isPair(pair)
            ? identity.isScalar(pair.key)
                ? pair.key.value
                : pair.key
            : pair;
    }
    set(key, value) {
        if (typeof value !== 'boolean')
            throw new Error(`Expected boolean value for set(key, value) in a YAML set, not ${typeof value}`);
        const prev = YAMLMap.findPair(this.items, key);
        if (prev && !value) {
            this.items.splice(this.items.indexOf(prev), 1);
        }
        else if (!prev && value) {
            this.items.push(new Pair.Pair(key));
        }
    }
    toJSON(_, ctx) {
        return super.toJSON(_, ctx, Set);
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        if (this.hasAllNullValues(true))
            return super.toString(Object.assign({}, ctx, { allNullValues: true }), onComment, onChompKeep);
        else
            throw new Error('Set items must all have null values');
    }
    static from(schema, iterable, ctx) {
        const { replacer } = ctx;
        const set = new this(schema);
        if (iterable && Symbol.iterator in Object(iterable))
            for (let value of iterable) {
                if (typeof replacer === 'function')
                    value = replacer.call(iterable, value, value);
                set.items.push(Pair.createPair(value, null, ctx));
            }
        return set;
    }
}
YAMLSet.tag = 'tag:yaml.org,2002:set';
const set = {
    collection: 'map',
    identify: value => value instanceof Set,
    nodeClass: YAMLSet,
    default: false,
    tag: 'tag:yaml.org,2002:set',
    createNode: (schema, iterable, ctx) => YAMLSet.from(schema, iterable, ctx),
    resolve(map, onError) {
        if (identity.isMap(map)) {
            if (map.hasAllNullValues(true))
                return Object.assign(new YAMLSet(), map);
            else
                onError('Set items must all have null values');
        }
        else
            onError('Expected a mapping for this tag');
        return map;
    }
};

exports.YAMLSet = YAMLSet;
exports.set = set;


/***/ }),

/***/ 6752:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

/** Internal types handle bigint as number, because TS can't figure it out. */
function parseSexagesimal(str, asBigInt) {
    const sign = str[0];
    const parts = sign === '-' || sign === '+' ? str.substring(1) : str;
    const num = (n) => asBigInt ? BigInt(n) : Number(n);
    const res = parts
        .replace(/_/g, '')
        .split(':')
        .reduce((res, p) => res * num(60) + num(p), num(0));
    return (sign === '-' ? num(-1) * res : res);
}
/**
 * hhhh:mm:ss.sss
 *
 * Internal types handle bigint as number, because TS can't figure it out.
 */
function stringifySexagesimal(node) {
    let { value } = node;
    let num = (n) => n;
    if (typeof value === 'bigint')
        num = n => BigInt(n);
    else if (isNaN(value) || !isFinite(value))
        return stringifyNumber.stringifyNumber(node);
    let sign = '';
    if (value < 0) {
        sign = '-';
        value *= num(-1);
    }
    const _60 = num(60);
    const parts = [value % _60]; // seconds, including ms
    if (value < 60) {
        parts.unshift(0); // at least one : is required
    }
    else {
        value = (value - parts[0]) / _60;
        parts.unshift(value % _60); // minutes
        if (value >= 60) {
            value = (value - parts[0]) / _60;
            parts.unshift(value); // hours
        }
    }
    return (sign +
        parts
            .map(n => String(n).padStart(2, '0'))
            .join(':')
            .replace(/000000\d*$/, '') // % 60 may introduce error
    );
}
const intTime = {
    identify: value => typeof value === 'bigint' || Number.isInteger(value),
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    resolve: (str, _onError, { intAsBigInt }) => parseSexagesimal(str, intAsBigInt),
    stringify: stringifySexagesimal
};
const floatTime = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    resolve: str => parseSexagesimal(str, false),
    stringify: stringifySexagesimal
};
const timestamp = {
    identify: value => value instanceof Date,
    default: true,
    tag: 'tag:yaml.org,2002:timestamp',
    // If the time zone is omitted, the timestamp is assumed to be specified in UTC. The time part
    // may be omitted altogether, resulting in a date format. In such a case, the time part is
    // assumed to be 00:00:00Z (start of day, UTC).
    test: RegExp('^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})' + // YYYY-Mm-Dd
        '(?:' + // time is optional
        '(?:t|T|[ \\t]+)' + // t | T | whitespace
        '([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)' + // Hh:Mm:Ss(.ss)?
        '(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?' + // Z | +5 | -03:30
        ')?$'),
    resolve(str) {
        const match = str.match(timestamp.test);
        if (!match)
            throw new Error('!!timestamp expects a date, starting with yyyy-mm-dd');
        const [, year, month, day, hour, minute, second] = match.map(Number);
        const millisec = match[7] ? Number((match[7] + '00').substr(1, 3)) : 0;
        let date = Date.UTC(year, month - 1, day, hour || 0, minute || 0, second || 0, millisec);
        const tz = match[8];
        if (tz && tz !== 'Z') {
            let d = parseSexagesimal(tz, false);
            if (Math.abs(d) < 30)
                d *= 60;
            date -= 60000 * d;
        }
        return new Date(date);
    },
    stringify: ({ value }) => value?.toISOString().replace(/(T00:00:00)?\.000Z$/, '') ?? ''
};

exports.floatTime = floatTime;
exports.intTime = intTime;
exports.timestamp = timestamp;


/***/ }),

/***/ 4475:
/***/ ((__unused_webpack_module, exports) => {



const FOLD_FLOW = 'flow';
const FOLD_BLOCK = 'block';
const FOLD_QUOTED = 'quoted';
/**
 * Tries to keep input at up to `lineWidth` characters, splitting only on spaces
 * not followed by newlines or spaces unless `mode` is `'quoted'`. Lines are
 * terminated with `\n` and started with `indent`.
 */
function foldFlowLines(text, indent, mode = 'flow', { indentAtStart, lineWidth = 80, minContentWidth = 20, onFold, onOverflow } = {}) {
    if (!lineWidth || lineWidth < 0)
        return text;
    if (lineWidth < minContentWidth)
        minContentWidth = 0;
    const endStep = Math.max(1 + minContentWidth, 1 + lineWidth - indent.length);
    if (text.length <= endStep)
        return text;
    const folds = [];
    const escapedFolds = {};
    let end = lineWidth - indent.length;
    if (typeof indentAtStart === 'number') {
        if (indentAtStart > lineWidth - Math.max(2, minContentWidth))
            folds.push(0);
        else
            end = lineWidth - indentAtStart;
    }
    let split = undefined;
    let prev = undefined;
    let overflow = false;
    let i = -1;
    let escStart = -1;
    let escEnd = -1;
    if (mode === FOLD_BLOCK) {
        i = consumeMoreIndentedLines(text, i, indent.length);
        if (i !== -1)
            end = i + endStep;
    }
    for (let ch; (ch = text[(i += 1)]);) {
        if (mode === FOLD_QUOTED && ch === '\\') {
            escStart = i;
            switch (text[i + 1]) {
                case 'x':
                    i += 3;
                    break;
                case 'u':
                    i += 5;
                    break;
                case 'U':
                    i += 9;
                    break;
                default:
                    i += 1;
            }
            escEnd = i;
        }
        if (ch === '\n') {
            if (mode === FOLD_BLOCK)
                i = consumeMoreIndentedLines(text, i, indent.length);
            end = i + indent.length + endStep;
            split = undefined;
        }
        else {
            if (ch === ' ' &&
                prev &&
                prev !== ' ' &&
                prev !== '\n' &&
                prev !== '\t') {
                // space surrounded by non-space can be replaced with newline + indent
                const next = text[i + 1];
                if (next && next !== ' ' && next !== '\n' && next !== '\t')
                    split = i;
            }
            if (i >= end) {
                if (split) {
                    folds.push(split);
                    end = split + endStep;
                    split = undefined;
                }
                else if (mode === FOLD_QUOTED) {
                    // white-space collected at end may stretch past lineWidth
                    while (prev === ' ' || prev === '\t') {
                        prev = ch;
                        ch = text[(i += 1)];
                        overflow = true;
                    }
                    // Account for newline escape, but don't break preceding escape
                    const j = i > escEnd + 1 ? i - 2 : escStart - 1;
                    // Bail out if lineWidth & minContentWidth are shorter than an escape string
                    if (escapedFolds[j])
                        return text;
                    folds.push(j);
                    escapedFolds[j] = true;
                    end = j + endStep;
                    split = undefined;
                }
                else {
                    overflow = true;
                }
            }
        }
        prev = ch;
    }
    if (overflow && onOverflow)
        onOverflow();
    if (folds.length === 0)
        return text;
    if (onFold)
        onFold();
    let res = text.slice(0, folds[0]);
    for (let i = 0; i < folds.length; ++i) {
        const fold = folds[i];
        const end = folds[i + 1] || text.length;
        if (fold === 0)
            res = `\n${indent}${text.slice(0, end)}`;
        else {
            if (mode === FOLD_QUOTED && escapedFolds[fold])
                res += `${text[fold]}\\`;
            res += `\n${indent}${text.slice(fold + 1, end)}`;
        }
    }
    return res;
}
/**
 * Presumes `i + 1` is at the start of a line
 * @returns index of last newline in more-indented block
 */
function consumeMoreIndentedLines(text, i, indent) {
    let end = i;
    let start = i + 1;
    let ch = text[start];
    while (ch === ' ' || ch === '\t') {
        if (i < start + indent) {
            ch = text[++i];
        }
        else {
            do {
                ch = text[++i];
            } while (ch && ch !== '\n');
            end = i;
            start = i + 1;
            ch = text[start];
        }
    }
    return end;
}

exports.FOLD_BLOCK = FOLD_BLOCK;
exports.FOLD_FLOW = FOLD_FLOW;
exports.FOLD_QUOTED = FOLD_QUOTED;
exports.foldFlowLines = foldFlowLines;


/***/ }),

/***/ 2148:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var identity = __nccwpck_require__(1127);
var stringifyComment = __nccwpck_require__(9799);
var stringifyString = __nccwpck_require__(3069);

function createStringifyContext(doc, options) {
    const opt = Object.assign({
        blockQuote: true,
        commentString: stringifyComment.stringifyComment,
        defaultKeyType: null,
        defaultStringType: 'PLAIN',
        directives: null,
        doubleQuotedAsJSON: false,
        doubleQuotedMinMultiLineLength: 40,
        falseStr: 'false',
        flowCollectionPadding: true,
        indentSeq: true,
        lineWidth: 80,
        minContentWidth: 20,
        nullStr: 'null',
        simpleKeys: false,
        singleQuote: null,
        trailingComma: false,
        trueStr: 'true',
        verifyAliasOrder: true
    }, doc.schema.toStringOptions, options);
    let inFlow;
    switch (opt.collectionStyle) {
        case 'block':
            inFlow = false;
            break;
        case 'flow':
            inFlow = true;
            break;
        default:
            inFlow = null;
    }
    return {
        anchors: new Set(),
        doc,
        flowCollectionPadding: opt.flowCollectionPadding ? ' ' : '',
        indent: '',
        indentStep: typeof opt.indent === 'number' ? ' '.repeat(opt.indent) : '  ',
        inFlow,
        options: opt
    };
}
function getTagObject(tags, item) {
    if (item.tag) {
        const match = tags.filter(t => t.tag === item.tag);
        if (match.length > 0)
            return match.find(t => t.format === item.format) ?? match[0];
    }
    let tagObj = undefined;
    let obj;
    if (identity.isScalar(item)) {
        obj = item.value;
        let match = tags.filter(t => t.identify?.(obj));
        if (match.length > 1) {
            const testMatch = match.filter(t => t.test);
            if (testMatch.length > 0)
                match = testMatch;
        }
        tagObj =
            match.find(t => t.format === item.format) ?? match.find(t => !t.format);
    }
    else {
        obj = item;
        tagObj = tags.find(t => t.nodeClass && obj instanceof t.nodeClass);
    }
    if (!tagObj) {
        const name = obj?.constructor?.name ?? (obj === null ? 'null' : typeof obj);
        throw new Error(`Tag not resolved for ${name} value`);
    }
    return tagObj;
}
// needs to be called before value stringifier to allow for circular anchor refs
function stringifyProps(node, tagObj, { anchors: anchors$1, doc }) {
    if (!doc.directives)
        return '';
    const props = [];
    const anchor = (identity.isScalar(node) || identity.isCollection(node)) && node.anchor;
    if (anchor && anchors.anchorIsValid(anchor)) {
        anchors$1.add(anchor);
        props.push(`&${anchor}`);
    }
    const tag = node.tag ?? (tagObj.default ? null : tagObj.tag);
    if (tag)
        props.push(doc.directives.tagString(tag));
    return props.join(' ');
}
function stringify(item, ctx, onComment, onChompKeep) {
    if (identity.isPair(item))
        return item.toString(ctx, onComment, onChompKeep);
    if (identity.isAlias(item)) {
        if (ctx.doc.directives)
            return item.toString(ctx);
        if (ctx.resolvedAliases?.has(item)) {
            throw new TypeError(`Cannot stringify circular structure without alias nodes`);
        }
        else {
            if (ctx.resolvedAliases)
                ctx.resolvedAliases.add(item);
            else
                ctx.resolvedAliases = new Set([item]);
            item = item.resolve(ctx.doc);
        }
    }
    let tagObj = undefined;
    const node = identity.isNode(item)
        ? item
        : ctx.doc.createNode(item, { onTagObj: o => (tagObj = o) });
    tagObj ?? (tagObj = getTagObject(ctx.doc.schema.tags, node));
    const props = stringifyProps(node, tagObj, ctx);
    if (props.length > 0)
        ctx.indentAtStart = (ctx.indentAtStart ?? 0) + props.length + 1;
    const str = typeof tagObj.stringify === 'function'
        ? tagObj.stringify(node, ctx, onComment, onChompKeep)
        : identity.isScalar(node)
            ? stringifyString.stringifyString(node, ctx, onComment, onChompKeep)
            : node.toString(ctx, onComment, onChompKeep);
    if (!props)
        return str;
    return identity.isScalar(node) || str[0] === '{' || str[0] === '['
        ? `${props} ${str}`
        : `${props}\n${ctx.indent}${str}`;
}

exports.createStringifyContext = createStringifyContext;
exports.stringify = stringify;


/***/ }),

/***/ 1212:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyCollection(collection, ctx, options) {
    const flow = ctx.inFlow ?? collection.flow;
    const stringify = flow ? stringifyFlowCollection : stringifyBlockCollection;
    return stringify(collection, ctx, options);
}
function stringifyBlockCollection({ comment, items }, ctx, { blockItemPrefix, flowChars, itemIndent, onChompKeep, onComment }) {
    const { indent, options: { commentString } } = ctx;
    const itemCtx = Object.assign({}, ctx, { indent: itemIndent, type: null });
    let chompKeep = false; // flag for the preceding node's status
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (!chompKeep && item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, chompKeep);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (!chompKeep && ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, chompKeep);
            }
        }
        chompKeep = false;
        let str = stringify.stringify(item, itemCtx, () => (comment = null), () => (chompKeep = true));
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        if (chompKeep && comment)
            chompKeep = false;
        lines.push(blockItemPrefix + str);
    }
    let str;
    if (lines.length === 0) {
        str = flowChars.start + flowChars.end;
    }
    else {
        str = lines[0];
        for (let i = 1; i < lines.length; ++i) {
            const line = lines[i];
            str += line ? `\n${indent}${line}` : '\n';
        }
    }
    if (comment) {
        str += '\n' + stringifyComment.indentComment(commentString(comment), indent);
        if (onComment)
            onComment();
    }
    else if (chompKeep && onChompKeep)
        onChompKeep();
    return str;
}
function stringifyFlowCollection({ items }, ctx, { flowChars, itemIndent }) {
    const { indent, indentStep, flowCollectionPadding: fcPadding, options: { commentString } } = ctx;
    itemIndent += indentStep;
    const itemCtx = Object.assign({}, ctx, {
        indent: itemIndent,
        inFlow: true,
        type: null
    });
    let reqNewline = false;
    let linesAtValue = 0;
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, false);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, false);
                if (ik.comment)
                    reqNewline = true;
            }
            const iv = identity.isNode(item.value) ? item.value : null;
            if (iv) {
                if (iv.comment)
                    comment = iv.comment;
                if (iv.commentBefore)
                    reqNewline = true;
            }
            else if (item.value == null && ik?.comment) {
                comment = ik.comment;
            }
        }
        if (comment)
            reqNewline = true;
        let str = stringify.stringify(item, itemCtx, () => (comment = null));
        reqNewline || (reqNewline = lines.length > linesAtValue || str.includes('\n'));
        if (i < items.length - 1) {
            str += ',';
        }
        else if (ctx.options.trailingComma) {
            if (ctx.options.lineWidth > 0) {
                reqNewline || (reqNewline = lines.reduce((sum, line) => sum + line.length + 2, 2) +
                    (str.length + 2) >
                    ctx.options.lineWidth);
            }
            if (reqNewline) {
                str += ',';
            }
        }
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        lines.push(str);
        linesAtValue = lines.length;
    }
    const { start, end } = flowChars;
    if (lines.length === 0) {
        return start + end;
    }
    else {
        if (!reqNewline) {
            const len = lines.reduce((sum, line) => sum + line.length + 2, 2);
            reqNewline = ctx.options.lineWidth > 0 && len > ctx.options.lineWidth;
        }
        if (reqNewline) {
            let str = start;
            for (const line of lines)
                str += line ? `\n${indentStep}${indent}${line}` : '\n';
            return `${str}\n${indent}${end}`;
        }
        else {
            return `${start}${fcPadding}${lines.join(' ')}${fcPadding}${end}`;
        }
    }
}
function addCommentBefore({ indent, options: { commentString } }, lines, comment, chompKeep) {
    if (comment && chompKeep)
        comment = comment.replace(/^\n+/, '');
    if (comment) {
        const ic = stringifyComment.indentComment(commentString(comment), indent);
        lines.push(ic.trimStart()); // Avoid double indent on first line
    }
}

exports.stringifyCollection = stringifyCollection;


/***/ }),

/***/ 9799:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringifies a comment.
 *
 * Empty comment lines are left empty,
 * lines consisting of a single space are replaced by `#`,
 * and all other lines are prefixed with a `#`.
 */
const stringifyComment = (str) => str.replace(/^(?!$)(?: $)?/gm, '#');
function indentComment(comment, indent) {
    if (/^\n+$/.test(comment))
        return comment.substring(1);
    return indent ? comment.replace(/^(?! *$)/gm, indent) : comment;
}
const lineComment = (str, indent, comment) => str.endsWith('\n')
    ? indentComment(comment, indent)
    : comment.includes('\n')
        ? '\n' + indentComment(comment, indent)
        : (str.endsWith(' ') ? '' : ' ') + comment;

exports.indentComment = indentComment;
exports.lineComment = lineComment;
exports.stringifyComment = stringifyComment;


/***/ }),

/***/ 6829:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyDocument(doc, options) {
    const lines = [];
    let hasDirectives = options.directives === true;
    if (options.directives !== false && doc.directives) {
        const dir = doc.directives.toString(doc);
        if (dir) {
            lines.push(dir);
            hasDirectives = true;
        }
        else if (doc.directives.docStart)
            hasDirectives = true;
    }
    if (hasDirectives)
        lines.push('---');
    const ctx = stringify.createStringifyContext(doc, options);
    const { commentString } = ctx.options;
    if (doc.commentBefore) {
        if (lines.length !== 1)
            lines.unshift('');
        const cs = commentString(doc.commentBefore);
        lines.unshift(stringifyComment.indentComment(cs, ''));
    }
    let chompKeep = false;
    let contentComment = null;
    if (doc.contents) {
        if (identity.isNode(doc.contents)) {
            if (doc.contents.spaceBefore && hasDirectives)
                lines.push('');
            if (doc.contents.commentBefore) {
                const cs = commentString(doc.contents.commentBefore);
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            // top-level block scalars need to be indented if followed by a comment
            ctx.forceBlockIndent = !!doc.comment;
            contentComment = doc.contents.comment;
        }
        const onChompKeep = contentComment ? undefined : () => (chompKeep = true);
        let body = stringify.stringify(doc.contents, ctx, () => (contentComment = null), onChompKeep);
        if (contentComment)
            body += stringifyComment.lineComment(body, '', commentString(contentComment));
        if ((body[0] === '|' || body[0] === '>') &&
            lines[lines.length - 1] === '---') {
            // Top-level block scalars with a preceding doc marker ought to use the
            // same line for their header.
            lines[lines.length - 1] = `--- ${body}`;
        }
        else
            lines.push(body);
    }
    else {
        lines.push(stringify.stringify(doc.contents, ctx));
    }
    if (doc.directives?.docEnd) {
        if (doc.comment) {
            const cs = commentString(doc.comment);
            if (cs.includes('\n')) {
                lines.push('...');
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            else {
                lines.push(`... ${cs}`);
            }
        }
        else {
            lines.push('...');
        }
    }
    else {
        let dc = doc.comment;
        if (dc && chompKeep)
            dc = dc.replace(/^\n+/, '');
        if (dc) {
            if ((!chompKeep || contentComment) && lines[lines.length - 1] !== '')
                lines.push('');
            lines.push(stringifyComment.indentComment(commentString(dc), ''));
        }
    }
    return lines.join('\n') + '\n';
}

exports.stringifyDocument = stringifyDocument;


/***/ }),

/***/ 8689:
/***/ ((__unused_webpack_module, exports) => {



function stringifyNumber({ format, minFractionDigits, tag, value }) {
    if (typeof value === 'bigint')
        return String(value);
    const num = typeof value === 'number' ? value : Number(value);
    if (!isFinite(num))
        return isNaN(num) ? '.nan' : num < 0 ? '-.inf' : '.inf';
    let n = Object.is(value, -0) ? '-0' : JSON.stringify(value);
    if (!format &&
        minFractionDigits &&
        (!tag || tag === 'tag:yaml.org,2002:float') &&
        /^-?\d/.test(n) &&
        !n.includes('e')) {
        let i = n.indexOf('.');
        if (i < 0) {
            i = n.length;
            n += '.';
        }
        let d = minFractionDigits - (n.length - i - 1);
        while (d-- > 0)
            n += '0';
    }
    return n;
}

exports.stringifyNumber = stringifyNumber;


/***/ }),

/***/ 9748:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyPair({ key, value }, ctx, onComment, onChompKeep) {
    const { allNullValues, doc, indent, indentStep, options: { commentString, indentSeq, simpleKeys } } = ctx;
    let keyComment = (identity.isNode(key) && key.comment) || null;
    if (simpleKeys) {
        if (keyComment) {
            throw new Error('With simple keys, key nodes cannot have comments');
        }
        if (identity.isCollection(key) || (!identity.isNode(key) && typeof key === 'object')) {
            const msg = 'With simple keys, collection cannot be used as a key value';
            throw new Error(msg);
        }
    }
    let explicitKey = !simpleKeys &&
        (!key ||
            (keyComment && value == null && !ctx.inFlow) ||
            identity.isCollection(key) ||
            (identity.isScalar(key)
                ? key.type === Scalar.Scalar.BLOCK_FOLDED || key.type === Scalar.Scalar.BLOCK_LITERAL
                : typeof key === 'object'));
    ctx = Object.assign({}, ctx, {
        allNullValues: false,
        implicitKey: !explicitKey && (simpleKeys || !allNullValues),
        indent: indent + indentStep
    });
    let keyCommentDone = false;
    let chompKeep = false;
    let str = stringify.stringify(key, ctx, () => (keyCommentDone = true), () => (chompKeep = true));
    if (!explicitKey && !ctx.inFlow && str.length > 1024) {
        if (simpleKeys)
            throw new Error('With simple keys, single line scalar must not span more than 1024 characters');
        explicitKey = true;
    }
    if (ctx.inFlow) {
        if (allNullValues || value == null) {
            if (keyCommentDone && onComment)
                onComment();
            return str === '' ? '?' : explicitKey ? `? ${str}` : str;
        }
    }
    else if ((allNullValues && !simpleKeys) || (value == null && explicitKey)) {
        str = `? ${str}`;
        if (keyComment && !keyCommentDone) {
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        }
        else if (chompKeep && onChompKeep)
            onChompKeep();
        return str;
    }
    if (keyCommentDone)
        keyComment = null;
    if (explicitKey) {
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        str = `? ${str}\n${indent}:`;
    }
    else {
        str = `${str}:`;
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
    }
    let vsb, vcb, valueComment;
    if (identity.isNode(value)) {
        vsb = !!value.spaceBefore;
        vcb = value.commentBefore;
        valueComment = value.comment;
    }
    else {
        vsb = false;
        vcb = null;
        valueComment = null;
        if (value && typeof value === 'object')
            value = doc.createNode(value);
    }
    ctx.implicitKey = false;
    if (!explicitKey && !keyComment && identity.isScalar(value))
        ctx.indentAtStart = str.length + 1;
    chompKeep = false;
    if (!indentSeq &&
        indentStep.length >= 2 &&
        !ctx.inFlow &&
        !explicitKey &&
        identity.isSeq(value) &&
        !value.flow &&
        !value.tag &&
        !value.anchor) {
        // If indentSeq === false, consider '- ' as part of indentation where possible
        ctx.indent = ctx.indent.substring(2);
    }
    let valueCommentDone = false;
    const valueStr = stringify.stringify(value, ctx, () => (valueCommentDone = true), () => (chompKeep = true));
    let ws = ' ';
    if (keyComment || vsb || vcb) {
        ws = vsb ? '\n' : '';
        if (vcb) {
            const cs = commentString(vcb);
            ws += `\n${stringifyComment.indentComment(cs, ctx.indent)}`;
        }
        if (valueStr === '' && !ctx.inFlow) {
            if (ws === '\n' && valueComment)
                ws = '\n\n';
        }
        else {
            ws += `\n${ctx.indent}`;
        }
    }
    else if (!explicitKey && identity.isCollection(value)) {
        const vs0 = valueStr[0];
        const nl0 = valueStr.indexOf('\n');
        const hasNewline = nl0 !== -1;
        const flow = ctx.inFlow ?? value.flow ?? value.items.length === 0;
        if (hasNewline || !flow) {
            let hasPropsLine = false;
            if (hasNewline && (vs0 === '&' || vs0 === '!')) {
                let sp0 = valueStr.indexOf(' ');
                if (vs0 === '&' &&
                    sp0 !== -1 &&
                    sp0 < nl0 &&
                    valueStr[sp0 + 1] === '!') {
                    sp0 = valueStr.indexOf(' ', sp0 + 1);
                }
                if (sp0 === -1 || nl0 < sp0)
                    hasPropsLine = true;
            }
            if (!hasPropsLine)
                ws = `\n${ctx.indent}`;
        }
    }
    else if (valueStr === '' || valueStr[0] === '\n') {
        ws = '';
    }
    str += ws + valueStr;
    if (ctx.inFlow) {
        if (valueCommentDone && onComment)
            onComment();
    }
    else if (valueComment && !valueCommentDone) {
        str += stringifyComment.lineComment(str, ctx.indent, commentString(valueComment));
    }
    else if (chompKeep && onChompKeep) {
        onChompKeep();
    }
    return str;
}

exports.stringifyPair = stringifyPair;


/***/ }),

/***/ 3069:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var foldFlowLines = __nccwpck_require__(4475);

const getFoldOptions = (ctx, isBlock) => ({
    indentAtStart: isBlock ? ctx.indent.length : ctx.indentAtStart,
    lineWidth: ctx.options.lineWidth,
    minContentWidth: ctx.options.minContentWidth
});
// Also checks for lines starting with %, as parsing the output as YAML 1.1 will
// presume that's starting a new document.
const containsDocumentMarker = (str) => /^(%|---|\.\.\.)/m.test(str);
function lineLengthOverLimit(str, lineWidth, indentLength) {
    if (!lineWidth || lineWidth < 0)
        return false;
    const limit = lineWidth - indentLength;
    const strLen = str.length;
    if (strLen <= limit)
        return false;
    for (let i = 0, start = 0; i < strLen; ++i) {
        if (str[i] === '\n') {
            if (i - start > limit)
                return true;
            start = i + 1;
            if (strLen - start <= limit)
                return false;
        }
    }
    return true;
}
function doubleQuotedString(value, ctx) {
    const json = JSON.stringify(value);
    if (ctx.options.doubleQuotedAsJSON)
        return json;
    const { implicitKey } = ctx;
    const minMultiLineLength = ctx.options.doubleQuotedMinMultiLineLength;
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    let str = '';
    let start = 0;
    for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
        if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
            // space before newline needs to be escaped to not be folded
            str += json.slice(start, i) + '\\ ';
            i += 1;
            start = i;
            ch = '\\';
        }
        if (ch === '\\')
            switch (json[i + 1]) {
                case 'u':
                    {
                        str += json.slice(start, i);
                        const code = json.substr(i + 2, 4);
                        switch (code) {
                            case '0000':
                                str += '\\0';
                                break;
                            case '0007':
                                str += '\\a';
                                break;
                            case '000b':
                                str += '\\v';
                                break;
                            case '001b':
                                str += '\\e';
                                break;
                            case '0085':
                                str += '\\N';
                                break;
                            case '00a0':
                                str += '\\_';
                                break;
                            case '2028':
                                str += '\\L';
                                break;
                            case '2029':
                                str += '\\P';
                                break;
                            default:
                                if (code.substr(0, 2) === '00')
                                    str += '\\x' + code.substr(2);
                                else
                                    str += json.substr(i, 6);
                        }
                        i += 5;
                        start = i + 1;
                    }
                    break;
                case 'n':
                    if (implicitKey ||
                        json[i + 2] === '"' ||
                        json.length < minMultiLineLength) {
                        i += 1;
                    }
                    else {
                        // folding will eat first newline
                        str += json.slice(start, i) + '\n\n';
                        while (json[i + 2] === '\\' &&
                            json[i + 3] === 'n' &&
                            json[i + 4] !== '"') {
                            str += '\n';
                            i += 2;
                        }
                        str += indent;
                        // space after newline needs to be escaped to not be folded
                        if (json[i + 2] === ' ')
                            str += '\\';
                        i += 1;
                        start = i + 1;
                    }
                    break;
                default:
                    i += 1;
            }
    }
    str = start ? str + json.slice(start) : json;
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_QUOTED, getFoldOptions(ctx, false));
}
function singleQuotedString(value, ctx) {
    if (ctx.options.singleQuote === false ||
        (ctx.implicitKey && value.includes('\n')) ||
        /[ \t]\n|\n[ \t]/.test(value) // single quoted string can't have leading or trailing whitespace around newline
    )
        return doubleQuotedString(value, ctx);
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    const res = "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`) + "'";
    return ctx.implicitKey
        ? res
        : foldFlowLines.foldFlowLines(res, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function quotedString(value, ctx) {
    const { singleQuote } = ctx.options;
    let qs;
    if (singleQuote === false)
        qs = doubleQuotedString;
    else {
        const hasDouble = value.includes('"');
        const hasSingle = value.includes("'");
        if (hasDouble && !hasSingle)
            qs = singleQuotedString;
        else if (hasSingle && !hasDouble)
            qs = doubleQuotedString;
        else
            qs = singleQuote ? singleQuotedString : doubleQuotedString;
    }
    return qs(value, ctx);
}
// The negative lookbehind avoids a polynomial search,
// but isn't supported yet on Safari: https://caniuse.com/js-regexp-lookbehind
let blockEndNewlines;
try {
    blockEndNewlines = new RegExp('(^|(?<!\n))\n+(?!\n|$)', 'g');
}
catch {
    blockEndNewlines = /\n+(?!\n|$)/g;
}
function blockString({ comment, type, value }, ctx, onComment, onChompKeep) {
    const { blockQuote, commentString, lineWidth } = ctx.options;
    // 1. Block can't end in whitespace unless the last line is non-empty.
    // 2. Strings consisting of only whitespace are best rendered explicitly.
    if (!blockQuote || /\n[\t ]+$/.test(value)) {
        return quotedString(value, ctx);
    }
    const indent = ctx.indent ||
        (ctx.forceBlockIndent || containsDocumentMarker(value) ? '  ' : '');
    const literal = blockQuote === 'literal'
        ? true
        : blockQuote === 'folded' || type === Scalar.Scalar.BLOCK_FOLDED
            ? false
            : type === Scalar.Scalar.BLOCK_LITERAL
                ? true
                : !lineLengthOverLimit(value, lineWidth, indent.length);
    if (!value)
        return literal ? '|\n' : '>\n';
    // determine chomping from whitespace at value end
    let chomp;
    let endStart;
    for (endStart = value.length; endStart > 0; --endStart) {
        const ch = value[endStart - 1];
        if (ch !== '\n' && ch !== '\t' && ch !== ' ')
            break;
    }
    let end = value.substring(endStart);
    const endNlPos = end.indexOf('\n');
    if (endNlPos === -1) {
        chomp = '-'; // strip
    }
    else if (value === end || endNlPos !== end.length - 1) {
        chomp = '+'; // keep
        if (onChompKeep)
            onChompKeep();
    }
    else {
        chomp = ''; // clip
    }
    if (end) {
        value = value.slice(0, -end.length);
        if (end[end.length - 1] === '\n')
            end = end.slice(0, -1);
        end = end.replace(blockEndNewlines, `$&${indent}`);
    }
    // determine indent indicator from whitespace at value start
    let startWithSpace = false;
    let startEnd;
    let startNlPos = -1;
    for (startEnd = 0; startEnd < value.length; ++startEnd) {
        const ch = value[startEnd];
        if (ch === ' ')
            startWithSpace = true;
        else if (ch === '\n')
            startNlPos = startEnd;
        else
            break;
    }
    let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
    if (start) {
        value = value.substring(start.length);
        start = start.replace(/\n+/g, `$&${indent}`);
    }
    const indentSize = indent ? '2' : '1'; // root is at -1
    // Leading | or > is added later
    let header = (startWithSpace ? indentSize : '') + chomp;
    if (comment) {
        header += ' ' + commentString(comment.replace(/ ?[\r\n]+/g, ' '));
        if (onComment)
            onComment();
    }
    if (!literal) {
        const foldedValue = value
            .replace(/\n+/g, '\n$&')
            .replace(/(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?/g, '$1$2') // more-indented lines aren't folded
            //                ^ more-ind. ^ empty     ^ capture next empty lines only at end of indent
            .replace(/\n+/g, `$&${indent}`);
        let literalFallback = false;
        const foldOptions = getFoldOptions(ctx, true);
        if (blockQuote !== 'folded' && type !== Scalar.Scalar.BLOCK_FOLDED) {
            foldOptions.onOverflow = () => {
                literalFallback = true;
            };
        }
        const body = foldFlowLines.foldFlowLines(`${start}${foldedValue}${end}`, indent, foldFlowLines.FOLD_BLOCK, foldOptions);
        if (!literalFallback)
            return `>${header}\n${indent}${body}`;
    }
    value = value.replace(/\n+/g, `$&${indent}`);
    return `|${header}\n${indent}${start}${value}${end}`;
}
function plainString(item, ctx, onComment, onChompKeep) {
    const { type, value } = item;
    const { actualString, implicitKey, indent, indentStep, inFlow } = ctx;
    if ((implicitKey && value.includes('\n')) ||
        (inFlow && /[[\]{},]/.test(value))) {
        return quotedString(value, ctx);
    }
    if (/^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/.test(value)) {
        // not allowed:
        // - '-' or '?'
        // - start with an indicator character (except [?:-]) or /[?-] /
        // - '\n ', ': ' or ' \n' anywhere
        // - '#' not preceded by a non-space char
        // - end with ' ' or ':'
        return implicitKey || inFlow || !value.includes('\n')
            ? quotedString(value, ctx)
            : blockString(item, ctx, onComment, onChompKeep);
    }
    if (!implicitKey &&
        !inFlow &&
        type !== Scalar.Scalar.PLAIN &&
        value.includes('\n')) {
        // Where allowed & type not set explicitly, prefer block style for multiline strings
        return blockString(item, ctx, onComment, onChompKeep);
    }
    if (containsDocumentMarker(value)) {
        if (indent === '') {
            ctx.forceBlockIndent = true;
            return blockString(item, ctx, onComment, onChompKeep);
        }
        else if (implicitKey && indent === indentStep) {
            return quotedString(value, ctx);
        }
    }
    const str = value.replace(/\n+/g, `$&\n${indent}`);
    // Verify that output will be parsed as a string, as e.g. plain numbers and
    // booleans get parsed with those types in v1.2 (e.g. '42', 'true' & '0.9e-3'),
    // and others in v1.1.
    if (actualString) {
        const test = (tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test?.test(str);
        const { compat, tags } = ctx.doc.schema;
        if (tags.some(test) || compat?.some(test))
            return quotedString(value, ctx);
    }
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function stringifyString(item, ctx, onComment, onChompKeep) {
    const { implicitKey, inFlow } = ctx;
    const ss = typeof item.value === 'string'
        ? item
        : Object.assign({}, item, { value: String(item.value) });
    let { type } = item;
    if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
        // force double quotes on control characters & unpaired surrogates
        if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(ss.value))
            type = Scalar.Scalar.QUOTE_DOUBLE;
    }
    const _stringify = (_type) => {
        switch (_type) {
            case Scalar.Scalar.BLOCK_FOLDED:
            case Scalar.Scalar.BLOCK_LITERAL:
                return implicitKey || inFlow
                    ? quotedString(ss.value, ctx) // blocks are not valid inside flow containers
                    : blockString(ss, ctx, onComment, onChompKeep);
            case Scalar.Scalar.QUOTE_DOUBLE:
                return doubleQuotedString(ss.value, ctx);
            case Scalar.Scalar.QUOTE_SINGLE:
                return singleQuotedString(ss.value, ctx);
            case Scalar.Scalar.PLAIN:
                return plainString(ss, ctx, onComment, onChompKeep);
            default:
                return null;
        }
    };
    let res = _stringify(type);
    if (res === null) {
        const { defaultKeyType, defaultStringType } = ctx.options;
        const t = (implicitKey && defaultKeyType) || defaultStringType;
        res = _stringify(t);
        if (res === null)
            throw new Error(`Unsupported default string type ${t}`);
    }
    return res;
}

exports.stringifyString = stringifyString;


/***/ }),

/***/ 204:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove node');
/**
 * Apply a visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
function visit(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = visit_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        visit_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current node */
visit.SKIP = SKIP;
/** Remove the current node */
visit.REMOVE = REMOVE;
function visit_(key, node, visitor, path) {
    const ctrl = callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visit_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = visit_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = visit_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = visit_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
/**
 * Apply an async visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `Promise`: Must resolve to one of the following values
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
async function visitAsync(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = await visitAsync_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        await visitAsync_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visitAsync.BREAK = BREAK;
/** Do not visit the children of the current node */
visitAsync.SKIP = SKIP;
/** Remove the current node */
visitAsync.REMOVE = REMOVE;
async function visitAsync_(key, node, visitor, path) {
    const ctrl = await callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visitAsync_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = await visitAsync_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = await visitAsync_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = await visitAsync_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
function initVisitor(visitor) {
    if (typeof visitor === 'object' &&
        (visitor.Collection || visitor.Node || visitor.Value)) {
        return Object.assign({
            Alias: visitor.Node,
            Map: visitor.Node,
            Scalar: visitor.Node,
            Seq: visitor.Node
        }, visitor.Value && {
            Map: visitor.Value,
            Scalar: visitor.Value,
            Seq: visitor.Value
        }, visitor.Collection && {
            Map: visitor.Collection,
            Seq: visitor.Collection
        }, visitor);
    }
    return visitor;
}
function callVisitor(key, node, visitor, path) {
    if (typeof visitor === 'function')
        return visitor(key, node, path);
    if (identity.isMap(node))
        return visitor.Map?.(key, node, path);
    if (identity.isSeq(node))
        return visitor.Seq?.(key, node, path);
    if (identity.isPair(node))
        return visitor.Pair?.(key, node, path);
    if (identity.isScalar(node))
        return visitor.Scalar?.(key, node, path);
    if (identity.isAlias(node))
        return visitor.Alias?.(key, node, path);
    return undefined;
}
function replaceNode(key, path, node) {
    const parent = path[path.length - 1];
    if (identity.isCollection(parent)) {
        parent.items[key] = node;
    }
    else if (identity.isPair(parent)) {
        if (key === 'key')
            parent.key = node;
        else
            parent.value = node;
    }
    else if (identity.isDocument(parent)) {
        parent.contents = node;
    }
    else {
        const pt = identity.isAlias(parent) ? 'alias' : 'scalar';
        throw new Error(`Cannot replace node with ${pt} parent`);
    }
}

exports.visit = visit;
exports.visitAsync = visitAsync;


/***/ })

/******/ 	});
/************************************************************************/
/******/ 	// The module cache
/******/ 	var __webpack_module_cache__ = {};
/******/ 	
/******/ 	// The require function
/******/ 	function __nccwpck_require__(moduleId) {
/******/ 		// Check if module is in cache
/******/ 		var cachedModule = __webpack_module_cache__[moduleId];
/******/ 		if (cachedModule !== undefined) {
/******/ 			return cachedModule.exports;
/******/ 		}
/******/ 		// Create a new module (and put it into the cache)
/******/ 		var module = __webpack_module_cache__[moduleId] = {
/******/ 			// no module.id needed
/******/ 			// no module.loaded needed
/******/ 			exports: {}
/******/ 		};
/******/ 	
/******/ 		// Execute the module function
/******/ 		var threw = true;
/******/ 		try {
/******/ 			__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 			threw = false;
/******/ 		} finally {
/******/ 			if(threw) delete __webpack_module_cache__[moduleId];
/******/ 		}
/******/ 	
/******/ 		// Return the exports of the module
/******/ 		return module.exports;
/******/ 	}
/******/ 	
/************************************************************************/
/******/ 	/* webpack/runtime/asset-relocator-loader */
/******/ 	if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = __dirname + "/";
/******/ 	
/************************************************************************/
var __webpack_exports__ = {};
// This entry need to be wrapped in an IIFE because it uses a non-standard name for the exports (exports).
(() => {
var exports = __webpack_exports__;

Object.defineProperty(exports, "__esModule", ({ value: true }));
// Entry of the bundled CLI (dist/cli/index.js).
const cli_1 = __nccwpck_require__(5581);
(0, cli_1.main)(process.argv.slice(2)).then(code => process.exit(code), (e) => {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
});

})();

module.exports = __webpack_exports__;
/******/ })()
;