/** Dashboards: the county leader switches township and month, clicks from a chart (and from figures of the
 * funds and discipline panels) to the register of those rows, filtered so its total is the figure, exports nothing broken, opens the township's printable monthly report (its disclosure and discipline
 * sections show the API's figures); a township's home shows
 * its to-do list with counts that open their lists. */
import { describe, expect, it } from 'vitest'
import { login, PASSWORD, settled, useJourney } from './harness/browser'
import { chooseOption, paginationTotal, tableRows } from './harness/element'

describe('dashboards', () => {
  const j = useJourney('dashboards')

  async function apiGet<T>(username: string, path: string): Promise<T> {
    const body = new URLSearchParams({ grant_type: 'password', username, password: PASSWORD })
    const tok = ((await (await fetch(`${j.baseURL()}/api/v1/auth/token`, { method: 'POST', body })).json()) as { access_token: string }).access_token
    const r = await fetch(`${j.baseURL()}${path}`, { headers: { Authorization: `Bearer ${tok}` } })
    expect(r.status, await r.clone().text()).toBe(200)
    return (await r.json()) as T
  }

  it('switches township and month, clicks a chart and figures through to their registers, prints the monthly report', async () => {
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

    // A click on the category chart's first bar opens the village register, filtered to the villages behind it.
    const month = new URL(page.url()).searchParams.get('month')!
    const rect = await apiGet<{ by_status: { status: string; villages: number }[]; by_category: { category: string; status: string; villages: number }[] }>(
      'admin',
      `/api/v1/dashboards/rectification?month=${month}&township_code=230199100000`,
    )
    const chart = page.locator('[data-test=chart-categories] canvas').first()
    await chart.waitFor()
    const box = (await chart.boundingBox())!
    let opened = false
    // The bars' positions depend on the data: sweep along the first category's column until one is hit.
    for (let y = box.y + box.height - 80; y > box.y + 10 && !opened; y -= 6) {
      await page.mouse.click(box.x + 40 + (box.width - 56) / 14, y)
      await page.waitForTimeout(50)
      opened = new URL(page.url()).pathname === '/villages'
    }
    if (!opened) {
      // Fall back to the status figure, which drills down the same way.
      await page.locator('[data-test=rect-status-weak]').click()
    }
    await page.waitForURL(/\/villages\?/)
    await settled(page)
    const landed = new URL(page.url()).searchParams
    expect(landed.get('township')).toBe('230199100000')
    const status = landed.get('status')!
    const category = landed.get('category')
    const figure = category
      ? rect.by_category.find((r) => r.category === category && r.status === status)!.villages
      : rect.by_status.find((r) => r.status === status)!.villages
    expect(figure).toBeGreaterThan(0)
    expect(await paginationTotal(page)).toBe(figure)
    // The filters show in the register's own controls.
    // (a select's placeholder is transparent unless it shows the value chosen)
    const chosen = (test: string) => page.locator(`[data-test=${test}] .el-select__placeholder:not(.is-transparent)`)
    expect(await chosen('filter-township').textContent()).toContain('松江镇')
    expect(await chosen('filter-status').count()).toBe(1)
    if (category) expect(await chosen('filter-category').count()).toBe(1)
    await s.shot('dashboards-villages-register')

    // The pairing panel's "short of units" figure opens the village register on that gap; its "units over
    // capacity" has no register (units are not listed with their load): it opens the rows page.
    await page.goBack()
    await page.waitForURL(/\/dashboard\?/)
    await settled(page)
    const short = Number(await page.locator('[data-test=pairing-below_required] .num').textContent())
    await page.locator('[data-test=pairing-below_required]').click()
    await page.waitForURL(/\/villages\?/)
    await settled(page)
    expect(new URL(page.url()).searchParams.get('pairing')).toBe('short_of_units')
    await page.locator('[data-test=filter-pairing]').waitFor()
    expect(await paginationTotal(page)).toBe(short)
    await page.goBack()
    await page.waitForURL(/\/dashboard\?/)
    await settled(page)
    await page.locator('[data-test=pairing-over_capacity]').click()
    await page.waitForURL(/\/dashboard\/rows/)
    await settled(page)
    expect(decodeURIComponent(page.url())).toContain('figure=units_over_capacity')
    const rows = await tableRows(page, 'rows-table')
    expect(Number(await page.locator('[data-test=rows-total]').textContent())).toBe(rows.length)
    await s.shot('dashboards-rows')

    // A figure of the task panel by kind opens its villages on the rows page, the kind among its filters.
    await page.locator('[data-test=rows-back]').click()
    await settled(page)
    const kind = page.locator('[data-test=tasks-by-kind] [data-test=kind-villages]').first()
    const kindVillages = Number(await kind.textContent())
    await kind.click()
    await page.waitForURL(/\/dashboard\/rows/)
    await settled(page)
    expect(decodeURIComponent(page.url())).toContain('category=')
    expect(await page.locator('[data-test=rows-filter-category]').textContent()).toContain('任务类别')
    expect(Number(await page.locator('[data-test=rows-total]').textContent())).toBe(kindVillages)

    // A waiting claims figure opens the claims register with the step's status and the township.
    await page.locator('[data-test=rows-back]').click()
    await settled(page)
    const funds = await apiGet<{ claims_waiting: { step: string; waiting: number }[] }>(
      'admin',
      `/api/v1/dashboards/funds?month=${month}&township_code=230199100000`,
    )
    const step = funds.claims_waiting.find((w) => w.waiting > 0)
    expect(step, 'the demo township has claims waiting').toBeTruthy()
    await page.locator(`[data-test=waiting-${step!.step}]`).click()
    await page.waitForURL(/\/claims\?/)
    await settled(page)
    expect(new URL(page.url()).searchParams.get('township_code')).toBe('230199100000')
    expect(await paginationTotal(page)).toBe(step!.waiting)
    expect(await page.locator('[data-test=claim-filter-township] .el-select__placeholder:not(.is-transparent)').textContent()).toContain('松江镇')
    expect(await page.locator('[data-test=claim-filter-status] .el-tag').count()).toBeGreaterThan(0)
    await s.shot('dashboards-claims-register')

    // The year's discipline cases open the discipline register for the days they counted.
    await page.goBack()
    await page.waitForURL(/\/dashboard\?/)
    await settled(page)
    const cases = await apiGet<{ cases: number }>('admin', `/api/v1/dashboards/discipline?month=${month}&township_code=230199100000`)
    await page.locator('[data-test=discipline-cases]').click()
    await page.waitForURL(/\/discipline-cases\?/)
    await settled(page)
    const filed = new URL(page.url()).searchParams
    expect(filed.get('filed_from')).toMatch(/^\d{4}-01-01$/)
    expect(filed.get('township_code')).toBe('230199100000')
    await page.locator('[data-test=filter-filed]').waitFor()
    expect(cases.cases > 0 ? await paginationTotal(page) : 0).toBe(cases.cases)

    // The month's flagged check-ins not reviewed yet open the review list for the township and the month's days.
    await page.goBack()
    await page.waitForURL(/\/dashboard\?/)
    await settled(page)
    const flagged = Number(await page.locator('[data-test=cadres-flagged] .num').textContent())
    await page.locator('[data-test=cadres-flagged]').click()
    await page.waitForURL(/\/cadre-flagged-checkins\?/)
    await settled(page)
    const review = new URL(page.url()).searchParams
    expect(review.get('township_code')).toBe('230199100000')
    expect(review.get('date_from')).toBe(`${month}-01`)
    expect(await page.locator('[data-test=flagged-pending-only] input').isChecked()).toBe(true)
    expect(await page.locator('[data-test=flagged-township] .el-select__placeholder:not(.is-transparent)').textContent()).toContain('松江镇')
    expect((await tableRows(page, 'flagged-table')).filter((r) => r.length > 1).length).toBe(flagged)

    // The township's disclosure villages of the month open its month board (the register of that round).
    await page.goBack()
    await page.waitForURL(/\/dashboard\?/)
    await settled(page)
    const disclosed = Number(await page.locator('[data-test=disclosures-villages] .num').textContent())
    await page.locator('[data-test=disclosures-villages]').click()
    await page.waitForURL(/\/disclosure-board\?/)
    await settled(page)
    expect(new URL(page.url()).searchParams.get('month')).toBe(month)
    expect(await page.locator('[data-test=township] .el-select__placeholder:not(.is-transparent)').textContent()).toContain('松江镇')
    if (disclosed > 0) expect((await tableRows(page, 'board')).filter((r) => r.length > 1).length).toBe(disclosed)

    // The township's monthly report, print-styled: printing leaves the menu and buttons off.
    await page.goto('/dashboard?township=230199100000')
    await settled(page)
    await page.locator('[data-test=open-report]').click()
    await page.waitForURL(/\/dashboard\/report/)
    await settled(page)
    await page.locator('[data-test=report-title]').waitFor()
    expect(await page.locator('[data-test=report-title]').textContent()).toContain('松江镇')
    // Its tasks by kind: each kind's tasks and overdue ones, summed over the statuses the API gives.
    const taskPanel = await apiGet<{ by_category: { category: string; tasks: number; overdue: number }[] }>(
      'admin', `/api/v1/dashboards/tasks?month=${new URL(page.url()).searchParams.get('month')}&township_code=230199100000`)
    const kinds = [...new Set(taskPanel.by_category.map((r) => r.category))]
    expect(kinds.length).toBeGreaterThan(0)
    expect(await page.locator('[data-test=report-task-kinds] tr').count()).toBe(kinds.length + 1)
    for (const k of kinds) {
      const cells = await page.locator(`[data-test=report-kind-${k}] td`).allTextContents()
      const of = taskPanel.by_category.filter((r) => r.category === k)
      expect([Number(cells[1]), Number(cells[4])], k).toEqual([of.reduce((n, r) => n + r.tasks, 0), of.reduce((n, r) => n + r.overdue, 0)])
    }
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

  it('a township official’s home lists its to-dos, and a count opens the register it counts', async () => {
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
    // The claims register, on exactly the claims the count counts (its queue of claims to approve).
    await page.waitForURL(/\/claims\?/)
    await settled(page)
    expect(new URL(page.url()).searchParams.get('needs_approval')).toBe('true')
    expect(await paginationTotal(page)).toBe(count)
  })
})
