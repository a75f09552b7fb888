import { describe, expect, it } from 'vitest'
import { coveragePercent, pairKey, reasonText, samePairs, toggle } from './codes'

const a = { village_code: '230199100200', partner_unit_id: 1 }
const b = { village_code: '230199100200', partner_unit_id: 2 }

describe('pairing helpers', () => {
  it('toggles a pin and removes it from the bans', () => {
    const first = toggle([], [a], a)
    expect(first.list).toEqual([a])
    expect(first.other).toEqual([])
    const back = toggle(first.list, first.other, a)
    expect(back.list).toEqual([])
  })

  it('compares pair lists regardless of order', () => {
    expect(samePairs([a, b], [b, a])).toBe(true)
    expect(samePairs([a], [b])).toBe(false)
    expect(pairKey(a)).toBe('230199100200:1')
  })

  it('explains a match in words', () => {
    const text = reasonText(
      { category: 'weak_economy', strength: 'economic', weight: 3 },
      (c) => ({ weak_economy: '贫困/集体经济薄弱' })[c] ?? c,
      (s) => ({ economic: '有经济实力' })[s] ?? s,
    )
    expect(text).toBe('贫困/集体经济薄弱 ↔ 有经济实力')
  })

  it('computes coverage', () => {
    expect(coveragePercent(30, 34)).toBe(88.2)
    expect(coveragePercent(0, 0)).toBe(100)
  })
})
