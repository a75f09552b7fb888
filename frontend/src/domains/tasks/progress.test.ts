import { describe, expect, it } from 'vitest'
import { dispositionName } from './http'
import { validAmount } from './progress'
import { percent, statusType } from './types'

describe('tasks on the phone and desk', () => {
  it('takes decimal amounts of at least 0 with two decimals at most', () => {
    expect(validAmount('3')).toBe(true)
    expect(validAmount(' 2.25 ')).toBe(true)
    expect(validAmount('0')).toBe(true)
    expect(validAmount('-1')).toBe(false)
    expect(validAmount('1.234')).toBe(false)
    expect(validAmount('1e3')).toBe(false)
    expect(validAmount('')).toBe(false)
  })
  it('reads the Chinese file name of an export', () => {
    expect(dispositionName(`attachment; filename="tasks.xlsx"; filename*=UTF-8''%E4%BB%BB%E5%8A%A1.xlsx`, 'x')).toBe('任务.xlsx')
    expect(dispositionName(null, 'tasks.csv')).toBe('tasks.csv')
  })
  it('shows progress as a bounded percentage and a status colour', () => {
    expect(percent({ share_done: 0.345 })).toBe(35)
    expect(percent({ share_done: 1.2 })).toBe(100)
    expect(statusType('overdue')).toBe('danger')
    expect(statusType('accepted')).toBe('success')
  })
})
