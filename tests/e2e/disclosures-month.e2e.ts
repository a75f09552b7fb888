/**
 * Disclosures, one month of one township: the township fixes the month's round on the empty board,
 * opens a village from it, adds a party item and an update of an item of last month; the village
 * committee uploads an attachment and the notice-board photo, writes every item's text and
 * publishes, and the finance section appears frozen from the books with its hash. The supervision
 * committee reads last month on its phone and gives its opinion on this one, which the township reads
 * on the village page by the committee's name. The township inspects: failed, with findings and a
 * day to fix by; the village sees why on its page and republishes; inspected again, it passes. The
 * township moves the publish-by day and locks the month from the board, then prints the village's QR
 * code; the link it encodes is opened on a small phone (360×740) without logging in: the published
 * items and figures show, nothing internal, and after the agency reverses an entry of the disclosed
 * month a reload shows the mismatch.
 *
 * Public answers are cacheable for five minutes by default; here for no time (revalidated by ETag
 * at once) so that the reload shows the changed books.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { field, login, PASSWORD, settled, useJourney } from './harness/browser'
import { chooseOption } from './harness/element'

/** Today in the county (Asia/Shanghai), as the server counts days: 'YYYY-MM-DD'. */
function countyToday(shift = 0): string {
  return new Date(Date.now() + shift * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
}

describe('village month of the disclosure', () => {
  const j = useJourney('disclosures-month')
  /** Set by the first journey, used by the others. */
  const month = { village: '', roundId: 0, entryId: 0 }
  const FINDINGS = '公开栏照片不清晰，党费收缴情况未写收缴人数'
  const OPINION = '党费收缴情况请补充收缴人数'

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

  const displayName = (username: string): string => j.sql(`SELECT display_name FROM users WHERE username = '${username}'`)

  /** The township's inspection of the village from the board. */
  async function inspect(page: Page, village: string, result: 'passed' | 'failed', findings: string, fixBy?: string): Promise<void> {
    await page.locator(`[data-test=inspect-${village}]`).click()
    const form = page.locator('[data-test=inspection-form]')
    await form.locator('.el-radio', { hasText: result === 'failed' ? '检查不合格' : '检查通过' }).click()
    await page.locator('[data-test=findings] textarea, textarea[data-test=findings]').first().fill(findings)
    if (fixBy) {
      await field(page, 'fix-by').fill(fixBy)
      await page.keyboard.press('Enter')
    }
    await page.locator('[data-test=inspection-send]').click()
    await page.locator('[data-test=board] tr', { hasText: result === 'failed' ? '检查不合格' : '检查通过' }).waitFor()
  }

  it('fixes the month with a new item and an update of last month\'s, and the village publishes with its notice-board photo', async () => {
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
    Object.assign(month, { village, roundId: round.id })
    await settled(town.page)

    // The books of the month disclosed (the month before the round's) hold an income the agency booked
    // then. The API books only on today, so this one is written as the agency's desk would have then.
    const official = await token('township01')
    const { finance_period: period, township_code: township } = await call<{ finance_period: string; township_code: string }>(
      official, `/api/v1/disclosures/rounds/${round.id}`)
    month.entryId = Number(j.sql(
      `INSERT INTO funds_ledger_entries (village_id, kind, amount, booked_on, source, description, booked_by,
         received_on, payer, voucher_no)
       SELECT id, 'income', 2600.00, DATE '${period}-20', 'rent', '村集体厂房租金', '乡镇代理记账员',
         DATE '${period}-20', '永平村农机合作社', '收-${period}-1' FROM villages WHERE code = '${village}'
       RETURNING id`))
    expect(month.entryId).toBeGreaterThan(0)
    await town.page.locator('[data-test=add-item-party]').click()
    await town.page.locator('input[data-test=item-title]').fill('党费收缴情况')
    await town.page.locator('[data-test=item-save]').click()
    await town.page.locator('[data-test=section-party]', { hasText: '党费收缴情况' }).waitFor()
    // After the template's party items, not before them.
    expect(await town.page.locator('[data-test=section-party] [data-test^=item-title-]').last().textContent()).toBe('党费收缴情况')
    expect(await town.page.locator('[data-test=publish]').count()).toBe(0) // publishing is the village's

    // An update of last month's village item: the month is offered (the newest earlier one first),
    // then its village items; the earlier title is the start, and the township adds to it.
    const rounds = await call<{ items: { id: number; year: number; month: number }[] }>(
      official, `/api/v1/disclosures/rounds?township_code=${township}`)
    const [py, pm] = period.split('-').map(Number) as [number, number]
    const last = rounds.items.find((r) => r.year === py && r.month === pm)!
    const lastItems = (await call<{ items: { id: number; section: string; title: string; sort: number }[] }>(
      official, `/api/v1/disclosures/rounds/${last.id}`)).items.filter((i) => i.section === 'village')
    expect(lastItems.length).toBeGreaterThan(0)
    const updated = lastItems[0]!
    await town.page.locator('[data-test=add-item-village]').click()
    const form = town.page.locator('[data-test=item-form]')
    await form.locator('.el-radio', { hasText: '续报往月事项' }).click()
    await form.locator('[data-test=item-earlier-round]', { hasText: period }).waitFor()
    await chooseOption(town.page, 'item-earlier-item', updated.title)
    await expect.poll(() => town.page.locator('input[data-test=item-title]').inputValue(), { timeout: 15_000 }).toBe(updated.title)
    await town.page.locator('input[data-test=item-title]').fill(`${updated.title}（续报）`)
    await town.page.locator('[data-test=item-save]').click()
    const section = town.page.locator('[data-test=section-village]')
    await section.locator('.el-form-item', { hasText: `${updated.title}（续报）` }).locator('.el-tag', { hasText: '续报' }).waitFor()
    const items = (await call<{ items: { title: string; kind: string; updates_item_id: number | null }[] }>(
      official, `/api/v1/disclosures/rounds/${round.id}`)).items
    expect(items.find((i) => i.title === `${updated.title}（续报）`)).toMatchObject({ kind: 'update', updates_item_id: updated.id })

    // The village committee uploads an attachment and the notice-board photo, writes each item's
    // text and publishes after the confirmation.
    const sec = await j.desktop()
    await login(sec.page, 'secretary01')
    await sec.page.goto(`/disclosure-board/${round.id}/villages/${village}`)
    await settled(sec.page)
    expect(await sec.page.locator('[data-test=add-item-party]').count()).toBe(0)
    await sec.page.locator('input[data-test=file-input]').setInputFiles({
      name: '党费收缴明细.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% test\n'),
    })
    await sec.page.locator('[data-test=files]', { hasText: '党费收缴明细.pdf' }).waitFor()
    await chooseOption(sec.page, 'file-kind', '公开栏照片')
    await sec.page.locator('input[data-test=file-input]').setInputFiles({
      name: '公开栏.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64)]),
    })
    await sec.page.locator('[data-test=files] div', { hasText: '公开栏.png' }).filter({ hasText: '公开栏照片' }).waitFor()
    const texts = sec.page.locator('textarea[data-test^=text-]')
    const n = await texts.count()
    expect(n).toBeGreaterThanOrEqual(6)
    for (let i = 0; i < n; i++) await texts.nth(i).fill(`本月情况说明 ${i + 1}`)
    await sec.page.locator('[data-test=publish]').click()
    await sec.page.locator('.el-message-box__btns .el-button--primary').click()
    await sec.page.locator('[data-test=village-status]', { hasText: '已公开' }).waitFor()
    await sec.page.locator('[data-test=finance-hash]').waitFor()
    expect((await sec.page.locator('[data-test=finance-hash]').textContent())?.trim()).toMatch(/^[0-9a-f]{16}$/)
    expect(await sec.page.locator('[data-test=finance-mismatch]').count()).toBe(0)
    expect(await sec.page.locator('[data-test=publish]').count()).toBe(0)
    expect(await sec.page.locator('[data-test=inspections] [data-test=inspection-entry]').count()).toBe(0)
    await sec.page.locator('[data-test=section-finance]').scrollIntoViewIfNeeded()
    await sec.shot('disclosures-month', sec.page)
  })

  it('lets the supervision committee read an earlier month on its phone, and review the one under way', async () => {
    const { village, roundId } = month
    expect(roundId, 'the first journey opened the round').toBeGreaterThan(0)
    // Last month's round is the demo's: published, reviewed by the committee, inspected and locked.
    const official = await token('township01')
    const now = await call<{ year: number; month: number; township_code: string; finance_period: string }>(
      official, `/api/v1/disclosures/rounds/${roundId}`)
    const [py, pm] = now.finance_period.split('-').map(Number) as [number, number]
    const rounds = await call<{ items: { id: number; year: number; month: number; status: string }[] }>(
      official, `/api/v1/disclosures/rounds?township_code=${now.township_code}`)
    const earlier = rounds.items.find((r) => r.year === py && r.month === pm)
    expect(earlier?.status).toBe('locked')
    const reviewsOf = async (id: number): Promise<string[]> => (await call<{ reviews: { opinion: string }[] }>(
      official, `/api/v1/disclosures/rounds/${id}/villages/${village}`)).reviews.map((r) => r.opinion)
    const earlierReviews = await reviewsOf(earlier!.id)
    expect(earlierReviews.length).toBeGreaterThan(0)
    const thisMonth = `${now.year}-${String(now.month).padStart(2, '0')}`

    const s = await j.phone()
    const { page } = s
    await page.goto('/m/login')
    await page.locator('input[name=username]').fill('committee01')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.locator('[data-test=m-login-submit]').click()
    await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    await page.goto('/m/disclosure-review')
    const head = page.locator('[data-test=m-disclosure-month] .van-cell__label')
    await head.filter({ hasText: thisMonth }).waitFor() // the newest month under way first
    expect(page.url()).toContain(`month=${thisMonth}`)

    // The picker offers last month, locked: what was published shows, with the committee's opinion,
    // and no opinion can be added to it any more.
    await page.locator('[data-test=m-disclosure-months] .van-dropdown-menu__item').click()
    await page.locator('.van-dropdown-item__option', { hasText: `${now.finance_period} · 已锁定` }).click()
    await head.filter({ hasText: now.finance_period }).waitFor()
    await page.waitForURL((url) => url.searchParams.get('month') === now.finance_period)
    await settled(page)
    const labels = await page.locator('[data-test=m-disclosure-items] .van-cell__label').allTextContents()
    expect(labels.length).toBeGreaterThan(0)
    expect(labels.some((l) => l.trim() === '尚未公开')).toBe(false)
    await page.locator('.van-cell__title', { hasText: earlierReviews[0]! }).first().waitFor()
    expect(await page.locator('[data-test=m-disclosure-opinion]').count()).toBe(0)
    await s.shot('disclosures-committee-earlier-month')
    // A reload keeps the month chosen.
    await page.reload()
    await head.filter({ hasText: now.finance_period }).waitFor()

    // Back on this month, the committee records its opinion: it lands on this month, not the last one.
    await page.locator('[data-test=m-disclosure-months] .van-dropdown-menu__item').click()
    await page.locator('.van-dropdown-item__option', { hasText: thisMonth }).click()
    await head.filter({ hasText: thisMonth }).waitFor()
    await settled(page)
    await page.locator('[data-test=m-disclosure-opinion] textarea').fill(OPINION)
    await page.locator('[data-test=m-disclosure-send]').click()
    await page.locator('.van-cell__title', { hasText: OPINION }).waitFor()
    expect(await reviewsOf(roundId)).toContain(OPINION)
    expect(await reviewsOf(earlier!.id)).toEqual(earlierReviews)
    // The township reads the opinion on the village page, by the committee's name, newest first.
    const town = await j.desktop()
    await login(town.page, 'township01')
    await town.page.goto(`/disclosure-board/${roundId}/villages/${village}`)
    const newest = town.page.locator('[data-test=reviews] [data-test=review-entry]').first()
    await newest.locator('[data-test=review-opinion]', { hasText: OPINION }).waitFor()
    await newest.locator('[data-test=review-by]', { hasText: displayName('committee01') }).waitFor()
  })

  it('fails the inspection, is republished and passes, is locked from the board, and is read from its QR code on a small phone', async () => {
    const { village, roundId, entryId } = month
    expect(roundId, 'the first journey opened the round').toBeGreaterThan(0)

    // The township inspects the published village from the board: failed, with findings and a day to fix by.
    const town = await j.desktop()
    await login(town.page, 'township01')
    await town.page.goto('/disclosure-board')
    await settled(town.page)
    const fixBy = countyToday(5)
    await inspect(town.page, village, 'failed', FINDINGS, fixBy)
    await town.page.locator(`[data-test=board] tr`, { hasText: fixBy }).waitFor()

    // The village sees why, and by when, on its page, with who inspected; it fixes the text and republishes.
    const sec = await j.desktop()
    await login(sec.page, 'secretary01')
    await sec.page.goto(`/disclosure-board/${roundId}/villages/${village}`)
    await sec.page.locator('[data-test=failed-alert] [data-test=failed-findings]', { hasText: FINDINGS }).waitFor()
    expect(await sec.page.locator('[data-test=failed-fix-by]').textContent()).toContain(fixBy)
    const failedEntry = sec.page.locator('[data-test=inspections] [data-test=inspection-entry]').first()
    expect(await failedEntry.locator('[data-test=inspection-result]').textContent()).toContain('检查不合格')
    expect(await failedEntry.locator('[data-test=inspection-fix-by]').textContent()).toBe(fixBy)
    // The display name comes in a batch after the page (utils/people): wait for it, not the user name first shown.
    await failedEntry.locator('[data-test=inspection-by]', { hasText: new RegExp(`^${displayName('township01')}$`) }).waitFor()
    await sec.page.locator('[data-test=reviews] [data-test=review-opinion]', { hasText: OPINION }).waitFor()
    await sec.page.locator('[data-test=failed-alert]').scrollIntoViewIfNeeded()
    await sec.shot('disclosures-failed-village', sec.page)
    const first = sec.page.locator('textarea[data-test^=text-]').first()
    expect(await first.inputValue()).toBe('本月情况说明 1') // what was published, to change
    await first.fill('本月情况说明 1 已补充收缴人数')
    await sec.page.locator('[data-test=publish]').click()
    await sec.page.locator('.el-message-box__btns .el-button--primary').click()
    await sec.page.locator('[data-test=village-status]', { hasText: '已公开' }).waitFor()
    expect(await sec.page.locator('[data-test=failed-alert]').count()).toBe(0)

    // Inspected again: passed. The village page lists both inspections, the newest first.
    await town.page.reload()
    await settled(town.page)
    await inspect(town.page, village, 'passed', '公开内容齐全，张贴及时')
    expect(await town.page.locator(`[data-test=inspect-${village}]`).count()).toBe(0)
    await sec.page.reload()
    const results = sec.page.locator('[data-test=inspections] [data-test=inspection-result]')
    await expect.poll(async () => (await results.allTextContents()).map((x) => x.trim()), { timeout: 15_000 }).toEqual(['检查通过', '检查不合格'])

    // The township moves the publish-by day to the month's first and locks the month from the board.
    // (The month is locked only after its publish-by day; on a month's first day no day of the month
    // has passed yet, so then the day is moved back in the database, as if set the day before.)
    const today = countyToday()
    const firstDay = `${today.slice(0, 7)}-01`
    if (today !== firstDay) {
      await field(town.page, 'round-publish-by').fill(firstDay)
      await town.page.keyboard.press('Enter')
      await town.page.locator('[data-test=round-publish-by-save]').click()
      await town.page.locator('.el-message', { hasText: `公开截止日已改为 ${firstDay}` }).waitFor()
      await settled(town.page)
      expect(await field(town.page, 'round-publish-by').inputValue()).toBe(firstDay)
    } else {
      j.sql(`UPDATE disclosure_rounds SET publish_by = publish_by - 30, version = version + 1 WHERE id = ${roundId} RETURNING id`)
      await town.page.reload()
      await settled(town.page)
    }
    await town.page.locator('[data-test=lock]').click()
    await town.page.locator('.el-message-box__btns .el-button--primary').click()
    await town.page.locator('.board-head .el-tag', { hasText: '已锁定' }).waitFor()
    expect(await town.page.locator('[data-test=lock]').count()).toBe(0)
    expect(await town.page.locator('[data-test=round-publish-by-save]').count()).toBe(0)
    await town.shot('disclosures-board-locked', town.page)

    // The township downloads the village's QR code from the board (SVG and PNG) and opens its print view.
    const [svg] = await Promise.all([town.page.waitForEvent('download'), town.page.locator(`[data-test=qr-svg-${village}]`).click()])
    expect(svg.suggestedFilename()).toMatch(new RegExp(`^${village}-.+-qr\\.svg$`))
    expect(readFileSync((await svg.path())!, 'utf8')).toMatch(/<svg[^>]*>[\s\S]*<path/)
    const [png] = await Promise.all([town.page.waitForEvent('download'), town.page.locator(`[data-test=qr-png-${village}]`).click()])
    expect(png.suggestedFilename()).toMatch(/-qr\.png$/)
    expect(readFileSync((await png.path())!).subarray(1, 4).toString()).toBe('PNG')
    await town.page.locator(`[data-test=qr-print-${village}]`).click()
    await town.page.waitForURL(`**/disclosure-qr/${village}**`)
    await town.page.locator('[data-test=qr-image]').waitFor()
    expect(await town.page.locator('[data-test=qr-image]').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
    const villageName = j.sql(`SELECT name FROM villages WHERE code = '${village}'`)
    expect(await town.page.locator('[data-test=qr-village]').textContent()).toContain(villageName)
    // No QR decoder is at hand here: the link is the one the server states it encodes (X-Link), shown
    // under the code; that the image is a true QR code of that link is checked in the API tests.
    const link = ((await town.page.locator('[data-test=qr-link]').textContent()) ?? '').trim()
    expect(link).toBe(`${j.baseURL()}/public.html?village=${village}`)
    await town.shot('disclosures-qr-print', town.page)

    // A villager scans it with a cheap phone: no account, 360×740.
    const villager = await j.phone('zh-CN', { width: 360, height: 740 })
    const page = villager.page
    await page.goto(link)
    await page.locator('[data-test=pub-month]').waitFor()
    expect(await page.locator('[data-test=pub-village]').textContent()).toBeTruthy()
    expect(page.url()).not.toContain('/login')
    const party = page.locator('[data-test=pub-section-party]')
    await party.locator('[data-test=pub-item-title]', { hasText: '党费收缴情况' }).waitFor()
    const texts = await page.locator('[data-test=pub-item-text]').allTextContents()
    expect(texts.length).toBeGreaterThanOrEqual(6)
    expect(texts.every((t) => /^本月情况说明 \d+$/.test(t) || t === '本月情况说明 1 已补充收缴人数')).toBe(true)
    expect(texts).toContain('本月情况说明 1 已补充收缴人数') // the republished text, not the failed one
    await page.locator('[data-test=pub-files]', { hasText: '党费收缴明细.pdf' }).waitFor()
    const finance = page.locator('[data-test=pub-section-finance] [data-test=pub-finance]')
    expect(await finance.locator('[data-test=pub-figure-income]').textContent()).toBe('2,600.00 元')
    expect(await finance.locator('[data-test=pub-entry]', { hasText: '村集体厂房租金' }).count()).toBe(1)
    expect(await page.locator('[data-test=pub-mismatch]').count()).toBe(0)
    expect(await page.locator('[data-test=pub-finance-current]').count()).toBe(0)
    // Nothing internal: no one's name, no review or inspection.
    const body = (await page.locator('body').textContent()) ?? ''
    for (const word of ['乡镇代理记账员', '永平村农机合作社', '公开内容齐全', '检查通过', '检查不合格', FINDINGS, OPINION,
      displayName('township01'), displayName('committee01')]) expect(body).not.toContain(word)
    // Good on a small phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await villager.shot('disclosures-public-phone', page)

    // The agency reverses the month's income after publication (a wrong booking).
    await call(await token('agency01'), `/api/v1/funds/ledger/${entryId}/reverse`, {
      method: 'POST', body: JSON.stringify({ reason: '租金重复入账，冲销' }),
    })

    // The villager reloads: the page says the published figures no longer match the books.
    await page.reload()
    await page.locator('[data-test=pub-mismatch]').waitFor()
    expect(await page.locator('[data-test=pub-mismatch]').getAttribute('role')).toBe('alert')
    expect(await page.locator('[data-test=pub-mismatch]').textContent()).toContain('不一致')
    // What was published stays as it was; the books as they stand now show the entry reversed.
    expect(await finance.locator('[data-test=pub-figure-income]').textContent()).toBe('2,600.00 元')
    expect(await finance.locator('[data-test=pub-entry]', { hasText: '村集体厂房租金' }).count()).toBe(1)
    const current = page.locator('[data-test=pub-finance-current]')
    expect(await current.locator('[data-test=pub-entry-reversed]', { hasText: '村集体厂房租金' }).count()).toBe(1)
    await page.locator('[data-test=pub-mismatch]').scrollIntoViewIfNeeded()
    await villager.shot('disclosures-public-mismatch', page)
  })
})
