import { describe, expect, it } from 'vitest'
import { amountProblem, compareMoney, formatMoney, normaliseAmount, sumMoney } from './money'

describe('money on screen', () => {
  it('formats decimal strings without floating point', () => {
    expect(formatMoney('1234567.5')).toBe('1,234,567.50')
    expect(formatMoney('0.1')).toBe('0.10')
    expect(formatMoney('-1200.50')).toBe('-1,200.50')
    expect(formatMoney('999999999999.99')).toBe('999,999,999,999.99')
    expect(formatMoney('-0.00')).toBe('0.00')
    expect(formatMoney(null)).toBe('—')
  })

  it('checks typed amounts like the API does', () => {
    expect(amountProblem('')).toBe('required')
    expect(amountProblem('12.345')).toBe('format')
    expect(amountProblem('-1')).toBe('format')
    expect(amountProblem('1e3')).toBe('format')
    expect(amountProblem('0.00')).toBe('positive')
    expect(amountProblem(' 12.5 ')).toBeNull()
    expect(normaliseAmount('0012.5')).toBe('12.50')
    expect(normaliseAmount('7')).toBe('7.00')
  })

  it('adds and compares exactly', () => {
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30')
    expect(sumMoney(['100.00', '-100.01'])).toBe('-0.01')
    expect(sumMoney([])).toBe('0.00')
    expect(compareMoney('10.00', '9.99')).toBe(1)
    expect(compareMoney('-1.00', '0.00')).toBe(-1)
    expect(compareMoney('5', '5.00')).toBe(0)
  })
})
