/** Villages: a county official filters, sorts and pages through the county's villages, opens one. */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { field, login, settled, useJourney } from './harness/browser'
import { chooseOption, paginationTotal, tableRows } from './harness/element'

const COL = { code: 0, name: 1, township: 2, population: 3, status: 7, categories: 8 }

async function waitQuery(page: Page, part: string): Promise<void> {
  await page.waitForURL((url) => url.search.includes(part))
  await settled(page)
}

describe('villages list', () => {
  const j = useJourney('villages-list')

  it('filters by township, status, category and text; sorts; pages', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(s.page, 'admin')
    await page.locator('[data-test=menu-villages]').click()
    await page.waitForURL(/\/villages$/)
    await settled(page)

    expect(await paginationTotal(page)).toBe(82)
    expect(await page.locator('[data-test=breadcrumb]').textContent()).toContain('村庄')
    const first = await tableRows(page, 'village-table')
    expect(first).toHaveLength(20)
    await s.shot('villages-list')

    // Township.
    await chooseOption(page, 'filter-township', '松江镇')
    await waitQuery(page, 'township=')
    const inTownship = await paginationTotal(page)
    expect(inTownship).toBeGreaterThan(0)
    expect(inTownship).toBeLessThan(82)
    for (const row of await tableRows(page, 'village-table')) expect(row[COL.township]).toBe('松江镇')

    // Status within the township.
    await chooseOption(page, 'filter-status', '软弱涣散')
    await waitQuery(page, 'status=weak')
    const weakRows = await tableRows(page, 'village-table')
    expect(weakRows.length).toBeGreaterThan(0)
    expect(await page.locator('[data-test=village-table] [data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(
      weakRows.map(() => 'weak'),
    )
    await s.shot('villages-filtered')

    // Problem category across the county.
    await page.locator('[data-test=filter-reset]').click()
    await page.waitForURL((url) => url.search === '')
    await settled(page)
    await chooseOption(page, 'filter-category', '贫困/集体经济薄弱')
    await waitQuery(page, 'category=weak_economy')
    const poor = await tableRows(page, 'village-table')
    expect(poor.length).toBeGreaterThan(0)
    for (const row of poor) expect(row[COL.categories]).toContain('贫困/集体经济薄弱')

    // Text search by a village's name.
    await page.locator('[data-test=filter-reset]').click()
    await page.waitForURL((url) => url.search === '')
    await settled(page)
    const someName = first[3]![COL.name]!
    await field(page, 'filter-q').fill(someName)
    await waitQuery(page, 'q=')
    const found = await tableRows(page, 'village-table')
    expect(found.length).toBeGreaterThan(0)
    for (const row of found) expect(row[COL.name]).toContain(someName)

    // Sort by population, largest first (click the header twice: ascending, then descending).
    await page.locator('[data-test=filter-reset]').click()
    await page.waitForURL((url) => url.search === '')
    await settled(page)
    const header = page.locator('[data-test=village-table] th', { hasText: '人口' })
    await header.click()
    await waitQuery(page, 'sort=population')
    await header.click()
    await waitQuery(page, 'sort=-population')
    const byPop = (await tableRows(page, 'village-table')).map((r) => Number(r[COL.population]))
    expect(byPop).toEqual([...byPop].sort((a, b) => b - a))

    // Page 2 continues the order.
    await page.locator('.el-pager li', { hasText: /^2$/ }).click()
    await waitQuery(page, 'page=2')
    const page2 = (await tableRows(page, 'village-table')).map((r) => Number(r[COL.population]))
    expect(page2).toHaveLength(20)
    expect(Math.max(...page2)).toBeLessThanOrEqual(Math.min(...byPop))
    expect(await paginationTotal(page)).toBe(82)

    // The state is in the URL: reload keeps it.
    await page.reload()
    await settled(page)
    expect((await tableRows(page, 'village-table')).map((r) => Number(r[COL.population]))).toEqual(page2)

    // Open a village.
    const target = (await tableRows(page, 'village-table'))[0]!
    await page.locator('[data-test=village-table] .name-link').first().click()
    await page.waitForURL(new RegExp(`/villages/${target[COL.code]}$`))
    await page.locator('[data-test=village-name]', { hasText: target[COL.name]! }).waitFor()
    expect(await page.locator('[data-test=breadcrumb]').textContent()).toContain(target[COL.name]!)
    await s.shot('village-detail')
  })
})
