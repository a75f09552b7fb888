import { describe, expect, it } from 'vitest'
import {
  entryErrors, isStale, itemsOf, monthActions, nextSort, pickReviewMonth, reviewMonths, rowTone, type DisclosureItem,
} from './types'

describe('rowTone', () => {
  it('marks a failed row above a late one, and a late one above its status', () => {
    expect(rowTone({ status: 'failed', late: true })).toBe('danger')
    expect(rowTone({ status: 'pending', late: true })).toBe('warning')
    expect(rowTone({ status: 'passed', late: false })).toBe('success')
    expect(rowTone({ status: 'published', late: false })).toBe('info')
  })
})

const round = (status: 'planned' | 'open' | 'locked') =>
  ({ status }) as unknown as Parameters<typeof monthActions>[1]['round']

describe('monthActions', () => {
  it('offers item editing to the township while the round is not locked', () => {
    expect(monthActions(['manage_round', 'lock', 'correct'], { allowed_actions: ['inspect'], round: round('planned') }))
      .toEqual({ editItems: true, publish: false, correct: true, upload: false })
    expect(monthActions(['correct'], { allowed_actions: [], round: round('locked') }))
      .toEqual({ editItems: false, publish: false, correct: true, upload: false })
  })
  it('offers publish only in an open round and when the server allows it', () => {
    expect(monthActions([], { allowed_actions: ['publish', 'upload'], round: round('open') }).publish).toBe(true)
    expect(monthActions([], { allowed_actions: ['publish'], round: round('planned') }).publish).toBe(false)
    expect(monthActions([], { allowed_actions: ['upload'], round: round('open') })).toEqual({
      editItems: false, publish: false, correct: false, upload: true,
    })
    expect(monthActions(['manage_round'], { allowed_actions: ['publish'], round: round('locked') }))
      .toEqual({ editItems: false, publish: false, correct: false, upload: false })
  })
})

describe('itemsOf', () => {
  const item = (id: number, section: DisclosureItem['section'], sort: number) =>
    ({ id, section, sort, kind: 'new', updates_item_id: null, title: `i${id}`, guidance: '', version: 1 }) as DisclosureItem
  it('keeps one section, by sort then id', () => {
    const items = [item(3, 'party', 1), item(1, 'village', 0), item(2, 'party', 1), item(4, 'party', 0)]
    expect(itemsOf(items, 'party').map((i) => i.id)).toEqual([4, 2, 3])
    expect(itemsOf(items, 'finance')).toEqual([])
  })
  it('puts a new item after the section\'s last', () => {
    const items = [item(1, 'party', 20), item(2, 'village', 40)]
    expect(nextSort(items, 'party')).toBe(30)
    expect(nextSort(items, 'finance')).toBe(10)
  })
})

describe('isStale / entryErrors', () => {
  it('treats 412 and a 409 about the month moving on as stale, not other conflicts or 422', () => {
    expect(isStale(412)).toBe(true)
    expect(isStale(409, 'month_locked')).toBe(true)
    expect(isStale(409, 'already_published')).toBe(true)
    expect(isStale(409, 'previous_not_locked')).toBe(false)
    expect(isStale(422)).toBe(false)
  })
  it('puts an entry error on the item sent at that index', () => {
    const sent = [{ item_id: 7 }, { item_id: 9 }]
    expect(entryErrors(sent, { 'entries.1.text': '太长', entries: '缺少', 'entries.5.text': 'x' })).toEqual({ 9: '太长' })
  })
})

describe('reviewMonths and pickReviewMonth', () => {
  const r = (id: number, year: number, month: number, status: 'planned' | 'open' | 'locked') => ({ id, year, month, status })
  const rounds = [r(3, 2026, 11, 'locked'), r(7, 2027, 1, 'planned'), r(5, 2026, 12, 'open'), r(1, 2026, 9, 'locked')]

  it('offers every month the committee can see, newest first, each once', () => {
    expect(reviewMonths(rounds).map((m) => [m.key, m.roundId])).toEqual([
      ['2027-01', 7], ['2026-12', 5], ['2026-11', 3], ['2026-09', 1],
    ])
    expect(reviewMonths([r(4, 2026, 12, 'open'), r(2, 2026, 12, 'locked')]).map((m) => m.roundId)).toEqual([2])
    expect(reviewMonths([])).toEqual([])
  })

  it('shows the month asked for, else the newest one under way, else the newest planned one', () => {
    const months = reviewMonths(rounds)
    expect(pickReviewMonth(months)?.key).toBe('2026-12')
    expect(pickReviewMonth(months, '2026-09')?.roundId).toBe(1)
    expect(pickReviewMonth(months, '2026-10')?.key).toBe('2026-12') // not a month it can see
    expect(pickReviewMonth(months, ['2026-09'])?.key).toBe('2026-12')
    expect(pickReviewMonth(reviewMonths([r(7, 2027, 1, 'planned')]))?.roundId).toBe(7)
    expect(pickReviewMonth([])).toBeUndefined()
  })
})
