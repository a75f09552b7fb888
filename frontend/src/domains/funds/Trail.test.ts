import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'
import type { TrailEvent } from './types'
import Trail from './desktop/Trail.vue'

const event: TrailEvent = {
  id: 1,
  action: 'submit',
  from_state: 'draft',
  to_state: 'submitted',
  actor_name: 'system', // no look-up of a display name
  actor_role: 'village_accountant',
  at: '2026-12-02T16:05:09Z', // five past midnight on 3 December in the county
  reason: null,
  data: null,
}

function stamp(): string {
  const wrapper = mount(Trail, { props: { events: [event] }, global: { plugins: [i18n] } })
  return wrapper.find('.el-timeline-item__timestamp').text()
}

describe("a trail's times", () => {
  afterEach(() => setLocale('zh-CN'))

  it("are the county's, in the interface language, midnight as 00", () => {
    setLocale('zh-CN')
    expect(stamp()).toBe('2026/12/3 00:05:09')
    setLocale('en')
    expect(stamp()).toBe('12/3/2026, 00:05:09')
  })
})
