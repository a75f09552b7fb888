/**
 * The scoring grid's rules, without the DOM: which cell a key moves to, whether a typed value is
 * a valid score, and which rows are ready to save. Rows already saved are locked and skipped by the
 * keyboard until they are unlocked for a correction.
 */

export interface Cell {
  row: number
  col: number
}

export interface GridShape {
  rows: number
  cols: number
  /** A locked row (already scored) is skipped by the keyboard. */
  locked: (row: number) => boolean
}

export interface CriterionRange {
  code: string
  min_score: number
  max_score: number
}

export type ScoreProblem = 'not_integer' | 'out_of_range'

export interface ParsedScore {
  value: number | null
  problem: ScoreProblem | null
}

/** A typed cell: empty is no value (not a problem yet); anything else must be a whole number in range. */
export function parseScore(raw: string, c: CriterionRange): ParsedScore {
  const s = raw.trim()
  if (s === '') return { value: null, problem: null }
  if (!/^-?\d+$/.test(s)) return { value: null, problem: 'not_integer' }
  const n = Number.parseInt(s, 10)
  if (n < c.min_score || n > c.max_score) return { value: n, problem: 'out_of_range' }
  return { value: n, problem: null }
}

function nextUnlocked(shape: GridShape, from: number, step: 1 | -1): number | null {
  for (let r = from + step; r >= 0 && r < shape.rows; r += step) {
    if (!shape.locked(r)) return r
  }
  return null
}

/** First editable cell, or null when every row is locked. */
export function firstCell(shape: GridShape): Cell | null {
  const row = nextUnlocked(shape, -1, 1)
  return row === null || shape.cols === 0 ? null : { row, col: 0 }
}

/**
 * Where a key moves the cursor. Arrows move one cell (up/down skip locked rows, left/right stop at
 * the edges); Enter goes right and wraps to the first cell of the next editable row; Shift+Enter
 * goes back the same way. Returns null for keys the grid does not handle, or the same cell at an edge.
 */
export function move(cell: Cell, key: string, shape: GridShape, shift = false): Cell | null {
  const { row, col } = cell
  switch (key) {
    case 'ArrowLeft':
      return { row, col: Math.max(0, col - 1) }
    case 'ArrowRight':
      return { row, col: Math.min(shape.cols - 1, col + 1) }
    case 'ArrowUp': {
      const r = nextUnlocked(shape, row, -1)
      return { row: r ?? row, col }
    }
    case 'ArrowDown': {
      const r = nextUnlocked(shape, row, 1)
      return { row: r ?? row, col }
    }
    case 'Enter': {
      if (shift) {
        if (col > 0) return { row, col: col - 1 }
        const r = nextUnlocked(shape, row, -1)
        return r === null ? { row, col } : { row: r, col: shape.cols - 1 }
      }
      if (col < shape.cols - 1) return { row, col: col + 1 }
      const r = nextUnlocked(shape, row, 1)
      return r === null ? { row, col } : { row: r, col: 0 }
    }
    default:
      return null
  }
}

export interface DraftRow {
  village_code: string
  locked: boolean
  values: Record<string, string>
  /** The values as saved (a saved row), or null/absent for a village not scored yet. */
  saved?: Record<string, string> | null
  /** The saved sheet's revision: its ETag is W/"revision". */
  revision?: number | null
}

/**
 * saved: locked, as saved. editing: a saved row unlocked for a correction, not changed yet.
 * changed: a saved row with a complete, valid correction. The others are for rows not saved yet
 * (ready = complete and valid) or for any row being typed (partial, invalid).
 */
export type RowState = 'saved' | 'empty' | 'partial' | 'invalid' | 'ready' | 'editing' | 'changed'

function isSaved(row: DraftRow): boolean {
  return row.saved !== null && row.saved !== undefined
}

export function rowState(row: DraftRow, criteria: CriterionRange[]): RowState {
  if (row.locked) return 'saved'
  let filled = 0
  for (const c of criteria) {
    const p = parseScore(row.values[c.code] ?? '', c)
    if (p.problem) return 'invalid'
    if (p.value !== null) filled += 1
  }
  if (isSaved(row)) {
    if (filled < criteria.length) return 'partial'
    const same = criteria.every(
      (c) => parseScore(row.values[c.code] ?? '', c).value === parseScore(row.saved?.[c.code] ?? '', c).value,
    )
    return same ? 'editing' : 'changed'
  }
  if (filled === 0) return 'empty'
  return filled === criteria.length ? 'ready' : 'partial'
}

function scoresOf(row: DraftRow, criteria: CriterionRange[]): Record<string, number> {
  return Object.fromEntries(criteria.map((c) => [c.code, parseScore(row.values[c.code] ?? '', c).value as number]))
}

/** The body of POST .../scores for every new row that is complete and valid (nothing else is sent). */
export function readySheets(
  rows: DraftRow[],
  criteria: CriterionRange[],
): { village_code: string; scores: Record<string, number> }[] {
  return rows
    .filter((r) => rowState(r, criteria) === 'ready')
    .map((r) => ({ village_code: r.village_code, scores: scoresOf(r, criteria) }))
}

/** Corrections to send (PUT .../scores/{village} with If-Match W/"revision"): saved rows changed validly. */
export function correctedSheets(
  rows: DraftRow[],
  criteria: CriterionRange[],
): { village_code: string; revision: number; scores: Record<string, number> }[] {
  return rows
    .filter((r) => rowState(r, criteria) === 'changed')
    .map((r) => ({ village_code: r.village_code, revision: r.revision ?? 0, scores: scoresOf(r, criteria) }))
}
