/**
 * Tasks: township01 imports a task file (a dry run first, then the import), the village committee
 * (secretary01, responsible for the imported task) posts the
 * progress on a phone with no signal (kept, then sent once when the signal returns), and the
 * township official accepts the finished task on the desktop.
 */
import { describe, expect, it } from 'vitest'
import { login, settled, useJourney, PASSWORD } from './harness/browser'

const VILLAGE = '230199100200'
const TITLE = `导入旅程改厕${Date.now() % 100000}`

function inDays(days: number): string {
  return new Date(Date.now() + (8 * 3600 + days * 86400) * 1000).toISOString().slice(0, 10)
}

const HEADER = '村代码,事项编码,任务名称,村干部职责,目标数量,单位,截止日期,责任方类型,责任方,说明'
const GOOD = `${VILLAGE},toilet,${TITLE},发动群众、监督质量,12,户,${inDays(30)},村委会,,旅程`
const BAD = `${VILLAGE},nope,坏事项,,12,户,2026-13-40,村委会,,`

describe('tasks: import, a phone update offline, acceptance', () => {
  const j = useJourney('tasks-import-to-acceptance', { worker: true })

  it('the township imports a file after a dry run that reports the bad rows', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/task-import')
    await page.locator('[data-test=task-import]').waitFor()
    const file = page.locator('[data-test=task-import-file]')
    await file.setInputFiles({ name: '任务.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${GOOD}\n${BAD}\n`) })
    await page.locator('[data-test=task-import-dry]').click()
    await page.locator('[data-test=task-import-errors]').waitFor()
    const errors = await page.locator('[data-test=task-import-errors]').textContent()
    expect(errors).toContain('事项编码')
    expect(errors).toContain('截止日期')
    expect(await page.locator('[data-test=task-import-run]').isDisabled()).toBe(true)
    await s.shot('tasks-import-dry-run-errors')

    await file.setInputFiles({ name: '任务.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${GOOD}\n`) })
    await page.locator('[data-test=task-import-dry]').click()
    await page.getByText('全部行校验通过').or(page.locator('[data-test=task-import-summary]')).first().waitFor()
    await expect.poll(() => page.locator('[data-test=task-import-run]').isDisabled()).toBe(false)
    await page.locator('[data-test=task-import-run]').click()
    await page.locator('[data-test=task-import-progress]').waitFor()
    await page.getByText('已导入1条').first().waitFor({ timeout: 30_000 })
    expect(await page.locator('[data-test=task-import-progress]').textContent()).toContain('100%')
    await s.shot('tasks-imported')

    await page.goto('/tasks')
    await page.locator('[data-test=tasks-table]').waitFor()
    await settled(page)
    await page.getByText(TITLE).first().waitFor()
    await s.shot('tasks-board')
  })

  it('the committee posts the progress with no signal; it is sent once when the signal returns', async () => {
    const s = await j.phone()
    const { page, context } = s
    await page.goto('/m/login')
    await page.locator('input[name=username]').fill('secretary01')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.locator('[data-test=m-login-submit]').click()
    await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
    await page.goto('/m/tasks')
    await page.locator('[data-test=m-task]', { hasText: TITLE }).click()
    await page.waitForURL(/\/m\/tasks\/\d+\/progress$/)
    await page.locator('[data-test=m-task-progress]').waitFor()

    await context.route('**/favicon.svg', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' }),
    )
    await context.setOffline(true)
    await page.locator('[data-test=offline-banner]').waitFor()
    await page.locator('[data-test=m-progress-amount] input').fill('12')
    await page.locator('[data-test=m-progress-text] textarea').fill('12户改厕全部完工')
    await s.shot('tasks-phone-progress-offline')
    await page.locator('[data-test=m-progress-submit]').click()
    await page.waitForURL(/\/m\/tasks$/)
    const posts: string[] = []
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/progress')) posts.push(new URL(r.url()).pathname)
    })
    await context.setOffline(false)
    await page.locator('[data-test=offline-banner]').waitFor({ state: 'detached' })
    await expect.poll(() => posts.length, { timeout: 15_000 }).toBe(1)
    await page.reload()
    await page.locator('[data-test=m-task]', { hasText: TITLE }).getByText('已完成').waitFor({ timeout: 15_000 })
    await s.shot('tasks-phone-list-done')
  })

  it('the township accepts the finished task', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/tasks')
    await page.locator('[data-test=tasks-table]').waitFor()
    await settled(page)
    await page.getByText(TITLE).first().click()
    await page.waitForURL(/\/tasks\/\d+$/)
    await page.locator('[data-test=task-detail]').waitFor()
    expect(await page.locator('[data-test=task-progress]').textContent()).toContain('12.00 / 12.00')
    await page.getByText('12户改厕全部完工').waitFor()
    await page.locator('[data-test=task-accept]').click()
    await expect.poll(() => page.locator('[data-test=task-detail-status]').textContent()).toContain('已验收')
    expect(await page.locator('[data-test=task-accept]').count()).toBe(0)
    await s.shot('tasks-accepted')
  })
})
