/**
 * Screening and rectification, end to end: the county opens a round over one township, the
 * township scores its villages from the keyboard and hands in, the county confirms the proposed
 * list, a case gets a measure that is done, and the county accepts the case (销号).
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { field, login, PASSWORD, settled, useJourney } from './harness/browser'

const TOWNSHIP = '230199103000' // 宝兴乡: ten villages, 230199103200..209
const WEAK = '230199103200'
const CRITERIA = 6

/** Picks an option of the el-select marked data-test=testId. */
async function chooseOption(page: Page, testId: string, label: string): Promise<void> {
  await page.locator(`[data-test=${testId}]`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
}

async function confirmBox(page: Page): Promise<void> {
  const box = page.locator('.el-message-box')
  await box.waitFor()
  await box.locator('.el-message-box__btns .el-button--primary').click()
  await box.waitFor({ state: 'detached' })
}

describe('rectification: from opening a round to accepting a case', () => {
  const j = useJourney()

  it('opens, scores, proposes, confirms, rectifies and accepts', async () => {
    // 1. The county opens a round over 宝兴乡.
    const county = await j.desktop()
    const admin = county.page
    await login(admin, 'admin')
    await admin.goto('/screening')
    await settled(admin)
    await admin.locator('[data-test=open-round]').click()
    await field(admin, 'round-title').fill('2026年宝兴乡软弱涣散村党组织排查')
    await chooseOption(admin, 'round-townships', '宝兴乡')
    await admin.keyboard.press('Escape')
    await admin.locator('[data-test=open-round-submit]').click()
    await admin.waitForURL(/\/screening\/\d+$/)
    await settled(admin)
    const roundUrl = new URL(admin.url()).pathname
    const roundId = roundUrl.split('/').pop()
    expect(await admin.locator('[data-test=round-townships]').textContent()).toContain('宝兴乡')

    // 2. The township scores its ten villages from the keyboard.
    const township = await j.desktop()
    const tw = township.page
    await login(tw, 'township04')
    // Another township's grid is "not found", with nothing to retry and no half title.
    township.allowHttpError(404, 'township_code=230199100000')
    await tw.goto(`${roundUrl}/townships/230199100000/scores`)
    await tw.locator('[data-test=error-state]').waitFor()
    expect(await tw.locator('[data-test=score-grid]').count()).toBe(0)
    expect(await tw.locator('[data-test=error-state] button').count()).toBe(0)
    expect(await tw.locator('[data-test=error-state]').textContent()).not.toContain('重试')
    await tw.goto(roundUrl)
    await settled(tw)
    await tw.locator(`[data-test=score-${TOWNSHIP}]`).click()
    await tw.waitForURL(/\/scores$/)
    await settled(tw)
    const rows = tw.locator('[data-test=score-grid] tbody tr')
    expect(await rows.count()).toBe(10)
    // The cursor starts in the first cell; a typo out of range is flagged at once.
    await tw.keyboard.type('11')
    await expect(
      tw.locator(`[data-test=score-grid] tr[data-village="${WEAK}"] [data-row-state]`).getAttribute('data-row-state'),
    ).resolves.toBe('invalid')
    // The reason is written under the cell, not only in a tooltip.
    const reason = tw.locator(`[data-test^=cell-error-${WEAK}-]`)
    expect(await reason.count()).toBe(1)
    expect((await reason.textContent())?.trim()).toMatch(/\d/)
    await tw.keyboard.press('Backspace')
    await tw.keyboard.press('Backspace')
    // The cursor is not dressed as an invalid cell: its border is not the danger red of a wrong one.
    expect(await reason.count()).toBe(0)
    const cursor = await tw.evaluate(() => {
      const el = document.activeElement as HTMLElement
      const danger = getComputedStyle(document.documentElement).getPropertyValue('--el-color-danger').trim()
      const probe = document.createElement('div')
      probe.style.color = danger
      document.body.appendChild(probe)
      const red = getComputedStyle(probe).color
      probe.remove()
      return { tag: el.tagName, border: getComputedStyle(el).borderTopColor, red }
    })
    expect(cursor.tag).toBe('INPUT')
    expect(cursor.border).not.toBe(cursor.red)
    // Type every cell: the weak village 8 everywhere, the others 1; Enter moves on.
    for (let r = 0; r < 10; r++) {
      for (let c = 0; c < CRITERIA; c++) {
        await tw.keyboard.type(r === 0 ? '8' : '1')
        await tw.keyboard.press('Enter')
      }
    }
    await expect(tw.locator('[data-row-state=ready]').count()).resolves.toBe(10)
    await township.shot('rectification-scoring-grid', tw)
    await tw.keyboard.press('Control+Enter')
    await tw.locator('[data-row-state=saved]').nth(9).waitFor()
    await tw.locator('[data-test=propose-here]').click()
    await confirmBox(tw)
    await tw.waitForURL(/\/proposals/)
    await settled(tw)
    const proposals = tw.locator('[data-test=proposals-table]')
    await proposals.locator('[data-weak=true]').first().waitFor()
    expect(await proposals.textContent()).toContain('综合问题指数 80 达到弱村线 60')

    // 3. The county confirms the list: 宝兴乡's weak village gets a case.
    await admin.goto(`/screening/${roundId}/proposals`)
    await settled(admin)
    await county.shot('rectification-proposals', admin)
    await admin.locator('[data-test=confirm-round]').click()
    await admin.locator('[data-test=confirm-submit]').click()
    await admin.waitForURL(/\/rectification\?round=/)
    await settled(admin)
    const caseRow = admin.locator('[data-test=cases-table] tbody tr', { hasText: WEAK })
    await caseRow.waitFor()
    await caseRow.click()
    await admin.waitForURL(/\/rectification\/\d+$/)
    await settled(admin)
    const caseUrl = new URL(admin.url()).pathname

    // 4. The township adds a measure (the village starts rectifying) and marks it done.
    await tw.goto(caseUrl)
    await settled(tw)
    await tw.locator('[data-test=add-measure]').click()
    // Saving the empty form marks its three required fields in the form and sends nothing.
    let measurePosts = 0
    tw.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/measures')) measurePosts += 1
    })
    await tw.locator('[data-test=measure-save]').click()
    await tw.locator('[data-test=measure-form] .el-form-item.is-error').nth(2).waitFor()
    expect(await tw.locator('[data-test=measure-form] .el-form-item.is-error').count()).toBe(3)
    expect(measurePosts).toBe(0)
    await tw.locator('textarea[data-test=measure-description], [data-test=measure-description] textarea').first().fill('调整充实村党支部班子，选派第一书记')
    await field(tw, 'measure-owner').fill('宝兴乡党委')
    await field(tw, 'measure-deadline').fill('2030-12-31')
    await tw.keyboard.press('Enter')
    await tw.locator('[data-test=measure-save]').click()
    await tw.locator('[data-test=measures-table]').waitFor()
    expect(measurePosts).toBe(1)
    await tw.locator('[data-case-status=rectifying]').first().waitFor()
    await tw.locator('textarea[data-test=note-text], [data-test=note-text] textarea').first().fill('召开支部党员大会，补选支部委员两名')
    await tw.locator('[data-test=note-save]').click()
    await tw.locator('[data-test=case-notes] li').first().waitFor()
    await tw.locator('[data-test^=measure-toggle-]').first().click()
    await tw.locator('[data-test^=measure-done-]').first().waitFor()

    // 5. The township hands the case in; accepting is the county's: the township has no such button.
    expect(await tw.locator('[data-test=case-accept]').count()).toBe(0)
    await tw.locator('[data-test=case-submit]').click()
    await tw.locator('.el-message-box .el-message-box__btns .el-button--primary').click()
    await tw.locator('[data-case-status=submitted]').first().waitFor()
    // The county's dialog takes the note and shows the village's pairings and postings, ended now.
    await admin.reload()
    await settled(admin)
    await admin.locator('[data-test=case-accept]').click()
    const dialog = admin.locator('.el-dialog').filter({ hasText: '验收意见' })
    const note = dialog.locator('textarea[data-test=accept-note], [data-test=accept-note] textarea').first()
    await note.waitFor()
    expect(await dialog.locator('[data-test=accept-not-handed-in]').count()).toBe(0)
    await note.fill('验收合格')
    if (await dialog.locator('[data-test=accept-release-now]').count()) {
      await dialog.locator('[data-test=accept-release-now]').click()
    }
    await county.shot('rectification-accept-dialog', admin)
    await dialog.locator('[data-test=accept-confirm]').click()
    await admin.locator('[data-case-status=accepted]').first().waitFor()
    await admin.locator('[data-test=case-timeline] [data-kind=case_accept]').waitFor()
    const timeline = (await admin.locator('[data-test=case-timeline]').textContent()) ?? ''
    expect(timeline).toContain('立案')
    expect(timeline).toContain('开始整顿')
    expect(timeline).toContain('验收销号：验收合格')
    await county.shot('rectification-case-accepted', admin)

    // 6. The village's whole story reads back: the round with its proposal, the case, every change.
    await admin.locator('[data-test=to-village-history]').click()
    await admin.waitForURL(new RegExp(`/rectification/villages/${WEAK}/history$`))
    await settled(admin)
    const history = (await admin.locator('[data-test=village-history]').textContent()) ?? ''
    expect(history).toContain('2026年宝兴乡软弱涣散村党组织排查')
    expect(history).toContain('村状态变更：整顿中 → 已销号')
    expect(history).toContain('评分')
  })

  it('shows a cadre the open measures of the village on the phone', async () => {
    const s = await j.phone()
    await s.page.goto('/m/login')
    await s.page.locator('input[name=username]').fill('cadre01')
    await s.page.locator('input[name=password]').fill(PASSWORD)
    await s.page.locator('[data-test=m-login-submit]').click()
    await s.page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    // The home page offers the shortcut to the village's measures.
    await s.page.locator('.van-grid-item', { hasText: '整改措施' }).click()
    await s.page.waitForURL(/\/m\/measures$/)
    const list = s.page.locator('[data-test=m-measures]')
    await list.locator('.van-empty, [data-measure]').first().waitFor()
    const text = (await list.textContent()) ?? ''
    expect(text.includes('本村没有未完成的整改措施') || (await list.locator('[data-measure]').count()) > 0).toBe(true)
    await s.shot('rectification-mobile-measures')
  })
})
