/**
 * The desktop disclosure screens' pure helpers: a village's review and inspection history newest
 * first, the failed inspection that explains a failed village, the township's earlier months whose
 * items an update continues, and the names of the QR code's files.
 */
import type { DisclosureItem, DisclosureRound, Section, VillageDisclosure } from './types'

export type Review = VillageDisclosure['reviews'][number]
export type Inspection = VillageDisclosure['inspections'][number]

/**
 * Records newest first: by their moment, then by id (two recorded in the same instant keep the
 * order they were recorded in, the later one first). The list given is not changed.
 */
export function newestFirst<T extends { id: number }>(rows: readonly T[], at: (row: T) => string): T[] {
  const time = (r: T): number => {
    const ms = Date.parse(at(r))
    return Number.isNaN(ms) ? -Infinity : ms
  }
  return [...rows].sort((a, b) => time(b) - time(a) || b.id - a.id)
}

export function reviewsNewestFirst(reviews: readonly Review[]): Review[] {
  return newestFirst(reviews, (r) => r.reviewed_at)
}

export function inspectionsNewestFirst(inspections: readonly Inspection[]): Inspection[] {
  return newestFirst(inspections, (i) => i.inspected_at)
}

/**
 * Why a failed village failed: its newest inspection, when the village stands failed and that
 * inspection failed it (after a republication the village is no longer failed: nothing to explain).
 */
export function failingInspection(
  page: Pick<VillageDisclosure, 'status' | 'inspections'>,
): Inspection | undefined {
  if (page.status !== 'failed') return undefined
  const newest = inspectionsNewestFirst(page.inspections)[0]
  return newest?.result === 'failed' ? newest : undefined
}

/**
 * The township's months before the round's, newest first, each once: the months whose items an
 * update of this month may continue (the API accepts only an earlier month of the same township).
 */
export function earlierRounds<R extends Pick<DisclosureRound, 'id' | 'township_code' | 'year' | 'month'>>(
  rounds: readonly R[],
  current: Pick<DisclosureRound, 'township_code' | 'year' | 'month'>,
): R[] {
  const seen = new Set<string>()
  return rounds
    .filter((r) => r.township_code === current.township_code && (r.year < current.year || (r.year === current.year && r.month < current.month)))
    .sort((a, b) => b.year - a.year || b.month - a.month || a.id - b.id)
    .filter((r) => {
      const key = `${r.year}-${r.month}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

/** The items of an earlier month an update in `section` may continue: that section's, in their order. */
export function updatableItems(items: readonly DisclosureItem[], section: Section): DisclosureItem[] {
  if (section === 'finance') return []
  return items.filter((i) => i.section === section).sort((a, b) => a.sort - b.sort || a.id - b.id)
}

/** The file a QR code downloads as: the village's code and name (no path separators), and the format. */
export function qrFileName(villageCode: string, villageName: string, fmt: 'svg' | 'png'): string {
  const name = villageName.replace(/[\\/:*?"<>|\s]+/g, '').slice(0, 40)
  return `${villageCode}${name ? `-${name}` : ''}-qr.${fmt}`
}

export function qrUrl(villageCode: string, fmt: 'svg' | 'png'): string {
  return `/api/v1/disclosures/villages/${villageCode}/qr.${fmt}`
}
