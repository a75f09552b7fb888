/**
 * Pure helpers of the public village page (public.html): the words in both languages, money and
 * months as a villager reads them. Money arrives as a decimal string and stays one: never a float.
 */

export type Lang = 'zh' | 'en'
export type SectionKey = 'party' | 'village' | 'finance'

const WORDS = {
  zh: {
    title: '三务公开',
    nothing: '暂无公开内容',
    months: '已公开月份',
    loading: '正在加载…',
    failed: '加载失败，请稍后再试',
    retry: '重试',
    party: '党务公开',
    village: '村务公开',
    finance: '财务公开',
    publishedOn: '公开日期',
    late: '逾期公开',
    boardPhoto: '公开栏照片',
    attachments: '附件',
    period: '账期',
    opening: '期初余额',
    income: '本月收入',
    incomeReversed: '收入冲销',
    spending: '本月支出',
    spendingReversed: '支出冲销',
    closing: '期末余额',
    byLine: '各预算项目支出',
    paid: '支出',
    reversed: '已冲销',
    entries: '收支明细',
    noEntries: '本期无收支',
    mismatch: '注意：本月公开的财务数据与村集体账簿现状不一致（公开后账簿有变动）。下方同时列出账簿当前数据。',
    current: '账簿当前数据',
    asPublished: '公开时数据',
    corrections: '更正说明',
    reason: '更正原因',
    yuan: '元',
    kinds: { income: '收入', payment: '支出', reversal: '冲销' } as Record<string, string>,
    lang: 'English',
  },
  en: {
    title: 'Public disclosure',
    nothing: 'Nothing published',
    months: 'Published months',
    loading: 'Loading…',
    failed: 'Could not load, please try again later',
    retry: 'Retry',
    party: 'Party affairs',
    village: 'Village affairs',
    finance: 'Finance',
    publishedOn: 'Published on',
    late: 'published late',
    boardPhoto: 'Notice board photo',
    attachments: 'Attachments',
    period: 'Books of',
    opening: 'Opening balance',
    income: 'Income',
    incomeReversed: 'Income reversed',
    spending: 'Spending',
    spendingReversed: 'Spending reversed',
    closing: 'Closing balance',
    byLine: 'Spending by budget line',
    paid: 'paid',
    reversed: 'reversed',
    entries: 'Entries',
    noEntries: 'No entries in this period',
    mismatch: 'Note: the published finance figures no longer match the village ledger (the books changed after publication). The figures as they stand now are shown too.',
    current: 'Books as they stand now',
    asPublished: 'As published',
    corrections: 'Corrections',
    reason: 'Reason',
    yuan: 'yuan',
    kinds: { income: 'income', payment: 'payment', reversal: 'reversal' } as Record<string, string>,
    lang: '中文',
  },
}

export type Words = (typeof WORDS)['zh']

export function words(lang: Lang): Words {
  return WORDS[lang]
}

/** ?lang=en gives English; anything else the default, Chinese. */
export function langOf(search: string): Lang {
  return new URLSearchParams(search).get('lang') === 'en' ? 'en' : 'zh'
}

/** The village code from ?village=, only when it looks like one (12 digits); else null. */
export function villageOf(search: string): string | null {
  const v = new URLSearchParams(search).get('village')?.trim() ?? ''
  return /^\d{12}$/.test(v) ? v : null
}

/** "1234567.5" -> "1,234,567.50"; a string that is not a decimal is shown as it came. */
export function money(value: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value.trim())
  if (!m) return value
  const sign = m[1] ?? ''
  const grouped = (m[2] ?? '0').replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = `${m[3] ?? ''}00`.slice(0, 2)
  return `${sign}${grouped}.${cents}`
}

export function monthLabel(year: number, month: number, lang: Lang): string {
  if (lang === 'en') return `${year}-${String(month).padStart(2, '0')}`
  return `${year}年${month}月`
}

/** "2026-09" (the finance period) in the reader's words. */
export function periodLabel(period: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period)
  return m ? monthLabel(Number(m[1]), Number(m[2]), lang) : period
}

/** The month asked for in the hash (#2026-10), if it is one of the published months; else the newest. */
export function pickMonth<T extends { year: number; month: number }>(months: T[], hash: string): T | null {
  const m = /^#?(\d{4})-(\d{1,2})$/.exec(hash)
  if (m) {
    const found = months.find((x) => x.year === Number(m[1]) && x.month === Number(m[2]))
    if (found) return found
  }
  return months[0] ?? null
}

export function monthKey(m: { year: number; month: number }): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`
}

export function isImage(contentType: string): boolean {
  return /^image\/(png|jpeg|gif|webp)$/i.test(contentType)
}

export const SECTIONS: SectionKey[] = ['party', 'village', 'finance']
