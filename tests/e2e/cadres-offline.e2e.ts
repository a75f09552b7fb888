/**
 * Stationed cadres, fully offline: cadre01 opens the phone pages once with signal (the service
 * worker installs the app), loses the signal, checks in with two photos and writes two work logs with
 * a photo each, and adds an oversight finding to the first log while it still waits (the form first
 * refuses it empty); the page is reloaded with still no signal (the app starts from the service worker
 * and the outbox in IndexedDB still holds everything), the signal returns and the outbox drains.
 * The county then finds exactly one check-in (with both its photos) and two logs of this run, each
 * with exactly one photo, the first with the finding once (on the phone and in the desktop's report),
 * and a reload with signal sends nothing more.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { login, PASSWORD, settled, useJourney } from './harness/browser'

const VILLAGE = '230199100200'
// The village office's position in the demo data (cunzhi/cadres/demo.py, HOME): a few metres off.
const HERE = { latitude: 45.7583, longitude: 126.6423, accuracy: 15 }
// A 8x8 PNG (the phone shrinks it to a JPEG with a canvas before keeping it).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4YaOBFTEMLQkAdntLARs7+acAAAAASUVORK5CYII=', 'base64')
// A second picture of another colour: the same bytes twice on one entry are one photo (a retry).
const PNG2 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGOQqziBFTEMLQkABkZXgRDDjAEAAAAASUVORK5CYII=', 'base64')
const NOTE = '离线打卡：村部值班'
const LOGS = ['离线日记一：走访独居老人4户', '离线日记二：协调修复村西机井']
const FINDING = '离线补充：村会计公款私存未入账'

interface Photo {
  id: number
}
interface Entry {
  id: number
  client_key: string | null
  local_date?: string
  note?: string | null
  text?: string
  photos: Photo[]
}

function shanghaiToday(): string {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

/** Writes the cadre make (check-ins, logs, photos, sync); reads are not counted. */
function countWrites(page: Page): string[] {
  const writes: string[] = []
  page.on('request', (r) => {
    if (r.method() !== 'GET' && r.url().includes('/api/v1/cadres/')) writes.push(`${r.method()} ${new URL(r.url()).pathname}`)
  })
  return writes
}

async function outboxCount(page: Page): Promise<number> {
  await page.goto('/m/outbox').catch(() => undefined)
  await page.locator('[data-test=m-outbox]').waitFor()
  return page.locator('[data-test=m-outbox-item]').count()
}

