/** The caller's to-do on the phone: which items open a phone page, and which are desktop work. */
import type { RouteLocationRaw } from 'vue-router'
import type { Role } from '@/api/types'

export interface TodoEntry {
  key: string
  count: number
  link: string
}

export interface PhoneTodo extends TodoEntry {
  to: RouteLocationRaw
}

/**
 * The phone page that lists each to-do item's rows, and the roles whose phone has that page (the
 * route's own `roles`). An item not here (budgets, inspections, scores, acceptance: desk work with
 * long lists and forms) stays on the desktop: the phone counts it in one "on the computer" line.
 */
const PHONE: Record<string, { to: RouteLocationRaw; roles: readonly Role[] }> = {
  claims_to_sign: { to: { name: 'm-claims' }, roles: ['supervision_committee'] },
  claim_drafts: { to: { name: 'm-claims' }, roles: ['village_committee'] },
  disclosures_to_review: { to: { name: 'm-disclosure-review' }, roles: ['supervision_committee'] },
  tasks_due: { to: { name: 'm-tasks' }, roles: ['cadre', 'village_committee', 'partner_unit'] },
  tasks_overdue: { to: { name: 'm-tasks' }, roles: ['cadre', 'village_committee', 'partner_unit'] },
  measures_overdue: { to: { name: 'm-measures' }, roles: ['cadre', 'village_committee', 'supervision_committee'] },
  checkin_missing: { to: { name: 'm-checkin' }, roles: ['cadre'] },
  log_missing: { to: { name: 'm-log-new' }, roles: ['cadre'] },
}

/** The phone page of one to-do item for this role, or null when the phone has none. */
export function phoneRoute(key: string, role: Role | null): RouteLocationRaw | null {
  const p = PHONE[key]
  return p && role !== null && p.roles.includes(role) ? p.to : null
}

/** Items split into the phone's rows (server order, those with work first) and the count left to the desktop. */
export function phoneTodo(items: readonly TodoEntry[], role: Role | null): { rows: PhoneTodo[]; desktop: number } {
  const rows: PhoneTodo[] = []
  let desktop = 0
  for (const item of items) {
    const to = phoneRoute(item.key, role)
    if (to) rows.push({ ...item, to })
    else desktop += item.count
  }
  rows.sort((a, b) => Number(b.count > 0) - Number(a.count > 0))
  return { rows, desktop }
}
