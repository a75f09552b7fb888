import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { roleAllows, routes } from '@/router'
import { phoneRoute, phoneTodo, type TodoEntry } from './todo'

const item = (key: string, count: number): TodoEntry => ({ key, count, link: `/api/v1/x?k=${key}` })

describe('the phone to-do', () => {
  it('sends each phone item to the phone page that lists it', () => {
    expect(phoneRoute('checkin_missing', 'cadre')).toEqual({ name: 'm-checkin' })
    expect(phoneRoute('log_missing', 'cadre')).toEqual({ name: 'm-log-new' })
    expect(phoneRoute('tasks_due', 'cadre')).toEqual({ name: 'm-tasks' })
    expect(phoneRoute('tasks_overdue', 'village_committee')).toEqual({ name: 'm-tasks' })
    expect(phoneRoute('tasks_due', 'partner_unit')).toEqual({ name: 'm-tasks' }) // a partner unit responsible for tasks
    expect(phoneRoute('claims_to_sign', 'supervision_committee')).toEqual({ name: 'm-claims' })
    expect(phoneRoute('claim_drafts', 'village_committee')).toEqual({ name: 'm-claims' })
    expect(phoneRoute('disclosures_to_review', 'supervision_committee')).toEqual({ name: 'm-disclosure-review' })
    expect(phoneRoute('measures_overdue', 'cadre')).toEqual({ name: 'm-measures' })
  })

  it('leaves desk work and pages the role has no phone page for to the desktop', () => {
    expect(phoneRoute('budgets_to_approve', 'township_official')).toBeNull()
    expect(phoneRoute('disclosures_to_inspect', 'township_official')).toBeNull()
    expect(phoneRoute('disclosures_to_publish', 'village_committee')).toBeNull()
    expect(phoneRoute('measures_overdue', 'county_admin')).toBeNull()
    expect(phoneRoute('unknown_key', 'cadre')).toBeNull()
    expect(phoneRoute('tasks_due', null)).toBeNull()
  })

  it('puts items with work first and counts what is left to the desktop', () => {
    const { rows, desktop } = phoneTodo(
      [item('claim_drafts', 0), item('disclosures_to_publish', 2), item('tasks_due', 3), item('tasks_overdue', 0),
        item('measures_overdue', 1)],
      'village_committee',
    )
    expect(rows.map((r) => [r.key, r.count])).toEqual([['tasks_due', 3], ['measures_overdue', 1], ['claim_drafts', 0],
      ['tasks_overdue', 0]])
    expect(desktop).toBe(2)
    expect(phoneTodo([item('budgets_to_approve', 4), item('scores_to_enter', 1)], 'township_official'))
      .toEqual({ rows: [], desktop: 5 })
  })

  it('only names phone routes that exist and that the role may open', () => {
    const router = createRouter({ history: createMemoryHistory(), routes })
    const roles = ['cadre', 'village_committee', 'supervision_committee', 'partner_unit'] as const
    const keys = ['claims_to_sign', 'claim_drafts', 'disclosures_to_review', 'tasks_due', 'tasks_overdue', 'measures_overdue',
      'checkin_missing', 'log_missing']
    let seen = 0
    for (const role of roles) {
      for (const key of keys) {
        const to = phoneRoute(key, role)
        if (!to) continue
        seen++
        const resolved = router.resolve(to)
        expect(resolved.path.startsWith('/m/'), `${key} ${role}`).toBe(true)
        expect(resolved.name, `${key} ${role}`).not.toBe('m-not-found')
        expect(roleAllows(resolved, role), `${key} ${role}`).toBe(true)
      }
    }
    expect(seen).toBe(14)
  })
})
