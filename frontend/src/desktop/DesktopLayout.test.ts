import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import DesktopLayout from './DesktopLayout.vue'

afterEach(() => {
  vi.unstubAllGlobals()
})

async function layoutAt(width: number) {
  setLocale('zh-CN')
  vi.stubGlobal('matchMedia', (query: string) => {
    const max = /max-width:\s*(\d+)px/.exec(query)
    return { matches: max ? width <= Number(max[1]) : false, media: query, addEventListener() {}, removeEventListener() {} }
  })
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = {
    id: 1, username: 'township01', display_name: '松江镇', phone: null, role: 'township_official',
    scope: { kind: 'division', code: '230199100000', name: '松江镇' },
  }
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  await router.push('/funds')
  const wrapper = mount(DesktopLayout, { global: { plugins: [pinia, router, i18n] } })
  await flushPromises()
  return wrapper
}

describe('the desktop layout', () => {
  it('folds its side menu on a phone-width screen', async () => {
    const w = await layoutAt(390)
    expect(w.find('.aside').attributes('style')).toContain('64px')
    expect(w.find('.brand-name').exists()).toBe(false)
  })

  it('keeps the side menu open on a desktop screen', async () => {
    const w = await layoutAt(1366)
    expect(w.find('.aside').attributes('style')).toContain('216px')
    expect(w.find('.brand-name').exists()).toBe(true)
  })
})
