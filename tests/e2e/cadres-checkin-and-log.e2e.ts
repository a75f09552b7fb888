/**
 * Stationed cadres: cadre01 checks in on a phone (390x844) — first without location permission
 * (a clear message), then with a position and a photo — writes a work log with roles, promotions
 * and an oversight, writes two more with no signal (kept, then sent together as one batch when the
 * signal returns); the township official then sees the check-in day and the logs on the desktop,
 * and the county opens the 三促进两监督 report: the village's figures as the server counts them, the
 * log's finding, which it moves to following up, and the month as an XLSX download.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { login, settled, useJourney, PASSWORD } from './harness/browser'

const VILLAGE = '230199100200'
const FINDING = '10月财务收支未按时公开'
// The report table's columns after township and village (FieldworkReport.vue).
const FIGURES = ['logs', 'members_recruited', 'activists_found', 'activities_held', 'activity_attendance', 'members_active',
  'policy_issues', 'discipline_issues', 'findings', 'findings_open', 'findings_following_up', 'findings_resolved'] as const
// An 8x8 PNG (the phone shrinks it to a JPEG with a canvas before upload).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4YaOBFTEMLQkAdntLARs7+acAAAAASUVORK5CYII=', 'base64')

function shanghaiToday(): string {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

async function writeLog(page: Page, text: string, roles: string[]): Promise<void> {
  await page.locator('[data-test=m-log-write]').click()
  await page.waitForURL(/\/m\/logs\/new$/)
  await page.locator('[data-test=m-log-text] textarea').fill(text)
  for (const r of roles) await page.locator(`[data-test=m-log-roles] [data-role=${r}]`).click()
}

describe('cadres: check in and keep a work log on a phone, read on the desktop', () => {
  const j = useJourney('cadres-checkin-and-log')

  it('the cadre checks in, writes logs online and offline', async () => {
    const s = await j.phone()
    const { page, context } = s
    await page.goto('/m/login')
    await page.locator('input[name=username]').fill('cadre01')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.locator('[data-test=m-login-submit]').click()
    await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')

    // -- check in: no permission first, a clear message ------------------------------------------
    await page.locator('[data-test=tab-m-checkin]').click()
    await page.waitForURL(/\/m\/checkin$/)
    await page.locator('[data-test=m-checkin-not-yet]').waitFor()
    expect(await page.locator('[data-test=m-checkin-village]').textContent()).toBeTruthy()
    await page.locator('[data-test=m-checkin-submit]').click()
    await page.locator('[data-test=m-geo-error]').waitFor()
    expect(await page.locator('[data-test=m-geo-error]').textContent()).toContain('定位权限')
    await s.shot('cadres-phone-geo-denied')

    // -- with a position and a photo -----------------------------------------------------------
    await context.grantPermissions(['geolocation'], { origin: j.baseURL() })
    await context.setGeolocation({ latitude: 45.7583, longitude: 126.6421, accuracy: 18 })
    await page.locator('[data-test=m-checkin-note] textarea').fill('村部值班，走访东屯')
    await page.locator('[data-test=m-checkin-file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG })
    await page.locator('[data-test=m-checkin-preview]').waitFor()
    await s.shot('cadres-phone-checkin-form')
    await page.locator('[data-test=m-checkin-submit]').click()
    await page.locator('[data-test=m-checkin-done]').waitFor()
    await page.locator('[data-test=m-checkin-recent] img').first().waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await s.shot('cadres-phone-checked-in')

    // -- a work log with roles, promotions and an oversight ----------------------------------------
    await page.locator('[data-test=tab-m-logs]').click()
    await page.waitForURL(/\/m\/logs$/)
    await page.locator('[data-test=m-log]').first().waitFor()
    await writeLog(page, '组织党员开展主题党日，检查村务公开栏', ['informant', 'supervisor'])
    // A finger's tap target: the 七员 chips and the steppers' buttons are at least 44 px high.
    for (const target of ['[data-test=m-log-roles] [data-role=informant]', '[data-test=m-log-activities_held] .van-stepper__plus',
      '[data-test=m-log-activities_held] .van-stepper__minus']) {
      const box = await page.locator(target).boundingBox()
      expect(box && Math.min(box.width, box.height), target).toBeGreaterThanOrEqual(44)
    }
    await page.locator('[data-test=m-log-activities_held] .van-stepper__plus').click()
    await page.locator('[data-test=m-log-policy_issues] .van-stepper__plus').click()
    await page.locator('[data-test=m-log-submit]').click()
    // problems found need a description: the form says so and sends nothing
    await page.locator('[data-test=m-log-oversight-note] .van-field__error-message').waitFor()
    await page.locator('[data-test=m-log-oversight-note] textarea').fill('10月财务收支未按时公开')
    await s.shot('cadres-phone-log-form')
    await page.locator('[data-test=m-log-submit]').click()
    await page.waitForURL(/\/m\/logs$/)
    const first = page.locator('[data-test=m-log]').first()
    await first.getByText('组织党员开展主题党日').waitFor()
    expect(await first.textContent()).toContain('监督员')
    expect(await first.textContent()).toContain('10月财务收支未按时公开')

    // -- no signal: two entries are kept, then sent together --------------------------------------
    // Chromium fetches the page icon again on route changes; offline that would be a console error
    // of the browser's own, not of the app: answer it locally.
    await context.route('**/favicon.svg', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' }),
    )
    await context.setOffline(true)
    await page.locator('[data-test=offline-banner]').waitFor()
    await writeLog(page, '离线：调解邻里用水纠纷', ['mediator'])
    await page.locator('[data-test=m-log-submit]').click()
    await page.waitForURL(/\/m\/logs$/)
    await writeLog(page, '离线：代办低保年审材料3户', ['clerk'])
    await page.locator('[data-test=m-log-submit]').click()
    await page.waitForURL(/\/m\/logs$/)
    await expect.poll(() => page.locator('[data-test=m-log-waiting]').count()).toBe(2)
    // the entries loaded before the signal went stay listed, with a quiet badge and no error
    await page.locator('[data-test=m-logs-offline]').waitFor()
    expect(await page.locator('[data-test=m-log]').count()).toBeGreaterThan(0)
    expect(await page.locator('.m-logs .error').count()).toBe(0)
    await s.shot('cadres-phone-offline-queue')

    const batches: string[] = []
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/v1/cadres/')) batches.push(new URL(r.url()).pathname)
    })
    await context.setOffline(false)
    await page.locator('[data-test=offline-banner]').waitFor({ state: 'detached' })
    await expect.poll(() => page.locator('[data-test=m-log-waiting]').count(), { timeout: 15_000 }).toBe(0)
    await page.getByText('离线：代办低保年审材料3户').waitFor()
    await page.getByText('离线：调解邻里用水纠纷').waitFor()
    expect(batches).toEqual(['/api/v1/cadres/sync'])
    await s.shot('cadres-phone-logs')
  })

  it('the township official sees the check-in day and the logs', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/cadre-attendance')
    await page.locator('[data-test=attendance-table]').waitFor()
    await settled(page)
    const row = page.locator('[data-test=attendance-table] .el-table__body-wrapper tr', { hasText: '县农业农村局' })
    expect(Number(await row.locator('[data-days]').getAttribute('data-days'))).toBeGreaterThan(0)
    await s.shot('cadres-attendance')

    await row.locator('a', { hasText: /村$/ }).first().click()
    await page.waitForURL(new RegExp(`/cadres/villages/${VILLAGE}`))
    await page.locator('[data-test=checkin-calendar]').waitFor()
    await settled(page)
    await page.locator(`[data-test=checkin-calendar] [data-day="${shanghaiToday()}"]`).first().waitFor()
    const feed = page.locator('[data-test=log-entry]')
    await feed.first().waitFor()
    const texts = (await feed.allTextContents()).join('\n')
    expect(texts).toContain('组织党员开展主题党日')
    expect(texts).toContain('离线：代办低保年审材料3户')
    expect(texts).toContain('10月财务收支未按时公开')
    await s.shot('cadres-village-field')

    // the cadre's record with the posting
    await page.goto('/cadres')
    await page.locator('[data-test=cadre-table]').waitFor()
    await settled(page)
    await page.locator('[data-test=cadre-table] a', { hasText: /./ }).first().waitFor()
    await s.shot('cadres-list-township')
  })

  it('the county reads the fieldwork report, moves the finding and downloads the month', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'admin')
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/cadres/reports/fieldwork' && r.ok())
    await page.goto('/cadre-fieldwork-report')
    const report = (await (await answered).json()) as { rows: ({ village_code: string; village_name: string } & Record<string, number>)[] }
    await page.locator('[data-test=findings-table]').waitFor()
    await settled(page)

    // the village's figures as the server counts them, the phone's log among them
    const mine = report.rows.find((r) => r.village_code === VILLAGE)!
    expect(mine.logs).toBeGreaterThanOrEqual(3)
    expect(mine.policy_issues).toBeGreaterThanOrEqual(1)
    expect(mine.findings).toBeGreaterThanOrEqual(1)
    const row = page.locator('[data-test=report-table] .el-table__body-wrapper tr', { hasText: mine.village_name }).first()
    const cells = (await row.locator('td').allTextContents()).map((c) => c.trim())
    expect(cells.slice(2, 2 + FIGURES.length)).toEqual(FIGURES.map((k) => String(mine[k])))

    // the log's finding, open, moved to following up with a note
    const finding = page.locator('[data-test=findings-table] .el-table__body-wrapper tr', { hasText: FINDING }).first()
    await finding.waitFor()
    expect(await finding.textContent()).toContain(mine.village_name)
    expect(await finding.locator('[data-state]').getAttribute('data-state')).toBe('open')
    await s.shot('cadres-fieldwork-report')
    await finding.locator('[data-test=finding-follow_up]').click()
    await page.locator('.el-message-box input').fill('已约谈村会计，限期公开')
    const moved = page.waitForResponse((r) => /\/api\/v1\/cadres\/findings\/\d+\/state$/.test(new URL(r.url()).pathname))
    await page.locator('.el-message-box__btns .el-button--primary').click()
    expect((await moved).status()).toBe(200)
    await expect.poll(() => finding.locator('[data-state]').getAttribute('data-state')).toBe('following_up')
    expect(await finding.textContent()).toContain('已约谈村会计，限期公开')
    await settled(page)
    const after = page.locator('[data-test=report-table] .el-table__body-wrapper tr', { hasText: mine.village_name }).first()
    const followingUp = 2 + FIGURES.indexOf('findings_following_up')
    await expect.poll(async () => (await after.locator('td').nth(followingUp).textContent())?.trim()).toBe(String(mine.findings_following_up! + 1))
    await s.shot('cadres-fieldwork-report-moved')

    // the month as an XLSX: its headers, and a workbook of some size
    const exported = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/cadres/reports/fieldwork/export.xlsx')
    const download = page.waitForEvent('download')
    await page.locator('[data-test=report-export]').click()
    const r = await exported
    expect(r.status()).toBe(200)
    expect(r.headers()['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(r.headers()['content-disposition']).toMatch(/^attachment; filename="fieldwork-\d{4}-\d{2}\.xlsx"; filename\*=UTF-8''/)
    const file = await download
    expect(file.suggestedFilename()).toMatch(/^三促进两监督.*\.xlsx$/)
    const bytes = readFileSync((await file.path())!)
    expect(bytes.length).toBeGreaterThan(4000)
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK')
  })
})
