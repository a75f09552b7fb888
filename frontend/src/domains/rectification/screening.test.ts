/**
 * The screening pages' own refusals show their own words (never 操作失败，请稍后重试), and the confirm
 * dialog names each village's township.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import { useAuthStore } from '@/stores/auth'

const messages = vi.hoisted(() => [] as { type?: string; message?: unknown }[])
vi.mock('element-plus', async (orig) => ({
  ...(await orig<typeof import('element-plus')>()),
  ElMessage: vi.fn((o: { type?: string; message?: unknown }) => {
    messages.push(o)
  }),
}))

const T1 = '230199100000'
const T2 = '230199200000'
const criteria = [
  { id: 1, county_code: '230199000000', code: 'weak_economy', name: '集体经济薄弱', category: 'weak_economy', weight: '1',
    min_score: 0, max_score: 10, position: 1, active: true, version: 1 },
]
const township = (code: string, name: string) => ({ code, name, villages: 1, scored: 1, proposed_by: null, proposed_at: null })
const round = (status: string, allowed: string[]) => ({
  id: 5, county_code: '230199000000', title: '2026年排查', status, weak_index: '60', category_share: '60', veto_share: null,
  case_deadline: null, opened_by: 'admin', opened_at: '2026-12-01T00:00:00Z', proposed_at: null, confirmed_by: null,
  confirmed_at: null, closed_by: null, closed_at: null, close_reason: null, version: 3, townships_total: 2,
  townships_proposed: 2, criteria, townships: [township(T1, '东风镇'), township(T2, '红旗镇')], allowed, allowed_actions: allowed,
})
const proposal = (code: string, name: string, townshipCode: string) => ({
  village_code: code, village_name: name, township_code: townshipCode, weak: true, index: '72.5',
  categories: ['weak_economy'], reasons: [], village_status: 'normal', proposed_by: 'township01', proposed_at: '2026-12-02T00:00:00Z',
})

type Handler = (url: URL, req: Request) => unknown
function serve(handlers: Record<string, Handler>, posted: { path: string; body: unknown }[]): void {
  vi.stubGlobal('fetch', async (input: Request) => {
    const url = new URL(input.url)
    if (input.method !== 'GET') posted.push({ path: url.pathname, body: await input.clone().json().catch(() => null) })
    const h = handlers[url.pathname]
    if (!h) return new Response('{"code":"not_found","status":404,"title":"x"}', { status: 404 })
    return new Response(JSON.stringify(h(url, input)), { headers: { 'Content-Type': 'application/json' } })
  })
}

async function mountPage(file: 'ProposalList' | 'ScoringGrid', path: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.me = { role: 'county_admin', username: 'admin', scope: { kind: 'division', code: '230199000000' } } as unknown as typeof auth.me
  const blank = { template: '<div />' }
  const router = createRouter({ history: createMemoryHistory(), routes: [
    { path: '/r/:roundId', name: 'screening-round', component: blank },
    { path: '/r/:roundId/p', name: 'screening-proposals', component: blank },
    { path: '/r/:roundId/s/:township', name: 'screening-scoring', component: blank },
    { path: '/cases', name: 'rectification-cases', component: blank },
    { path: '/v/:code', name: 'village-detail', component: blank },
  ] })
  await router.push(path)
  const Page = file === 'ProposalList'
    ? (await import('./desktop/ProposalList.vue')).default
    : (await import('./desktop/ScoringGrid.vue')).default
  const wrapper = mount(Page, { global: { plugins: [pinia, router, i18n] }, attachTo: document.body })
  await flushPromises()
  await new Promise((r) => setTimeout(r, 20))
  return wrapper
}

beforeEach(() => {
  setLocale('zh-CN')
  messages.length = 0
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const errors = () => messages.filter((m) => m.type === 'error').map((m) => String(m.message))

describe('the screening confirmation', () => {
  it('names each village\'s township and refuses an exclusion without a reason in its own words', async () => {
    const posted: { path: string; body: unknown }[] = []
    serve({
      '/api/v1/screening-rounds/5': () => round('proposed', ['confirm']),
      '/api/v1/screening-rounds/5/proposals': () => [proposal('230199100201', '一村', T1), proposal('230199200202', '二村', T2)],
    }, posted)
    const wrapper = await mountPage('ProposalList', '/r/5/p')
    try {
      await wrapper.find('[data-test="confirm-round"]').trigger('click')
      await flushPromises()
      const rows = [...document.body.querySelectorAll('.confirm-table tbody tr')].map((tr) => tr.textContent ?? '')
      expect(rows.length).toBe(2)
      expect(rows.find((r) => r.includes('一村'))).toContain('东风镇')
      expect(rows.find((r) => r.includes('二村'))).toContain('红旗镇')

      const box = document.body.querySelector<HTMLInputElement>('[data-test="exclude-230199200202"] input')!
      box.click()
      await flushPromises()
      document.body.querySelector<HTMLButtonElement>('[data-test="confirm-submit"]')!.click()
      await flushPromises()
      expect(errors()).toEqual([i18n.global.t('rectification.excludeReasonRequired')])
      expect(errors()).not.toContain(i18n.global.t('errors.generic'))
      expect(posted).toEqual([])
    } finally {
      wrapper.unmount()
    }
  }, 60_000)
})

describe('the scoring grid', () => {
  it('says there is nothing to save in its own words and sends nothing', async () => {
    const posted: { path: string; body: unknown }[] = []
    serve({
      '/api/v1/screening-rounds/5': () => round('scoring', []),
      '/api/v1/screening-rounds/5/scores': () => [
        { village_code: '230199100201', village_name: '一村', township_code: T1, scores: null, scored_by: null, scored_at: null, revision: null },
      ],
    }, posted)
    const wrapper = await mountPage('ScoringGrid', `/r/5/s/${T1}`)
    try {
      const cell = wrapper.find('[data-test="cell-230199100201-weak_economy"]')
      expect(cell.exists()).toBe(true)
      await cell.trigger('keydown', { key: 'Enter', ctrlKey: true })
      await flushPromises()
      expect(errors()).toEqual([i18n.global.t('rectification.nothingToSave')])
      expect(i18n.global.t('rectification.nothingToSave')).not.toBe(i18n.global.t('errors.generic'))
      expect(posted).toEqual([])
    } finally {
      wrapper.unmount()
    }
  }, 60_000)
})
