/** Pure helpers for the pairing screens (unit-tested in codes.test.ts). */
import type { PairRef, Reason } from './types'

export function pairKey(p: PairRef): string {
  return `${p.village_code}:${p.partner_unit_id}`
}

export function samePairs(a: PairRef[], b: PairRef[]): boolean {
  if (a.length !== b.length) return false
  const keys = new Set(a.map(pairKey))
  return b.every((p) => keys.has(pairKey(p)))
}

/** Adds a pair (no duplicate) and removes it from the other list: a pair is pinned or banned, never both. */
export function toggle(list: PairRef[], other: PairRef[], pair: PairRef): { list: PairRef[]; other: PairRef[] } {
  const key = pairKey(pair)
  if (list.some((p) => pairKey(p) === key)) return { list: list.filter((p) => pairKey(p) !== key), other }
  return { list: [...list, pair], other: other.filter((p) => pairKey(p) !== key) }
}

/** "贫困/集体经济薄弱 ↔ 有经济实力" for each reason, given label lookups. */
export function reasonText(
  r: Reason,
  category: (code: string) => string,
  strength: (code: string) => string,
): string {
  return `${category(r.category)} ↔ ${strength(r.strength)}`
}

export function coveragePercent(covered: number, slots: number): number {
  return slots === 0 ? 100 : Math.round((covered / slots) * 1000) / 10
}
