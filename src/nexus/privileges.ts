// Which Nexus privileges a run needs, and which the user lacks, found before the first request that
// changes anything, all at once (API.md 14.2, 14.3). The user's permissions come from the call the UI makes
// (Ext.Direct rapture_Security.getPermissions); where it does not answer, from probes that cannot change
// anything. A privilege neither can tell stays "unchecked".

import { randomUUID } from 'node:crypto'
import { Http } from '../http/http'
import { restBase } from './client'

/** What decides the privileges a run needs. */
export interface PrivilegeScope {
  repositories: string[]
  /** The reclaim step needs the tasks' and blob stores' privileges too. */
  runCleanupTasks: boolean
  createMissingTasks: boolean
}

export interface Need {
  /** The built-in privilege to grant, e.g. `nx-tasks-run`. */
  privilege: string
  /** The Shiro permission it carries, e.g. `nexus:tasks:start`. */
  permission: string
  /** What the run does with it. */
  purpose: string
}

/** Every privilege a run with this config needs (a dry run: those of the real run it stands for). */
export function neededPrivileges(cfg: PrivilegeScope): Need[] {
  const needs: Need[] = []
  for (const r of cfg.repositories) {
    needs.push({
      privilege: `nx-repository-view-docker-${r}-read`,
      permission: `nexus:repository-view:docker:${r}:read`,
      purpose: `list ${r} and read its manifests by digest`
    })
    needs.push({ privilege: `nx-repository-view-docker-${r}-delete`, permission: `nexus:repository-view:docker:${r}:delete`, purpose: `delete tags in ${r}` })
    if (cfg.runCleanupTasks) {
      needs.push({
        privilege: `nx-repository-admin-docker-${r}-read`,
        permission: `nexus:repository-admin:docker:${r}:read`,
        purpose: `find the blob store of ${r}`
      })
    }
  }
  if (cfg.runCleanupTasks) {
    needs.push({ privilege: 'nx-blobstores-read', permission: 'nexus:blobstores:read', purpose: 'measure the blob stores' })
    needs.push({ privilege: 'nx-tasks-read', permission: 'nexus:tasks:read', purpose: 'find the cleanup tasks and follow their runs' })
    needs.push({ privilege: 'nx-tasks-run', permission: 'nexus:tasks:start', purpose: 'run the cleanup tasks' })
    if (cfg.createMissingTasks) needs.push({ privilege: 'nx-tasks-create', permission: 'nexus:tasks:create', purpose: 'create missing cleanup tasks' })
  }
  return needs
}

/**
 * Shiro's WildcardPermission.implies (case-insensitive): parts split on `:`, each a comma list or `*`; a
 * granted permission with fewer parts implies everything below its last part.
 */
export function implies(granted: string, needed: string): boolean {
  const parts = (p: string) =>
    p
      .toLowerCase()
      .split(':')
      .map(x => new Set(x.split(',').map(s => s.trim())))
  const g = parts(granted)
  const n = parts(needed)
  for (let i = 0; i < n.length; i++) {
    const gi = g[i]
    if (!gi) return true
    if (!gi.has('*') && ![...(n[i] ?? [])].every(x => gi.has(x))) return false
  }
  for (const gi of g.slice(n.length)) if (!gi.has('*')) return false
  return true
}

export interface PrivilegeReport {
  missing: Need[]
  /** Neither the permissions call nor a safe probe could tell. */
  unchecked: Need[]
  via: 'permissions' | 'probes'
}

export async function checkPrivileges(http: Http, host: string, cfg: PrivilegeScope): Promise<PrivilegeReport> {
  const needs = neededPrivileges(cfg)
  const granted = await permissionsOf(http, host)
  if (granted) return { missing: needs.filter(n => !granted.some(g => implies(g, n.permission))), unchecked: [], via: 'permissions' }
  const report: PrivilegeReport = { missing: [], unchecked: [], via: 'probes' }
  for (const n of needs) {
    const has = await probe(http, host, n)
    if (has === undefined) report.unchecked.push(n)
    else if (!has) report.missing.push(n)
  }
  return report
}

/** The user's permission strings, from the UI's own call; undefined when it does not answer so. */
async function permissionsOf(http: Http, host: string): Promise<string[] | undefined> {
  const res = await http.request('POST', `${host}/service/extdirect`, {
    kind: 'nexus POST extdirect getPermissions',
    retry: false,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ action: 'rapture_Security', method: 'getPermissions', data: null, type: 'rpc', tid: 1 }),
    handles: [400, 401, 403, 404, 405, 500]
  })
  if (res.status !== 200) return undefined
  try {
    const j = JSON.parse(res.body.toString('utf8')) as { result?: { success?: boolean; data?: { id?: string }[] } }
    if (j.result?.success !== true || !Array.isArray(j.result.data)) return undefined
    return j.result.data.map(d => d.id).filter((id): id is string => typeof id === 'string')
  } catch {
    return undefined
  }
}

/** A request that changes nothing whose answer depends on the permission; undefined = cannot tell. */
async function probe(http: Http, host: string, n: Need): Promise<boolean | undefined> {
  const rest = restBase(host)
  const ask = async (method: string, url: string, yes: number[], no: number[], body?: string): Promise<boolean | undefined> => {
    const res = await http.request(method, url, {
      kind: `nexus privilege probe ${n.privilege.startsWith('nx-repository') ? n.privilege.replace(/-[^-]+$/, '') : n.privilege}`,
      retry: false,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
      handles: [400, 401, 403, 404, 405, 500]
    })
    return yes.includes(res.status) ? true : no.includes(res.status) ? false : undefined
  }
  const admin = /^nexus:repository-admin:docker:(.+):read$/.exec(n.permission)
  switch (n.permission) {
    case 'nexus:tasks:read':
      return ask('GET', `${rest}/tasks?type=blobstore.compact`, [200], [403])
    case 'nexus:tasks:start':
      // checked before the task is looked up: 403 without it, 404 with it for an id that cannot exist
      return ask('POST', `${rest}/tasks/${randomUUID()}/run`, [404], [403])
    case 'nexus:tasks:create':
      // checked before the body: 403 without it, 400 for an empty template with it; nothing is created
      return ask('POST', `${rest}/tasks`, [400], [403], '{}')
    case 'nexus:blobstores:read':
      return ask('GET', `${rest}/blobstores`, [200], [403])
  }
  // the repository is known to exist (preflight listed it): 404 here means the admin read is lacking
  if (admin) return ask('GET', `${rest}/repositories/docker/hosted/${encodeURIComponent(admin[1] ?? '')}`, [200], [403, 404])
  return undefined
}

/** One line naming every missing privilege and what for. */
export function describeMissing(missing: Need[]): string {
  return missing.map(n => `${n.privilege} (to ${n.purpose})`).join(', ')
}
