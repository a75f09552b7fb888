/**
 * The supervision committee's review on the phone shows more than the texts: for this month (not
 * published yet) the notice-board photo small, opened full size by a tap, and the attachment opened
 * through the authenticated download; for last month (published and locked) the finance section as
 * frozen from the books, and, after a back-dated booking changed those books, the warning with the
 * books as they stand now.
 */
import { describe, expect, it } from 'vitest'
import { PASSWORD, settled, useJourney } from './harness/browser'

/** A 1×1 PNG, so that the phone really draws the thumbnail. */
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
  (c) => c.charCodeAt(0))
const PDF = new TextEncoder().encode('%PDF-1.4\n% 村民代表会议记录\n')

describe('the committee reviews its village month on the phone', () => {
  const j = useJourney('disclosures-review-phone')

  async function token(username: string): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'password', username, password: PASSWORD })
    const r = await fetch(`${j.baseURL()}/api/v1/auth/token`, { method: 'POST', body })
    expect(r.status).toBe(200)
    return ((await r.json()) as { access_token: string }).access_token
  }

  async function call<T>(tok: string, path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(`${j.baseURL()}${path}`, { ...init, headers: { Authorization: `Bearer ${tok}`, ...(init.headers ?? {}) } })
    expect(r.status, await r.clone().text()).toBeLessThan(300)
    return (await r.json()) as T
  }

  it('shows the photo, the attachment, the finance section and its mismatch', async () => {
    const township = await token('township01')
    const secretary = await token('secretary01')
    const village = (await call<{ scope: { code: string } }>(secretary, '/api/v1/auth/me')).scope.code
    type Round = { id: number; year: number; month: number; status: string; township_code: string; finance_period: string }
    const rounds = (await call<{ items: Round[] }>(township, '/api/v1/disclosures/rounds')).items
    const last = rounds.find((r) => r.status === 'locked')!
    const [year, month] = last.month === 12 ? [last.year + 1, 1] : [last.year, last.month + 1]
    const key = `${year}-${String(month).padStart(2, '0')}`
    const lastKey = `${last.year}-${String(last.month).padStart(2, '0')}`
    const round = await call<Round>(township, '/api/v1/disclosures/rounds', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ township_code: last.township_code, year, month, publish_by: `${key}-28` }),
    })
    const files: Record<string, { id: number }> = {}
    for (const [kind, name, bytes, type] of [['board_photo', '公开栏.png', PNG, 'image/png'],
      ['attachment', '会议记录.pdf', PDF, 'application/pdf']] as const) {
      const form = new FormData()
      form.append('kind', kind)
      form.append('file', new Blob([bytes], { type }), name)
      files[kind] = await call<{ id: number }>(secretary, `/api/v1/disclosures/rounds/${round.id}/villages/${village}/files`,
        { method: 'POST', body: form })
    }
    // Last month's books change after its publication: an income booked back into the disclosed month.
    j.sql(`INSERT INTO funds_ledger_entries (village_id, kind, amount, booked_on, source, description, booked_by,
             received_on, payer, voucher_no)
           SELECT id, 'income', 888.00, DATE '${last.finance_period}-25', 'rent', '补记租金', '乡镇代理记账员',
             DATE '${last.finance_period}-25', '承租户', '收-补-1' FROM villages WHERE code = '${village}'`)

    const s = await j.phone()
    const { page } = s
    await page.goto('/m/login')
    await page.locator('input[name=username]').fill('committee01')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.locator('[data-test=m-login-submit]').click()
    await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    await page.goto('/m/disclosure-review')
    const head = page.locator('[data-test=m-disclosure-month] .van-cell__label')
    await head.filter({ hasText: key }).waitFor()
    await settled(page)

    // This month, before publication: the finance section waits for it; the photo shows small.
    await page.locator('[data-test=m-disclosure-finance]', { hasText: '财务部分在发布时由账簿自动生成' }).waitFor()
    const thumb = page.locator(`[data-test=m-disclosure-photo-${files.board_photo!.id}] img`)
    await thumb.waitFor()
    const box = await thumb.boundingBox()
    expect(box!.width).toBeLessThanOrEqual(80)
    expect(await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1)
    await s.shot('disclosures-review-files')
    await thumb.click()
    await page.locator('.van-image-preview img').first().waitFor()
    await page.locator('.van-image-preview__close-icon').click()
    await page.locator('.van-image-preview').waitFor({ state: 'hidden' })
    const download = page.waitForEvent('download')
    await page.locator(`[data-test=m-disclosure-attachment-${files.attachment!.id}]`).click()
    expect((await download).suggestedFilename()).toBe('会议记录.pdf')

    // Last month, published and locked: the frozen figures, the warning and the books as they stand.
    await page.locator('[data-test=m-disclosure-months] .van-dropdown-menu__item').click()
    await page.locator('.van-dropdown-item__option', { hasText: `${lastKey} · 已锁定` }).click()
    await head.filter({ hasText: lastKey }).waitFor()
    await settled(page)
    const finance = page.locator('[data-test=m-disclosure-finance]')
    await finance.locator('[data-test=m-disclosure-mismatch]').waitFor()
    expect(await finance.textContent()).toContain(last.finance_period)
    await finance.locator('[data-test=m-disclosure-current]').waitFor()
    expect(await finance.locator('.changed').count()).toBeGreaterThanOrEqual(2) // income and closing, as published
    expect(await page.locator('[data-test=m-disclosure-files]').textContent()).toContain('暂无照片和附件')
    await s.shot('disclosures-review-finance')
  })
})
