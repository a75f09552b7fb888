import { describe, expect, it } from 'vitest'
import { pct, totalsByKind } from './kinds'
import type { TaskPanel } from './types'

type Group = TaskPanel['by_category'][number]
const row = (category: Group['category'], status: Group['status'], n: number[]): Group => ({
  category, status, villages: n[0]!, tasks: n[1]!, completed: n[2]!, on_time: n[3]!, overdue: n[4]!, drill: '',
})

describe('task figures by kind', () => {
  it('adds each kind over its statuses and keeps the order the kinds come in', () => {
    expect(totalsByKind([
      row('industry', 'weak', [1, 2, 1, 0, 1]),
      row('seven_helps', 'accepted', [2, 5, 4, 3, 0]),
      row('industry', 'accepted', [4, 9, 6, 5, 2]),
    ])).toEqual([
      { category: 'industry', villages: 5, tasks: 11, completed: 7, on_time: 5, overdue: 3 },
      { category: 'seven_helps', villages: 2, tasks: 5, completed: 4, on_time: 3, overdue: 0 },
    ])
    expect(totalsByKind([])).toEqual([])
  })

  it('writes a share as a whole percentage, and a dash of nothing', () => {
    expect(pct(2, 3)).toBe('67%')
    expect(pct(0, 4)).toBe('0%')
    expect(pct(0, 0)).toBe('—')
  })
})
