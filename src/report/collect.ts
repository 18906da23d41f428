// What the tables and outputs need of a run, gathered image by image with bounded memory: the first
// rows of each table (the rest only counted) and the tag lists of the outputs up to GitHub's size limit.
// The JSON report is the place for every outcome; this is the place for what a person reads.

import type { ImageReport, Outcome, RunReport, RunSummary } from '../model'

export const DEFAULT_MAX_ROWS = 200

/**
 * A step's outputs may take 1 MB per job (counted as UTF-16), so each image:tag list output stops at this
 * many characters; the JSON report (report-file) always has all of them.
 */
export const LIST_OUTPUT_MAX_CHARS = 200_000

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
  // The plan table reads image by image, each in the plan's order (versions newest first, then other
  // tags, then referrers). When it is cut, failed rows are taken first so that a cut never hides one.
  private readonly failedRows: Placed[] = []
  private readonly otherRows: Placed[] = []
  private planTotal = 0
  private images = 0
  private readonly kept: Entry[] = []
  private keptTotal = 0
  private readonly deleted = new RefCollector()
  private readonly wouldDelete = new RefCollector()

  constructor(readonly maxRows: number = DEFAULT_MAX_ROWS) {}

  add(img: ImageReport): void {
    const imageIndex = this.images++
    img.outcomes.forEach((o, index) => {
      const e = { outcome: o, repository: img.repository, image: img.image }
      if (o.status === 'kept') {
        this.keptTotal++
        if (this.kept.length < this.maxRows) this.kept.push(e)
      } else {
        this.planTotal++
        const rows = o.status === 'failed' ? this.failedRows : this.otherRows
        if (rows.length < this.maxRows) rows.push({ e, imageIndex, index })
      }
      if (o.status === 'deleted') for (const tag of o.decision.tags) this.deleted.add(`${img.image}:${tag}`)
      else if (o.status === 'failed') for (const tag of o.deletedTags ?? []) this.deleted.add(`${img.image}:${tag}`)
      else if (o.status === 'would-delete') for (const tag of o.decision.tags) this.wouldDelete.add(`${img.image}:${tag}`)
    })
  }

  private planRows(): Entry[] {
    const chosen = [...this.failedRows, ...this.otherRows].slice(0, this.maxRows)
    return chosen.sort((a, b) => a.imageIndex - b.imageIndex || a.index - b.index).map(p => p.e)
  }

  bounded(summary: RunSummary): BoundedReport {
    return {
      summary,
      plan: { entries: this.planRows(), total: this.planTotal },
      kept: { entries: [...this.kept], total: this.keptTotal },
      deleted: this.deleted.result(),
      wouldDelete: this.wouldDelete.result()
    }
  }
}

/** Where a plan row sits in the run: its image's place and its place in that image's plan. */
interface Placed {
  e: Entry
  imageIndex: number
  index: number
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
