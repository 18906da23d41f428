// The one place that deletes, or in a dry run does not. A dry run reads exactly what the real run reads
// to decide (same inventory, plan and steps here), and skips the deleting requests and the read-only
// guards around them (the recheck just before deleting, the check that the deleted tags are gone), which
// protect a delete that will not happen.

import { Backend, PartialDeleteError } from './backend'
import { mapLimit } from './limit'
import { Logger } from './log'
import { Decision, ImageInventory, ImagePlan, Outcome } from './model'

export interface ExecuteOptions {
  dryRun: boolean
  parallel: number
  log: Logger
}

/** Executes one image's plan; returns an outcome for every decision, in the plan's order. */
export async function executeImage(plan: ImagePlan, image: ImageInventory, backend: Backend, opts: ExecuteOptions): Promise<Outcome[]> {
  const outcome = new Map<Decision, Outcome>()
  const set = (decision: Decision, status: Outcome['status'], detail?: string, deletedTags?: string[]): void => {
    outcome.set(decision, { decision, status, ...(detail ? { detail } : {}), ...(deletedTags?.length ? { deletedTags } : {}) })
  }
  for (const d of plan.decisions) {
    if (d.action === 'keep') set(d, 'kept')
    else if (d.action === 'pending') set(d, 'pending', d.reason)
  }

  const doomed = plan.decisions.filter(d => d.action === 'delete').sort((a, b) => (a.deleteOrder ?? 0) - (b.deleteOrder ?? 0))
  if (doomed.length > 0) {
    let changed = new Map<string, string>()
    try {
      if (!opts.dryRun) changed = await backend.recheck(image, doomed)
    } catch (e) {
      // Cannot tell whether anything moved: delete nothing of this image.
      const why = `not deleted: recheck before deleting failed: ${(e as Error).message}`
      for (const d of doomed) set(d, 'failed', why)
      return plan.decisions.map(d => outcome.get(d) as Outcome)
    }

    // A unit is a subject and the referrers that go with it: the subject first, so a failure leaves at
    // worst an orphan signature (cleaned next run), never an unsigned image.
    const units = unitsOf(doomed)
    const deleted: Decision[] = []
    const runUnit = async (unit: Decision[]): Promise<void> => {
      let subjectOk = true
      for (const d of unit) {
        if (!subjectOk) {
          set(d, 'skipped', 'its subject was not deleted')
          continue
        }
        const why = changed.get(d.digest)
        if (why) {
          set(d, 'skipped', why)
          opts.log.warning(`${image.name}: ${d.tags.join(', ')} skipped: ${why}`)
          subjectOk = false
          continue
        }
        if (opts.dryRun) {
          set(d, 'would-delete')
          continue
        }
        try {
          const r = await backend.delete(image, d)
          set(d, 'deleted', r === 'gone' ? 'already gone' : undefined)
          if (r === 'gone') opts.log.warning(`${image.name}: ${d.tags.join(', ')} was already gone`)
          deleted.push(d)
        } catch (e) {
          set(d, 'failed', (e as Error).message, e instanceof PartialDeleteError ? e.deletedTags : undefined)
          opts.log.warning(`${image.name}: deleting ${d.tags.join(', ')} failed: ${(e as Error).message}`)
          subjectOk = false
        }
      }
    }
    // Indexes go before the rest: a run cut short must not leave an index whose children are gone.
    const indexes = new Set(image.manifests.filter(m => m.children.length > 0).map(m => m.digest))
    await mapLimit(units.filter(u => indexes.has(u[0].digest)), opts.parallel, runUnit)
    await mapLimit(units.filter(u => !indexes.has(u[0].digest)), opts.parallel, runUnit)

    if (!opts.dryRun && deleted.length > 0) {
      try {
        const problems = await backend.confirm(image, deleted)
        for (const [digest, problem] of problems) {
          for (const d of deleted.filter(x => x.digest === digest)) set(d, 'failed', `deleted but ${problem}`)
        }
      } catch (e) {
        opts.log.warning(`${image.name}: could not verify the deleted tags are gone: ${(e as Error).message}`)
      }
    }
  }
  return plan.decisions.map(d => outcome.get(d) as Outcome)
}

/** Groups decisions in delete order into [subject, ...its referrers]; lone referrers are their own unit. */
function unitsOf(doomed: Decision[]): Decision[][] {
  const bySubject = new Map<string, Decision[]>()
  const units: Decision[][] = []
  for (const d of doomed) {
    if (d.family !== 'referrer') {
      const unit = [d]
      units.push(unit)
      bySubject.set(d.digest, unit)
    }
  }
  for (const d of doomed) {
    if (d.family !== 'referrer') continue
    const unit = d.subject ? bySubject.get(d.subject) : undefined
    if (unit) unit.push(d)
    else units.push([d])
  }
  return units
}
