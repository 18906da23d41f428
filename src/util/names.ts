// The grammar a name must have before it is used: what a server answers (a catalog, a tags list, a Nexus
// component, a header) and what the user names is data, never a path, a command or markup. A repository
// name, a tag and a digest are checked at the door, by the OCI Distribution spec's own grammar; one that
// fails is never requested, deleted or printed raw. `escapeName` shows it safely in a note.

import { isDigest } from './digest'

/** distribution-spec `<name>`: path components of lowercase alphanumerics and separators, joined by `/`. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/
/** distribution-spec `<reference>` as a tag. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
/** Nexus repository names (NamePatternConstants): letters, digits, `-`, `_`, `.`, not starting with `_` or `.`. */
const NEXUS_REPOSITORY = /^[a-zA-Z0-9-][a-zA-Z0-9_.-]*$/

/** The distribution spec caps a name at 255 characters with the registry's host; 255 is generous. */
const MAX_NAME = 255

export function isRepositoryName(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_NAME && REPOSITORY.test(name)
}

export function isTag(tag: string): boolean {
  return typeof tag === 'string' && TAG.test(tag)
}

export function isNexusRepository(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_NAME && NEXUS_REPOSITORY.test(name)
}

/** A reference: a tag or a sha256/sha512 digest. */
export function isReference(ref: string): boolean {
  return isTag(ref) || isDigest(ref)
}

/**
 * A name as a note may show it: JSON-quoted (control characters escaped), at most 80 characters, and
 * never able to start a line or a workflow command (`::` is broken by the quote).
 */
export function escapeName(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text
  return JSON.stringify(shown).replace(/::/g, ':\\u003a')
}

/** Splits names into those of the grammar and the rest (to be kept, counted and named). */
export function partition<T>(items: readonly T[], ok: (item: T) => boolean): { good: T[]; bad: T[] } {
  const good: T[] = []
  const bad: T[] = []
  for (const i of items) (ok(i) ? good : bad).push(i)
  return { good, bad }
}

/** One note naming what was refused, `what` in the singular: `3 tags off the OCI grammar were … kept: "a/../b", …`. */
export function refusedNote(what: string, bad: readonly unknown[]): string {
  const shown = bad.slice(0, 5).map(escapeName).join(', ')
  const one = bad.length === 1
  return `${bad.length} ${what}${one ? '' : 's'} off the OCI grammar ${one ? 'was' : 'were'} never requested and kept: ${shown}${bad.length > 5 ? ', …' : ''}`
}

/**
 * Throws when a tags list holds a tag off the grammar: it is never read, so its digest is unknown, and a
 * delete by digest (or what hangs from a subject) could take it unseen. `then` says what the caller keeps.
 */
export function requireTagGrammar(tags: readonly string[], then = ''): void {
  const bad = tags.filter(t => !isTag(t))
  if (bad.length > 0) throw new Error(`${refusedNote('tag', bad)}${then}`)
}
