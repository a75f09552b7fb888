import { afterEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import type { Me } from '@/api/types'
import { useAuthStore } from '@/stores/auth'

// The figures each test sets (none for the title and the time the report was made).
const figures = vi.hoisted(() => ({ panels: {} as Record<string, unknown> }))
vi.mock('./panels', () => ({
  usePanels: () => ({ panels: ref(figures.panels), loading: ref(false), error: ref(null), load: async () => {} }),
}))

const { default: MonthlyReport } = await import('./desktop/MonthlyReport.vue')

afterEach(() => {
  figures.panels = {}
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

  it('sums the month\'s tasks by kind over the rectification statuses', async () => {
    setLocale('zh-CN')
    const row = (category: string, status: string, n: number[]) =>
      ({ category, status, villages: n[0], tasks: n[1], completed: n[2], on_time: n[3], overdue: n[4], drill: '' })
    figures.panels = {
      tasks: {
        by_status: [], caveat: { thin: false, villages_with_tasks: 6, accepted_with_tasks: 2 },
        by_category: [row('seven_helps', 'accepted', [2, 5, 4, 3, 0]), row('seven_helps', 'weak', [1, 2, 0, 0, 1]),
          row('industry', 'rectifying', [3, 6, 2, 2, 1])],
      },
    }
    const w = await report('?month=2026-11')
    const cells = (k: string) => w.find(`[data-test=report-kind-${k}]`).findAll('th, td').map((c) => c.text())
    expect(cells('seven_helps')).toEqual(['七帮', '3', '7', '4', '75%', '1'])
    expect(cells('industry')).toEqual(['产业富民', '3', '6', '2', '100%', '1'])
    expect(w.findAll('[data-test=report-task-kinds] tr')).toHaveLength(3)
  })
})
