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

export type VillageDisclosure = components['schemas']['VillageDisclosure']
export type DisclosureItem = components['schemas']['DisclosureItemOut']
export type Section = DisclosureItem['section']
export const SECTIONS: Section[] = ['party', 'village', 'finance']

/** What the village month page offers, from the server's allowed actions (round and village). */
export interface MonthActions {
  editItems: boolean
  publish: boolean
  correct: boolean
  upload: boolean
}

export function monthActions(roundActions: readonly string[], village: Pick<VillageDisclosure, 'allowed_actions' | 'round'>): MonthActions {
  const open = village.round.status !== 'locked'
  return {
    editItems: open && roundActions.includes('manage_round'),
    publish: open && village.round.status === 'open' && village.allowed_actions.includes('publish'),
    correct: roundActions.includes('correct'),
    upload: open && village.allowed_actions.includes('upload'),
  }
}

/** The items of one section in their order (sort, then id), as the server lists them. */
export function itemsOf(items: readonly DisclosureItem[], section: Section): DisclosureItem[] {
  return items.filter((i) => i.section === section).sort((a, b) => a.sort - b.sort || a.id - b.id)
}

/** A new item goes after the section's last one (template items are spaced by ten). */
export function nextSort(items: readonly DisclosureItem[], section: Section): number {
  return Math.min(10000, Math.max(0, ...items.filter((i) => i.section === section).map((i) => i.sort)) + 10)
}

/**
 * A 412 (read before someone else's change), or a 409 saying the month or the village moved on
 * since the page was read, means the page is stale; other 409s (e.g. previous_not_locked) are not.
 */
const STALE_CONFLICTS = new Set(['month_locked', 'already_published', 'round_not_open'])
export function isStale(status: number, code?: string): boolean {
  return status === 412 || (status === 409 && STALE_CONFLICTS.has(code ?? ''))
}

/** The server's `entries.N.text` / `entries.N.item_id` errors, keyed by the item they concern. */
export function entryErrors(sent: readonly { item_id: number }[], fields: Record<string, string>): Record<number, string> {
  const out: Record<number, string> = {}
  for (const [key, msg] of Object.entries(fields)) {
    const m = /^entries\.(\d+)\./.exec(key)
    const entry = m ? sent[Number(m[1])] : undefined
    if (entry && !(entry.item_id in out)) out[entry.item_id] = msg
  }
  return out
}

/** A month the supervision committee can open on its phone: one round of its township. */
export interface ReviewMonth {
  roundId: number
  /** YYYY-MM, as in the page's address (?month=). */
  key: string
  status: DisclosureRound['status']
}

export function monthKeyOf(r: Pick<DisclosureRound, 'year' | 'month'>): string {
  return `${r.year}-${String(r.month).padStart(2, '0')}`
}

/**
 * The months the committee can still see, newest first, one per month (the API lists its
 * township's rounds; a second round of the same month, were there one, is not offered twice).
 */
export function reviewMonths(rounds: readonly Pick<DisclosureRound, 'id' | 'year' | 'month' | 'status'>[]): ReviewMonth[] {
  const seen = new Set<string>()
  const out: ReviewMonth[] = []
  const newest = [...rounds].sort((a, b) => b.year - a.year || b.month - a.month || a.id - b.id)
  for (const r of newest) {
    const key = monthKeyOf(r)
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ roundId: r.id, key, status: r.status })
  }
  return out
}

/**
 * The month shown: the one asked for (?month=YYYY-MM) when the committee can see it, otherwise the
 * newest month already under way (open or locked), otherwise the newest planned one.
 */
export function pickReviewMonth(months: readonly ReviewMonth[], wanted?: unknown): ReviewMonth | undefined {
  const asked = typeof wanted === 'string' ? months.find((m) => m.key === wanted) : undefined
  return asked ?? months.find((m) => m.status !== 'planned') ?? months[0]
}
