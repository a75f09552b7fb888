/**
 * Stationed cadres on the county's desk: the organisation department adds a cadre, adds an
 * expertise to the posting rules, proposes postings for every weak village (with reasons) and
 * confirms them, then ends one posting; the cadre's history keeps both.
 */
import { describe, expect, it } from 'vitest'
import { field, login, settled, useJourney } from './harness/browser'
import { chooseOption, tableRows } from './harness/element'

describe('cadres: register, rules and a posting proposal', () => {
  const j = useJourney('cadres-register-and-proposal')

  it('the county adds a cadre, proposes and confirms postings, ends one', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'admin')

    // -- the register: add a cadre ----------------------------------------------------------------
    await page.goto('/cadres')
    await page.locator('[data-test=cadre-table]').waitFor()
    await settled(page)
    expect((await tableRows(page, 'cadre-table')).length).toBe(8)
    await s.shot('cadres-register')
    await page.locator('[data-test=cadre-add]').click()
    await page.locator('[data-test=cadre-dialog]').waitFor()
    await field(page, 'cadre-name').fill('钱学农')
    await field(page, 'cadre-home-unit').fill('县农业技术推广中心')
    await field(page, 'cadre-phone').fill('13845100999')
    await chooseOption(page, 'cadre-expertise', '群众工作')
    await page.keyboard.press('Escape')
    await page.locator('[data-test=cadre-save]').click()
    await page.locator('[data-test=cadre-dialog]').waitFor({ state: 'hidden' })
    await settled(page)
    expect(await page.locator('[data-test=cadre-table]').textContent()).toContain('钱学农')

    // -- the rules: the county adds an expertise ---------------------------------------------------
    await page.goto('/cadre-settings')
    await page.locator('[data-test=cadre-settings]').waitFor()
    await settled(page)
    await page.getByRole('button', { name: '添加专长' }).click()
    const inputs = page.locator('[data-test=cadre-settings] .row').last().locator('input')
    await inputs.nth(0).fill('legal_aid')
    await inputs.nth(1).fill('法律服务')
    await page.locator('[data-test=cadre-settings-save]').click()
    await page.locator('.el-message--success').waitFor()
    await s.shot('cadres-rules')

    // -- a proposal over the county, confirmed ------------------------------------------------------
    await page.goto('/cadre-proposals')
    await settled(page)
    await page.locator('[data-test=cadre-proposal-new]').click()
    await page.waitForURL(/\/cadre-proposals\/\d+$/)
    await page.locator('[data-test=cadre-proposal-villages]').waitFor()
    await settled(page)
    const coverage = (await page.locator('[data-test=cadre-proposal-coverage]').textContent()) ?? ''
    expect(coverage).toMatch(/^\s*9 \/ \d+\s*$/) // nine cadres, more weak villages than cadres
    expect(await page.locator('[data-test=cadre-proposal-villages]').textContent()).toContain('→')
    await s.shot('cadres-proposal')
    await page.locator('[data-test=cadre-proposal-confirm]').click()
    await page.locator('.el-message-box').waitFor()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('.el-message--success').first().waitFor()
    await settled(page)
    expect(await page.locator('[data-test=cadre-proposal]').textContent()).toContain('已确认')

    // -- every cadre is posted now; end one posting, its history stays -----------------------------
    await page.goto('/cadres')
    await settled(page)
    await field(page, 'cadre-q').fill('钱学农')
    await page.keyboard.press('Enter')
    await settled(page)
    await page.locator('[data-test=cadre-table] a', { hasText: '钱学农' }).click()
    await page.waitForURL(/\/cadres\/\d+$/)
    await page.locator('[data-test=posting-table]').waitFor()
    await settled(page)
    const rows = await tableRows(page, 'posting-table')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.join(' ')).toContain('在岗')
    await page.locator('[data-test=posting-table] [data-test^=posting-end-]').click()
    await page.locator('[data-test=posting-end-dialog]').waitFor()
    await page.locator('[data-test=posting-end-save]').click()
    await page.locator('.el-message--success').first().waitFor()
    await settled(page)
    const after = (await tableRows(page, 'posting-table'))[0]!.join(' ')
    expect(after).toMatch(/未到岗|已结束/)
    expect(after).toContain('召回')
    await s.shot('cadres-detail')
  })
})
