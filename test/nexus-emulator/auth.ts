/**
 * Users, privileges and HTTP Basic authentication (API.md §1.3, §8.2).
 *
 * Privilege strings follow Nexus's built-in names:
 * - `nx-all`: everything;
 * - `nx-repository-view-<format>-<repo>-<action>` (browse|read|edit|add|delete|*), `*` wildcards;
 * - `nx-repository-admin-<format>-<repo>-<action>` (repository configuration, §6.2);
 * - application permissions `nexus:<domain>:<action>` (e.g. `nexus:tasks:start`), also granted by
 *   the built-in privilege names `nx-<domain>-<action>` / `nx-<domain>-all` (`nx-tasks-run` is the
 *   built-in name for `nexus:tasks:start`).
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const REALM = 'Sonatype Nexus Repository Manager'
/** Shiro's default scheme is upper-case "BASIC" (§1.3, observed verbatim in nexus-public#921). */
export const BASIC_CHALLENGE = `BASIC realm="${REALM}"`

export interface UserDefinition {
  username: string
  password: string
  privileges: string[]
}

export interface Subject {
  name: string
  anonymous: boolean
  privileges: string[]
}

export type AuthResult = { kind: 'subject'; subject: Subject; via: 'none' | 'basic' | 'bearer' } | { kind: 'badCredentials'; username: string | null }

export type RepoAction = 'browse' | 'read' | 'edit' | 'add' | 'delete'

export const DEFAULT_ADMIN: UserDefinition = { username: 'admin', password: 'admin123', privileges: ['nx-all'] }

/** Privileges of Nexus's built-in `nx-anonymous` role (browse + read everything). */
export const ANONYMOUS_DEFAULT_PRIVILEGES = ['nx-repository-view-*-*-browse', 'nx-repository-view-*-*-read', 'nx-search-read', 'nx-healthcheck-read']

function segmentMatches(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value
}

/** Parse `nx-repository-(view|admin)-<format>-<repo>-<action>`; repo names may contain '-'. */
function parseRepositoryPrivilege(p: string, kind: 'view' | 'admin'): { format: string; repo: string; action: string } | null {
  const prefix = `nx-repository-${kind}-`
  if (!p.startsWith(prefix)) return null
  const rest = p.slice(prefix.length)
  const first = rest.indexOf('-')
  const last = rest.lastIndexOf('-')
  if (first < 0 || last <= first) return null
  return { format: rest.slice(0, first), repo: rest.slice(first + 1, last), action: rest.slice(last + 1) }
}

export class Auth {
  private readonly users = new Map<string, UserDefinition>()
  /** Bearer tokens issued by the (UNCONFIRMED) docker token endpoint, §8.2. */
  private readonly tokens = new Map<string, Subject>()

  constructor(
    users: UserDefinition[],
    /** false → anonymous access disabled; otherwise the anonymous user's privileges. */
    readonly anonymousPrivileges: string[] | false
  ) {
    this.users.set(DEFAULT_ADMIN.username, DEFAULT_ADMIN)
    for (const u of users) this.users.set(u.username, u)
  }

  addUser(user: UserDefinition): void {
    this.users.set(user.username, user)
  }

  anonymousSubject(): Subject {
    return { name: 'anonymous', anonymous: true, privileges: this.anonymousPrivileges || [] }
  }

  /**
   * NexusBasicHttpAuthenticationFilter: no header (or empty credentials `Og==`) → anonymous;
   * a wrong user/password → bad credentials (401 at the filter). Bearer tokens are accepted for
   * the registry.
   */
  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization
    if (!header) return { kind: 'subject', subject: this.anonymousSubject(), via: 'none' }
    const [scheme, value = ''] = header.split(/\s+/, 2)
    if (/^bearer$/i.test(scheme)) {
      const s = this.tokens.get(value)
      return s ? { kind: 'subject', subject: s, via: 'bearer' } : { kind: 'badCredentials', username: null }
    }
    if (!/^basic$/i.test(scheme)) return { kind: 'badCredentials', username: null }
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    if (decoded === ':' || decoded === '') return { kind: 'subject', subject: this.anonymousSubject(), via: 'none' }
    const colon = decoded.indexOf(':')
    const username = colon < 0 ? decoded : decoded.slice(0, colon)
    const password = colon < 0 ? '' : decoded.slice(colon + 1)
    const user = this.users.get(username)
    if (!user || user.password !== password) return { kind: 'badCredentials', username }
    return { kind: 'subject', subject: { name: user.username, anonymous: false, privileges: user.privileges }, via: 'basic' }
  }

  issueToken(subject: Subject): string {
    const token = randomUUID()
    this.tokens.set(token, subject)
    return token
  }

  /** Repository content privilege (`nx-repository-view-…`). */
  canRepo(subject: Subject, format: string, repo: string, action: RepoAction): boolean {
    return this.repoPrivilege(subject, 'view', format, repo, action)
  }

  /** Repository configuration privilege (`nx-repository-admin-…`). */
  canRepoAdmin(subject: Subject, format: string, repo: string, action: RepoAction): boolean {
    return this.repoPrivilege(subject, 'admin', format, repo, action)
  }

  private repoPrivilege(subject: Subject, kind: 'view' | 'admin', format: string, repo: string, action: string): boolean {
    for (const p of subject.privileges) {
      if (p === 'nx-all') return true
      const parsed = parseRepositoryPrivilege(p, kind)
      if (parsed && segmentMatches(parsed.format, format) && segmentMatches(parsed.repo, repo) && segmentMatches(parsed.action, action)) {
        return true
      }
    }
    return false
  }

  /**
   * The Shiro permission strings a user's privileges grant, as the UI's permissions call lists them
   * (§14.3: `nx-repository-view-docker-r-read` -> `nexus:repository-view:docker:r:read`, `nx-tasks-run` ->
   * `nexus:tasks:start,stop`, `nx-all` -> `nexus:*`).
   */
  permissionsOf(subject: Subject): string[] {
    const out = new Set<string>()
    for (const p of subject.privileges) {
      if (p === 'nx-all') out.add('nexus:*')
      else if (p.startsWith('nexus:')) out.add(p)
      else {
        const view = parseRepositoryPrivilege(p, 'view') ?? undefined
        const admin = view ? undefined : (parseRepositoryPrivilege(p, 'admin') ?? undefined)
        const r = view ?? admin
        if (r) out.add(`nexus:repository-${view ? 'view' : 'admin'}:${r.format}:${r.repo}:${r.action}`)
        else if (p === 'nx-tasks-run') out.add('nexus:tasks:start,stop')
        else {
          const m = /^nx-([a-z]+)-([a-z]+)$/.exec(p)
          if (m) out.add(`nexus:${m[1]}:${m[2] === 'all' ? '*' : m[2]}`)
        }
      }
    }
    return [...out].sort()
  }

  /** Application permission `nexus:<domain>:<action>`. */
  can(subject: Subject, permission: string): boolean {
    const [, domain, action] = permission.split(':')
    const builtinAction = domain === 'tasks' && action === 'start' ? 'run' : action
    for (const p of subject.privileges) {
      if (p === 'nx-all') return true
      if (p === permission || p === `nexus:${domain}:*`) return true
      if (p === `nx-${domain}-${builtinAction}` || p === `nx-${domain}-${action}` || p === `nx-${domain}-all`) return true
    }
    return false
  }
}
