/** The import job's progress as the screen shows it (pure; the polling is in ImportView). */
import type { ImportJob } from './types'

export const FINISHED: ReadonlyArray<ImportJob['status']> = ['done', 'rejected', 'failed']

export function finished(job: ImportJob): boolean {
  return FINISHED.includes(job.status)
}

/** 0–100 for the bar: checking the rows is the first tenth, writing them the rest. */
export function importPercent(job: ImportJob): number {
  switch (job.status) {
    case 'queued':
      return 0
    case 'validating':
      return 5
    case 'writing':
      return Math.min(99, 10 + Math.floor(job.share * 90))
    default:
      return 100
  }
}

/** The bar's colour state: success when done, exception when nothing was written. */
export function importBarStatus(job: ImportJob): '' | 'success' | 'exception' {
  if (job.status === 'done') return 'success'
  if (job.status === 'rejected' || job.status === 'failed') return 'exception'
  return ''
}
