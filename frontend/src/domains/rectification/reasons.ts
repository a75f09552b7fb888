/** A screening reason in the reader's language, from its kind and figures (unit-tested in reasons.test.ts). */
import type { Proposal, RoundDetail } from './types'

export type ScreeningReason = Proposal['reasons'][number]
export type ReasonKind = ScreeningReason['kind']
type Criterion = Pick<RoundDetail['criteria'][number], 'code' | 'name' | 'category'>

/** Every kind the rules give (a Record, so a kind added to the contract fails the type check here). */
const KINDS: Record<ReasonKind, true> = {
  index_reached: true,
  veto_reached: true,
  category_reached: true,
  most_severe: true,
  index_below: true,
}
export const REASON_KINDS = Object.keys(KINDS) as ReasonKind[]

const CJK = /[\u3400-\u9fff]/

/**
 * `t` and `locale` come from vue-i18n. The criterion is named as the county named it; in a language other
 * than Chinese a Chinese name gives way to the label of the criterion's problem category.
 */
export function reasonText(
  r: ScreeningReason,
  criteria: readonly Criterion[],
  t: (key: string, values?: Record<string, unknown>) => string,
  locale: string,
): string {
  if (!(r.kind in KINDS)) return r.text
  let criterion = ''
  if (r.criterion) {
    const c = criteria.find((x) => x.code === r.criterion)
    criterion = c?.name ?? r.criterion
    if (c && locale !== 'zh-CN' && CJK.test(c.name)) criterion = t(`enums.category.${c.category}`)
  }
  return t(`rectification.reasonKind.${r.kind}`, { ...r.params, criterion })
}
