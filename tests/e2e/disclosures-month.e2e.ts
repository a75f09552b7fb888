/**
 * Disclosures: the township fixes the month's round on the empty board, opens a village from it
 * and adds a party item; the village committee writes every item's text and publishes, and the finance section
 * appears frozen from the books with its hash. The township inspects it; then the village's QR code is
 * fetched and the link it encodes opened on a small phone without logging in: the published items and
 * figures show, and after the agency reverses an entry of the disclosed month a reload shows the mismatch.
 *
 * Public answers are cacheable for five minutes by default; here for no time (revalidated by ETag
 * at once) so that the reload shows the changed books.
 */
import { describe, expect, it } from 'vitest'
import { login, PASSWORD, settled, useJourney } from './harness/browser'

describe('village month of the disclosure', () => {
  const j = useJourney('disclosures-month')
  /** Set by the first journey, used by the second. */
  const month = { village: '', roundId: 0, entryId: 0 }

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
    Object.assign(month, { village, roundId: round.id })
    await settled(town.page)

    // The books of the month disclosed (the month before the round's) hold an income the agency booked
    // then. The API books only on today, so this one is written as the agency's desk would have then.
    const { finance_period: period } = await call<{ finance_period: string }>(
      await token('township01'), `/api/v1/disclosures/rounds/${round.id}`)
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

  it('is inspected, opened from its QR code on a small phone, and shows a later reversal', async () => {
    const { village, roundId, entryId } = month
    expect(roundId, 'the first journey opened the round').toBeGreaterThan(0)

    // The township inspects the published village from the board: passed.
    const town = await j.desktop()
    await login(town.page, 'township01')
    await town.page.goto('/disclosure-board')
    await settled(town.page)
    await town.page.locator(`[data-test=inspect-${village}]`).click()
    await town.page.locator('[data-test=findings] textarea, textarea[data-test=findings]').first().fill('公开内容齐全，张贴及时')
    await town.page.locator('[data-test=inspection-send]').click()
    await town.page.locator('[data-test=board] tr', { hasText: '检查通过' }).waitFor()
    expect(await town.page.locator(`[data-test=inspect-${village}]`).count()).toBe(0)

    // The printable QR code of the village, as the township prints it for the notice board. No QR
    // decoder is at hand here: the link is the one the server states it encodes (X-Link); that the
    // image is a true QR code of that link is checked in the API tests by regenerating it.
    const official = await token('township01')
    const qr = await fetch(`${j.baseURL()}/api/v1/disclosures/villages/${village}/qr.svg`, {
      headers: { Authorization: `Bearer ${official}` },
    })
    expect(qr.status).toBe(200)
    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
    expect(await qr.text()).toMatch(/<svg[^>]*>[\s\S]*<path/)
    const link = qr.headers.get('x-link') ?? ''
    expect(link).toBe(`${j.baseURL()}/public.html?village=${village}`)
    const png = await fetch(`${j.baseURL()}/api/v1/disclosures/villages/${village}/qr.png`, {
      headers: { Authorization: `Bearer ${official}` },
    })
    expect(png.headers.get('x-link')).toBe(link)
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG')

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
    expect(texts.length).toBeGreaterThanOrEqual(5)
    expect(texts.every((t) => /^本月情况说明 \d+$/.test(t))).toBe(true)
    await page.locator('[data-test=pub-files]', { hasText: '党费收缴明细.pdf' }).waitFor()
    const finance = page.locator('[data-test=pub-section-finance] [data-test=pub-finance]')
    expect(await finance.locator('[data-test=pub-figure-income]').textContent()).toBe('2,600.00 元')
    expect(await finance.locator('[data-test=pub-entry]', { hasText: '村集体厂房租金' }).count()).toBe(1)
    expect(await page.locator('[data-test=pub-mismatch]').count()).toBe(0)
    expect(await page.locator('[data-test=pub-finance-current]').count()).toBe(0)
    // Nothing internal: no one's name, no review or inspection.
    const body = (await page.locator('body').textContent()) ?? ''
    for (const word of ['乡镇代理记账员', '永平村农机合作社', '公开内容齐全', '检查通过']) expect(body).not.toContain(word)
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
    await page.locator('[data-test=m-disclosure-opinion] textarea').fill('党费收缴情况请补充收缴人数')
    await page.locator('[data-test=m-disclosure-send]').click()
    await page.locator('.van-cell__title', { hasText: '党费收缴情况请补充收缴人数' }).waitFor()
    expect(await reviewsOf(roundId)).toContain('党费收缴情况请补充收缴人数')
    expect(await reviewsOf(earlier!.id)).toEqual(earlierReviews)
  })
})
