// "Did you mean keep?": the closest known name to one that is not, for a misspelt input, flag or key.

import { closest, distance } from 'fastest-levenshtein'

/** The known name closest to `name`, when it is close enough to be a likely typo (at most a third off). */
export function suggest(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined
  const best = closest(name, [...known])
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

/** ` (did you mean keep?)`, or nothing. */
export function didYouMean(name: string, known: readonly string[], prefix = ''): string {
  const s = suggest(name, known)
  return s === undefined ? '' : ` (did you mean ${prefix}${s}?)`
}
