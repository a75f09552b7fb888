import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'
import TaskKinds from './desktop/TaskKinds.vue'
import type { TaskPanel } from './types'

const link = (category: string, status: string) =>
  `/api/v1/dashboards/rows?figure=task_load&month=2026-12&status=${status}&category=${category}`
const row = (category: TaskPanel['by_category'][number]['category'], status: TaskPanel['by_category'][number]['status'], n: number[]) => ({
  category, status, villages: n[0]!, tasks: n[1]!, completed: n[2]!, on_time: n[3]!, overdue: n[4]!, drill: link(category, status),
})
const ROWS = [
  row('seven_helps', 'accepted', [2, 5, 4, 3, 0]),
  row('seven_helps', 'weak', [1, 2, 0, 0, 1]),
  row('industry', 'rectifying', [3, 6, 2, 2, 1]),
]

afterEach(() => setLocale('zh-CN'))

describe('the task panel by kind of task', () => {
  it('names each kind once beside its statuses, with the figures and the share done on time', () => {
    setLocale('zh-CN')
    const wrapper = mount(TaskKinds, { props: { rows: ROWS }, global: { plugins: [i18n] } })
    const kinds = wrapper.findAll('th.kind')
    expect(kinds.map((k) => [k.text(), k.attributes('rowspan')])).toEqual([['七帮', '2'], ['产业富民', '1']])
    const accepted = wrapper.find('[data-test="kind-seven_helps-accepted"]')
    expect(accepted.find('.status').text()).toBe('已销号')
    expect(accepted.find('[data-test="kind-villages"]').text()).toBe('2')
    expect(accepted.find('[data-test="kind-tasks"]').text()).toBe('5')
    expect(accepted.find('[data-test="kind-on-time"]').text()).toBe('75%')
    expect(wrapper.find('[data-test="kind-seven_helps-weak"] [data-test="kind-on-time"]').text()).toBe('—')
  })

  it('opens the villages behind a figure with its kind and status', async () => {
    const wrapper = mount(TaskKinds, { props: { rows: ROWS }, global: { plugins: [i18n] } })
    await wrapper.find('[data-test="kind-industry-rectifying"] [data-test="kind-overdue"]').trigger('click')
    await wrapper.find('[data-test="kind-seven_helps-weak"] [data-test="kind-tasks"]').trigger('click')
    expect(wrapper.emitted('drill')).toEqual([[link('industry', 'rectifying')], [link('seven_helps', 'weak')]])
  })

  it('speaks English, and says so when there are no tasks', () => {
    setLocale('en')
    const wrapper = mount(TaskKinds, { props: { rows: ROWS.slice(2) }, global: { plugins: [i18n] } })
    expect(wrapper.find('th.kind').text()).toBe('Industry support')
    const empty = mount(TaskKinds, { props: { rows: [] }, global: { plugins: [i18n] } })
    expect(empty.text()).toContain('No tasks this month')
  })
})
