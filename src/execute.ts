// The one place that deletes, or in a dry run does not. A dry run reads exactly what the real run reads
// to decide (same inventory, plan and steps here), and skips the deleting requests and the read-only
// guards around them (the recheck just before deleting, the check that the deleted tags are gone), which
// protect a delete that will not happen.

import { Backend, PartialDeleteError } from './backend'
import { shortDigest } from './digest'
import { Limiter } from './concurrency'
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

    // Graph order: a manifest that hangs from others (a tagged child, a referrer) is deleted only after
    // every one of them was, so a failure or a run cut short never leaves a kept index pointing at
    // deleted children, and a parent that survives for any reason takes what hangs from it along.
    const byDigest = new Map(plan.decisions.map(d => [d.digest, d]))
    const status = new Map<string, Promise<Outcome['status']>>()
    const limiter = new Limiter(opts.parallel)
    const deleted: Decision[] = []
    // A parent answered deleted is read once more before what hangs from it goes: a server that answers a
    // delete and keeps the manifest (a mirror, a proxy in front of one) must not leave it without them.
    const verified = new Map<string, Promise<string | undefined>>()
    const stillThere = (parent: Decision): Promise<string | undefined> => {
      let v = verified.get(parent.digest)
      if (!v) {
        v = backend.gone(image, parent).then(
          gone => {
            if (gone) return undefined
            set(parent, 'failed', 'the server answered the delete, but the manifest is still there')
            return 'was answered deleted but is still there'
          },
          (e: unknown) => `could not be read after deleting (${(e as Error).message})`
        )
        verified.set(parent.digest, v)
      }
      return v
    }
    const run = async (d: Decision): Promise<Outcome['status']> => {
      for (const digest of d.after ?? []) {
        const parent = byDigest.get(digest)
        const first = parent && parent.action === 'delete' && (parent.deleteOrder ?? 0) < (d.deleteOrder ?? 0) ? status.get(digest) : undefined
        // A parent not planned to go first (kept, pending, or out of order) is a plan that cannot hold.
        const went = first ? await first : undefined
        if (went !== 'deleted' && went !== 'would-delete') {
          const how = went ?? parent?.action ?? 'not in the plan'
          set(d, 'skipped', `${label(parent, digest)} was not deleted (${how === 'keep' ? 'kept' : how})`)
          return 'skipped'
        }
        const why = went === 'deleted' && parent ? await stillThere(parent) : undefined
        if (why) {
          set(d, 'skipped', `${label(parent, digest)} ${why}`)
          return 'skipped'
        }
      }
      const why = changed.get(d.digest)
      if (why) {
        set(d, 'skipped', why)
        opts.log.warning(`${image.name}: ${d.tags.join(', ')} skipped: ${why}`)
        return 'skipped'
      }
      if (opts.dryRun) {
        set(d, 'would-delete')
        return 'would-delete'
      }
      try {
        const r = await limiter.run(() => backend.delete(image, d))
        set(d, 'deleted', r === 'gone' ? 'already gone' : undefined)
        if (r === 'gone') opts.log.warning(`${image.name}: ${d.tags.join(', ')} was already gone`)
        deleted.push(d)
        return 'deleted'
      } catch (e) {
        set(d, 'failed', (e as Error).message, e instanceof PartialDeleteError ? e.deletedTags : undefined)
        opts.log.warning(`${image.name}: deleting ${d.tags.join(', ')} failed: ${(e as Error).message}`)
        return 'failed'
      }
    }
    // In delete order, so every parent's promise exists before its children ask for it.
    for (const d of doomed) status.set(d.digest, run(d))
    await Promise.all(status.values())

    if (!opts.dryRun && deleted.length > 0) {
      try {
        const left = await backend.confirm(image, deleted)
        for (const [digest, still] of left) {
          // the tags that did go are counted (as after a partial delete); the ones still there are not
          for (const d of deleted.filter(x => x.digest === digest)) {
            set(
              d,
              'failed',
              `deleted but ${still.problem}`,
              d.tags.filter(t => !still.tags.includes(t))
            )
          }
        }
      } catch (e) {
        opts.log.warning(`${image.name}: could not verify the deleted tags are gone: ${(e as Error).message}`)
      }
    }
  }
  return plan.decisions.map(d => outcome.get(d) as Outcome)
}

/** How a skip names the manifest it hung from. */
function label(d: Decision | undefined, digest: string): string {
  if (!d) return shortDigest(digest)
  return d.version ?? d.tags[0] ?? digest
}
