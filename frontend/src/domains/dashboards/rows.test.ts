import { afterEach, describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { en, zhCN } from './i18n'
import { i18n as app, setLocale } from '@/i18n'
import { cellText, filterTags } from './rows'

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

describe('the rows page shows what its list is filtered by', () => {
  // the app's messages: the kinds are the task domain's labels, the statuses the shared ones
  function tags(locale: 'zh-CN' | 'en', list: unknown) {
    setLocale(locale)
    return filterTags(list, (k) => app.global.t(k), (k) => app.global.te(k))
  }
  afterEach(() => setLocale('zh-CN'))
  it('names a kind of task, the status, the load and the month, in Chinese', () => {
    expect(tags('zh-CN', 'dashboards/rows?figure=task_load&township_code=230199100000&month=2026-12&status=accepted&category=seven_helps&load=1-2')).toEqual([
      { key: 'township_code', label: '乡镇', value: '230199100000' },
      { key: 'month', label: '月份', value: '2026-12' },
      { key: 'status', label: '整顿状态', value: '已销号' },
      { key: 'category', label: '任务类别', value: '七帮' },
      { key: 'load', label: '任务量', value: '1-2项' },
    ])
  })
  it('in English, and a yes/no filter as such; nothing for a list without filters', () => {
    expect(tags('en', 'dashboards/rows?figure=task_load&category=industry&late=true')).toEqual([
      { key: 'category', label: 'Kind of task', value: 'Industry support' },
      { key: 'late', label: 'Late only', value: 'Yes' },
    ])
    expect(tags('en', 'dashboards/rows?figure=task_load')).toEqual([])
    expect(tags('en', undefined)).toEqual([])
  })
})
