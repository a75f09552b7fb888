import { afterEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import type { Me } from '@/api/types'
import { useAuthStore } from '@/stores/auth'

// No figures: the test is about the title and the time the report was made.
vi.mock('./panels', () => ({
  usePanels: () => ({ panels: ref({}), loading: ref(false), error: ref(null), load: async () => {} }),
}))

const { default: MonthlyReport } = await import('./desktop/MonthlyReport.vue')

afterEach(() => {
  vi.useRealTimers()
  setLocale('zh-CN')
})

async function report(query: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = {
    id: 1, username: 'u', display_name: '某人', phone: null, role: 'township_official',
    scope: { kind: 'division', code: '230199100000', name: '松江镇' },
  } as Me
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/dashboard/report', component: MonthlyReport }] })
  await router.push(`/dashboard/report${query}`)
  const wrapper = mount(MonthlyReport, { global: { plugins: [pinia, router, i18n] } })
  await flushPromises()
  return wrapper
}

describe('the printable monthly report', () => {
  it("is made at the county's time, in the interface language, midnight as 00", async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-02T16:05:09Z')) // 00:05:09 on 3 December in the county
    setLocale('zh-CN')
    const zh = await report('?month=2026-11')
    expect(zh.find('[data-test=report-title]').text()).toBe('松江镇2026年11月工作月报')
    expect(zh.find('.made').text()).toBe('生成时间：2026/12/3 00:05:09')
    setLocale('en')
    await flushPromises()
    expect(zh.find('[data-test=report-title]').text()).toBe('松江镇 monthly report, November 2026')
    expect(zh.find('.made').text()).toBe('Made 12/3/2026, 00:05:09')
  })

  it("opens on the county's month when none is asked for", async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-30T23:30:00Z')) // already 1 December in the county
    setLocale('zh-CN')
    const w = await report('')
    expect(w.find('[data-test=report-title]').text()).toBe('松江镇2026年12月工作月报')
  })
})
