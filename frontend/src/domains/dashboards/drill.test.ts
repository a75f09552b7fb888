import { describe, expect, it } from 'vitest'
import { drillRoute, listLink, withTownship } from './drill'

type Named = { name: string; query: Record<string, unknown> }
const route = (link: string) => drillRoute(link) as Named

describe('drill links', () => {
  it('keeps the rows page for a figure no register lists, and reads its link back with the page', () => {
    const r = route('/api/v1/dashboards/rows?figure=villages_below_units&township_code=230199100000&month=2026-12')
    expect(r.name).toBe('dashboard-rows')
    expect(r.query.list).toBe('dashboards/rows?figure=villages_below_units&township_code=230199100000&month=2026-12')
    expect(listLink(r.query.list, 50, 100)).toBe(
      '/api/v1/dashboards/rows?figure=villages_below_units&township_code=230199100000&month=2026-12&limit=50&offset=100',
    )
  })
  it('refuses links outside the API', () => {
    expect(() => drillRoute('https://evil.example/x')).toThrow()
    expect(listLink('//evil.example/x', 50, 0)).toBeNull()
    expect(listLink('../auth/me', 50, 0)).toBeNull()
    expect(listLink(undefined, 50, 0)).toBeNull()
  })
  it('opens the village register for a pairing gap on the panel’s day', () => {
    expect(route('/api/v1/villages?township_code=230199100000&pairing=short_of_units&pairing_on=2026-11-30')).toEqual({
      name: 'villages',
      query: { township: '230199100000', pairing: 'short_of_units', pairing_on: '2026-11-30' },
    })
  })
  it('opens the village register with its township, status and category', () => {
    expect(route('/api/v1/villages?township_code=230199100000&status=weak&category=weak_branch')).toEqual({
      name: 'villages',
      query: { township: '230199100000', status: 'weak', category: 'weak_branch' },
    })
  })
  it('opens the discipline register with the days filed, the outcome and the violation', () => {
    expect(route('/api/v1/discipline/cases?filed_from=2026-01-01&filed_to=2026-12-03&township_code=230199100000&outcome=warning')).toEqual({
      name: 'discipline-cases',
      query: { filed_from: '2026-01-01', filed_to: '2026-12-03', township_code: '230199100000', outcome: 'warning' },
    })
    expect(route('/api/v1/discipline/cases?year=2024').query).toEqual({ year: '2024' })
  })
  it('opens the claims list with the step’s status, the approval, the township and the days waited', () => {
    expect(route('/api/v1/funds/claims?status=committee_signed&needs_approval=true&township_code=230199100000')).toEqual({
      name: 'funds-claims',
      query: { status: 'committee_signed', needs_approval: 'true', township_code: '230199100000' },
    })
    expect(route('/api/v1/funds/claims?status=submitted&waiting_over_days=7').query).toEqual({ status: 'submitted', waiting_over_days: '7' })
  })
  it('opens the flagged check-ins review list, pending only or all flagged, for the township and days', () => {
    expect(route('/api/v1/cadres/checkins?flagged=true&reviewed=false&township_code=230199100000&date_from=2026-12-01&date_to=2026-12-31')).toEqual({
      name: 'cadre-flagged-checkins',
      query: { township_code: '230199100000', date_from: '2026-12-01', date_to: '2026-12-31', pending: '1' },
    })
    expect(route('/api/v1/cadres/checkins?flagged=true').query).toEqual({ pending: '0' })
    // Not flagged ones, or reviewed ones only: the review list does not list them.
    expect(route('/api/v1/cadres/checkins?village_code=230199100200').name).toBe('dashboard-rows')
    expect(route('/api/v1/cadres/checkins?flagged=true&reviewed=true').name).toBe('dashboard-rows')
  })
  it('opens the task board, the case list (all cases, not only open ones) and the attendance', () => {
    expect(route('/api/v1/tasks?township_code=230199100000')).toEqual({ name: 'tasks', query: { township_code: '230199100000' } })
    expect(route('/api/v1/tasks?pending=true&due_from=2026-12-03&due_to=2026-12-10').query).toEqual({
      pending: 'true',
      due_from: '2026-12-03',
      due_to: '2026-12-10',
    })
    expect(route('/api/v1/rectification-cases?township_code=230199100000')).toEqual({
      name: 'rectification-cases',
      query: { township: '230199100000', open: '0' },
    })
    expect(route('/api/v1/cadres/attendance?month=2026-12&township_code=230199100000')).toEqual({
      name: 'cadre-attendance',
      query: { month: '2026-12', township_code: '230199100000' },
    })
  })
  it('opens the township’s month board for its disclosure round, and the rows page for a part of it', () => {
    const board = { name: 'disclosure-board', query: { township_code: '230199100000', month: '2026-03' } }
    expect(route('/api/v1/dashboards/rows?figure=disclosure_villages&township_code=230199100000&month=2026-03')).toEqual(board)
    expect(route('/api/v1/disclosures/rounds?township_code=230199100000&year=2026&month=3')).toEqual(board)
    expect(route('/api/v1/dashboards/rows?figure=disclosure_villages&township_code=230199100000&month=2026-03&late=true').name).toBe('dashboard-rows')
    expect(route('/api/v1/dashboards/rows?figure=disclosure_villages&month=2026-03').name).toBe('dashboard-rows')
  })
  it('falls back to the rows page for a filter a register does not take', () => {
    expect(route('/api/v1/villages?status=weak&q=x').name).toBe('dashboard-rows')
    expect(route('/api/v1/funds/budgets?year=2026').name).toBe('dashboard-rows')
  })
  it('narrows a link to a township once, whether or not it named one', () => {
    expect(withTownship('/api/v1/cadres/attendance?month=2026-12&township_code=230199100000', '230199100000')).toBe(
      '/api/v1/cadres/attendance?month=2026-12&township_code=230199100000',
    )
    expect(route(withTownship('/api/v1/cadres/attendance?month=2026-12', '230199101000')!).query).toEqual({ month: '2026-12', township_code: '230199101000' })
    expect(withTownship(undefined, '230199100000')).toBeUndefined()
  })
})
