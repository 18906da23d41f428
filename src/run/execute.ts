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
  const run = new ImageExecution(plan, image, backend, opts)
  const doomed = plan.decisions.filter(d => d.action === 'delete').sort((a, b) => (a.deleteOrder ?? 0) - (b.deleteOrder ?? 0))
  if (doomed.length > 0 && (await run.recheck(doomed))) {
    await run.deleteInGraphOrder(doomed)
    await run.confirm()
  }
  return plan.decisions.map(d => run.outcome.get(d) as Outcome)
}

/** One image's execution: its outcomes so far, and the steps that make them. */
class ImageExecution {
  readonly outcome = new Map<Decision, Outcome>()
  /** Digest -> why a planned deletion must not happen any more (the recheck's answer). */
  private changed = new Map<string, string>()
  private readonly byDigest: Map<string, Decision>
  private readonly status = new Map<string, Promise<Outcome['status']>>()
  private readonly limiter: Limiter
  private readonly deleted: Decision[] = []
  /** Deletions sent whose answer never came before the stop's grace ran out: read back below. */
  private readonly unknown: Decision[] = []
  /** A parent answered deleted, read once more before what hangs from it goes. */
  private readonly verified = new Map<string, Promise<string | undefined>>()

  constructor(
    plan: ImagePlan,
    private readonly image: ImageInventory,
    private readonly backend: Backend,
    private readonly opts: ExecuteOptions
  ) {
    this.byDigest = new Map(plan.decisions.map(d => [d.digest, d]))
    this.limiter = new Limiter(opts.parallel)
    for (const d of plan.decisions) {
      if (d.action === 'keep') this.set(d, 'kept')
      else if (d.action === 'pending') this.set(d, 'pending', d.reason)
    }
  }

  set(decision: Decision, status: Outcome['status'], detail?: string, deletedTags?: string[]): void {
    this.outcome.set(decision, { decision, status, ...(detail ? { detail } : {}), ...(deletedTags?.length ? { deletedTags } : {}) })
  }

  /** The read-only check just before deleting; false (everything failed) when it could not be made. */
  async recheck(doomed: Decision[]): Promise<boolean> {
    try {
      if (!this.opts.dryRun) this.changed = await this.backend.recheck(this.image, doomed)
      return true
    } catch (e) {
      // Cannot tell whether anything moved: delete nothing of this image.
      const why = `not deleted: recheck before deleting failed: ${(e as Error).message}`
      for (const d of doomed) this.set(d, 'failed', why)
      return false
    }
  }

  /**
   * Graph order: a manifest that hangs from others (a tagged child, a referrer) is deleted only after
   * every one of them was, so a failure or a run cut short never leaves a kept index pointing at deleted
   * children, and a parent that survives for any reason takes what hangs from it along. In delete order,
   * so every parent's promise exists before its children ask for it.
   */
  async deleteInGraphOrder(doomed: Decision[]): Promise<void> {
    for (const d of doomed) this.status.set(d.digest, this.one(d))
    await Promise.all(this.status.values())
    if (this.unknown.length > 0) await readBack(this.image, this.backend, this.unknown, (d, st, detail, tags) => this.set(d, st, detail, tags))
  }

  /** After deleting: the tags a 2xx left behind are failed, the others deleted (never report what did not happen). */
  async confirm(): Promise<void> {
    if (this.opts.dryRun || this.deleted.length === 0) return
    try {
      const left = await this.backend.confirm(this.image, this.deleted)
      for (const [digest, still] of left) {
        // the tags that did go are counted (as after a partial delete); the ones still there are not
        for (const d of this.deleted.filter(x => x.digest === digest)) {
          this.set(
            d,
            'failed',
            `deleted but ${still.problem}`,
            d.tags.filter(t => !still.tags.includes(t))
          )
        }
      }
    } catch (e) {
      this.opts.log.warning(`${this.image.name}: could not verify the deleted tags are gone: ${(e as Error).message}`)
    }
  }

  private stopped(): string | undefined {
    return this.opts.stop?.reason ? `not deleted: the run was stopped (${this.opts.stop.reason}) first` : undefined
  }

