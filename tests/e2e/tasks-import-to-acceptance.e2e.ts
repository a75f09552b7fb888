/**
 * Tasks: township01 imports a task file for the stationed cadre (cadre01) after a dry run that
 * reports the bad rows, finds it on the board by programme and responsible cadre, and gives a
 * partner unit a task with the desktop form (checked field by field first). The partner unit posts
 * progress with a photo from the desktop. The cadre posts the imported task's progress on a phone
 * with no signal, with a photo taken then (kept, then sent once when the signal returns). The
 * township sends the finished task back with reasons, the cadre sees them on the phone and reports
 * again, and the township accepts it.
 */
import { describe, expect, it } from 'vitest'
import { login, settled, useJourney, PASSWORD, type Session } from './harness/browser'
import { chooseOption, searchOption } from './harness/element'

const VILLAGE = '230199100200'
const STAMP = Date.now() % 100000
const TITLE = `导入旅程改厕${STAMP}`
const GIVEN = `包村单位养鸭${STAMP}`
const REASONS = ['照片看不清门牌号', '缺少农户验收签字']
// A 8x8 PNG (the phone and the desk shrink it to a JPEG with a canvas before sending it).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4YaOBFTEMLQkAdntLARs7+acAAAAASUVORK5CYII=', 'base64')

function inDays(days: number): string {
  return new Date(Date.now() + (8 * 3600 + days * 86400) * 1000).toISOString().slice(0, 10)
}

const HEADER = '村代码,事项编码,任务名称,村干部职责,目标数量,单位,截止日期,责任方类型,责任方,说明'
const BAD = `${VILLAGE},nope,坏事项,,12,户,2026-13-40,村委会,,`

async function phoneLogin(s: Session, username: string): Promise<void> {
  const { page } = s
  await page.goto('/m/login')
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(PASSWORD)
  await page.locator('[data-test=m-login-submit]').click()
  await page.waitForURL((url) => url.pathname === '/m/' || url.pathname === '/m')
}

