import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, mergeDomainModules, setLocale } from '@/i18n'
import * as desk from './desktop-i18n'

vi.mock('element-plus', async (orig) => ({
  ...(await orig<typeof import('element-plus')>()),
  ElMessageBox: { prompt: vi.fn(async () => ({ value: ' 已约谈村支书 ' })) },
}))

const figures = {
  logs: 3, members_recruited: 2, activists_found: 3, activities_held: 3, activity_attendance: 67, members_active: 5,
  policy_issues: 1, discipline_issues: 2, findings: 1, findings_open: 1, findings_following_up: 0, findings_resolved: 0,
}
const finding = {
  id: 7, log_id: 70, village_code: '230199100200', village_name: '一村', township_code: '230199100000',
  township_name: '一镇', cadre_id: 1, cadre_name: '王干部', found_on: '2026-12-02', kind: 'discipline',
  policy_issues: 0, discipline_issues: 2, text: '村干部办事不公开', state: 'open', state_by: null, state_at: null, state_note: null,
  version: 1, history: [], allowed_actions: ['follow_up'],
}

afterEach(() => vi.unstubAllGlobals())

describe('the promotions and oversights report', () => {
  it('shows the villages and findings and moves a finding with its version', async () => {
    setLocale('zh-CN')
    mergeDomainModules({ desk })
    const posted: unknown[] = []
    vi.stubGlobal('fetch', async (input: Request) => {
      const url = new URL(input.url)
      const json = (b: unknown) => new Response(JSON.stringify(b), { headers: { 'Content-Type': 'application/json' } })
      if (url.pathname === '/api/v1/cadres/reports/fieldwork') {
        return json({ month: url.searchParams.get('month'), first_day: '2026-12-01', last_day: '2026-12-31', township_code: null,
          rows: [{ village_code: '230199100200', village_name: '一村', township_code: '230199100000', township_name: '一镇', ...figures }],
          totals: figures })
      }
      if (url.pathname === '/api/v1/cadres/findings') return json({ month: '2026-12', township_code: null, items: [finding] })
      if (url.pathname === '/api/v1/cadres/findings/7/state') {
        posted.push(await input.json())
        return json({ ...finding, state: 'following_up', version: 2, allowed_actions: ['resolve'] })
      }
      return new Response('{}', { status: 404 })
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/v/:code', name: 'cadre-village', component: { template: '<div />' } },
    ] })
    const { default: Page } = await import('./desktop/FieldworkReport.vue')
    const wrapper = mount(Page, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    const table = wrapper.find('[data-test="report-table"]').text()
    expect(table).toContain('一村')
    expect(table).toContain('67')
    expect(table).toContain('发现入党积极分子')
    const findings = wrapper.find('[data-test="findings-table"]').text()
    expect(findings).toContain('村干部办事不公开')
    expect(findings).toContain('待处理')
    await wrapper.find('[data-test="finding-follow_up"]').trigger('click')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    expect(posted).toEqual([{ state: 'following_up', version: 1, note: '已约谈村支书' }])
    wrapper.unmount()
  }, 60_000)

  it('writes a finding\'s times in the interface language and the county\'s zone, and people by their names', async () => {
    setLocale('en')
    mergeDomainModules({ desk })
    const followed = {
      ...finding, state: 'following_up', state_by: 'township01', state_at: '2026-12-02T16:30:05Z', allowed_actions: [],
      history: [
        { at: '2026-12-02T16:30:05Z', by: 'township01', from_state: 'open', to_state: 'following_up', note: null },
        { at: '2026-12-02T16:40:00Z', by: 'system', from_state: 'following_up', to_state: 'resolved', note: null },
      ],
    }
    vi.stubGlobal('fetch', async (input: Request) => {
      const url = new URL(input.url)
      const json = (b: unknown) => new Response(JSON.stringify(b), { headers: { 'Content-Type': 'application/json' } })
      if (url.pathname === '/api/v1/people/names') {
        const asked = url.searchParams.getAll('username')
        return json({ items: asked.filter((u) => u === 'township01').map((u) => ({ username: u, display_name: '李镇长' })) })
      }
      if (url.pathname === '/api/v1/cadres/reports/fieldwork') {
        return json({ month: '2026-12', first_day: '2026-12-01', last_day: '2026-12-31', township_code: null, rows: [], totals: figures })
      }
      if (url.pathname === '/api/v1/cadres/findings') return json({ month: '2026-12', township_code: null, items: [followed] })
      return new Response('{}', { status: 404 })
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div />' } }] })
    const { default: Page } = await import('./desktop/FieldworkReport.vue')
    const wrapper = mount(Page, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body })
    try {
      await flushPromises()
      await new Promise((r) => setTimeout(r, 20))
      const table = wrapper.find('[data-test="findings-table"]')
      // 16:30 UTC is past midnight in the county: the next day, 00:30, never "24:30" nor the browser's zone.
      expect(table.text()).toContain('李镇长 12/3/2026, 00:30:05')
      await table.find('.el-table__expand-icon').trigger('click')
      await flushPromises()
      const history = wrapper.find('.history').text()
      expect(history).toContain('12/3/2026, 00:30:05 李镇长')
      expect(history).not.toContain('township01')
      expect(history).not.toContain('system')
      expect(history).toContain(i18n.global.t('common.system'))
    } finally {
      wrapper.unmount()
      setLocale('zh-CN')
    }
  }, 60_000)
})
