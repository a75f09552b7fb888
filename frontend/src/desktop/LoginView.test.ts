import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import LoginView from './LoginView.vue'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the login form', () => {
  it('sends one login request when Enter is pressed, however many events it fires', async () => {
    setLocale('zh-CN')
    const tokenCalls: string[] = []
    let answer: (r: Response) => void = () => {}
    vi.stubGlobal('fetch', async (input: Request) => {
      const url = new URL(input.url)
      if (url.pathname === '/api/v1/auth/token') {
        tokenCalls.push(await input.text())
        return new Promise<Response>((resolve) => (answer = resolve))
      }
      return new Response('{}', { status: 404 })
    })
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', component: LoginView },
        { path: '/', component: { template: '<div />' } },
      ],
    })
    await router.push('/login')
    const wrapper = mount(LoginView, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body })
    const field = (name: string) => {
      const el = wrapper.find(`[data-test="${name}"]`)
      return el.element.tagName === 'INPUT' ? el : el.find('input')
    }
    await field('username').setValue('admin')
    const password = field('password')
    await password.setValue('wrong')
    // Enter in the password field: the key events and the form's submit all arrive together.
    await password.trigger('keydown', { key: 'Enter' })
    await password.trigger('keyup', { key: 'Enter' })
    await wrapper.find('form').trigger('submit')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    expect(tokenCalls).toHaveLength(1)
    answer(
      new Response(JSON.stringify({ status: 401, code: 'invalid_credentials', title: 'x' }), {
        status: 401,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
    )
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    expect(wrapper.find('[data-test="login-error"]').text()).toContain('用户名或密码错误')
    // The next attempt is a new request.
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    expect(tokenCalls).toHaveLength(2)
    wrapper.unmount()
  })
})
