import { describe, expect, it } from 'vitest'
import { hasControl, trend, unsignedPercent } from './types'
import { countyToday } from '@/utils/time'

const y = (cases: number, previous: number, pct: string | null) => ({
  year: 2013,
  cases,
  previous_year_cases: previous,
  change: cases - previous,
  change_percent: pct,
})

describe('yearly change', () => {
  it('reads the direction from the change and the size from the exact percentage', () => {
    expect(trend(y(5, 8, '-37.5'))).toBe('down')
    expect(unsignedPercent(y(5, 8, '-37.5'))).toBe('37.5')
    expect(trend(y(3, 2, '50.0'))).toBe('up')
    expect(trend(y(2, 2, '0.0'))).toBe('flat')
    expect(trend(y(4, 0, null))).toBe('new')
    expect(trend(y(0, 0, null))).toBe('flat')
  })
  it('takes the day on the county calendar and spots control characters', () => {
    expect(countyToday(new Date('2026-12-01T17:00:00Z'))).toBe('2026-12-02')
    expect(hasControl('李\u0007')).toBe(true)
    expect(hasControl('第一行\n第二行')).toBe(false)
  })
})
