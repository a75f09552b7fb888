/**
 * Correcting saved scores: the township finds a row typed wrong after saving, unlocks it and
 * corrects it from the keyboard; the county corrects a sheet the township has just corrected and
 * is told so (412, translated) and reloads; after the township hands in, the proposal reflects the
 * corrections, nothing can be corrected any more, and the village's history shows the correction.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { login, PASSWORD, settled, useJourney } from './harness/browser'

const TOWNSHIP = '230199103000' // 宝兴乡: ten villages, 230199103200..209
const VILLAGES = Array.from({ length: 10 }, (_, i) => `230199103${200 + i}`)
const WEAK = VILLAGES[0] as string // 8 everywhere: weak
const TYPO = VILLAGES[1] as string // saved as 9 everywhere by mistake; really 1 everywhere

async function token(base: string, username: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: PASSWORD }),
  })
  expect(r.status).toBe(200)
  return ((await r.json()) as { access_token: string }).access_token
}

async function post(base: string, bearer: string, path: string, body: unknown): Promise<unknown> {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(r.status, await r.clone().text()).toBe(201)
  return r.json()
}

function row(page: Page, village: string) {
  return page.locator(`[data-test=score-grid] tr[data-village="${village}"]`)
}

async function rowState(page: Page, village: string): Promise<string | null> {
  return row(page, village).locator('[data-row-state]').getAttribute('data-row-state')
}

/** Types a row's cells from the cursor (in its first cell), replacing what is there. */
async function typeRow(page: Page, values: string[]): Promise<void> {
  for (const [i, v] of values.entries()) {
    await page.keyboard.press('Control+A')
    await page.keyboard.type(v)
    if (i < values.length - 1) await page.keyboard.press('Enter')
  }
}

describe('rectification: correcting saved scores', () => {
  const j = useJourney('rectification-score-correction')

  it('corrects a saved row, refuses a stale correction, and locks after hand-in', async () => {
    // The county opens a round over 宝兴乡 and the township saves every village (one row wrong).
    const base = j.baseURL()
    const admin = await token(base, 'admin')
    const round = (await post(base, admin, '/api/v1/screening-rounds', {
      title: '2026年宝兴乡排查（更正）',
      township_codes: [TOWNSHIP],
    })) as { id: number; criteria: { code: string }[] }
    const codes = round.criteria.map((c) => c.code)
    const sheet = (v: number) => Object.fromEntries(codes.map((c) => [c, v]))
    await post(base, await token(base, 'township04'), `/api/v1/screening-rounds/${round.id}/scores`, {
      sheets: VILLAGES.map((v) => ({ village_code: v, scores: sheet(v === WEAK ? 8 : v === TYPO ? 9 : 1) })),
    })
    const gridUrl = `/screening/${round.id}/townships/${TOWNSHIP}/scores`

    // 1. The township unlocks the wrong row and corrects it from the keyboard.
    const township = await j.desktop()
    const tw = township.page
    await login(tw, 'township04')
    await tw.goto(gridUrl)
    await settled(tw)
    await expect(tw.locator('[data-row-state=saved]').count()).resolves.toBe(10)
    await tw.locator(`[data-test=correct-${TYPO}]`).click()
    expect(await rowState(tw, TYPO)).toBe('editing')
    // A value out of range is flagged at once and cannot be saved.
    await tw.keyboard.press('Control+A')
    await tw.keyboard.type('12')
    expect(await rowState(tw, TYPO)).toBe('invalid')
    expect(await tw.locator('[data-test=save-scores]').isDisabled()).toBe(true)
    await typeRow(tw, codes.map(() => '1'))
    expect(await rowState(tw, TYPO)).toBe('changed')
    expect(await tw.locator('[data-test=save-scores]').textContent()).toContain('1 个村')
    await township.shot('rectification-score-correction-typing', tw)
    await tw.keyboard.press('Control+Enter')
    await row(tw, TYPO).locator('[data-row-state=saved]').waitFor()
    expect(await tw.locator(`[data-test=revision-${TYPO}]`).textContent()).toContain('已更正 1 次')
    expect(await row(tw, TYPO).locator('input').first().inputValue()).toBe('1')

    // 2. The county starts correcting the weak village while the township corrects it first.
    const county = await j.desktop()
    const ad = county.page
    county.allowHttpError(412, `/scores/${WEAK}`)
    await login(ad, 'admin')
    await ad.goto(gridUrl)
    await settled(ad)
    await ad.locator(`[data-test=correct-${WEAK}]`).click()
    await ad.keyboard.press('Control+A')
    await ad.keyboard.type('7')
    expect(await rowState(ad, WEAK)).toBe('changed')

    await tw.locator(`[data-test=correct-${WEAK}]`).click()
    await tw.keyboard.press('Control+A')
    await tw.keyboard.type('6')
    await tw.keyboard.press('Control+Enter')
    await row(tw, WEAK).locator('[data-row-state=saved]').waitFor()

    // The county's save is refused with the translated message; nothing of it is applied.
    await ad.keyboard.press('Control+Enter')
    const alert = ad.locator('[data-test=stale-alert]')
    await alert.waitFor()
    const text = (await alert.textContent()) ?? ''
    expect(text).toContain('此记录已被他人修改，请重新加载后再编辑')
    expect(text).toContain('本次更正未保存')
    await ad.locator('.el-message--error', { hasText: '此记录已被他人修改' }).first().waitFor()
    await county.shot('rectification-score-correction-stale', ad)
    await ad.locator('[data-test=reload-stale]').click()
    await alert.waitFor({ state: 'detached' })
    await row(ad, WEAK).locator('[data-row-state=saved]').waitFor()
    expect(await row(ad, WEAK).locator('input').first().inputValue()).toBe('6')
    expect(await ad.locator(`[data-test=revision-${WEAK}]`).textContent()).toContain('已更正 1 次')

    // 3. The township hands in: the proposal uses the corrected sheets.
    await tw.locator('[data-test=propose-here]').click()
    const box = tw.locator('.el-message-box')
    await box.waitFor()
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await tw.waitForURL(/\/proposals/)
    await settled(tw)
    const table = tw.locator('[data-test=proposals-table]')
    await table.locator('[data-weak=true]').first().waitFor()
    const proposalRow = (v: string) => table.locator('tbody tr', { has: tw.locator(`a[href$="/${v}"]`) })
    expect(await table.locator('[data-weak=true]').count()).toBe(1)
    // 6 (corrected) and five 8s: (60 + 5 × 80) / 6.
    expect(await proposalRow(WEAK).textContent()).toContain('76.67')
    await tw.locator('[data-test=only-weak]').click()
    await proposalRow(TYPO).locator('[data-weak=false]').waitFor()

    // 4. After hand-in nothing can be corrected any more.
    await ad.reload()
    await settled(ad)
    await expect(ad.locator('[data-row-state=saved]').count()).resolves.toBe(10)
    expect(await ad.locator('[data-test^=correct-]').count()).toBe(0)

    // 5. The village's history keeps the correction.
    await ad.goto(`/rectification/villages/${TYPO}/history`)
    await settled(ad)
    await ad.locator('[data-test=village-history] [data-kind=score_corrected]').waitFor()
    const history = (await ad.locator('[data-test=village-history]').textContent()) ?? ''
    expect(history).toContain('更正评分（第 2 版）')
    expect(history).toContain('已更正 1 次')
  })
})
