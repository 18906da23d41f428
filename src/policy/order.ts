// The order of deletions across the images planned together, and max-deletions.
import { pathText } from './graph'
import { cmpStr, decide, label, type ImageWork, type Item } from './item'

/**
 * Numbers every deletion across the images planned together: round robin over images (in name order) so a
 * max-deletions cap spreads over images. What hangs from deleted manifests comes right after the last of
 * them, with their action, uncounted (a parent and its exclusive children are one unit); orphan referrers
 * come last. Anything left unplaced hangs from a cycle of referrers: it is kept.
 */
export function orderDeletions(work: ImageWork[], cap: number | undefined): void {
  const images = [...work].sort((a, b) => cmpStr(a.inv.name, b.inv.name) || cmpStr(a.inv.repository, b.inv.repository))
  let order = 0
  const place = (it: Item) => {
    if (it.deleteOrder !== undefined) return
    it.deleteOrder = ++order
    for (const f of it.followers) {
      if (f.deleteOrder !== undefined || f.rule !== undefined) continue
      if (!f.prereqs.every(p => p.item.deleteOrder !== undefined)) continue
      follow(f, cap)
      place(f)
    }
  }

  let counted = 0
  const longest = Math.max(0, ...images.map(w => w.candidates.length))
  for (let pos = 0; pos < longest; pos++) {
    for (const w of images) {
      const it = w.candidates[pos]
      if (!it) continue
      counted++
      if (cap !== undefined && counted > cap) {
        it.dueReason = it.reason
        decide(it, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached`)
      }
      place(it)
    }
  }
  for (const w of images) w.orphans.forEach(place)
  for (const w of images) {
    for (const it of w.items) {
      if (it.rule !== undefined) continue
      const p = it.prereqs[0]
      decide(it, 'keep', 'subject-exists', `${pathText(p?.path ?? [], label(p?.item ?? it))}, which is part of a reference cycle`)
    }
  }
}

/** Decides a manifest hanging from others once all of them are placed: pending if any is. */
export function follow(f: Item, cap: number | undefined): void {
  const pending = f.prereqs.find(p => p.item.action === 'pending')
  if (pending) {
    decide(f, 'pending', 'max-deletions', `pending: max-deletions ${cap} reached (${pathText(pending.path, label(pending.item))})`)
    return
  }
  const last = f.prereqs.reduce((a, b) => ((b.item.deleteOrder ?? 0) > (a.item.deleteOrder ?? 0) ? b : a))
  decide(f, 'delete', f.refs ? 'referrer-of-deleted' : 'child-of-deleted', pathText(last.path, `deleted ${label(last.item)}`))
}
