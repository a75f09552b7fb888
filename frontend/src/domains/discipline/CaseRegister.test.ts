import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, mergeDomainModules, setLocale } from '@/i18n'
import * as messages from './i18n'
import { urlFilter } from './types'

afterEach(() => vi.unstubAllGlobals())

describe('the register filters from a link', () => {
  it('keeps what is valid in the query and drops the rest', () => {
    expect(urlFilter({
      filed_from: '2025-01-01', filed_to: '2025-06-30', violation: 'bribery', outcome: 'warning', year: '2025',
      township_code: '230199100000',
    })).toEqual({
      filed_from: '2025-01-01', filed_to: '2025-06-30', violation: 'bribery', outcome: 'warning', year: 2025,
      township_code: '230199100000',
    })
    expect(urlFilter({ filed_from: '2025-1-1', filed_to: 1700000000, violation: 'theft', outcome: '', year: 'x',
      village_code: '12' })).toEqual({})
    expect(urlFilter({ filed_to: ['2025-06-30', '2025-07-31'] })).toEqual({ filed_to: '2025-06-30' })
  })

  it('lists the days a dashboard figure counted, shows them and clears them', async () => {
    setLocale('zh-CN')
    mergeDomainModules({ messages })
    const asked: URLSearchParams[] = []
    vi.stubGlobal('fetch', async (input: Request) => {
      const url = new URL(input.url)
      const json = (b: unknown) => new Response(JSON.stringify(b), { headers: { 'Content-Type': 'application/json' } })
      if (url.pathname === '/api/v1/discipline/cases') {
        asked.push(url.searchParams)
        return json({ items: [], total: 0, limit: 20, offset: 0, allowed_actions: [] })
      }
      if (url.pathname === '/api/v1/discipline/cases/stats') {
        return json({ county_code: null, township_code: null, village_code: null, violation: null, from_year: 2025,
          to_year: 2025, years: [] })
      }
      if (url.pathname === '/api/v1/divisions') return json({ items: [], total: 0 })
      return new Response('{}', { status: 404 })
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [
      { path: '/discipline-cases', name: 'discipline-cases', component: { template: '<div />' } },
    ] })
    await router.push('/discipline-cases?filed_from=2025-01-01&filed_to=2025-06-30&violation=bribery&township_code=230199100000')
    const { default: Page } = await import('./desktop/CaseRegister.vue')
    const wrapper = mount(Page, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    const first = asked.at(-1)!
    expect(first.get('filed_from')).toBe('2025-01-01')
    expect(first.get('filed_to')).toBe('2025-06-30')
    expect(first.get('violation')).toBe('bribery')
    expect(first.get('township_code')).toBe('230199100000')
    const tag = wrapper.find('[data-test="filter-filed"]')
    expect(tag.text()).toContain('立案 2025-01-01 至 2025-06-30')
    await tag.find('.el-tag__close').trigger('click')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    expect(wrapper.find('[data-test="filter-filed"]').exists()).toBe(false)
    expect(router.currentRoute.value.query).toEqual({ violation: 'bribery', township_code: '230199100000' })
    const after = asked.at(-1)!
    expect(after.has('filed_from')).toBe(false)
    expect(after.has('filed_to')).toBe(false)
    expect(after.get('violation')).toBe('bribery')
    wrapper.unmount()
  }, 60_000)
})
