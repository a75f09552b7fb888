import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'
import PanelCard from './desktop/PanelCard.vue'

describe('a dashboard panel card', () => {
  it('shows its title and figures, exports, and opens the rows behind a figure', async () => {
    setLocale('zh-CN')
    const wrapper = mount(PanelCard, {
      props: {
        name: 'cadres',
        stats: [
          { test: 'cadres-below', value: 3, label: '不足', drill: '/api/v1/cadres?below=1' },
          { test: 'cadres-flagged', value: 0, label: '待核', drill: null, color: '#d93026' },
        ],
        hint: '每月 20 天',
      },
      slots: { default: '<div data-test="chart-cadres" />' },
      global: { plugins: [i18n] },
    })
    expect(wrapper.attributes('data-test')).toBe('panel-cadres')
    expect(wrapper.text()).toContain(i18n.global.t('dashboards.panel.cadres'))
    expect(wrapper.find('[data-test="cadres-below"] .num').text()).toBe('3')
    expect(wrapper.find('[data-test="cadres-flagged"] .num').attributes('style')).toContain('color')
    expect(wrapper.find('.hint').text()).toBe('每月 20 天')
    expect(wrapper.find('[data-test="chart-cadres"]').exists()).toBe(true)
    await wrapper.find('[data-test="export-cadres"]').trigger('click')
    await wrapper.find('[data-test="cadres-below"]').trigger('click')
    expect(wrapper.emitted('export')).toHaveLength(1)
    expect(wrapper.emitted('drill')).toEqual([['/api/v1/cadres?below=1']])
  })

  it('has no figures row when a panel has no figures', () => {
    const wrapper = mount(PanelCard, { props: { name: 'funds' }, global: { plugins: [i18n] } })
    expect(wrapper.find('.stats').exists()).toBe(false)
  })
})
