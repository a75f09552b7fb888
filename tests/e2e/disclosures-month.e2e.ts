/**
 * Disclosures: the township fixes the month's round on the empty board, opens a village from it
 * and adds a party item; the village committee writes every item's text and publishes, and the finance section
 * appears frozen from the books with its hash.
 */
import { describe, expect, it } from 'vitest'
import { login, PASSWORD, settled, useJourney } from './harness/browser'

describe('village month of the disclosure', () => {
  const j = useJourney('disclosures-month')

  async function token(username: string): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'password', username, password: PASSWORD })
    const r = await fetch(`${j.baseURL()}/api/v1/auth/token`, { method: 'POST', body })
    expect(r.status).toBe(200)
    return ((await r.json()) as { access_token: string }).access_token
  }

  async function call<T>(tok: string, path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(`${j.baseURL()}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    })
    expect(r.status, await r.clone().text()).toBeLessThan(300)
    return (await r.json()) as T
  }

  it('adds an item on the village page and publishes the month', async () => {
    const secretary = await token('secretary01')
    const me = await call<{ scope: { code: string } }>(secretary, '/api/v1/auth/me')
    const village = me.scope.code

    // The township official fixes this month's round on the empty board, then opens the village
    // and adds a party item.
    const town = await j.desktop()
    await login(town.page, 'township01')
    await town.page.goto('/disclosure-board')
    await settled(town.page)
    await town.page.locator('[data-test=open-round]').click()
    await town.page.locator(`[data-test=open-${village}]`).click()
    await town.page.waitForURL(`**/disclosure-board/*/villages/${village}`)
    const round = { id: Number(/disclosure-board\/(\d+)\//.exec(town.page.url())![1]) }
    await settled(town.page)
    await town.page.locator('[data-test=add-item-party]').click()
    await town.page.locator('input[data-test=item-title]').fill('党费收缴情况')
    await town.page.locator('[data-test=item-save]').click()
    await town.page.locator('[data-test=section-party]', { hasText: '党费收缴情况' }).waitFor()
    // After the template's party items, not before them.
    expect(await town.page.locator('[data-test=section-party] [data-test^=item-title-]').last().textContent()).toBe('党费收缴情况')
    expect(await town.page.locator('[data-test=publish]').count()).toBe(0) // publishing is the village's

    // The village committee writes each item's text and publishes after the confirmation.
    const sec = await j.desktop()
    await login(sec.page, 'secretary01')
    await sec.page.goto(`/disclosure-board/${round.id}/villages/${village}`)
    await settled(sec.page)
    expect(await sec.page.locator('[data-test=add-item-party]').count()).toBe(0)
    // An attachment goes with the publication.
    await sec.page.locator('input[data-test=file-input]').setInputFiles({
      name: '党费收缴明细.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% test\n'),
    })
    await sec.page.locator('[data-test=files]', { hasText: '党费收缴明细.pdf' }).waitFor()
    const texts = sec.page.locator('textarea[data-test^=text-]')
    const n = await texts.count()
    expect(n).toBeGreaterThanOrEqual(5)
    for (let i = 0; i < n; i++) await texts.nth(i).fill(`本月情况说明 ${i + 1}`)
    await sec.page.locator('[data-test=publish]').click()
    await sec.page.locator('.el-message-box__btns .el-button--primary').click()
    await sec.page.locator('[data-test=village-status]', { hasText: '已公开' }).waitFor()
    await sec.page.locator('[data-test=finance-hash]').waitFor()
    expect((await sec.page.locator('[data-test=finance-hash]').textContent())?.trim()).toMatch(/^[0-9a-f]{16}$/)
    expect(await sec.page.locator('[data-test=finance-mismatch]').count()).toBe(0)
    expect(await sec.page.locator('[data-test=publish]').count()).toBe(0)
    await sec.page.locator('[data-test=section-finance]').scrollIntoViewIfNeeded()
    await sec.shot('disclosures-month', sec.page)
  })
})
