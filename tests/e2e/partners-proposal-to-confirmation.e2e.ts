/**
 * Partners: the county asks for a pairing proposal, keeps a current pairing and forbids a pair,
 * runs it again, confirms it; the village's history keeps the old pairing; the partner unit then
 * sees its villages.
 */
import { describe, expect, it } from 'vitest'
import { login, settled, useJourney } from './harness/browser'

const FIRST_WEAK = '230199100200' // 永平村: specialty farming, paired with 县财政局 in the demo

describe('partners: from proposal to confirmation', () => {
  const j = useJourney()

  it('proposes, adjusts, re-runs and confirms; history and partner scope follow', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'admin')

    await page.goto('/pairing-proposals')
    await settled(page)
    await page.locator('[data-test=proposal-new]').click()
    await page.waitForURL(/\/pairing-proposals\/\d+$/)
    const firstUrl = page.url()
    await page.locator('[data-test=proposal-villages]').waitFor()
    await settled(page)

    // every weak village gets its two units, with reasons in words
    expect(await page.locator('[data-test=stat-coverage] .num').textContent()).toBe('34 / 34')
    expect(await page.locator('[data-test^=pv-]').count()).toBe(17)
    const firstRow = page.locator('.el-table__row', { has: page.locator(`[data-test=pv-${FIRST_WEAK}]`) })
    expect(await firstRow.textContent()).toContain('发展特色种养 ↔ 专业技术')
    expect(await firstRow.textContent()).toContain('县财政局')
    expect(await firstRow.textContent()).toContain('将结束')
    expect(await page.locator('[data-test=stat-ending] .num').textContent()).toBe('1')
    await s.shot('partners-proposal')

    // keep the finance bureau in 永平村, and forbid one proposed pair elsewhere
    await firstRow.locator(`[data-test^=keep-${FIRST_WEAK}-]`).click()
    await page.locator(`[data-test^=pin-chip-${FIRST_WEAK}-]`).waitFor()
    const otherRow = page.locator('.el-table__row', { has: page.locator('[data-test=pv-230199101203]') })
    const banButton = otherRow.locator('[data-test^=ban-230199101203-]').first()
    const banned = (await banButton.getAttribute('data-test'))!.replace('ban-230199101203-', '')
    await banButton.click()
    await page.locator('[data-test^=ban-chip-230199101203-]').waitFor()
    expect(await page.locator('[data-test=proposal-confirm]').isDisabled()).toBe(true)
    await s.shot('partners-proposal-adjusted')

    await page.locator('[data-test=proposal-rerun]').click()
    await page.waitForURL((url) => url.toString() !== firstUrl && /\/pairing-proposals\/\d+$/.test(url.pathname))
    await page.locator('[data-test=proposal-villages]').waitFor()
    await settled(page)
    await page.locator(`[data-test=pu-${FIRST_WEAK}-PU-CZJ]`, { hasText: '已固定' }).waitFor()
    expect(await page.locator('[data-test=stat-ending] .num').textContent()).toBe('0')
    expect(await page.locator(`[data-test=pu-230199101203-${banned}]`).count()).toBe(0)
    expect(await page.locator('[data-test=stat-coverage] .num').textContent()).toBe('34 / 34')

    // confirm
    await page.locator('[data-test=proposal-confirm]').click()
    await page.locator('.el-message-box').waitFor()
    expect(await page.locator('.el-message-box').textContent()).toContain('新建 33 个结对')
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('[data-test=proposal-status]', { hasText: '已确认' }).waitFor()
    await page.locator('.el-message--success', { hasText: '已确认' }).waitFor()
    expect(await page.locator('[data-test=proposal-confirm]').count()).toBe(0)
    await s.shot('partners-proposal-confirmed')

    // the village's pairing history: the kept pairing since 2026-01-01 and the new one
    await page.goto(`/pairing/villages/${FIRST_WEAK}`)
    await page.locator('[data-test=pairing-history]').waitFor()
    const history = await page.locator('[data-test=pairing-history]').textContent()
    expect(history).toContain('县财政局')
    expect(history).toContain('2026-01-01')
    expect(await page.locator('[data-test=pairing-history] .el-timeline-item').count()).toBe(2)
    await s.shot('partners-village-history')

    // the partner unit sees its villages, 永平村 among them
    const p = await j.desktop()
    await login(p.page, 'partner01')
    await p.page.goto('/pairing')
    await p.page.locator('[data-test=pairing-table]').waitFor()
    await settled(p.page)
    const rows = await p.page.locator('[data-test=pairing-table] .el-table__body .el-table__row').allTextContents()
    expect(rows.length).toBeGreaterThanOrEqual(1)
    expect(rows.length).toBeLessThanOrEqual(2)
    expect(rows.join(' ')).toContain('永平村')
    expect(rows.every((r) => r.includes('县财政局'))).toBe(true)
    await p.shot('partners-my-villages')
  })
})