  /** One manifest: after what it hangs from, unless changed or stopped; then its DELETE. */
  private async one(d: Decision): Promise<Outcome['status']> {
    const held = await this.heldBack(d)
    if (held) {
      this.set(d, 'skipped', held)
      return 'skipped'
    }
    const why = this.changed.get(d.digest)
    if (why) {
      this.set(d, 'skipped', why)
      this.opts.log.warning(`${this.image.name}: ${d.tags.join(', ')} skipped: ${why}`)
      return 'skipped'
    }
    if (this.opts.dryRun) {
      this.set(d, 'would-delete')
      return 'would-delete'
    }
    const halt = this.stopped()
    if (halt) {
      this.set(d, 'skipped', halt)
      return 'skipped'
    }
    return this.send(d)
  }

  /** Why `d` must wait for good: a parent not deleted first, or one answered deleted but still there. */
  private async heldBack(d: Decision): Promise<string | undefined> {
    for (const digest of d.after ?? []) {
      const parent = this.byDigest.get(digest)
      const first = parent && parent.action === 'delete' && (parent.deleteOrder ?? 0) < (d.deleteOrder ?? 0) ? this.status.get(digest) : undefined
      // A parent not planned to go first (kept, pending, or out of order) is a plan that cannot hold.
      const went = first ? await first : undefined
      if (went !== 'deleted' && went !== 'would-delete') {
        const how = went ?? parent?.action ?? 'not in the plan'
        return `${label(parent, digest)} was not deleted (${how === 'keep' ? 'kept' : how})`
      }
      const why = went === 'deleted' && parent ? await this.stillThere(parent) : undefined
      if (why) return `${label(parent, digest)} ${why}`
    }
    return undefined
  }

  /**
   * A parent answered deleted is read once more before what hangs from it goes: a server that answers a
   * delete and keeps the manifest (a mirror, a proxy in front of one) must not leave it without them.
   */
  private stillThere(parent: Decision): Promise<string | undefined> {
    let v = this.verified.get(parent.digest)
    if (!v) {
      v = this.backend.gone(this.image, parent).then(
        gone => {
          if (gone) return undefined
          this.set(parent, 'failed', 'the server answered the delete, but the manifest is still there')
          return 'was answered deleted but is still there'
        },
        (e: unknown) => `could not be read after deleting (${(e as Error).message})`
      )
      this.verified.set(parent.digest, v)
    }
    return v
  }

  /** The DELETE: not started once the run stops while it waits for a slot; in flight, answered within the grace. */
  private async send(d: Decision): Promise<Outcome['status']> {
    const { stop, log } = this.opts
    try {
      const sent = this.limiter.run(() => (stop?.stopping ? Promise.resolve('not sent' as const) : this.backend.delete(this.image, d)))
      const r = stop ? await stop.withinGrace(sent) : await sent
      if (r === 'not sent') {
        this.set(d, 'skipped', this.stopped())
        return 'skipped'
      }
      if (r === 'timeout') {
        this.unknown.push(d)
        this.set(d, 'failed', `unknown: the run was stopped (${stop?.reason ?? ''}) before the server answered`)
        return 'failed'
      }
      this.set(d, 'deleted', r === 'gone' ? 'already gone' : undefined)
      this.opts.onDeleted?.(d.tags.length)
      if (r === 'gone') log.warning(`${this.image.name}: ${d.tags.join(', ')} was already gone`)
      this.deleted.push(d)
      return 'deleted'
    } catch (e) {
      this.set(d, 'failed', (e as Error).message, e instanceof PartialDeleteError ? e.deletedTags : undefined)
      log.warning(`${this.image.name}: deleting ${d.tags.join(', ')} failed: ${(e as Error).message}`)
      return 'failed'
    }
  }
}

/**
 * The deletions a stop left without an answer, read back within CONFIRM_MS: gone is deleted; still there
 * stays failed as unknown (its DELETE is still in flight and may yet be carried out), as does what cannot
 * be read in time: a rerun finds out.
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
    // still there now, but its DELETE is still in flight and may yet be carried out: unknown, not kept
    else if (still.tags.length === d.tags.length)
      set(d, 'failed', 'unknown: the run stopped before the server answered; still there when read back, a rerun finds out')
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
