/** Villages: a township official sees only the villages of their township. */
import { describe, expect, it } from 'vitest'
import { login, settled, useJourney } from './harness/browser'
import { paginationTotal, tableRows } from './harness/element'

describe('township scope', () => {
  const j = useJourney('villages-township-scope')

  it('township01 sees only 松江镇, and another township’s village is not found', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/villages?size=100')
    await settled(page)

    const total = await paginationTotal(page)
    expect(total).toBeGreaterThan(0)
    expect(total).toBeLessThan(82)
    const rows = await tableRows(page, 'village-table')
    expect(rows).toHaveLength(total)
    for (const row of rows) {
      expect(row[2]).toBe('松江镇')
      expect(row[0]!.startsWith('230199100')).toBe(true)
    }
    // Only one township in scope: the township filter shows it and cannot be changed.
    expect(await page.locator('[data-test=filter-township]').textContent()).toContain('松江镇')
    expect(await page.locator('[data-test=filter-township].is-disabled, [data-test=filter-township] .is-disabled').count()).toBeGreaterThan(0)
    await s.shot('villages-township-scope')

    // A village of township 02 (code 230199101200) is outside the scope: 404, shown as "not found".
    s.allowHttpError(404, '/api/v1/villages/230199101200')
    await page.goto('/villages/230199101200')
    const error = page.locator('[data-test=error-state]')
    await error.waitFor()
    expect(await error.textContent()).toContain('不在您的管辖范围内')
  })
})
