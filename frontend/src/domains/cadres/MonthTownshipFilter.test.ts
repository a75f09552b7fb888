import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, mergeDomainModules, setLocale } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import * as desk from './desktop-i18n'
import MonthTownshipFilter from './desktop/MonthTownshipFilter.vue'

afterEach(() => vi.unstubAllGlobals())

async function mountAs(role: string, asked: string[]) {
  setLocale('zh-CN')
  mergeDomainModules({ desk })
  vi.stubGlobal('fetch', async (input: Request) => {
    asked.push(new URL(input.url).pathname)
    const items = [{ code: '230199100000', name: '一镇', level: 'township' }, { code: '230199200000', name: '二镇', level: 'township' }]
    return new Response(JSON.stringify({ items }), { headers: { 'Content-Type': 'application/json' } })
  })
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.me = { role, scope: { kind: 'division', code: '230199000000' } } as unknown as typeof auth.me
  const wrapper = mount(MonthTownshipFilter, {
    props: { prefix: 'attendance', month: '2026-01', township: '', 'onUpdate:month': (m: string) => wrapper.setProps({ month: m }) },
    slots: { default: '<button data-test="extra">x</button>' },
    global: { plugins: [pinia, i18n] },
    attachTo: document.body,
  })
  await flushPromises()
  return wrapper
}

describe('the month and township filter', () => {
  it('names its township picker by the page prefix, loads the townships for the county and steps the month', async () => {
    const asked: string[] = []
    const wrapper = await mountAs('county_admin', asked)
    expect(wrapper.find('[data-test="attendance-township"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="extra"]').exists()).toBe(true)
    expect(asked).toEqual(['/api/v1/divisions'])
    await wrapper.findAll('button.is-circle')[0]!.trigger('click')
    expect(wrapper.emitted('update:month')?.at(-1)).toEqual(['2025-12'])
    await wrapper.findAll('button.is-circle')[1]!.trigger('click')
    expect(wrapper.emitted('update:month')?.at(-1)).toEqual(['2026-01'])
    wrapper.unmount()
  }, 60_000)

  it('offers a township account no township to pick and asks for none', async () => {
    const asked: string[] = []
    const wrapper = await mountAs('township_official', asked)
    expect(wrapper.find('[data-test="attendance-township"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="extra"]').exists()).toBe(true)
    expect(asked).toEqual([])
    wrapper.unmount()
  }, 60_000)
})
