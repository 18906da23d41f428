// Community Edition's counters (the team's Nexus reference, API.md 14.4): since 3.87 CE accepts no new
// components above 40,000 in total (every Docker tag is one) and counts requests under /repository/* per
// day. The UI reads both from an internal endpoint; so do we, read-only, and a run never fails on it.

import { compareStrings } from '../util/compare'
import { Http } from '../http/http'

/** Community Edition's component limit (3.87+, enforced since 2 October 2026). */
export const CE_COMPONENT_LIMIT = 40_000

export interface UsageReading {
  /** Components of every format in the instance. */
  components?: number
  /** Requests under /repository/* in the last 24 hours, as Nexus counted them. */
  requests24h?: number
  /** Why the counters could not be read (the run goes on without them). */
  unavailable?: string
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

export async function readUsage(http: Http, host: string): Promise<UsageReading> {
  try {
    const res = await http.request('GET', `${host}/service/rest/internal/ui/usage-metrics`, {
      kind: 'nexus GET usage-metrics',
      headers: { accept: 'application/json' },
      handles: [401, 403, 404]
    })
    if (res.status === 404) return { unavailable: 'this Nexus has none (HTTP 404; they come with 3.87)' }
    if (res.status === 401 || res.status === 403) return { unavailable: `the user may not read the usage counters (HTTP ${res.status})` }
    const body = JSON.parse(res.body.toString('utf8')) as { usage?: unknown }
    // The newest day's entry; the endpoint is internal, so anything unexpected reads as unavailable.
    const days = Array.isArray(body.usage) ? (body.usage as Record<string, unknown>[]).filter(u => u && typeof u === 'object') : []
    const day = (u: Record<string, unknown>): string => (typeof u['date'] === 'string' ? u['date'] : '')
    const latest = days.sort((a, b) => compareStrings(day(b), day(a)))[0]
    const components = count(latest?.['component_total_count'])
    if (components === undefined) return { unavailable: 'the usage counters answered in an unknown shape' }
    const requests24h = count(latest?.['requests_per_last_24h'])
    return { components, ...(requests24h !== undefined ? { requests24h } : {}) }
  } catch (e) {
    return { unavailable: `the usage counters could not be read: ${(e as Error).message}` }
  }
}
