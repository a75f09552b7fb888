import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import ProposalRuns, { type ProposalRun } from './ProposalRuns.vue'
import { usePagedList } from './usePagedList'

const RUN: ProposalRun = {
  id: 7,
  created_at: '2026-12-02T16:05:09Z', // 00:05:09 on 3 December in the county
  created_by: 'system', // no look-up of a display name
  start_date: '2026-12-03',
  covered: 3,
  slots: 4,
  score: 12,
  status: 'draft',
}

const LABELS = { createdAt: 'a', createdBy: 'b', startDate: 'c', coverage: 'd', score: 'e', status: 'f', empty: 'g' }

afterEach(() => setLocale('zh-CN'))

describe("a matching engine's runs", () => {
  it("show when each ran in the county's time and the interface language, midnight as 00", async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div />' } }] })
    const list = usePagedList<ProposalRun>(async () => ({ items: [RUN], total: 1 }), 20)
    await list.load()
    setLocale('en')
    const wrapper = mount(ProposalRuns, {
      props: { list, detailRoute: 'x', name: 'runs', labels: LABELS },
      global: { plugins: [router, i18n] },
      attachTo: document.body,
    })
    await flushPromises()
    expect(wrapper.find('[data-test="runs"]').text()).toContain('12/3/2026, 00:05:09')
    setLocale('zh-CN')
    await flushPromises()
    expect(wrapper.find('[data-test="runs"]').text()).toContain('2026/12/3 00:05:09')
    wrapper.unmount()
  })
})
