import { describe, expect, it } from 'vitest'
import {
  addMonths,
  countyDate,
  countyDateTime,
  countyDay,
  countyMonth,
  countyThisMonth,
  countyTime,
  countyToday,
  monthName,
  pickedDay,
} from './time'

describe('county time', () => {
  it('puts 23:30 UTC on the next day in the county', () => {
    expect(countyDay('2026-12-02T23:30:00Z')).toBe('2026-12-03')
    expect(countyTime('2026-12-02T23:30:00Z')).toBe('07:30')
    expect(countyToday(new Date('2026-12-02T23:30:00Z'))).toBe('2026-12-03')
    expect(countyThisMonth(new Date('2026-11-30T23:30:00Z'))).toBe('2026-12')
    expect(countyMonth('2026-12-31T16:00:00Z')).toBe('2027-01')
    expect(countyDay('2026-12-03T07:59:59+08:00')).toBe('2026-12-03')
  })

  it('keeps the day before 16:00 UTC', () => {
    expect(countyDay('2026-05-01T15:59:59Z')).toBe('2026-05-01')
    expect(countyDay('2026-05-01T16:00:00Z')).toBe('2026-05-02')
    expect(countyTime('2026-05-01T16:00:00Z')).toBe('00:00')
  })

  it('writes midnight as 00, not 24, in English and Chinese', () => {
    const midnight = '2026-12-02T16:05:09Z' // 00:05:09 on 3 December in the county
    expect(countyDateTime(midnight, 'en')).toBe('12/3/2026, 00:05:09')
    expect(countyDateTime(midnight, 'zh-CN')).toBe('2026/12/3 00:05:09')
    expect(countyDateTime(midnight, 'en')).not.toContain('24:')
    expect(countyDateTime(midnight, 'zh-CN')).not.toContain('24:')
  })

  it("writes the county's date alone in the interface language", () => {
    expect(countyDate('2026-12-02T23:30:00Z', 'en')).toBe('12/3/2026')
    expect(countyDate('2026-12-02T23:30:00Z', 'zh-CN')).toBe('2026/12/3')
  })

  it('names a month in the interface language', () => {
    expect(monthName('2026-12', 'zh-CN')).toBe('2026年12月')
    expect(monthName('2026-12', 'en')).toBe('December 2026')
  })

  it('steps months across years', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-12', 1)).toBe('2027-01')
    expect(addMonths('2026-03', -14)).toBe('2025-01')
  })

  it("reads a date picker's day from its local fields", () => {
    expect(pickedDay(new Date(2026, 0, 5))).toBe('2026-01-05')
  })
})
