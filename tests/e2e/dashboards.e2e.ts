/** Dashboards: the county leader switches township and month, clicks from a chart to the rows behind
 * it, exports nothing broken, opens the township's printable monthly report (its disclosure and discipline
 * sections show the API's figures); a township's home shows
 * its to-do list with counts that open their lists. */
import { describe, expect, it } from 'vitest'
import { login, PASSWORD, settled, useJourney } from './harness/browser'
import { chooseOption, tableRows } from './harness/element'

describe('dashboards', () => {
  const j = useJourney('dashboards')

  async function apiGet<T>(username: string, path: string): Promise<T> {
    const body = new URLSearchParams({ grant_type: 'password', username, password: PASSWORD })
    const tok = ((await (await fetch(`${j.baseURL()}/api/v1/auth/token`, { method: 'POST', body })).json()) as { access_token: string }).access_token
    const r = await fetch(`${j.baseURL()}${path}`, { headers: { Authorization: `Bearer ${tok}` } })
    expect(r.status, await r.clone().text()).toBe(200)
    return (await r.json()) as T
  }

  it('switches township and month, clicks a chart through to its rows, prints the monthly report', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'admin')
    await page.goto('/dashboard')
    await settled(page)
    await page.locator('[data-test=panel-rectification] [data-test=rect-status-weak]').waitFor()
    await s.shot('dashboards-county')

    // Township 松江镇: the figures are the township's.
    await chooseOption(page, 'dashboard-township', '松江镇')
    await settled(page)
    expect(page.url()).toContain('township=230199100000')
    const weak = Number(await page.locator('[data-test=rect-status-weak] .num').textContent())
    expect(weak).toBeGreaterThan(0)
    expect(weak).toBeLessThan(17)

    // Previous month, then back.
    const before = new URL(page.url()).searchParams.get('month')!
    await page.locator('[data-test=month-prev]').click()
    await settled(page)
    expect(new URL(page.url()).searchParams.get('month')).not.toBe(before)
    await page.locator('[data-test=month-next]').click()
    await settled(page)
    expect(new URL(page.url()).searchParams.get('month')).toBe(before)
    await s.shot('dashboards-township')

    // A click on the category chart's first bar opens the villages behind it.
    const chart = page.locator('[data-test=chart-categories] canvas').first()
    await chart.waitFor()
    const box = (await chart.boundingBox())!
    let opened = false
    // The bars' positions depend on the data: sweep along the first category's column until one is hit.
    for (let y = box.y + box.height - 80; y > box.y + 10 && !opened; y -= 6) {
      await page.mouse.click(box.x + 40 + (box.width - 56) / 14, y)
      await page.waitForTimeout(50)
      opened = page.url().includes('/dashboard/rows')
    }
    if (!opened) {
      // Fall back to the status figure, which drills down the same way.
      await page.locator('[data-test=rect-status-weak]').click()
    }
    await page.waitForURL(/\/dashboard\/rows/)
    await settled(page)
    expect(decodeURIComponent(page.url())).toContain('list=villages?')
    const rows = await tableRows(page, 'rows-table')
    expect(rows.length).toBeGreaterThan(0)
    expect(Number(await page.locator('[data-test=rows-total]').textContent())).toBe(rows.length)
    await s.shot('dashboards-rows')

    // The pairing panel's "short of units" figure opens its rows too.
    await page.locator('[data-test=rows-back]').click()
    await settled(page)
    await page.locator('[data-test=pairing-below_required]').click()
    await page.waitForURL(/\/dashboard\/rows/)
    await settled(page)
    expect(decodeURIComponent(page.url())).toContain('figure=villages_below_units')
    expect((await tableRows(page, 'rows-table')).length).toBeGreaterThan(0)

    // The township's monthly report, print-styled: printing leaves the menu and buttons off.
    await page.goto('/dashboard?township=230199100000')
    await settled(page)
    await page.locator('[data-test=open-report]').click()
    await page.waitForURL(/\/dashboard\/report/)
    await settled(page)
    await page.locator('[data-test=report-title]').waitFor()
    expect(await page.locator('[data-test=report-title]').textContent()).toContain('松江镇')
    await s.shot('dashboards-report')
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('[data-test=print]').isVisible()).toBe(false)
    expect(await page.locator('[data-test=side-menu]').isVisible()).toBe(false)
    await s.shot('dashboards-report-print')
    await page.emulateMedia({ media: 'screen' })

    // Last month's report (the demo's township opened, published and inspected a round then): its
    // 三务公开 and 违纪案件 sections show the figures the API gives for the township and month.
    const now = new Date(Date.now() + 8 * 3600_000)
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7)
    const query = `month=${last}&township_code=230199100000`
    const disclosures = await apiGet<{ totals: Record<string, number>; by_township: unknown[] }>('admin', `/api/v1/dashboards/disclosures?${query}`)
    const discipline = await apiGet<{ year: number; cases: number; by_year: { year: number; cases: number; change: number }[] }>('admin', `/api/v1/dashboards/discipline?${query}`)
    expect(disclosures.by_township.length).toBe(1)
    expect(disclosures.totals.villages).toBeGreaterThan(0)
    await page.goto(`/dashboard/report?month=${last}&township=230199100000`)
    await settled(page)
    await page.locator('[data-test=report-disclosures-villages]').waitFor()
    expect(await page.locator('[data-test=report-disclosures] h2').textContent()).toBe('六、三务公开')
    for (const k of ['villages', 'pending', 'published', 'passed', 'failed', 'late', 'corrections']) {
      expect(Number(await page.locator(`[data-test=report-disclosures-${k}]`).textContent()), k).toBe(disclosures.totals[k])
    }
    expect(await page.locator('[data-test=report-discipline] h2').textContent()).toBe('七、违纪案件')
    const year = discipline.by_year.find((y) => y.year === discipline.year)!
    expect(Number(await page.locator('[data-test=report-discipline-cases]').textContent())).toBe(discipline.cases)
    expect(Number(await page.locator('[data-test=report-discipline-before]').textContent())).toBe(discipline.by_year.find((y) => y.year === discipline.year - 1)!.cases)
    expect(Number(await page.locator('[data-test=report-discipline-change]').textContent())).toBe(year.change)
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('[data-test=report-discipline]').isVisible()).toBe(true)
    await s.shot('dashboards-report-sections-print')
    await page.emulateMedia({ media: 'screen' })
  })

  it('a township official’s home lists its to-dos, and a count opens the list it counts', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/')
    await settled(page)
    const item = page.locator('[data-test=todo-claims_to_approve]')
    await item.waitFor()
    const count = Number(await item.locator('.el-badge__content').textContent())
    await s.shot('dashboards-todo')
    await item.click()
    await page.waitForURL(/\/dashboard\/rows/)
    await settled(page)
    expect(Number(await page.locator('[data-test=rows-total]').textContent())).toBe(count)
  })
})
