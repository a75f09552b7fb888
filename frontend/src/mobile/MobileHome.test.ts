import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import type { Me } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import MobileHome from './MobileHome.vue'

afterEach(() => {
  vi.unstubAllGlobals()
})

const VILLAGE = { kind: 'village', code: '230199100200', name: '一村' } as Me['scope']
const COUNTY = { kind: 'division', code: '230199000000', name: '示范县' } as Me['scope']

async function home(role: Me['role'], scope: Me['scope']) {
  setLocale('zh-CN')
  vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ status: 404, code: 'not_found', title: 'x' }), {
    status: 404, headers: { 'Content-Type': 'application/problem+json' },
  }))
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { id: 1, username: 'u', display_name: '某人', phone: null, role, scope }
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/m/', name: 'm-home', component: MobileHome }, { path: '/m/:p(.*)*', name: 'm-any', component: { template: '<div />' } },
      { path: '/m/me', name: 'm-me', component: { template: '<div />' } }],
  })
  const wrapper = mount(MobileHome, { global: { plugins: [pinia, router, i18n] } })
  await flushPromises()
  return wrapper
}

describe('the phone home', () => {
  it('calls the village 驻点村 only for the stationed cadre', async () => {
    expect((await home('cadre', VILLAGE)).find('[data-test=m-village-title]').text()).toBe('驻点村')
    for (const role of ['supervision_committee', 'village_committee'] as const) {
      const title = (await home(role, VILLAGE)).find('[data-test=m-village-title]').text()
      expect(title, role).toBe('本村')
    }
  })

  it('points an admin to the desktop instead of an empty page', async () => {
    const w = await home('county_admin', COUNTY)
    expect(w.find('[data-test=m-use-desktop]').text()).toContain('电脑')
    expect(w.find('[data-test=m-desktop-link]').attributes('href')).toBe('/')
  })

  it('does not send the cadre to the desktop', async () => {
    expect((await home('cadre', VILLAGE)).find('[data-test=m-use-desktop]').exists()).toBe(false)
  })
})

describe('the phone to-do', () => {
  const TODO = { role: 'cadre', items: [
    { key: 'checkin_missing', count: 1, link: '/api/v1/dashboards/rows?figure=checkin_missing' },
    { key: 'tasks_due', count: 0, link: '/api/v1/tasks?pending=true' },
    { key: 'tasks_overdue', count: 2, link: '/api/v1/tasks?status=overdue' },
  ] }

  async function mountWith(fetcher: (url: string) => Promise<Response>) {
    setLocale('zh-CN')
    vi.stubGlobal('fetch', async (input: Request | string) => fetcher(typeof input === 'string' ? input : input.url))
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = { id: 1, username: 'cadre01', display_name: '某人', phone: null, role: 'cadre', scope: VILLAGE }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/m/', name: 'm-home', component: MobileHome },
        { path: '/m/checkin', name: 'm-checkin', component: { template: '<div />' } },
        { path: '/m/tasks', name: 'm-tasks', component: { template: '<div />' } },
        { path: '/m/:p(.*)*', name: 'm-any', component: { template: '<div />' } }],
    })
    await router.push('/m/')
    const wrapper = mount(MobileHome, { global: { plugins: [pinia, router, i18n] } })
    await flushPromises()
    return wrapper
  }

  it('lists the caller\'s items with counts, each opening its phone page, and keeps them for offline', async () => {
    localStorage.clear()
    const w = await mountWith(async (url) => url.includes('/dashboards/todo')
      ? new Response(JSON.stringify(TODO), { status: 200, headers: { 'Content-Type': 'application/json' } })
      : new Response('{}', { status: 404, headers: { 'Content-Type': 'application/problem+json' } }))
    const rows = w.findAll('[data-test^=m-todo-]').filter((r) => r.attributes('href'))
    expect(rows.map((r) => [r.attributes('data-test'), r.attributes('href')])).toEqual([
      ['m-todo-checkin_missing', '/m/checkin'], ['m-todo-tasks_overdue', '/m/tasks'], ['m-todo-tasks_due', '/m/tasks']])
    expect(w.find('[data-test=m-todo-checkin_missing]').text()).toContain('今日尚未打卡')
    expect(w.find('[data-test=m-todo-tasks_overdue] [data-test=m-todo-count]').text()).toBe('2')
    expect(w.find('[data-test=m-todo-offline]').exists()).toBe(false)

    const off = await mountWith(async () => { throw new TypeError('Failed to fetch') })
    expect(off.find('[data-test=m-todo-tasks_overdue] [data-test=m-todo-count]').text()).toBe('2')
    expect(off.find('[data-test=m-todo-offline]').text()).toContain('离线')
  })
})
