import { describe, expect, it } from 'vitest'
import { finished, importBarStatus, importPercent } from './import-job'
import type { ImportJob } from './types'

function job(status: ImportJob['status'], written = 0, rows = 2000): ImportJob {
  return {
    id: 1, status, file_name: 't.xlsx', rows, written, share: rows ? written / rows : 0, created: null, skipped: null,
    errors: [], error: null, actor: 'township01', created_at: '2026-12-02T10:00:00Z', started_at: null, finished_at: null,
  }
}

describe('import job progress', () => {
  it('moves from queued through writing to 100%', () => {
    expect(importPercent(job('queued'))).toBe(0)
    expect(importPercent(job('validating'))).toBe(5)
    expect(importPercent(job('writing', 1000))).toBe(55)
    expect(importPercent(job('writing', 2000))).toBe(99) // 100% only once the job says done
    expect(importPercent(job('done', 2000))).toBe(100)
  })
  it('knows when to stop polling and how the bar looks', () => {
    expect(finished(job('writing', 10))).toBe(false)
    expect(finished(job('rejected'))).toBe(true)
    expect(importBarStatus(job('done', 2000))).toBe('success')
    expect(importBarStatus(job('failed'))).toBe('exception')
    expect(importBarStatus(job('writing', 3))).toBe('')
  })
})
