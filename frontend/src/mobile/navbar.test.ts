import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { hasAppHistory, pageTitle, showsBack, usePageTitle } from './navbar'

describe('phone nav bar', () => {
  it('goes back through the history only when this app put a page before', () => {
    expect(hasAppHistory({ back: '/m/claims', current: '/m/claims/3' })).toBe(true)
    expect(hasAppHistory({ back: null, current: '/m/claims/3' })).toBe(false) // opened on the detail page
    expect(hasAppHistory({ back: '/claims/3', current: '/m/claims/3' })).toBe(false) // came from the desktop pages
    expect(hasAppHistory(null)).toBe(false)
    expect(hasAppHistory('x')).toBe(false)
  })

  it('shows back everywhere but on the tab bar’s pages', () => {
    const tabs = ['m-home', 'm-claims', 'm-me']
    expect(showsBack('m-claim', tabs)).toBe(true)
    expect(showsBack('m-claim-new', tabs)).toBe(true)
    expect(showsBack('m-claims', tabs)).toBe(false)
    expect(showsBack('m-home', tabs)).toBe(false)
  })

  it('takes a page’s own title while it is shown', async () => {
    const title = ref<string | null>('我的报账')
    const Page = defineComponent({
      setup() {
        usePageTitle(title)
        return () => h('div')
      },
    })
    const w = mount(Page)
    expect(pageTitle.value).toBe('我的报账')
    title.value = '待签字'
    await nextTick()
    expect(pageTitle.value).toBe('待签字')
    w.unmount()
    expect(pageTitle.value).toBeNull()
  })
})
