import { describe, expect, it } from 'vitest'
import { rowTone } from './types'

describe('rowTone', () => {
  it('marks a failed row above a late one, and a late one above its status', () => {
    expect(rowTone({ status: 'failed', late: true })).toBe('danger')
    expect(rowTone({ status: 'pending', late: true })).toBe('warning')
    expect(rowTone({ status: 'passed', late: false })).toBe('success')
    expect(rowTone({ status: 'published', late: false })).toBe('info')
  })
})
