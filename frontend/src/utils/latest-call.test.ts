import { describe, expect, it } from 'vitest'
import { latestCall } from './latest-call'

describe('latestCall', () => {
  it('keeps a call current until a later call begins, each counter apart', () => {
    const begin = latestCall()
    const first = begin()
    expect(first()).toBe(true)
    const second = begin()
    expect(first()).toBe(false)
    expect(second()).toBe(true)
    const other = latestCall()() // another search's calls do not count
    expect(other()).toBe(true)
    expect(second()).toBe(true)
  })
})
