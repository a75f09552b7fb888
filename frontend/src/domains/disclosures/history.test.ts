import { describe, expect, it } from 'vitest'
import {
  earlierRounds, failingInspection, inspectionsNewestFirst, newestFirst, qrFileName, qrUrl, reviewsNewestFirst,
  updatableItems, type Inspection, type Review,
} from './history'
import type { DisclosureItem } from './types'

const review = (id: number, at: string): Review =>
  ({ id, stage: 'after_publication', publication_id: 1, opinion: `o${id}`, reviewed_by: 'committee01', reviewed_at: at })
const inspection = (id: number, at: string, result: 'passed' | 'failed'): Inspection =>
  ({ id, publication_id: 1, result, findings: '', fix_by: null, inspected_by: 'township01', inspected_at: at })

describe('newestFirst', () => {
  it('puts the newest first, and of two at the same moment the later recorded', () => {
    const rows = [review(1, '2026-12-01T02:00:00Z'), review(3, '2026-12-02T01:00:00Z'), review(2, '2026-12-02T01:00:00Z')]
    expect(reviewsNewestFirst(rows).map((r) => r.id)).toEqual([3, 2, 1])
    expect(rows.map((r) => r.id)).toEqual([1, 3, 2]) // the list given is left as it was
  })
  it('compares moments, not their text (offsets differ)', () => {
    // 09:30 in Beijing is 01:30 UTC: earlier than 02:00 UTC though its text sorts after.
    const rows = [inspection(1, '2026-12-01T02:00:00Z', 'failed'), inspection(2, '2026-12-01T09:30:00+08:00', 'passed')]
    expect(inspectionsNewestFirst(rows).map((i) => i.id)).toEqual([1, 2])
  })
  it('keeps an unreadable moment last', () => {
    expect(newestFirst([{ id: 1, at: 'x' }, { id: 2, at: '2026-01-01T00:00:00Z' }], (r) => r.at).map((r) => r.id)).toEqual([2, 1])
    expect(newestFirst([], () => '')).toEqual([])
  })
})

describe('failingInspection', () => {
  const failed = inspection(1, '2026-12-03T01:00:00Z', 'failed')
  const passed = inspection(2, '2026-12-05T01:00:00Z', 'passed')
  it('is the newest inspection of a failed village', () => {
    const again = { ...inspection(3, '2026-12-06T01:00:00Z', 'failed'), findings: '照片不清' }
    expect(failingInspection({ status: 'failed', inspections: [failed, passed, again] })?.id).toBe(3)
    expect(failingInspection({ status: 'failed', inspections: [failed] })?.id).toBe(1)
  })
  it('is nothing for a village that is not failed, or whose newest inspection passed', () => {
    expect(failingInspection({ status: 'published', inspections: [failed] })).toBeUndefined()
    expect(failingInspection({ status: 'passed', inspections: [failed, passed] })).toBeUndefined()
    expect(failingInspection({ status: 'failed', inspections: [failed, passed] })).toBeUndefined()
    expect(failingInspection({ status: 'failed', inspections: [] })).toBeUndefined()
  })
})

describe('earlierRounds', () => {
  const r = (id: number, year: number, month: number, township_code = '230199100000') => ({ id, year, month, township_code })
  const current = { township_code: '230199100000', year: 2026, month: 12 }
  it('keeps the township\'s months before the round\'s, newest first, each once', () => {
    const rounds = [r(1, 2026, 10), r(9, 2026, 12), r(4, 2027, 1), r(3, 2026, 11), r(2, 2025, 12), r(8, 2026, 11), r(5, 2026, 11, '230199101000')]
    expect(earlierRounds(rounds, current).map((x) => x.id)).toEqual([3, 1, 2])
  })
  it('is empty for the township\'s first month', () => {
    expect(earlierRounds([r(9, 2026, 12)], current)).toEqual([])
  })
})

describe('updatableItems', () => {
  const item = (id: number, section: DisclosureItem['section'], sort: number) =>
    ({ id, section, sort, kind: 'new', updates_item_id: null, title: `i${id}`, guidance: '', version: 1 }) as DisclosureItem
  it('keeps the section\'s items in their order, never the finance one', () => {
    const items = [item(1, 'village', 20), item(2, 'party', 10), item(3, 'village', 10), item(4, 'finance', 0)]
    expect(updatableItems(items, 'village').map((i) => i.id)).toEqual([3, 1])
    expect(updatableItems(items, 'finance')).toEqual([])
  })
})

describe('qrFileName / qrUrl', () => {
  it('names the file by the village, without characters a file name cannot hold', () => {
    expect(qrFileName('230199100200', '永平村', 'svg')).toBe('230199100200-永平村-qr.svg')
    expect(qrFileName('230199100200', 'a/b c:d', 'png')).toBe('230199100200-abcd-qr.png')
    expect(qrFileName('230199100200', '', 'png')).toBe('230199100200-qr.png')
  })
  it('is the village\'s QR endpoint', () => {
    expect(qrUrl('230199100200', 'png')).toBe('/api/v1/disclosures/villages/230199100200/qr.png')
  })
})
