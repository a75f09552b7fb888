/** A village's file: its page gathers the case, partner units, stationed cadre, account and claims, with links. */
import { describe, expect, it } from 'vitest'
import { login, settled, useJourney } from './harness/browser'

const V = '230199100200' // township 01's first village: weak, paired, with a cadre and an account

describe('village file', () => {
  const j = useJourney('villages-file')

  it('shows the parts of the village with links to each, and no internal fields', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'admin')
    await page.goto(`/villages/${V}`)
    await settled(page)
    const file = page.locator('[data-test=village-file]')
    await file.waitFor()
    for (const part of ['file-rectification', 'file-partners', 'file-cadres', 'file-funds']) {
      expect(await file.locator(`[data-test=${part}]`).count(), part).toBe(1)
    }
    const links = await file.locator('a').evaluateAll((els) => els.map((e) => e.getAttribute('href')))
    expect(links).toContain(`/rectification/villages/${V}/history`)
    expect(links).toContain(`/pairing/villages/${V}`)
    expect(links).toContain(`/cadres/villages/${V}`)
    expect(links).toContain(`/funds/villages/${V}`)
    expect(links.some((h) => /^\/cadres\/\d+$/.test(h ?? ''))).toBe(true)
    expect(await page.locator('[data-test=village-facts]').textContent()).not.toContain('版本')
    // Links look like the rest of the UI: no underline until hovered.
    const decoration = await file.locator('a').first().evaluate((a) => getComputedStyle(a).textDecorationLine)
    expect(decoration).toBe('none')
    await s.shot('village-file')
    await file.locator(`a[href="/funds/villages/${V}"]`).click()
    await page.waitForURL(new RegExp(`/funds/villages/${V}$`))
  })
})
