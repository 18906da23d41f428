// A run that failed says why, in one line, with the usual fix, and what it had already done: the doors
// put this in the job summary, on stderr and (with --json) in the one JSON document the CLI prints.

import { ConfigError } from '../config/config'
import type { Progress } from './progress'
import type { Stop } from './stop'

export interface RunError {
  /** bad-input, unreachable, dns, tls, unauthorized, forbidden, stopped, failed */
  code: string
  message: string
  /** The one-line fix, when there is a usual one. */
  hint?: string
  /** What the run had done when it failed. */
  done: { phase: string; imagesDone: number; tagsDeleted: number }
}

const HINTS: [RegExp, string, (host: string) => string][] = [
  [
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|timeout: no data/,
    'unreachable',
    host =>
      `nothing answered at ${host}: check the URL and port, that the server is up, and that this runner can reach it (a GitHub-hosted runner rarely reaches an internal Nexus: use a self-hosted runner in its network)`
  ],
  [/ENOTFOUND|EAI_AGAIN/, 'dns', host => `${host} does not resolve from here: check the host name, or the runner's DNS and VPN`],
  [
    /CERT|certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i,
    'tls',
    () => 'the TLS certificate is not trusted: give ca-cert (the PEM of your CA), or fix the server certificate'
  ],
  [/\(401\)|answered 401/, 'unauthorized', () => 'check username and password (for a Nexus user token: its name code and pass code)'],
  [/\(403\)|answered 403|lacks/, 'forbidden', () => 'grant the Nexus user the privileges docs/nexus-setup.md "Nexus privileges" lists']
]

/** The host a message names (`http://host:port/...`), for the hint. */
function hostIn(message: string): string {
  const m = /\bhttps?:\/\/[^/\s]+/.exec(message)
  return m ? m[0] : 'the configured host'
}

export function describeError(e: Error, stop?: Stop, progress?: Progress): RunError {
  const done = { phase: progress?.phase ?? 'listing', imagesDone: progress?.imagesDone ?? 0, tagsDeleted: progress?.tagsDeleted ?? 0 }
  if (stop?.reason) {
    return { code: 'stopped', message: `stopped (${stop.reason}) while ${done.phase}: ${e.message}`, hint: 'rerun to continue where it stopped', done }
  }
  if (e instanceof ConfigError) return { code: 'bad-input', message: e.message, done }
  for (const [re, code, hint] of HINTS) if (re.test(e.message)) return { code, message: e.message, hint: hint(hostIn(e.message)), done }
  return { code: 'failed', message: e.message, done }
}

/** `Failed before deleting anything` or `Failed after deleting 12 tags`: the record's first words. */
export function failedHeadline(err: RunError): string {
  const what = err.code === 'stopped' ? 'Stopped' : 'Failed'
  const done = err.done.tagsDeleted > 0 ? `after deleting ${err.done.tagsDeleted} tag${err.done.tagsDeleted === 1 ? '' : 's'}` : 'before deleting anything'
  return `❌ ${what} ${done}`
}
