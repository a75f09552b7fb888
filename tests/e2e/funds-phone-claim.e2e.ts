/**
 * Funds on the phone (390x844): the village secretary files a claim from the tab bar with an invoice
 * photo from the camera and submits it; takes it back to draft, changes the payee and submits it
 * again. The supervision committee's list (待签字) shows it to sign and never the secretary's draft.
 * A claim page opened with no history (an installed app) goes home by its nav bar's back.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { useJourney, PASSWORD } from './harness/browser'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4YaOBFTEMLQkAdntLARs7+acAAAAASUVORK5CYII=', 'base64')
const DRAFT = '榛子种苗（第一批）' // the demo's draft of secretary01

async function phoneLogin(page: Page, username: string): Promise<void> {
  await page.goto('/m/login')
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(PASSWORD)
  await page.locator('[data-test=m-login-submit]').click()
  await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
}

const title = (page: Page) => page.locator('[data-test=m-navbar] .van-nav-bar__title')
const status = (page: Page) => page.locator('[data-test=m-claim-status]')

async function confirm(page: Page): Promise<void> {
  await page.locator('.van-dialog__confirm:visible').click()
}

describe('funds: the secretary files a claim on a phone', () => {
  const j = useJourney('funds-phone-claim')

  it('files a claim with an invoice photo, submits, takes it back and submits again', async () => {
    const s = await j.phone()
    const { page } = s
    await phoneLogin(page, 'secretary01')

    // -- the claims are a tab, titled for the secretary, drafts under drafts ---------------------
    await page.locator('[data-test=tab-m-claims]').click()
    await page.waitForURL(/\/m\/claims$/)
    await page.locator('[data-test=m-claims-drafts]').waitFor()
    expect(await title(page).textContent()).toBe('我的报账')
    expect(await page.locator('[data-test=m-claims-drafts]').textContent()).toContain(DRAFT)
    expect(await page.locator('[data-test=m-claims-done]').textContent()).not.toContain(DRAFT)
    await s.shot('funds-phone-my-claims')

    // -- a new claim: the form checks itself before sending -------------------------------------
    await page.locator('[data-test=m-claim-new]').click()
    await page.waitForURL(/\/m\/claims\/new$/)
    expect(await title(page).textContent()).toBe('新建报账')
    await page.locator('[data-test=m-claim-lines] [data-line]').first().waitFor()
    await page.locator('[data-test=m-claim-submit-new]').click()
    await page.locator('[data-test=m-claim-line-error]').waitFor()
    expect(await page.locator('[data-test=m-claim-form]').textContent()).toContain('请输入金额')

    const office = page.locator('[data-test=m-claim-lines] [data-line]', { hasText: '村委会办公经费' })
    await office.click()
    await page.locator('[data-test=m-claim-amount-input] input').fill('380')
    await page.locator('[data-test=m-claim-purpose] input').fill('村部打印机硒鼓两支')
    await page.locator('[data-test=m-claim-payee] input').fill('松江镇文具店')
    await page.locator('[data-test=m-claim-photo-input]').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: PNG })
    await page.locator('[data-test=m-claim-photos] .photo img').waitFor()
    expect(await page.locator('[data-test=m-claim-line-error]').count()).toBe(0) // fixed fields are no longer marked
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await s.shot('funds-phone-claim-form')

    await page.locator('[data-test=m-claim-submit-new]').click()
    expect(await page.locator('.van-dialog:visible').textContent()).toContain('380.00')
    await confirm(page)
    await page.waitForURL(/\/m\/claims\/\d+$/)
    const claimPath = new URL(page.url()).pathname
    await page.locator('[data-test=m-claim-amount]').waitFor()
    await page.locator('[data-test=m-claim-invoices] img').waitFor()
    expect(await page.locator('[data-test=m-claim-amount]').textContent()).toContain('380.00')
    expect(await status(page).textContent()).toBe('待监委会签字')
    expect(await title(page).textContent()).toBe('村部打印机硒鼓两支')
    // Within the limit it says township approval is not needed, without "needs approval" as its label.
    const approval = await page.locator('[data-test=m-claim-approval]').textContent()
    expect(approval).toContain('乡镇审批')
    expect(approval).toContain('不需要（单笔限额以内）')
    expect(approval).not.toContain('需乡镇审批')
    // People by display name: the filer and the trail's actors, never the user name.
    await expect.poll(() => page.locator('[data-test=m-claim-created-by]').textContent()).toContain('党支部书记')
    await expect.poll(() => page.locator('.van-steps').textContent()).toContain('党支部书记')
    expect(await page.locator('.van-steps').textContent()).not.toContain('secretary01')
    await s.shot('funds-phone-claim-submitted')

    // -- taken back to draft before the committee signs, changed, submitted again ---------------
    await page.locator('[data-test=m-recall]').click()
    await confirm(page)
    await page.locator('[data-test=m-claim-edit]').waitFor()
    expect(await status(page).textContent()).toBe('草稿')
    await page.locator('[data-test=m-claim-edit]').click()
    await page.locator('[data-test=m-edit-payee] input').fill('松江镇办公用品店')
    await confirm(page)
    await page.locator('.van-cell', { hasText: '松江镇办公用品店' }).waitFor()
    await page.locator('[data-test=m-submit]').click()
    await confirm(page)
    await page.locator('[data-test=m-recall]').waitFor()
    expect(await status(page).textContent()).toBe('待监委会签字')
    const trail = await page.locator('.van-steps').textContent()
    for (const step of ['创建', '上传附件', '提交', '撤回为草稿', '修改']) expect(trail).toContain(step)

    // -- back through the history to the list, where it is in progress ---------------------------
    await page.locator('[data-test=m-navbar] .van-nav-bar__left').click()
    await page.waitForURL(/\/m\/claims$/)
    await page.locator('[data-test=m-claims-inProgress]').waitFor()
    expect(await page.locator('[data-test=m-claims-inProgress]').textContent()).toContain('村部打印机硒鼓两支')

    // -- the committee: to sign, never the draft --------------------------------------------------
    const c = await j.phone()
    await phoneLogin(c.page, 'committee01')
    await c.page.locator('[data-test=tab-m-claims]').click()
    await c.page.locator('[data-test=m-claims-toSign]').waitFor()
    expect(await title(c.page).textContent()).toBe('待签字')
    const list = await c.page.locator('[data-test=m-claims]').textContent()
    expect(list).toContain('村部打印机硒鼓两支')
    expect(list).not.toContain(DRAFT)
    await c.shot('funds-phone-committee-to-sign')

    // -- an installed app opened straight on the claim: back goes home ----------------------------
    const fresh = await s.newTab()
    await fresh.goto(claimPath)
    await fresh.locator('[data-test=m-claim-amount]').waitFor()
    await fresh.locator('[data-test=m-navbar] .van-nav-bar__left').click()
    await fresh.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
  })
})
