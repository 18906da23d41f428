// keep-references: image references in use (what Kubernetes, Compose or Helm pull), reduced to what they
// name in the repositories a run cleans. Forms: name:tag, name@sha256:…, name:tag@sha256:…, each with or
// without a registry host (a name's first part with a dot or a port, or localhost) and a
// `/repository/<repo>/` prefix (Nexus's repository path).

import type { ImageReference } from '../model'

const DIGEST = /^sha256:[0-9a-f]{64}$/
// Docker's reference grammar, loosely: lower-case path components; a tag of word characters, . and -.
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[\w][\w.-]{0,127}$/

/** One reference, or a reason it is not one. */
export function parseReference(text: string): ImageReference | string {
  let rest = text.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) return 'a digest of the form sha256:<64 hex digits>'
  }
  const parts = rest.split('/')
  // A first part with a dot or a port, or localhost, is a registry host (Docker's rule).
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? '')) parts.shift()
  let repository: string | undefined
  if (parts[0] === 'repository' && parts.length > 2) {
    repository = parts[1]
    parts.splice(0, 2)
  }
  let path = parts.join('/')
  let tag: string | undefined
  const colon = path.lastIndexOf(':')
  if (colon >= 0) {
    tag = path.slice(colon + 1)
    path = path.slice(0, colon)
    if (!TAG.test(tag)) return 'a tag of letters, digits, _ . and - (at most 128)'
  }
  if (!NAME.test(path)) return 'an image name in lower case (path parts of letters, digits, . _ -)'
  if (tag === undefined && digest === undefined) return 'name:tag, name@sha256:… or name:tag@sha256:…'
  return {
    text: text.trim(),
    ...(repository !== undefined ? { repository } : {}),
    name: path,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest ? { digest } : {})
  }
}

/**
 * The names a reference may mean in `repository`: its path; and where the path starts with that
 * repository's name (Nexus 3.83+ path routing, `host/<repo>/<image>`), the path without it.
 */
export function referenceNames(ref: ImageReference, repository: string): string[] {
  if (ref.repository !== undefined) return ref.repository === repository ? [ref.name] : []
  const names = [ref.name]
  if (ref.name.startsWith(`${repository}/`)) names.push(ref.name.slice(repository.length + 1))
  return names
}
