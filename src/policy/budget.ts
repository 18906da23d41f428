// max-components: when the instance holds more components than the budget, manifests beyond keep that
// only their youth keeps (rule `younger`) go too, lowest-ranked first across all images, until the total
// would be at most the budget. keep, protections, references and the graph still hold: only `younger`
// gives way. Each Docker tag is one component on Nexus.
import type { BudgetReport } from '../model'
import { budgetKey, cmpStr, type ImageWork, type Item } from './item'
import { orderDeletions } from './order'
import { slot } from './ranking'

export interface Budget {
  /** The instance's components now (its usage counters). */
  components: number
}

/** Tags the plan removes now (pending ones stay). */
function removedTags(work: ImageWork[]): number {
  return work.reduce((n, w) => n + w.items.reduce((m, it) => m + (it.action === 'delete' ? it.tags.length : 0), 0), 0)
}

export function applyBudget(
  planAll: (taken?: ReadonlySet<string>) => ImageWork[],
  max: number,
  budget: Budget
): { work: ImageWork[]; report: (final: ImageWork[]) => BudgetReport } {
  // What the rest of the policy removes (its followers placed, without the max-deletions cap).
  const first = planAll()
  orderDeletions(first, undefined)
  const planned = removedTags(first)
  const over = budget.components - planned - max
  const taken = new Set<string>()
  let tookTags = 0
  if (over > 0) {
    const younger: { w: ImageWork; it: Item; rank: number }[] = []
    for (const w of first) {
      for (const it of w.items)
        if (it.rule === 'younger' && !it.refs && !it.dependent && it.tags.length > 0) younger.push({ w, it, rank: slot(it, w.policy).rank })
    }
    // lowest-ranked first; among equals the older first, then by name for a stable plan
    younger.sort((a, b) => b.rank - a.rank || (a.it.rankDate ?? 0) - (b.it.rankDate ?? 0) || cmpStr(budgetKey(a.w.inv, a.it), budgetKey(b.w.inv, b.it)))
    for (const y of younger) {
      if (tookTags >= over) break
      taken.add(budgetKey(y.w.inv, y.it))
      tookTags += y.it.tags.length
    }
  }
  const work = taken.size > 0 ? planAll(taken) : planAll()
  return {
    work,
    report: final => {
      const after = budget.components - removedTags(final)
      return { max, before: budget.components, planned, tookManifests: taken.size, tookTags, after, met: after <= max }
    }
  }
}
