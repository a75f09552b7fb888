import { describe, expect, it } from 'vitest'
import { emptyFilters, filtersFromUrl, filtersQuery } from './board'

describe('the task board filters in the URL', () => {
  it('round-trips programme, assignee and due range', () => {
    const q = {
      item_id: '12',
      responsible_kind: 'cadre',
      cadre_id: '3',
      due_from: '2026-12-01',
      due_to: '2026-12-31',
      status: 'overdue',
    }
    const f = filtersFromUrl(q)
    expect(f).toMatchObject({ itemId: 12, responsibleKind: 'cadre', cadreId: 3, dueFrom: '2026-12-01', dueTo: '2026-12-31' })
    expect(filtersQuery(f)).toEqual(q)
  })

  it('leaves out what is not valid rather than sending it', () => {
    const f = filtersFromUrl({
      item_id: '0',
      responsible_kind: 'boss',
      cadre_id: '3',
      due_from: '2026-02-30',
      due_to: 'soon',
      status: 'lost',
      village_code: '123',
    })
    expect(filtersQuery(f)).toEqual({})
    // a unit's id only with the partner-unit kind
    expect(filtersQuery(filtersFromUrl({ responsible_kind: 'village_committee', partner_unit_id: '5' }))).toEqual({
      responsible_kind: 'village_committee',
    })
    expect(filtersFromUrl({ item_id: '99999999999' }).itemId).toBeNull()
  })

  it('keeps a one-sided due range and orders a reversed one', () => {
    expect(filtersQuery(filtersFromUrl({ due_from: '2026-12-01' }))).toEqual({ due_from: '2026-12-01' })
    expect(filtersQuery(filtersFromUrl({ due_from: '2026-12-31', due_to: '2026-12-01' }))).toEqual({
      due_from: '2026-12-01',
      due_to: '2026-12-31',
    })
    expect(filtersQuery({ ...emptyFilters(), partnerUnitId: 4 })).toEqual({})
  })
})
