/** Shapes of the monthly disclosures, from the generated contract. */
import type { components } from '@/api/schema'

export type DisclosureRound = components['schemas']['DisclosureRoundOut']
export type DisclosureRoundDetail = components['schemas']['DisclosureRoundDetail']
export type BoardRow = components['schemas']['BoardRow']

/** How a board row is marked: failed and late rows stand out, the rest by their status. */
export function rowTone(row: Pick<BoardRow, 'status' | 'late'>): 'danger' | 'warning' | 'success' | 'info' {
  if (row.status === 'failed') return 'danger'
  if (row.late) return 'warning'
  if (row.status === 'passed') return 'success'
  return 'info'
}
