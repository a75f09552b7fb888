import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { en, zhCN } from './i18n'
import { cellText } from './rows'

function translator(locale: 'zh-CN' | 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
  const t = (k: string) => i18n.global.t(k)
  const te = (k: string) => i18n.global.te(k)
  return (key: string, value: unknown) => cellText(key, value, t, te)
}

describe('the rows page shows values as labels', () => {
  it('shows a disclosure state and late in Chinese', () => {
    const cell = translator('zh-CN')
    expect(cell('disclosure_status', 'passed')).toBe('检查通过')
    expect(cell('disclosure_status', 'failed')).toBe('检查未通过')
    expect(cell('disclosure_status', 'pending')).toBe('未公开')
    expect(cell('disclosure_status', 'published')).toBe('已公开待检查')
    expect(cell('late', true)).toBe('是')
    expect(cell('late', false)).toBe('否')
  })
  it('shows them in English', () => {
    const cell = translator('en')
    expect(cell('disclosure_status', 'passed')).toBe('Passed')
    expect(cell('late', true)).toBe('Yes')
    expect(cell('late', false)).toBe('No')
  })
  it('shows a share as a percentage, and no share as empty', () => {
    const cell = translator('zh-CN')
    expect(cell('on_time_share', '0.667')).toBe('66.7%')
    expect(cell('on_time_share', '1.000')).toBe('100%')
    expect(cell('on_time_share', null)).toBe('')
  })
  it('leaves other values as they are, an unknown code too, and a missing value empty', () => {
    const cell = translator('zh-CN')
    expect(cell('disclosure_status', 'something_new')).toBe('something_new')
    expect(cell('village_name', 'passed')).toBe('passed')
    expect(cell('villages', 3)).toBe('3')
    expect(cell('fix_by', null)).toBe('')
    expect(cell('owners', ['甲', '乙'])).toBe('甲、乙')
    expect(cell('unit', { name: '县财政局', code: 'U1' })).toBe('县财政局')
  })
})
