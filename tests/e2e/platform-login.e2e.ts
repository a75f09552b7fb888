/** Platform: a county official logs in (after one wrong password), sees the shell, logs out. */
import { describe, expect, it } from 'vitest'
import { field, login, settled, useJourney } from './harness/browser'

describe('login and the desktop shell', () => {
  const j = useJourney('platform-login')

  it('refuses a wrong password with a translated message, then logs in and out', async () => {
    const s = await j.desktop()
    const { page } = s
    s.allowHttpError(401, '/api/v1/auth/token')

    await page.goto('/villages')
    await page.waitForURL(/\/login\?redirect=(%2F|\/)villages/)
    await expect(page.locator('h1').textContent()).resolves.toBe('村治')

    await field(page, 'username').fill('admin')
    await field(page, 'password').fill('wrong-password')
    await page.locator('[data-test=login-submit]').click()
    const error = page.locator('[data-test=login-error]')
    await error.waitFor()
    expect(await error.textContent()).toContain('用户名或密码错误')
    expect(await error.textContent()).not.toContain('{')
    await s.shot('platform-login-error')

    await login(page, 'admin')
    await page.waitForURL(/\/villages$/)
    expect(await page.locator('[data-test=user-name]').textContent()).toBeTruthy()

    // Only built domains are in the menu; the breadcrumb names the page.
    await page.goto('/')
    await settled(page)
    const menu = (await page.locator('[data-test=side-menu] .el-menu-item').allTextContents()).map((t) => t.trim())
    expect(menu.slice(0, 3)).toEqual(['首页', '综合看板', '村庄管理'])
    expect(await page.locator('[data-test=welcome]').textContent()).toContain('欢迎回来')
    expect(Number(await page.locator('[data-test=stat-total] .num').textContent())).toBe(82)
    await s.shot('platform-home')

    // Every menu entry opens a real screen (menus of domains not built are hidden, not dead links).
    const paths = await page.locator('[data-test=side-menu] .el-menu-item[data-path]').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))
    expect(paths.length).toBe(menu.length)
    for (const path of paths) {
      await page.goto(path!)
      await settled(page)
      expect(await page.locator('[data-test=not-found]').count(), `menu entry ${path}`).toBe(0)
      expect(page.url()).not.toContain('/forbidden')
    }
    await page.goto('/')
    await settled(page)

    // Language switch: English, Element Plus follows.
    await page.locator('[data-test=language-switch]').click()
    await page.locator('[data-test=locale-en]').click()
    await page.locator('[data-test=welcome]', { hasText: 'Welcome back' }).waitFor()
    await page.goto('/villages')
    await settled(page)
    await page.locator('.el-pagination__total', { hasText: 'Total 82' }).waitFor()
    await s.shot('platform-english')
    await page.locator('[data-test=language-switch]').click()
    await page.locator('[data-test=locale-zh-CN]').click()

    // Logout.
    await page.locator('[data-test=user-menu]').click()
    await page.locator('[data-test=logout]').click()
    await page.waitForURL(/\/login/)
    await page.goto('/villages')
    await page.waitForURL(/\/login/)
  })

  it('says how long to wait after too many wrong passwords (429 with Retry-After)', async () => {
    const s = await j.desktop()
    const { page } = s
    s.allowHttpError(401, '/api/v1/auth/token')
    s.allowHttpError(429, '/api/v1/auth/token')
    await page.goto('/login')
    const error = page.locator('[data-test=login-error]')
    for (let i = 0; i < 8; i++) {
      await field(page, 'username').fill('township08')
      await field(page, 'password').fill(`wrong-${i}`)
      await page.locator('[data-test=login-submit]').click()
      await error.waitFor()
      await settled(page)
      if ((await error.textContent())?.includes('尝试次数过多')) break
    }
    expect(await error.textContent()).toMatch(/尝试次数过多，请 \d+ (秒|分钟)后再试/)
    await s.shot('platform-login-throttled')
  })
})
