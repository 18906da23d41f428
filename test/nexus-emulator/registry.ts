/**
 * Docker Registry HTTP API v2 as Nexus serves it (API.md §8).
 *
 * Reached three ways (§8.1): path-based `/repository/<repo>/v2/...` on the main port (primary),
 * a connector server bound to one repository (`/v2/...` on its own port), and on 3.83+ path-based
 * routing `/v2/<repo>/<image>/...` on the main port. `RegistryTarget` captures how the client
 * addressed the repository so Location/Link headers can be built the same way.
 *
 * Nexus specifics modelled: HEAD-manifest 404 quirk, GET/HEAD of a tag marking lastDownloaded
 * (§4.5), DELETE by digest removing or dangling tags (§8.4), MANIFEST_UNKNOWN body with an array
 * of single-key detail objects, tags/list Link header variants, group repositories omitting Link.
 */
import { randomUUID } from 'node:crypto'
import { AuthResult, BASIC_CHALLENGE, Subject } from './auth'
import { Exchange, send } from './http'
import { JsonValue, compactJson, obj } from './json'
import { digestOf, isBoundedReport, manifestMediaType, parseManifest } from './manifest'
import { Asset, RepositoryState } from './store'
import { SINCE } from './version'

export interface RegistryTarget {
  repo: RepositoryState
  /** Path before `/v2`: `/repository/<repo>` (path-based) or '' (connector, path routing). */
  prefix: string
  /** Prepended to image names in URLs: '' or `<repo>/` for 3.83+ path routing. */
  namePrefix: string
  connector: boolean
}

function registryHeaders(x: Exchange): Record<string, string> {
  // §8.3 common headers.
  return {
    'Docker-Distribution-Api-Version': 'registry/2.0',
    'Content-Security-Policy': 'sandbox allow-forms allow-modals allow-popups allow-presentation allow-scripts allow-top-navigation',
    'X-XSS-Protection': x.ctx.options.version.atLeast(SINCE.xssZero) ? '0' : '1; mode=block'
  }
}

function regSend(x: Exchange, status: number, body: string | Buffer | null, headers: Record<string, string | number> = {}): void {
  send(x, status, body, { ...registryHeaders(x), ...headers })
}

function regJson(x: Exchange, status: number, value: JsonValue, headers: Record<string, string | number> = {}): void {
  regSend(x, status, compactJson(value), { 'Content-Type': 'application/json', ...headers })
}

function regError(x: Exchange, status: number, code: string, message: string, detail: JsonValue, headers: Record<string, string> = {}): void {
  regJson(x, status, obj(['errors', [obj(['code', code], ['message', message], ['detail', detail])]]), headers)
}

