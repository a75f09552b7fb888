/** Villages: two tabs edit the same village; the later save is refused (412), not silently applied. */
import { describe, expect, it } from 'vitest'
import { field, login, settled, useJourney } from './harness/browser'

const VILLAGE = '230199100203' // township 01; not the cadre's village

describe('village edit with a stale version', () => {
  const j = useJourney('villages-stale-edit')

  it('refuses the stale save with a clear message and lets the user reload', async () => {
    const s = await j.desktop()
    const tabA = s.page
    await login(tabA, 'admin')
    const tabB = await s.newTab()
    s.allowHttpError(412, `/api/v1/villages/${VILLAGE}`)

    for (const tab of [tabA, tabB]) {
      await tab.goto(`/villages/${VILLAGE}`)
      await settled(tab)
      await tab.locator('[data-test=village-edit]').click()
    }

    // Tab A saves a new secretary.
    await field(tabA, 'edit-secretary').fill('王建国')
    await tabA.locator('[data-test=village-save]').click()
    await tabA.locator('[data-test=fact-secretary]', { hasText: '王建国' }).waitFor()

    // Tab B still holds the old version and tries to save the population.
    await field(tabB, 'edit-population').fill('3456')
    await tabB.locator('[data-test=village-save]').click()
    const alert = tabB.locator('[data-test=stale-alert]')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('此村信息已被他人修改')
    expect(await alert.textContent()).toContain('本次保存未生效')
    expect(await tabB.locator('[data-test=village-save]').isDisabled()).toBe(true)
    await s.shot('villages-stale-edit', tabB)

    // Reload: B now sees A's change and can save its own on top.
    await tabB.locator('[data-test=reload-latest]').click()
    await alert.waitFor({ state: 'detached' })
    await settled(tabB)
    expect(await field(tabB, 'edit-secretary').inputValue()).toBe('王建国')
    await field(tabB, 'edit-population').fill('3456')
    await tabB.locator('[data-test=village-save]').click()
    await tabB.locator('[data-test=fact-population]', { hasText: '3456' }).waitFor()
    expect(await tabB.locator('[data-test=fact-secretary]').textContent()).toBe('王建国')
  })
})
