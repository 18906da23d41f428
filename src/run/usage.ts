// Community Edition's counters around the run (api nexus): read once after the listing, again after a real
// run that deleted something, and set against the 40,000 components limit in the report.

import type { UsageReport } from '../model'
import { CE_COMPONENT_LIMIT, readUsage, type UsageReading } from '../nexus/usage'
import type { RunContext } from './context'
import type { ImagesDone } from './images'

export class UsageCounters {
  private before?: UsageReading
  private after?: UsageReading

  constructor(private readonly run: RunContext) {}

  /** The instance's component count before the run, when read. */
  get components(): number | undefined {
    return this.before?.components
  }

  async readBefore(): Promise<void> {
    if (this.run.cfg.api !== 'nexus') return
    this.before = await readUsage(this.run.http, this.run.cfg.host)
    if (this.before.unavailable) this.run.log.info(`usage counters: ${this.before.unavailable}`)
  }

  async readAfter(images: ImagesDone): Promise<void> {
    if (!this.before || this.before.unavailable || this.run.cfg.dryRun || images.tags.deleted === 0) return
    this.after = await readUsage(this.run.http, this.run.cfg.host)
  }

  /** The report's view; the run's own Docker API requests are counted from the HTTP client's tallies. */
  report(requests: Record<string, number>): UsageReport | undefined {
    if (!this.before) return undefined
    const runRequests = Object.entries(requests)
      .filter(([kind]) => kind.startsWith('registry '))
      .reduce((n, [, c]) => n + c, 0)
    const b = this.before
    return {
      componentLimit: CE_COMPONENT_LIMIT,
      ...(b.components !== undefined ? { componentsBefore: b.components } : {}),
      ...(this.after?.components !== undefined ? { componentsAfter: this.after.components } : {}),
      ...(b.requests24h !== undefined ? { requests24hBefore: b.requests24h } : {}),
      runRequests,
      ...(b.unavailable ? { unavailable: b.unavailable } : {})
    }
  }
}
