import { describe, expect, it } from 'vitest'
import { isImage, langOf, money, monthKey, monthLabel, periodLabel, pickMonth, villageOf, words } from './format'

describe('public page formatting', () => {
  it('groups money by thousands and keeps two decimals, without a float', () => {
    expect(money('1234567.50')).toBe('1,234,567.50')
    expect(money('120000.00')).toBe('120,000.00')
    expect(money('0.00')).toBe('0.00')
    expect(money('999.5')).toBe('999.50')
    expect(money('-18000.00')).toBe('-18,000.00')
    expect(money('007')).toBe('7.00')
    // digits past a float's precision stay exact
    expect(money('90071992547409931.23')).toBe('90,071,992,547,409,931.23')
    expect(money('n/a')).toBe('n/a')
  })

  it('reads the village and the language from the query, a code only when it is twelve digits', () => {
    expect(villageOf('?village=230199100200')).toBe('230199100200')
    expect(villageOf('?village=%20230199100200%20&lang=en')).toBe('230199100200')
    expect(villageOf('?village=2301991002')).toBeNull()
    expect(villageOf('?village=../../api')).toBeNull()
    expect(villageOf('')).toBeNull()
    expect(langOf('?village=1&lang=en')).toBe('en')
    expect(langOf('?lang=fr')).toBe('zh')
    expect(words('en').nothing).toBe('Nothing published')
    expect(words('zh').nothing).toBe('暂无公开内容')
  })

  it('names months in both languages', () => {
    expect(monthLabel(2026, 10, 'zh')).toBe('2026年10月')
    expect(monthLabel(2026, 3, 'en')).toBe('2026-03')
    expect(periodLabel('2026-09', 'zh')).toBe('2026年9月')
    expect(periodLabel('oops', 'zh')).toBe('oops')
    expect(monthKey({ year: 2026, month: 9 })).toBe('2026-09')
  })

  it('picks the month of the hash when published, else the newest', () => {
    const months = [{ year: 2026, month: 11 }, { year: 2026, month: 10 }]
    expect(pickMonth(months, '#2026-10')).toEqual({ year: 2026, month: 10 })
    expect(pickMonth(months, '#2026-9')).toEqual({ year: 2026, month: 11 })
    expect(pickMonth(months, '')).toEqual({ year: 2026, month: 11 })
    expect(pickMonth([], '#2026-10')).toBeNull()
  })

  it('shows only ordinary image types inline', () => {
    expect(isImage('image/png')).toBe(true)
    expect(isImage('image/JPEG')).toBe(true)
    expect(isImage('image/svg+xml')).toBe(false)
    expect(isImage('application/pdf')).toBe(false)
  })
})
