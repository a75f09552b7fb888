import { describe, expect, it } from 'vitest'
import { correctedSheets, firstCell, move, parseScore, readySheets, rowState, type DraftRow, type GridShape } from './grid'

const C = { code: 'weak_economy', min_score: 0, max_score: 10 }
const CRIT = [C, { code: 'weak_branch', min_score: 1, max_score: 5 }]

function shape(rows: number, cols: number, locked: number[] = []): GridShape {
  return { rows, cols, locked: (r) => locked.includes(r) }
}

describe('parseScore', () => {
  it('accepts whole numbers in range and empty', () => {
    expect(parseScore('', C)).toEqual({ value: null, problem: null })
    expect(parseScore(' 7 ', C)).toEqual({ value: 7, problem: null })
    expect(parseScore('0', C).problem).toBeNull()
    expect(parseScore('10', C).problem).toBeNull()
  })
  it('flags fractions, text and values out of range', () => {
    expect(parseScore('2.5', C).problem).toBe('not_integer')
    expect(parseScore('x', C).problem).toBe('not_integer')
    expect(parseScore('11', C).problem).toBe('out_of_range')
    expect(parseScore('-1', C).problem).toBe('out_of_range')
  })
})

describe('move', () => {
  const s = shape(3, 6)
  it('moves with arrows and stops at edges', () => {
    expect(move({ row: 0, col: 0 }, 'ArrowRight', s)).toEqual({ row: 0, col: 1 })
    expect(move({ row: 0, col: 0 }, 'ArrowLeft', s)).toEqual({ row: 0, col: 0 })
    expect(move({ row: 0, col: 5 }, 'ArrowRight', s)).toEqual({ row: 0, col: 5 })
    expect(move({ row: 1, col: 3 }, 'ArrowDown', s)).toEqual({ row: 2, col: 3 })
    expect(move({ row: 2, col: 3 }, 'ArrowDown', s)).toEqual({ row: 2, col: 3 })
    expect(move({ row: 1, col: 3 }, 'ArrowUp', s)).toEqual({ row: 0, col: 3 })
  })
  it('Enter goes right, then to the next row', () => {
    expect(move({ row: 0, col: 2 }, 'Enter', s)).toEqual({ row: 0, col: 3 })
    expect(move({ row: 0, col: 5 }, 'Enter', s)).toEqual({ row: 1, col: 0 })
    expect(move({ row: 2, col: 5 }, 'Enter', s)).toEqual({ row: 2, col: 5 })
    expect(move({ row: 1, col: 0 }, 'Enter', s, true)).toEqual({ row: 0, col: 5 })
    expect(move({ row: 1, col: 3 }, 'Enter', s, true)).toEqual({ row: 1, col: 2 })
  })
  it('skips locked rows', () => {
    const l = shape(4, 6, [1, 2])
    expect(move({ row: 0, col: 5 }, 'Enter', l)).toEqual({ row: 3, col: 0 })
    expect(move({ row: 0, col: 4 }, 'ArrowDown', l)).toEqual({ row: 3, col: 4 })
    expect(move({ row: 3, col: 4 }, 'ArrowUp', l)).toEqual({ row: 0, col: 4 })
    expect(firstCell(shape(3, 6, [0]))).toEqual({ row: 1, col: 0 })
    expect(firstCell(shape(2, 6, [0, 1]))).toBeNull()
  })
  it('ignores other keys', () => {
    expect(move({ row: 0, col: 0 }, 'a', s)).toBeNull()
    expect(move({ row: 0, col: 0 }, 'Tab', s)).toBeNull()
  })
})

describe('rows', () => {
  const row = (values: Record<string, string>, locked = false): DraftRow => ({ village_code: 'v', locked, values })
  it('knows each row state', () => {
    expect(rowState(row({}), CRIT)).toBe('empty')
    expect(rowState(row({ weak_economy: '3' }), CRIT)).toBe('partial')
    expect(rowState(row({ weak_economy: '3', weak_branch: '0' }), CRIT)).toBe('invalid')
    expect(rowState(row({ weak_economy: '3', weak_branch: '5' }), CRIT)).toBe('ready')
    expect(rowState(row({ weak_economy: '3', weak_branch: '5' }, true), CRIT)).toBe('saved')
  })
  it('sends only complete, valid, unsaved rows', () => {
    const rows: DraftRow[] = [
      { village_code: 'a', locked: false, values: { weak_economy: '3', weak_branch: '5' } },
      { village_code: 'b', locked: false, values: { weak_economy: '3' } },
      { village_code: 'c', locked: true, values: { weak_economy: '1', weak_branch: '1' } },
      { village_code: 'd', locked: false, values: { weak_economy: '12', weak_branch: '1' } },
      { village_code: 'e', locked: false, values: { weak_economy: '0', weak_branch: '1' } },
    ]
    expect(readySheets(rows, CRIT)).toEqual([
      { village_code: 'a', scores: { weak_economy: 3, weak_branch: 5 } },
      { village_code: 'e', scores: { weak_economy: 0, weak_branch: 1 } },
    ])
  })
})

describe('corrections', () => {
  const saved = { weak_economy: '3', weak_branch: '5' }
  const row = (values: Record<string, string>, locked = false): DraftRow => ({
    village_code: 'v',
    locked,
    values,
    saved,
    revision: 2,
  })
  it('knows a saved row unlocked for a correction', () => {
    expect(rowState(row(saved, true), CRIT)).toBe('saved')
    expect(rowState(row({ ...saved }), CRIT)).toBe('editing')
    expect(rowState(row({ weak_economy: ' 3', weak_branch: '05' }), CRIT)).toBe('editing')
    expect(rowState(row({ ...saved, weak_economy: '4' }), CRIT)).toBe('changed')
    expect(rowState(row({ ...saved, weak_economy: '' }), CRIT)).toBe('partial')
    expect(rowState(row({ ...saved, weak_economy: '', weak_branch: '' }), CRIT)).toBe('partial')
    expect(rowState(row({ ...saved, weak_branch: '6' }), CRIT)).toBe('invalid')
  })
  it('sends corrections apart from new rows, with the revision they correct', () => {
    const rows: DraftRow[] = [
      row({ ...saved, weak_economy: '4' }),
      { ...row({ ...saved }), village_code: 'same' },
      { ...row({ ...saved, weak_economy: '9' }, true), village_code: 'locked' },
      { village_code: 'new', locked: false, values: { weak_economy: '1', weak_branch: '1' }, saved: null, revision: null },
    ]
    expect(correctedSheets(rows, CRIT)).toEqual([{ village_code: 'v', revision: 2, scores: { weak_economy: 4, weak_branch: 5 } }])
    expect(readySheets(rows, CRIT)).toEqual([{ village_code: 'new', scores: { weak_economy: 1, weak_branch: 1 } }])
  })
  it('lets the keyboard into an unlocked saved row', () => {
    const rows = [row(saved, true), row({ ...saved }), row(saved, true)]
    const s: GridShape = { rows: 3, cols: 2, locked: (r) => rows[r]?.locked ?? true }
    expect(firstCell(s)).toEqual({ row: 1, col: 0 })
    expect(move({ row: 1, col: 1 }, 'Enter', s)).toEqual({ row: 1, col: 1 })
  })
})
