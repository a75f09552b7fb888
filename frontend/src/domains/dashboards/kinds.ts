import type { TaskPanel } from './types'

type Group = TaskPanel['by_category'][number]

export interface KindTotal {
  category: Group['category']
  villages: number
  tasks: number
  completed: number
  on_time: number
  overdue: number
}

/** The task panel's figures by kind summed over the rectification statuses: one line per kind, in the
 * panel's order. The villages add up because each village has one status in the month. */
export function totalsByKind(rows: readonly Group[]): KindTotal[] {
  const out = new Map<Group['category'], KindTotal>()
  for (const r of rows) {
    const k = out.get(r.category) ?? { category: r.category, villages: 0, tasks: 0, completed: 0, on_time: 0, overdue: 0 }
    k.villages += r.villages
    k.tasks += r.tasks
    k.completed += r.completed
    k.on_time += r.on_time
    k.overdue += r.overdue
    out.set(r.category, k)
  }
  return [...out.values()]
}

/** A share as a whole percentage, or a dash when there is nothing to share. */
export const pct = (part: number, whole: number): string => (whole ? `${Math.round((100 * part) / whole)}%` : '—')
