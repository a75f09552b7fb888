import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'
import { ApiError, NetworkError } from '@/api/errors'
import ErrorState from './ErrorState.vue'

function shown(error: unknown) {
  setLocale('zh-CN')
  return mount(ErrorState, { props: { error }, global: { plugins: [i18n] } })
}

describe('a failed load', () => {
  it('offers no retry for a record out of scope, missing or forbidden: trying again cannot help', () => {
    for (const [status, code] of [[404, 'not_found'], [404, 'township_not_found'], [403, 'forbidden']] as const) {
      const w = shown(new ApiError(status, { status, code, title: code }))
      expect(w.find('[data-test=error-state]').exists(), code).toBe(true)
      expect(w.find('button').exists(), code).toBe(false)
      expect(w.text(), code).not.toContain('重试')
    }
  })

  it('offers a retry where the next try may work, and the retry is heard', async () => {
    for (const error of [new NetworkError(), new ApiError(503, { status: 503, code: 'database_busy', title: 'busy' }),
      new ApiError(500, { status: 500, code: 'internal_error', title: 'x' })]) {
      const w = shown(error)
      const button = w.find('button')
      expect(button.exists(), String(error)).toBe(true)
      expect(button.text()).toBe('重试')
      await button.trigger('click')
      expect(w.emitted('retry')).toHaveLength(1)
    }
  })
})
