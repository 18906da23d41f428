// What the tables and outputs need of a run, gathered image by image with bounded memory: the first
// rows of each table (the rest only counted) and the tag lists of the outputs up to GitHub's size limit.
// The JSON report is the place for every outcome; this is the place for what a person reads.

import type { ImageReport, Outcome, OutcomeStatus, RunReport, RunSummary } from '../model'

export const DEFAULT_MAX_ROWS = 200

/**
 * A step's outputs may take 1 MB per job (counted as UTF-16), so each image:tag list output stops at this
 * many characters; the JSON report (report-file) always has all of them.
 */
export const LIST_OUTPUT_MAX_CHARS = 200_000

// Failed rows come first so a cut table never hides them; then deletions, then what is left for later.
export const PLAN_RANK: Record<Exclude<OutcomeStatus, 'kept'>, number> = {
  failed: 0,
  deleted: 1,
  'would-delete': 1,
  pending: 2,
  skipped: 3
}

export interface Entry {
  outcome: Outcome
  repository: string
  image: string
}

/** The first `rows` entries of a table in its order, and how many there are in all. */
export interface Rows {
  entries: Entry[]
  total: number
}

/** An output's image:tag list, cut at LIST_OUTPUT_MAX_CHARS. */
export interface RefList {
  refs: string[]
  total: number
}

/** A run as the renderers need it: counts and notes of the whole run, the first rows of its tables. */
export interface BoundedReport {
  summary: RunSummary
  plan: Rows
  kept: Rows
  deleted: RefList
  wouldDelete: RefList
}

class RefCollector {
  private readonly list: RefList = { refs: [], total: 0 }
  private chars = 2

  add(ref: string): void {
    this.list.total++
    // JSON adds quotes, escapes and a comma; a tag or image name rarely needs escaping.
    const cost = JSON.stringify(ref).length + 1
    if (this.list.refs.length === this.list.total - 1 && this.chars + cost <= LIST_OUTPUT_MAX_CHARS) {
      this.list.refs.push(ref)
      this.chars += cost
    }
  }

  result(): RefList {
    return this.list
  }
}

/** Feed it each image's report in image order, then ask for the bounded report. */
export class ReportCollector {
  private readonly planRanks: Entry[][] = [[], [], [], []]
  private planTotal = 0
  private readonly kept: Entry[] = []
  private keptTotal = 0
  private readonly deleted = new RefCollector()
  private readonly wouldDelete = new RefCollector()

  constructor(readonly maxRows: number = DEFAULT_MAX_ROWS) {}

  add(img: ImageReport): void {
    const plan: { e: Entry; rank: number; order: number; index: number }[] = []
    img.outcomes.forEach((o, index) => {
      const e = { outcome: o, repository: img.repository, image: img.image }
      if (o.status === 'kept') {
        this.keptTotal++
        if (this.kept.length < this.maxRows) this.kept.push(e)
      } else {
        this.planTotal++
        plan.push({ e, rank: PLAN_RANK[o.status], order: o.decision.deleteOrder ?? Number.MAX_SAFE_INTEGER, index })
      }
      if (o.status === 'deleted') for (const tag of o.decision.tags) this.deleted.add(`${img.image}:${tag}`)
      else if (o.status === 'failed') for (const tag of o.deletedTags ?? []) this.deleted.add(`${img.image}:${tag}`)
      else if (o.status === 'would-delete') for (const tag of o.decision.tags) this.wouldDelete.add(`${img.image}:${tag}`)
    })
    // Images arrive in order, so within a status rank the first rows of the run are the first that come.
    plan.sort((a, b) => a.rank - b.rank || a.order - b.order || a.index - b.index)
    for (const p of plan) {
      const rank = this.planRanks[p.rank]
      if (rank && rank.length < this.maxRows) rank.push(p.e)
    }
  }

  bounded(summary: RunSummary): BoundedReport {
    return {
      summary,
      plan: { entries: this.planRanks.flat().slice(0, this.maxRows), total: this.planTotal },
      kept: { entries: [...this.kept], total: this.keptTotal },
      deleted: this.deleted.result(),
      wouldDelete: this.wouldDelete.result()
    }
  }
}

/** The bounded report of a whole report (every outcome in memory), as the streaming run would have built it. */
export function boundReport(report: RunReport, maxRows: number = DEFAULT_MAX_ROWS): BoundedReport {
  const c = new ReportCollector(maxRows)
  for (const img of report.images) c.add(img)
  const images = report.images.map(({ outcomes: _outcomes, ...rest }) => rest)
  return c.bounded({ ...report, images })
}

export function isBoundedReport(x: RunReport | BoundedReport): x is BoundedReport {
  return 'summary' in x && 'plan' in x
}