/** Exact Nexus MANIFEST_UNKNOWN shape (§8.4, examples/registry-manifest-unknown.json). */
function manifestUnknown(x: Exchange, name: string, revision: string): void {
  regError(x, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', [obj(['Name', name]), obj(['Revision', revision])])
}

function unsupported(x: Exchange, status = 405): void {
  regError(x, status, 'UNSUPPORTED', 'The operation is unsupported.', null)
}

/** §14.4 (inferred from NexusRequestCustomizer): the token path is under the repository path. */
function tokenRealm(x: Exchange, t: RegistryTarget): string {
  return `${x.requestBase}${t.prefix}/v2/token`
}

/** 401 with the challenge for this repository (§8.2): BASIC if forceBasicAuth, else Bearer. */
function unauthorized(x: Exchange, t: RegistryTarget): void {
  const force = t.repo.config.docker.forceBasicAuth ?? x.ctx.options.forceBasicAuth
  const realm = tokenRealm(x, t)
  const challenge = force ? BASIC_CHALLENGE : `Bearer realm="${realm}",service="${realm}"`
  regError(x, 401, 'UNAUTHORIZED', 'access to the requested resource is not authorized', null, { 'WWW-Authenticate': challenge })
}

function denied(x: Exchange, t: RegistryTarget, subject: Subject): void {
  if (subject.anonymous) return unauthorized(x, t)
  regError(x, 403, 'DENIED', 'requested access to the resource is denied', null)
}

/** GET /v2/token (Bearer realm; path/format UNCONFIRMED, §8.2/§13). */
export function handleToken(x: Exchange, auth: AuthResult): void {
  if (auth.kind === 'badCredentials') return regError(x, 401, 'UNAUTHORIZED', 'authentication required', null, { 'WWW-Authenticate': BASIC_CHALLENGE })
  if (auth.subject.anonymous && x.ctx.options.anonymousPrivileges === false) {
    return regError(x, 401, 'UNAUTHORIZED', 'authentication required', null, { 'WWW-Authenticate': BASIC_CHALLENGE })
  }
  const token = x.ctx.auth.issueToken(auth.subject)
  regJson(x, 200, obj(['token', token], ['access_token', token]))
}

export function handleRegistry(x: Exchange, t: RegistryTarget, sub: string, auth: AuthResult): void {
  if (auth.kind === 'badCredentials') return unauthorized(x, t)
  const subject = auth.subject
  const force = t.repo.config.docker.forceBasicAuth ?? x.ctx.options.forceBasicAuth
  // Unauthenticated: challenge. Without forceBasicAuth an anonymous bearer token is accepted.
  if (subject.anonymous && (force || auth.via !== 'bearer')) return unauthorized(x, t)
  x.user = subject.name
  if (t.repo.config.format !== 'docker') return regError(x, 404, 'NAME_UNKNOWN', 'repository name not known to registry', null)

  if (sub === '' || sub === '/') {
    if (x.method !== 'GET' && x.method !== 'HEAD') return unsupported(x)
    return regJson(x, 200, obj())
  }
  if (sub === '/_catalog') return catalog(x, t, subject)

  let m: RegExpExecArray | null
  if ((m = /^\/(.+)\/tags\/list$/.exec(sub))) return tagsList(x, t, subject, m[1])
  if ((m = /^\/(.+)\/manifests\/([^/]+)$/.exec(sub))) return manifests(x, t, subject, m[1], m[2])
  if ((m = /^\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(sub))) return uploads(x, t, subject, m[1], m[2])
  if ((m = /^\/(.+)\/blobs\/([^/]+)$/.exec(sub))) return blobs(x, t, subject, m[1], m[2])
  return regError(x, 404, 'NAME_UNKNOWN', 'repository name not known to registry', null)
}

function canRead(x: Exchange, t: RegistryTarget, s: Subject): boolean {
  return x.ctx.auth.canRepo(s, 'docker', t.repo.config.name, 'read')
}

function leaves(x: Exchange, t: RegistryTarget): RepositoryState[] {
  return x.ctx.store.leafRepositories(t.repo.config.name)
}

function url(x: Exchange, t: RegistryTarget, rest: string, absolute: boolean): string {
  return `${absolute ? x.requestBase : ''}${t.prefix}/v2/${t.namePrefix}${rest}`
}

// ------------------------------------------------------------------ catalog & tags

/** n/last pagination over a sorted list (distribution semantics; `last` exclusive). */
function paginate(all: string[], query: URLSearchParams): { items: string[]; n: number | null; more: boolean } {
  const last = query.get('last')
  let items = last ? all.filter(s => s > last) : all
  const nRaw = query.get('n')
  const n = nRaw !== null && /^\d+$/.test(nRaw) ? Number(nRaw) : null
  let more = false
  if (n !== null) {
    more = items.length > n
    items = items.slice(0, n)
  }
  return { items, n, more }
}

function catalog(x: Exchange, t: RegistryTarget, s: Subject): void {
  if (x.method !== 'GET') return unsupported(x)
  if (!canRead(x, t, s)) return denied(x, t, s)
  const names = [...new Set(leaves(x, t).flatMap(r => x.ctx.store.images(r.config.name)))].sort()
  const p = x.ctx.options.catalogPagination ? paginate(names, x.query) : { items: names, n: null, more: false }
  const headers: Record<string, string> = {}
  if (p.more && p.n !== null && p.items.length > 0) {
    const next = `${t.prefix}/v2/_catalog?n=${p.n}&last=${encodeURIComponent(p.items[p.items.length - 1])}`
    headers.Link = `<${next}>; rel="next"`
  }
  regJson(x, 200, obj(['repositories', p.items]), headers)
}

function tagsList(x: Exchange, t: RegistryTarget, s: Subject, name: string): void {
  if (x.method !== 'GET') return unsupported(x)
  if (!canRead(x, t, s)) return denied(x, t, s)
  const all = [...new Set(leaves(x, t).flatMap(r => x.ctx.store.tags(r.config.name, name)))].sort()
  if (all.length === 0) return regError(x, 404, 'NAME_UNKNOWN', 'repository name not known to registry', [obj(['Name', name])])
  const p = paginate(all, x.query)
  const headers: Record<string, string> = {}
  const mode = x.ctx.options.tagsListLinkHeader
  // Group repositories omit the Link header (NEXUS-35956, §8.4).
  if (p.more && p.n !== null && p.items.length > 0 && mode !== 'none' && t.repo.config.type !== 'group') {
    const q = `tags/list?n=${p.n}&last=${encodeURIComponent(p.items[p.items.length - 1])}`
    let link: string
    if (mode === 'relative') link = url(x, t, `${name}/${q}`, false)
    else if (mode === 'absolute') link = url(x, t, `${name}/${q}`, true)
    // The real server always writes /repository/<repo>/, wrong through a connector (nexus-public#1011).
    else link = `${x.requestBase}/repository/${t.repo.config.name}/v2/${name}/${q}`
    headers.Link = `<${link}>; rel="next"`
  }
  regJson(x, 200, obj(['name', name], ['tags', p.items]), headers)
}

// ------------------------------------------------------------------ manifests

function findManifest(x: Exchange, t: RegistryTarget, name: string, ref: string): Asset | undefined {
  for (const r of leaves(x, t)) {
    const a = isBoundedReport(ref) ? x.ctx.store.findManifestByDigest(r.config.name, name, ref) : x.ctx.store.findTag(r.config.name, name, ref)
    if (a && !a.dangling && a.data) return a
  }
  return undefined
}

function manifests(x: Exchange, t: RegistryTarget, s: Subject, name: string, ref: string): void {
  const ctx = x.ctx
  if (x.method === 'GET' || x.method === 'HEAD') {
    if (!canRead(x, t, s)) return denied(x, t, s)
    // §8.4 HEAD quirk: 404 while GET works.
    if (x.method === 'HEAD' && ctx.options.headManifest404) return regSend(x, 404, null)
    const a = findManifest(x, t, name, ref)
    if (!a || !a.data) return manifestUnknown(x, name, ref)
    // §4.5: a successful GET or HEAD marks the asset that was addressed; by digest that is the
    // digest asset, never the tag asset (NEXUS-25991).
    if (!isBoundedReport(ref) || a.kind === 'manifest') ctx.store.markDownloaded(a, ctx.options.lastDownloadedIntervalMs)
    return regSend(x, 200, a.data, {
      'Content-Type': a.contentType,
      'Docker-Content-Digest': `sha256:${a.sha256}`,
      'Last-Modified': a.blobCreated.toUTCString(),
      ETag: `"sha256:${a.sha256}"`
    })
  }
  if (x.method === 'DELETE') {
    if (t.repo.config.type === 'group') return unsupported(x)
    if (!ctx.auth.canRepo(s, 'docker', t.repo.config.name, 'delete')) return denied(x, t, s)
    // Delete by tag is not a Nexus operation (§8.4, exact answer UNCONFIRMED).
    if (!isBoundedReport(ref)) return unsupported(x, 400)
    if (ctx.options.readOnly) return regError(x, 503, 'UNAVAILABLE', 'Nexus Repository Manager is in read-only mode', null)
    const ok = ctx.store.deleteManifestByDigest(t.repo.config.name, name, ref, ctx.options.deleteByDigestRemovesTags)
    if (!ok) return manifestUnknown(x, name, ref)
    return regSend(x, 202, null)
  }
  if (x.method === 'PUT') return putManifest(x, t, s, name, ref)
  return unsupported(x)
}

function putManifest(x: Exchange, t: RegistryTarget, s: Subject, name: string, ref: string): void {
  const ctx = x.ctx
  const repo = t.repo
  if (repo.config.type !== 'hosted') return unsupported(x)
  const existing = isBoundedReport(ref) ? undefined : ctx.store.findTag(repo.config.name, name, ref)
  if (!ctx.auth.canRepo(s, 'docker', repo.config.name, existing ? 'edit' : 'add')) return denied(x, t, s)
  if (ctx.options.readOnly) return regError(x, 503, 'UNAVAILABLE', 'Nexus Repository Manager is in read-only mode', null)
  const parsed = parseManifest(x.body)
  if (!parsed) return regError(x, 400, 'MANIFEST_INVALID', 'manifest invalid', null)
  const digest = digestOf(x.body)
  if (isBoundedReport(ref) && ref !== digest)
    return regError(x, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', [obj(['Digest', ref])])
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(ref) && !isBoundedReport(ref)) return regError(x, 400, 'TAG_INVALID', 'manifest tag did not match URI', null)
  const missing = ctx.store.missingReference(repo.config.name, name, x.body)
  if (missing) return regError(x, 400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', [obj(['Name', name]), obj(['Digest', missing])])
  const policy = repo.config.writePolicy
  if (policy === 'DENY' || (policy === 'ALLOW_ONCE' && existing && existing.sha256 !== digest.slice(7) && !(repo.config.latestPolicy && ref === 'latest'))) {
    return regError(x, 400, 'DENIED', `Repository does not allow updating assets: ${repo.config.name}`, null)
  }
  const result = ctx.store.putManifest(repo.config.name, name, ref, x.body, manifestMediaType(x.req.headers['content-type'], parsed), {
    uploader: s.name,
    uploaderIp: x.req.socket.remoteAddress ?? '127.0.0.1'
  })
  regSend(x, 201, null, {
    Location: url(x, t, `${name}/manifests/${result.digest}`, true),
    'Docker-Content-Digest': result.digest
  })
}

// ------------------------------------------------------------------ blobs & uploads

function blobs(x: Exchange, t: RegistryTarget, s: Subject, _name: string, digest: string): void {
  const ctx = x.ctx
  if (x.method === 'DELETE') return unsupported(x)
  if (x.method !== 'GET' && x.method !== 'HEAD') return unsupported(x)
  if (!canRead(x, t, s)) return denied(x, t, s)
  // The request names the image but the asset is repository-global: v2/-/blobs/<digest> (§8.4).
  let a: Asset | undefined
  for (const r of leaves(x, t)) if ((a = ctx.store.findBlob(r.config.name, digest))) break
  if (!a || !a.data) return regError(x, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', [obj(['Digest', digest])])
  ctx.store.markDownloaded(a, ctx.options.lastDownloadedIntervalMs)
  regSend(x, 200, a.data, {
    'Content-Type': a.contentType,
    'Docker-Content-Digest': digest,
    ETag: `"${a.sha1}"`,
    'Last-Modified': a.blobCreated.toUTCString(),
    'Accept-Ranges': 'bytes'
  })
}

function uploads(x: Exchange, t: RegistryTarget, s: Subject, name: string, uuid: string): void {
  const ctx = x.ctx
  const repo = t.repo
  if (repo.config.type !== 'hosted') return unsupported(x)
  if (!ctx.auth.canRepo(s, 'docker', repo.config.name, 'add')) return denied(x, t, s)
  if (ctx.options.readOnly && x.method !== 'GET') return regError(x, 503, 'UNAVAILABLE', 'Nexus Repository Manager is in read-only mode', null)
  const meta = { uploader: s.name, uploaderIp: x.req.socket.remoteAddress ?? '127.0.0.1' }
  const created = (digest: string): void => regSend(x, 201, null, { Location: url(x, t, `${name}/blobs/${digest}`, true), 'Docker-Content-Digest': digest })
  const sessionHeaders = (u: string, size: number): Record<string, string> => ({
    Location: url(x, t, `${name}/blobs/uploads/${u}`, true),
    'Docker-Upload-UUID': u,
    Range: `0-${Math.max(size - 1, 0)}`
  })
  const finish = (data: Buffer, digest: string | null): void => {
    if (!digest || !isBoundedReport(digest) || digestOf(data) !== digest) {
      return regError(x, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', [obj(['Digest', digest ?? ''])])
    }
    ctx.store.putBlob(repo.config.name, data, meta)
    created(digest)
  }

  if (uuid === '') {
    if (x.method !== 'POST') return unsupported(x)
    const mount = x.query.get('mount')
    if (mount && ctx.store.findBlob(repo.config.name, mount)) return created(mount) // blobs are repository-global
    const digest = x.query.get('digest')
    if (digest) return finish(x.body, digest) // single-shot (monolithic POST)
    const u = randomUUID()
    ctx.uploads.set(u, { uuid: u, repository: repo.config.name, image: name, chunks: [], size: 0 })
    return regSend(x, 202, null, sessionHeaders(u, 0))
  }
  const session = ctx.uploads.get(uuid)
  if (!session || session.repository !== repo.config.name) return regError(x, 404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', null)
  const append = (): void => {
    if (x.body.length > 0) {
      session.chunks.push(x.body)
      session.size += x.body.length
    }
  }
  switch (x.method) {
    case 'GET':
      return regSend(x, 204, null, sessionHeaders(uuid, session.size))
    case 'PATCH':
      append()
      return regSend(x, 202, null, sessionHeaders(uuid, session.size))
    case 'PUT': {
      append()
      ctx.uploads.delete(uuid)
      return finish(Buffer.concat(session.chunks), x.query.get('digest'))
    }
    case 'DELETE':
      ctx.uploads.delete(uuid)
      return regSend(x, 204, null)
    default:
      return unsupported(x)
  }
}
