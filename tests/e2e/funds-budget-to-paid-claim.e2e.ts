/**
 * Collective funds: the village drafts next year's budget, the township approves it with one line
 * cut (and the reason); the village files a claim above the single-claim limit with its invoice on
 * this year's budget (next year's lines are not offered); the supervision committee signs it on a
 * phone after confirming what it signs; the township approves it; the agency pays it, each after a
 * confirmation, and the ledger and balance show it.
 */
import { describe, expect, it } from 'vitest'
import { login, settled, useJourney, PASSWORD } from './harness/browser'
import { chooseOption } from './harness/element'

const VILLAGE = '230199100200' // 永平村, the demo village (balance 313,840.00 after the demo data)
const INVOICE = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

/** Confirms the open Element Plus message box and returns what it asked. */
async function confirmBox(page: import('playwright-core').Page): Promise<string> {
  await page.locator('.el-message-box').waitFor()
  const asked = (await page.locator('.el-message-box__message').textContent()) ?? ''
  await page.locator('.el-message-box__btns .el-button--primary').click()
  return asked
}

describe('funds: from budget to paid claim', () => {
  const j = useJourney('funds-budget-to-paid-claim')

  it('budget drafted and approved, claim filed, signed on a phone, approved and paid', async () => {
    // -- the village committee drafts the 2027 budget -------------------------------------------
    const sec = await j.desktop()
    await login(sec.page, 'secretary01')
    await sec.page.goto('/funds')
    await sec.page.waitForURL(new RegExp(`/funds/villages/${VILLAGE}$`))
    await sec.page.locator('[data-test=balance]').waitFor()
    await settled(sec.page)
    expect(await sec.page.locator('[data-test=balance]').textContent()).toContain('313,840.00')
    await sec.shot('funds-village-account')

    await sec.page.locator('[data-test=new-budget]').click()
    await sec.page.locator('[data-test=lines-editor]').waitFor()
    await sec.page.locator('input[name=budget-year]').fill('2027')
    await chooseOption(sec.page, 'line-category-0', '公益事业')
    await sec.page.locator('input[name=line-purpose-0]').fill('村西桥梁维修')
    await sec.page.locator('input[name=line-amount-0]').fill('12000')
    await sec.page.locator('[data-test=add-line]').click()
    await sec.page.locator('input[name=line-purpose-1]').fill('村部取暖')
    await sec.page.locator('input[name=line-amount-1]').fill('3500.5')
    expect(await sec.page.locator('[data-test=lines-editor]').textContent()).toContain('15,500.50')
    await sec.shot('funds-budget-draft')
    await sec.page.locator('[data-test=budget-create]').click()
    await sec.page.waitForURL(/\/funds\/budgets\/\d+$/)
    const budgetUrl = new URL(sec.page.url()).pathname
    await sec.page.locator('[data-test=budget-submit]').click()
    await sec.page.locator('[data-test=budget-status][data-status=submitted]').waitFor()

    // -- the township approves it --------------------------------------------------------------
    const town = await j.desktop()
    await login(town.page, 'township01')
    await town.page.goto(budgetUrl)
    await town.page.locator('[data-test=budget-approve]').click()
    await town.page.locator('[data-test=approve-lines]').waitFor()
    await town.page.locator('input[name=approve-amount-1]').fill('3000')
    await town.page.locator('[data-test=approve-confirm]').click()
    // A cut needs its reason: the dialog says so and stays open.
    await town.page.locator('[data-test=approve-lines] .el-form-item__error').waitFor()
    await town.page.locator('input[name=approve-reason-1]').fill('取暖费按标准核定')
    expect(await town.page.locator('[data-test=approve-total]').textContent()).toContain('15,000.00')
    await town.shot('funds-budget-approve-dialog')
    await town.page.locator('[data-test=approve-confirm]').click()
    await town.page.locator('[data-test=budget-status][data-status=approved]').waitFor()
    await settled(town.page)
    const lines = await town.page.locator('[data-test=budget-lines]').textContent()
    expect(lines).toContain('村西桥梁维修')
    expect(lines).toContain('12,000.00')
    expect(lines).toContain('3,000.00')
    expect(lines).toContain('取暖费按标准核定')
    await town.shot('funds-budget-approved')

    // -- the village files a claim over the 5,000 limit, with its invoice ------------------------
    await sec.page.goto(`/funds/villages/${VILLAGE}/claims/new`)
    await sec.page.locator('[data-test=claim-line]').waitFor()
    await settled(sec.page)
    await chooseOption(sec.page, 'claim-line', '村内道路硬化维修')
    // Claims name this year's lines only: next year's budget is not offered.
    expect(await sec.page.locator('.el-select-dropdown__item', { hasText: '村西桥梁维修' }).count()).toBe(0)
    await sec.page.locator('input[name=claim-amount]').fill('6800')
    await sec.page.locator('input[name=claim-purpose]').fill('桥面修补及护栏更换')
    await sec.page.locator('input[name=claim-payee]').fill('松江县路桥工程队')
    await sec.page
      .locator('[data-test=claim-files]')
      .setInputFiles({ name: '发票.pdf', mimeType: 'application/pdf', buffer: INVOICE })
    await sec.page.locator('[data-test=limit-hint].warn').waitFor()
    await sec.shot('funds-claim-form')
    await sec.page.locator('[data-test=claim-create]').click()
    await sec.page.waitForURL(/\/claims\/\d+$/)
    const claimId = new URL(sec.page.url()).pathname.split('/').pop()!
    await sec.page.locator('[data-test=claim-status][data-status=submitted]').waitFor()
    await settled(sec.page)
    expect(await sec.page.locator('[data-test=attachments]').textContent()).toContain('发票.pdf')

    // -- the supervision committee signs it on a phone ------------------------------------------
    const phone = await j.phone()
    await phone.page.goto('/m/login')
    await phone.page.locator('input[name=username]').fill('committee01')
    await phone.page.locator('input[name=password]').fill(PASSWORD)
    await phone.page.locator('[data-test=m-login-submit]').click()
    await phone.page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    await phone.page.locator('.van-grid-item', { hasText: '报账签字' }).click()
    await phone.page.locator(`[data-claim="${claimId}"]`).click()
    await phone.page.locator('[data-test=m-claim-amount]').waitFor()
    expect(await phone.page.locator('[data-test=m-claim-amount]').textContent()).toContain('6,800.00')
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await phone.shot('funds-phone-claim')
    await phone.page.locator('[data-test=m-sign]').click()
    await phone.page.locator('.m-sign-confirm').waitFor()
    const asked = await phone.page.locator('.m-sign-confirm').textContent()
    expect(asked).toContain('6,800.00')
    expect(asked).toContain('发票.pdf')
    await phone.page.locator('.m-sign-confirm .van-dialog__confirm').click()
    await phone.page.locator('[data-test=m-claim-status]', { hasText: '监委会已签字' }).waitFor()
    expect(await phone.page.locator('[data-test=m-sign]').count()).toBe(0)
    await phone.shot('funds-phone-signed')

    // -- the township approves it from its queue -------------------------------------------------
    await town.page.goto('/claims')
    await town.page.locator('[data-test=claims-table]').waitFor()
    await settled(town.page)
    await town.page.locator('[data-test=claims-table] .el-table__row', { hasText: '桥面修补及护栏更换' }).click()
    await town.page.waitForURL(new RegExp(`/claims/${claimId}$`))
    await town.page.locator('[data-test=claim-approve]').click()
    await confirmBox(town.page)
    await town.page.locator('[data-test=claim-status][data-status=township_approved]').waitFor()
    await town.shot('funds-claim-approved')

    // -- the agency pays it; the ledger and the balance show the payment ------------------------
    const agency = await j.desktop()
    await login(agency.page, 'agency01')
    await agency.page.goto('/claims')
    await agency.page.locator('[data-test=claims-table]').waitFor()
    await settled(agency.page)
    await agency.page.locator('[data-test=claims-table] .el-table__row', { hasText: '桥面修补及护栏更换' }).click()
    await agency.page.locator('[data-test=claim-pay]').click()
    const payAsked = await confirmBox(agency.page)
    for (const what of ["6,800.00", "松江县路桥工程队", "村内道路硬化维修", "发票.pdf"]) expect(payAsked).toContain(what)
    await agency.page.locator('[data-test=claim-status][data-status=paid]').waitFor()
    await settled(agency.page)
    const trail = await agency.page.locator('[data-test=trail]').textContent()
    for (const step of ['创建', '上传附件', '提交', '监委会签字', '批准', '支付']) expect(trail).toContain(step)
    await agency.shot('funds-claim-paid')

    await agency.page.goto(`/funds/villages/${VILLAGE}`)
    await agency.page.locator('[data-test=ledger]').waitFor()
    await settled(agency.page)
    expect(await agency.page.locator('[data-test=balance]').textContent()).toContain('307,040.00')
    const top = await agency.page.locator('[data-test=ledger] .el-table__body tr').first().textContent()
    expect(top).toContain('-6,800.00')
    expect(top).toContain('桥面修补及护栏更换')
    await agency.shot('funds-ledger-after-payment')
  })
})