describe('cadres: check in and write logs with photos with no signal, reload, sync once', () => {
  const j = useJourney('cadres-offline')

  async function token(username: string): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'password', username, password: PASSWORD })
    const r = await fetch(`${j.baseURL()}/api/v1/auth/token`, { method: 'POST', body })
    expect(r.status).toBe(200)
    return ((await r.json()) as { access_token: string }).access_token
  }

  async function get<T>(tok: string, path: string): Promise<T> {
    const r = await fetch(`${j.baseURL()}${path}`, { headers: { Authorization: `Bearer ${tok}` } })
    expect(r.status, await r.clone().text()).toBe(200)
    return (await r.json()) as T
  }

  it('keeps everything through an offline reload and sends each record once', async () => {
    const s = await j.phone()
    const { page, context } = s
    await context.grantPermissions(['geolocation'], { origin: j.baseURL() })
    await context.setGeolocation(HERE)
    // Chromium fetches the page icon again on route changes; offline that would be a console error
    // of the browser's own, not of the app: answer it locally.
    await context.route('**/favicon.svg', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' }),
    )

    // -- with signal: log in, open the pages once, let the service worker install ---------------
    await page.goto('/m/login')
    await page.locator('input[name=username]').fill('cadre01')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.locator('[data-test=m-login-submit]').click()
    await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    await page.locator('[data-test=tab-m-logs]').click()
    await page.locator('[data-test=m-log]').first().waitFor()
    await page.locator('[data-test=tab-m-checkin]').click()
    await page.locator('[data-test=m-checkin-not-yet]').waitFor()
    expect(await page.locator('[data-test=m-checkin-village]').textContent()).toBeTruthy()
    // the service worker has stored the app (precache) and took over: the app can start offline
    await page.evaluate(() => navigator.serviceWorker.ready)
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state ?? null))
      .toBe('activated')
    // ... and controls this very page, before any reload: the pages not opened yet load offline too
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    await page.waitForLoadState('networkidle')
    const writes = countWrites(page)

    // -- no signal: a check-in with two photos, the limit shown before it is reached -------------------
    await context.setOffline(true)
    await page.locator('[data-test=offline-banner]').waitFor()
    await page.locator('[data-test=m-checkin-note] textarea').fill(NOTE)
    const limit = page.locator('[data-test=m-checkin-photo-limit]')
    await expect.poll(() => limit.textContent()).toMatch(/0\/3/)
    await page.locator('[data-test=m-checkin-file]').setInputFiles({ name: 'checkin-1.png', mimeType: 'image/png', buffer: PNG })
    await expect.poll(() => page.locator('[data-test=m-checkin-photo-item]').count()).toBe(1)
    await page.locator('[data-test=m-checkin-file]').setInputFiles({ name: 'checkin-2.png', mimeType: 'image/png', buffer: PNG2 })
    await expect.poll(() => page.locator('[data-test=m-checkin-photo-item]').count()).toBe(2)
    expect(await limit.textContent()).toMatch(/2\/3/)
    expect(await page.locator('[data-test=m-checkin-photo]').isEnabled()).toBe(true)
    await page.locator('[data-test=m-checkin-submit]').click()
    await page.locator('[data-test=m-checkin-queued]').waitFor()
    await s.shot('cadres-offline-checkin-queued')

    // -- two work logs, a photo each -------------------------------------------------------------
    await page.locator('[data-test=tab-m-logs]').click()
    await page.waitForURL(/\/m\/logs$/)
    for (const [i, text] of LOGS.entries()) {
      await page.locator('[data-test=m-log-write]').click()
      await page.waitForURL(/\/m\/logs\/new$/)
      await page.locator('[data-test=m-log-text] textarea').fill(text)
      await page.locator(`[data-test=m-log-roles] [data-role=${i === 0 ? 'informant' : 'coordinator'}]`).click()
      await page.locator('[data-test=m-log-new] input[type=file]').setInputFiles({ name: `log-${i}.png`, mimeType: 'image/png', buffer: PNG })
      await page.locator('[data-test=m-log-photo-item]').waitFor()
      if (i === 0) await s.shot('cadres-offline-log-form')
      await page.locator('[data-test=m-log-submit]').click()
      await page.waitForURL(/\/m\/logs$/)
    }
    await expect.poll(() => page.locator('[data-test=m-log-waiting]').count()).toBe(2)

    // -- an extra finding on the first log, still waiting: the form says what is missing first ----------
    await page.locator('[data-test=m-log-waiting]', { hasText: LOGS[0]! }).click()
    await page.waitForURL(/\/m\/logs\/waiting\//)
    await page.locator('[data-test=m-log-entry]', { hasText: LOGS[0]! }).waitFor()
    await page.locator('[data-test=m-findings-none]').waitFor()
    await page.locator('[data-test=m-finding-submit]').click()
    await page.locator('[data-test=m-finding-kind] .van-field__error-message', { hasText: '请选择问题类别' }).waitFor()
    await page.locator('[data-test=m-finding-text] .van-field__error-message', { hasText: '请填写问题描述' }).waitFor()
    await page.locator('[data-test=m-finding-kind] [data-kind=discipline]').click()
    await page.locator('[data-test=m-finding-text] textarea').fill(FINDING)
    await page.locator('[data-test=m-finding-submit]').click()
    await page.locator('[data-test=m-finding-waiting]', { hasText: FINDING }).waitFor()
    expect(await page.locator('[data-test=m-finding-form] .van-field__error-message').count()).toBe(0)
    await s.shot('cadres-offline-finding-waiting')
    await page.locator('[data-test=tab-m-logs]').click()
    await page.waitForURL(/\/m\/logs$/)
    expect(writes).toEqual([])

    // -- still no signal: the page is reloaded; the app starts and the outbox is still there ---------
    await page.reload()
    await page.locator('[data-test=offline-banner]').waitFor()
    await page.locator('[data-test=m-logs]').waitFor()
    await expect.poll(() => page.locator('[data-test=m-log-waiting]').count()).toBe(2)
    for (const text of LOGS) await page.locator('[data-test=m-log-waiting]', { hasText: text }).waitFor()
    await page.locator('[data-test=tab-m-checkin]').click()
    await page.locator('[data-test=m-checkin-queued]').waitFor()
    await page.locator('[data-test=tab-m-me]').click()
    await page.locator('[data-test=m-outbox-link]').click()
    await page.waitForURL(/\/m\/outbox$/)
    const items = page.locator('[data-test=m-outbox-item]')
    await expect.poll(() => items.count()).toBe(3)
    // each entry carries its photos, waiting beside it in IndexedDB
    expect(await items.locator('.van-tag').allTextContents()).toEqual(['2张照片', '1张照片', '1张照片'])
    const stored = await page.evaluate(
      () =>
        new Promise<{ path: string; photos: number; findings: string[] }[]>((resolve, reject) => {
          const req = indexedDB.open('cunzhi-offline')
          req.onerror = () => reject(req.error)
          req.onsuccess = () => {
            const all = req.result.transaction('writes').objectStore('writes').getAll()
            all.onsuccess = () => {
              const rows = all.result as { path: string; then?: { path: string; body?: { text?: string }; files?: unknown[] }[] | null }[]
              resolve(
                rows.map((w) => ({
                  path: w.path,
                  photos: (w.then ?? []).reduce((n, f) => n + (f.files?.length ?? 0), 0),
                  findings: (w.then ?? []).filter((f) => f.path.endsWith('/{id}/findings')).map((f) => f.body?.text ?? ''),
                })),
              )
              req.result.close()
            }
          }
        }),
    )
    expect(stored).toEqual([
      { path: '/api/v1/cadres/checkins', photos: 2, findings: [] },
      { path: '/api/v1/cadres/logs', photos: 1, findings: [FINDING] },
      { path: '/api/v1/cadres/logs', photos: 1, findings: [] },
    ])
    // the outbox names the finding under its log
    await items.filter({ hasText: FINDING }).waitFor()
    expect(await items.filter({ hasText: FINDING }).count()).toBe(1)
    expect(writes).toEqual([])
    await s.shot('cadres-offline-outbox-after-reload')

    // -- the signal returns: the outbox drains -------------------------------------------------------
    await context.setOffline(false)
    await page.locator('[data-test=offline-banner]').waitFor({ state: 'detached' })
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(0)
    await settled(page)
    await s.shot('cadres-offline-outbox-drained')
    // one batch for the three entries, then one upload per photo
    expect(writes.filter((w) => w.endsWith('/sync'))).toEqual(['POST /api/v1/cadres/sync'])
    expect(writes.filter((w) => w.endsWith('/photos')).length).toBe(4)
    // and the finding once, to the id its log was given
    expect(writes.filter((w) => w.endsWith('/findings'))).toEqual([expect.stringMatching(/^POST \/api\/v1\/cadres\/logs\/\d+\/findings$/)])
    const sent = writes.length

    // -- a reload with signal sends nothing more ------------------------------------------------------
    await page.reload()
    await page.locator('[data-test=m-outbox]').waitFor()
    await page.waitForLoadState('networkidle')
    await page.locator('[data-test=tab-m-logs]').click()
    await page.locator('[data-test=m-log]', { hasText: LOGS[1]! }).waitFor()
    // the first log, opened: its finding once, open (not followed up yet)
    await page.locator('[data-test=m-log]', { hasText: LOGS[0]! }).click()
    await page.waitForURL(/\/m\/logs\/\d+$/)
    const mine = page.locator('[data-test=m-finding]', { hasText: FINDING })
    await mine.waitFor()
    expect(await mine.count()).toBe(1)
    expect(await mine.getAttribute('data-state')).toBe('open')
    expect(await mine.textContent()).toContain('待处理')
    expect(await page.locator('[data-test=m-finding-waiting]').count()).toBe(0)
    await s.shot('cadres-offline-finding-sent')
    await page.locator('[data-test=tab-m-checkin]').click()
    await page.locator('[data-test=m-checkin-done]').waitFor()
    await settled(page)
    expect(await outboxCount(page)).toBe(0)
    await settled(page)
    expect(writes.length).toBe(sent)
    await s.shot('cadres-offline-synced')
  })

  it('the county sees each record exactly once, with its photos', async () => {
    const county = await token('admin')
    const today = shanghaiToday()
    const checkins = await get<{ items: Entry[] }>(
      county,
      `/api/v1/cadres/checkins?village_code=${VILLAGE}&date_from=${today}&date_to=${today}&limit=50`,
    )
    expect(checkins.items.map((c) => c.note)).toEqual([NOTE])
    expect(checkins.items[0]!.photos.length).toBe(2)
    expect(checkins.items[0]!.client_key).toBeTruthy()

    const logs = await get<{ items: Entry[] }>(county, `/api/v1/cadres/logs?village_code=${VILLAGE}&limit=50`)
    const ours = logs.items.filter((g) => LOGS.includes(g.text ?? ''))
    expect(ours.map((g) => g.text).sort()).toEqual([...LOGS].sort())
    for (const g of ours) expect(g.photos.length, g.text).toBe(1)
    // the finding added offline: once, on the first log, open
    const month = today.slice(0, 7)
    const found = await get<{ items: { log_id: number; kind: string; text: string; state: string }[] }>(
      county,
      `/api/v1/cadres/findings?month=${month}&village_code=${VILLAGE}`,
    )
    const first = ours.find((g) => g.text === LOGS[0])!
    expect(found.items.filter((f) => f.text === FINDING).map((f) => [f.log_id, f.kind, f.state])).toEqual([[first.id, 'discipline', 'open']])
    // the photo itself can be fetched by the county
    const r = await fetch(`${j.baseURL()}/api/v1/cadres/photos/${ours[0]!.photos[0]!.id}`, { headers: { Authorization: `Bearer ${county}` } })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/^image\//)

    // and no photo row beyond those four (an upload retried would add a second copy)
    // (the query runs last: it blocks this process, and the server drops idle connections meanwhile)
    const ids = [checkins.items[0]!.id, ...ours.map((g) => g.id)]
    expect(Number(j.sql(`SELECT count(*) FROM cadre_photos WHERE checkin_id = ${ids[0]} OR log_id IN (${ids.slice(1).join(',')})`))).toBe(4)

    // on the desktop: the village's field page, today checked in, each log once with its photo shown
    const s = await j.desktop()
    const { page } = s
    await login(page, 'admin')
    await page.goto(`/cadres/villages/${VILLAGE}`)
    await page.locator('[data-test=checkin-calendar]').waitFor()
    await page.locator(`[data-test=checkin-calendar] [data-day="${today}"]`).first().waitFor()
    await page.locator('[data-test=log-entry]').first().waitFor()
    await settled(page)
    for (const text of LOGS) {
      const entry = page.locator('[data-test=log-entry]', { hasText: text })
      expect(await entry.count(), text).toBe(1)
      await entry.locator('.photos img').first().waitFor()
      expect(await entry.locator('.photos img').count(), text).toBe(1)
    }
    await page.locator('[data-test=log-entry]', { hasText: LOGS[1]! }).scrollIntoViewIfNeeded()
    await s.shot('cadres-offline-county-field')

    // the county's report lists the finding once
    await page.goto('/cadre-fieldwork-report')
    const row = page.locator('[data-test=findings-table] .el-table__body-wrapper tr', { hasText: FINDING })
    await row.first().waitFor()
    await settled(page)
    expect(await row.count()).toBe(1)
    await row.first().scrollIntoViewIfNeeded()
    await s.shot('cadres-offline-county-finding')
  })
})