describe('tasks: import, desk and phone updates, a return, acceptance', () => {
  const j = useJourney('tasks-import-to-acceptance', { worker: true })
  let taskId = 0
  let givenId = 0

  it('the township imports a file for the cadre after a dry run that reports the bad rows', async () => {
    const cadreId = j.sql(`SELECT c.id FROM cadres c JOIN users u ON u.id = c.user_id WHERE u.username = 'cadre01'`).trim()
    expect(cadreId).toMatch(/^\d+$/)
    const good = `${VILLAGE},toilet,${TITLE},发动群众、监督质量,12,户,${inDays(30)},驻村干部,${cadreId},旅程`
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/task-import')
    await page.locator('[data-test=task-import]').waitFor()
    const file = page.locator('[data-test=task-import-file]')
    await file.setInputFiles({ name: '任务.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${good}\n${BAD}\n`) })
    await page.locator('[data-test=task-import-dry]').click()
    await page.locator('[data-test=task-import-errors]').waitFor()
    const errors = await page.locator('[data-test=task-import-errors]').textContent()
    expect(errors).toContain('事项编码')
    expect(errors).toContain('截止日期')
    expect(await page.locator('[data-test=task-import-run]').isDisabled()).toBe(true)
    await s.shot('tasks-import-dry-run-errors')

    await file.setInputFiles({ name: '任务.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${good}\n`) })
    await page.locator('[data-test=task-import-dry]').click()
    await page.getByText('全部行校验通过').or(page.locator('[data-test=task-import-summary]')).first().waitFor()
    await expect.poll(() => page.locator('[data-test=task-import-run]').isDisabled()).toBe(false)
    await page.locator('[data-test=task-import-run]').click()
    await page.locator('[data-test=task-import-progress]').waitFor()
    await page.getByText('已导入1条').first().waitFor({ timeout: 30_000 })
    expect(await page.locator('[data-test=task-import-progress]').textContent()).toContain('100%')
    await s.shot('tasks-imported')

    // The board by programme and responsible cadre: the filters go into the URL and survive a reload.
    await page.goto('/tasks')
    await page.locator('[data-test=tasks-table]').waitFor()
    await settled(page)
    await chooseOption(page, 'task-item-filter', '改厕')
    await page.waitForURL(/item_id=\d+/)
    await chooseOption(page, 'task-responsible-filter', '驻村干部')
    await page.waitForURL(/responsible_kind=cadre/)
    await settled(page)
    await page.getByText(TITLE).first().waitFor()
    expect(await page.getByText('硬化村内主路').count()).toBe(0) // another programme's task, filtered out
    await page.goto(`${new URL(page.url()).pathname}${new URL(page.url()).search}&due_from=${inDays(29)}&due_to=${inDays(31)}`)
    await page.locator('[data-test=tasks-table]').waitFor()
    await settled(page)
    await page.getByText(TITLE).first().waitFor()
    expect(await page.locator('.task-list .filters .el-range-input').first().inputValue()).toBe(inDays(29))
    await s.shot('tasks-board-filtered')
    taskId = Number(j.sql(`SELECT id FROM tasks WHERE title = '${TITLE}'`).trim())
    expect(taskId).toBeGreaterThan(0)
  })

  it('the township gives a partner unit a task with the form, checked before it is sent', async () => {
    const village = j.sql(`SELECT name FROM villages WHERE code = '${VILLAGE}'`).trim()
    const unit = j.sql(`SELECT p.name FROM partner_units p JOIN users u ON u.partner_unit_id = p.id WHERE u.username = 'partner01'`).trim()
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto('/tasks')
    await page.locator('[data-test=tasks-table]').waitFor()
    await page.locator('[data-test=task-new]').click()
    const dialog = page.locator('.el-dialog', { has: page.locator('[data-test=task-form-save]') })
    await dialog.waitFor()
    const posts: string[] = []
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tasks') posts.push(r.url())
    })
    await dialog.locator('[data-test=task-form-save]').click()
    for (const m of ['请选择村', '请选择事项', '请填写任务名称', '目标数量须为数字', '请选择截止日期', '请选择责任方']) {
      await dialog.getByText(m).first().waitFor()
    }
    expect(await dialog.locator('.el-form-item.is-error').count()).toBeGreaterThanOrEqual(6)
    await s.shot('tasks-form-errors')

    await searchOption(page, dialog, 'task-form-village', village, village)
    await chooseOption(page, 'task-form-category', '产业富民')
    await chooseOption(page, 'task-form-item', '樱桃谷鸭养殖')
    await dialog.locator('input[data-test=task-form-title]').fill(GIVEN)
    await dialog.locator('input[data-test=task-form-target]').fill('0')
    await dialog.locator('.el-date-editor input').fill(inDays(40))
    await dialog.locator('.el-date-editor input').press('Enter')
    await dialog.locator('.el-radio-button', { hasText: '包村单位' }).click()
    await dialog.locator('[data-test=task-form-save]').click()
    await dialog.getByText('目标数量须大于0').waitFor()
    await dialog.getByText('请选择负责的包村单位').waitFor()
    await dialog.locator('input[data-test=task-form-target]').fill('500')
    await searchOption(page, dialog, 'task-form-partner-unit', unit.slice(0, 4), unit)
    expect(posts).toEqual([]) // nothing was sent while the form was wrong
    await dialog.locator('[data-test=task-form-save]').click()
    await page.waitForURL(/\/tasks\/\d+$/)
    await page.locator('[data-test=task-detail]').waitFor()
    expect(posts.length).toBe(1)
    givenId = Number(new URL(page.url()).pathname.split('/').pop())
    expect(await page.locator('[data-test=task-progress]').textContent()).toContain('0.00 / 500.00 只')
    expect(await page.locator('[data-test=task-report]').count()).toBe(0) // the township does not report
    await s.shot('tasks-given-with-form')
  })

  it('the partner unit posts progress with a photo from the desktop', async () => {
    const s = await j.desktop()
    const { page } = s
    await login(page, 'partner01')
    await page.goto(`/tasks/${givenId}`)
    const form = page.locator('[data-test=task-report]')
    await form.waitFor()
    await form.locator('input[data-test=task-report-amount]').fill('600')
    await form.locator('textarea[data-test=task-report-text]').fill('首批鸭苗200只入栏')
    await form.locator('[data-test=task-report-submit]').click()
    await form.getByText('超过目标').waitFor()
    await form.locator('input[data-test=task-report-amount]').fill('200')
    await form.locator('[data-test=task-report-photos]').setInputFiles({ name: '鸭舍.png', mimeType: 'image/png', buffer: PNG })
    await form.locator('[data-test=task-report-submit]').click()
    await expect.poll(() => page.locator('[data-test=task-progress]').textContent(), { timeout: 20_000 }).toContain('200.00 / 500.00')
    await page.getByText('首批鸭苗200只入栏').waitFor()
    await expect.poll(() => page.locator('[data-test=task-photo]').first().getAttribute('src'), { timeout: 15_000 }).toMatch(/^blob:/)
    expect(await page.locator('[data-test=task-detail-status]').textContent()).toContain('进行中')
    expect(Number(j.sql(`SELECT count(*) FROM task_photos WHERE task_id = ${givenId}`))).toBe(1)
    await s.shot('tasks-desk-progress')
  })

  it('the cadre posts the progress with a photo with no signal; both are sent once when the signal returns', async () => {
    const s = await j.phone()
    const { page, context } = s
    await phoneLogin(s, 'cadre01')
    await page.goto('/m/tasks')
    await page.locator('[data-test=m-task]', { hasText: TITLE }).click()
    await page.waitForURL(/\/m\/tasks\/\d+\/progress$/)
    await page.locator('[data-test=m-task-progress]').waitFor()
    await page.getByText(TITLE).first().waitFor() // the task read while online, kept for the offline form

    await context.route('**/favicon.svg', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' }),
    )
    await context.setOffline(true)
    await page.locator('[data-test=offline-banner]').waitFor()
    await page.locator('[data-test=m-progress-amount] input').fill('12')
    await page.locator('[data-test=m-progress-text] textarea').fill('12户改厕全部完工')
    await page.locator('[data-test=m-progress-photo]').setInputFiles({ name: 'toilet.png', mimeType: 'image/png', buffer: PNG })
    await s.shot('tasks-phone-progress-offline')
    await page.locator('[data-test=m-progress-submit]').click()
    await page.waitForURL(/\/m\/tasks$/)
    const updates: string[] = []
    const photos: string[] = []
    page.on('request', (r) => {
      if (r.method() !== 'POST') return
      const path = new URL(r.url()).pathname
      if (path.endsWith('/progress')) updates.push(path)
      if (path.endsWith('/photos')) photos.push(path)
    })
    await context.setOffline(false)
    await page.locator('[data-test=offline-banner]').waitFor({ state: 'detached' })
    await expect.poll(() => photos.length, { timeout: 20_000 }).toBe(1)
    expect(updates).toEqual([`/api/v1/tasks/${taskId}/progress`])
    await page.reload()
    await page.locator('[data-test=m-task]', { hasText: TITLE }).getByText('已完成').waitFor({ timeout: 15_000 })
    expect(j.sql(`SELECT count(*) FROM task_history WHERE task_id = ${taskId} AND kind IN ('progress', 'complete')`).trim()).toBe('1')
    expect(j.sql(`SELECT count(*) FROM task_photos WHERE task_id = ${taskId}`).trim()).toBe('1')
    await s.shot('tasks-phone-list-done')
  })

  it('the township sends the finished task back with reasons', async () => {
    const cadreName = j.sql(`SELECT display_name FROM users WHERE username = 'cadre01'`).trim()
    const s = await j.desktop()
    const { page } = s
    await login(page, 'township01')
    await page.goto(`/tasks/${taskId}`)
    await page.locator('[data-test=task-detail]').waitFor()
    expect(await page.locator('[data-test=task-progress]').textContent()).toContain('12.00 / 12.00')
    await page.getByText('12户改厕全部完工').waitFor()
    await expect.poll(() => page.locator('[data-test=task-photo]').first().getAttribute('src'), { timeout: 15_000 }).toMatch(/^blob:/)
    // who acted, by name: the cadre's display name, not the account
    await expect.poll(() => page.locator('[data-test=task-history-actor]').allTextContents(), { timeout: 15_000 }).toContain(cadreName)
    expect(await page.locator('[data-test=task-history-actor]').allTextContents()).not.toContain('cadre01')
    await page.locator('[data-test=task-send-back]').click()
    await page.locator('textarea[data-test=task-reasons]').fill(REASONS.join('\n'))
    await page.locator('[data-test=task-send-back-confirm]').click()
    await expect.poll(() => page.locator('[data-test=task-detail-status]').textContent(), { timeout: 15_000 }).toContain('进行中')
    const returned = await page.locator('[data-test=task-returned]').textContent()
    for (const r of REASONS) expect(returned).toContain(r)
    await s.shot('tasks-sent-back')

    // The sweep's entries read 系统, not the account name "system".
    const overdue = j.sql(`SELECT id FROM tasks WHERE title = '组织主题党日活动'`).trim()
    await page.goto(`/tasks/${overdue}`)
    await page.locator('[data-test=task-detail]').waitFor()
    await expect.poll(() => page.locator('[data-test=task-history-actor]').allTextContents(), { timeout: 15_000 }).toContain('系统')
    expect(await page.locator('[data-test=task-history-actor]').allTextContents()).not.toContain('system')
  })

  it('the cadre sees the reasons on the phone and reports again', async () => {
    const s = await j.phone()
    const { page } = s
    await phoneLogin(s, 'cadre01')
    await page.goto('/m/tasks')
    await page.locator('[data-test=m-task]', { hasText: TITLE }).click()
    await page.waitForURL(/\/m\/tasks\/\d+\/progress$/)
    const returned = page.locator('[data-test=m-task-returned]')
    await returned.waitFor()
    for (const r of REASONS) expect(await returned.textContent()).toContain(r)
    await s.shot('tasks-phone-returned')
    await page.locator('[data-test=m-progress-amount] input').fill('0')
    await page.locator('[data-test=m-progress-text] textarea').fill('已补拍门牌照片，农户已签字验收')
    await page.locator('[data-test=m-progress-submit]').click()
    await page.waitForURL(/\/m\/tasks$/)
    await page.locator('[data-test=m-task]', { hasText: TITLE }).getByText('已完成').waitFor({ timeout: 15_000 })
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
    await page.getByText('已补拍门牌照片，农户已签字验收').waitFor()
    expect(await page.locator('[data-test=task-returned]').count()).toBe(0) // finished again since the return
    await page.locator('[data-test=task-accept]').click()
    await expect.poll(() => page.locator('[data-test=task-detail-status]').textContent(), { timeout: 15_000 }).toContain('已验收')
    expect(await page.locator('[data-test=task-accept]').count()).toBe(0)
    await s.shot('tasks-accepted')
  })
})
