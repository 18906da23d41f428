// The one place that deletes, or in a dry run does not. A dry run reads exactly what the real run reads
// to decide (same inventory, plan and steps here), and skips the deleting requests and the read-only
// guards around them (the recheck just before deleting, the check that the deleted tags are gone), which
// protect a delete that will not happen.

import { Backend, PartialDeleteError } from '../backend'
import { shortDigest } from '../util/digest'
import { Limiter } from '../util/concurrency'
import { Logger } from '../util/log'
import { Decision, ImageInventory, ImagePlan, Outcome } from '../model'
import { CONFIRM_MS, Stop } from './stop'

export interface ExecuteOptions {
  dryRun: boolean
  parallel: number
  log: Logger
  /** A stopped run starts no new deletion and reads back the ones whose answer never came. */
  stop?: Stop
  /** Told the number of tags of each manifest deleted, as it goes (progress). */
  onDeleted?: (tags: number) => void
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
    /** Deletions sent whose answer never came before the stop's grace ran out: read back below. */
    const unknown: Decision[] = []
    const stopped = (): string | undefined => (opts.stop?.reason ? `not deleted: the run was stopped (${opts.stop.reason}) first` : undefined)
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
      const halt = stopped()
      if (halt) {
        set(d, 'skipped', halt)
        return 'skipped'
      }
      try {
        // not started once the run stops while it waits for a slot; in flight, answered within the grace
        const sent = limiter.run(() => (opts.stop?.stopping ? Promise.resolve('not sent' as const) : backend.delete(image, d)))
        const r = opts.stop ? await opts.stop.withinGrace(sent) : await sent
        if (r === 'not sent') {
          set(d, 'skipped', stopped())
          return 'skipped'
        }
        if (r === 'timeout') {
          unknown.push(d)
          set(d, 'failed', `unknown: the run was stopped (${opts.stop?.reason ?? ''}) before the server answered`)
          return 'failed'
        }
        set(d, 'deleted', r === 'gone' ? 'already gone' : undefined)
        opts.onDeleted?.(d.tags.length)
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
    if (unknown.length > 0) await readBack(image, backend, unknown, set)

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

/**
 * The deletions a stop left without an answer, read back within CONFIRM_MS: gone is deleted, still there
 * is skipped, and what cannot be read in time stays failed as unknown (a rerun finds out).
 */
async function readBack(
  image: ImageInventory,
  backend: Backend,
  unknown: Decision[],
  set: (d: Decision, s: Outcome['status'], detail?: string, tags?: string[]) => void
): Promise<void> {
  const left = await Stop.within(
    backend.confirm(image, unknown).catch(() => undefined),
    CONFIRM_MS
  )
  if (left === 'timeout' || left === undefined) return
  for (const d of unknown) {
    const still = left.get(d.digest)
    if (!still) set(d, 'deleted', 'the run stopped before the server answered; read back: gone')
    else if (still.tags.length === d.tags.length) set(d, 'skipped', 'the run stopped before the server answered; read back: still there')
    else
      set(
        d,
        'failed',
        `the run stopped before the server answered; read back: ${still.problem}`,
        d.tags.filter(t => !still.tags.includes(t))
      )
  }
}

/** How a skip names the manifest it hung from. */
function label(d: Decision | undefined, digest: string): string {
  if (!d) return shortDigest(digest)
  return d.version ?? d.tags[0] ?? digest
}
