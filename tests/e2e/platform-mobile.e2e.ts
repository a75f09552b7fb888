/** Platform: a stationed cadre opens the site on a phone, gets the phone pages, logs in, follows the to-do. */
import { describe, expect, it } from 'vitest'
import { useJourney, PASSWORD } from './harness/browser'

describe('phone pages', () => {
  const j = useJourney('platform-mobile')

  it('cadre01 logs in at 390x844 and sees their village, without desktop code', async () => {
    const s = await j.phone()
    const { page } = s
    const scripts: string[] = []
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname)
    })

    await page.goto('/')
    await page.waitForURL(/\/m\/login/)
    await page.locator('input[name=username]').fill('cadre01')
    await page.locator('input[name=password]').fill(PASSWORD)
    await s.shot('mobile-login')
    await page.locator('[data-test=m-login-submit]').click()
    await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    await page.locator('[data-test=m-village] .v-name').waitFor()

    expect(await page.locator('[data-test=m-hello]').textContent()).toContain('您好')
    expect(await page.locator('[data-test=m-village]').textContent()).toContain('松江镇')
    expect(await page.locator('[data-test=m-village]').textContent()).toContain('软弱涣散')
    const tabs = await page.locator('[data-test=tabbar] .van-tabbar-item').allTextContents()
    expect(tabs[0]?.trim()).toBe('首页')
    expect(tabs.at(-1)?.trim()).toBe('我的')
    // Nothing overflows the phone's width.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await s.shot('mobile-home')

    // The phone never loads the desktop chunks (Element Plus, ECharts).
    expect(scripts.filter((p) => p.includes('/assets/d-'))).toEqual([])

    // The to-do: today's check-in not made yet, with its count; the row (a thumb's height) opens the check-in page.
    const row = page.locator('[data-test=m-todo-checkin_missing]')
    await row.waitFor()
    expect(await row.textContent()).toContain('今日尚未打卡')
    expect(await row.locator('[data-test=m-todo-count]').textContent()).toBe('1')
    expect((await row.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44)
    await row.scrollIntoViewIfNeeded()
    await s.shot('mobile-home-todo')
    await row.click()
    await page.waitForURL(/\/m\/checkin$/)
    await page.locator('[data-test=m-checkin-not-yet]').waitFor() // the page the row promised: not checked in yet
    await page.waitForLoadState('networkidle')

    // Offline: a banner says writes will be uploaded later; the home keeps the to-do last loaded, badged.
    await s.context.setOffline(true)
    await page.locator('[data-test=offline-banner]').waitFor()
    await page.locator('[data-test=tab-m-home]').click()
    await page.locator('[data-test=m-todo-offline]').waitFor()
    expect(await page.locator('[data-test=m-todo-checkin_missing] [data-test=m-todo-count]').textContent()).toBe('1')
    await s.shot('mobile-home-todo-offline')
    await s.context.setOffline(false)
    await page.locator('[data-test=offline-banner]').waitFor({ state: 'detached' })

    // "Me": profile and logout.
    await page.locator('[data-test=tab-m-me]').click()
    await page.waitForURL(/\/m\/me$/)
    expect(await page.locator('[data-test=m-me-name]').textContent()).toContain('cadre01')
    await s.shot('mobile-me')
    await page.locator('[data-test=m-logout]').click()
    await page.waitForURL(/\/m\/login/)
  })
})
