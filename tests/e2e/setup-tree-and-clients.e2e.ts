/** The county admin's set-up: a township system registered with its secret shown once and rotated;
 * the administrative tree loaded from a file with a dry run first, every bad row explained. */
import { describe, expect, it } from 'vitest'
import { field, login, settled, useJourney } from './harness/browser'

async function token(base: string, clientId: string, secret: string): Promise<number> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret })
  return (await fetch(`${base}/api/v1/auth/token`, { method: 'POST', body })).status
}

async function password(base: string, username: string, secret: string): Promise<number> {
  const body = new URLSearchParams({ grant_type: 'password', username, password: secret })
  return (await fetch(`${base}/api/v1/auth/token`, { method: 'POST', body })).status
}

describe('county set-up', () => {
  const j = useJourney('setup-tree-and-clients')

  it('registers a township system, shows its secret once and rotates it', async () => {
    const s = await j.desktop()
    const page = s.page
    await login(page, 'admin')
    await page.goto('/setup/api-clients')
    await settled(page)
    await page.locator('[data-test=client-add]').click()
    await field(page, 'client-id').fill('songjiang-sys')
    await field(page, 'client-name').fill('松江镇业务系统')
    await page.locator('[data-test=client-save]').click()
    const secretBox = page.locator('[data-test=client-secret-dialog]')
    await secretBox.getByText('密钥只显示这一次').waitFor()
    const first = await field(page, 'client-secret').inputValue()
    expect(first.length).toBeGreaterThanOrEqual(32)
    await s.shot('setup-client-secret')
    await page.locator('[data-test=client-secret-done]').click()
    await page.locator('[data-test=client-table]').getByText('songjiang-sys').waitFor()
    expect(await page.locator('[data-test=client-table]').textContent()).toContain('villages:read')
    expect(await token(j.baseURL(), 'songjiang-sys', first)).toBe(200)

    await page.locator('[data-test=client-rotate-songjiang-sys]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await secretBox.getByText('密钥只显示这一次').waitFor()
    const second = await field(page, 'client-secret').inputValue()
    expect(second).not.toBe(first)
    await page.locator('[data-test=client-secret-done]').click()
    expect(await token(j.baseURL(), 'songjiang-sys', first)).toBe(401)
    expect(await token(j.baseURL(), 'songjiang-sys', second)).toBe(200)
    await settled(page)
    expect(await page.locator('[data-test=client-table]').textContent()).not.toContain('从未使用')

    // Webhooks: subscribe a URL to claim events; the signing secret is shown once.
    await page.locator('[data-test=client-webhooks-songjiang-sys]').click()
    await field(page, 'webhook-url').fill('https://songjiang.example.org/hooks')
    await field(page, 'webhook-types').fill('claim. rectification_case.accept')
    await page.locator('[data-test=webhook-add]').click()
    await page.locator('[data-test=webhook-secret]').getByText('whsec_').waitFor()
    // The list reloads after the secret is shown: wait for the new row rather than read it at once.
    await page.locator('[data-test=webhook-table]').getByText('claim., rectification_case.accept').waitFor()
    await s.shot('setup-webhooks')

    // The audit log shows the registration, filtered to API clients, with who did it.
    await page.goto('/setup/audit-log')
    await settled(page)
    await field(page, 'audit-entity').fill('api_client')
    await page.locator('[data-test=audit-search]').click()
    const audit = page.locator('[data-test=audit-table]')
    await audit.getByText('api_client.create').waitFor()
    expect(await audit.textContent()).toContain('songjiang-sys')
    expect(await audit.textContent()).not.toContain('village.update')
    // Who did it, by display name (the user name is the tooltip).
    await expect.poll(() => audit.locator('[data-test=audit-row-actor]').first().textContent()).toBe('县委组织部管理员')
    await field(page, 'audit-entity').fill('no_such_thing')
    await page.locator('[data-test=audit-search]').click()
    await audit.getByText('没有符合条件的记录').waitFor()
    await s.shot('setup-audit-log')
  })

  it('adds an account, resets its password, the person changes it, and signs in with it', async () => {
    const s = await j.desktop()
    const page = s.page
    await login(page, 'admin')
    await page.goto('/setup/users')
    await settled(page)
    await page.locator('[data-test=user-add]').click()
    await field(page, 'user-username').fill('zhenxin01')
    await field(page, 'user-display-name').fill('新任干部')
    await field(page, 'user-scope').fill('230199100000')
    await field(page, 'user-password').fill('chushi2026')
    await page.locator('[data-test=user-save]').click()
    const table = page.locator('[data-test=user-table]')
    await table.getByText('zhenxin01').waitFor()
    expect(await password(j.baseURL(), 'zhenxin01', 'chushi2026')).toBe(200)

    await page.locator('[data-test=user-edit-zhenxin01]').click()
    await field(page, 'user-password').fill('chongzhi2026')
    await page.locator('[data-test=user-save]').click()
    await page.getByText('密码已重置').waitFor()
    expect(await password(j.baseURL(), 'zhenxin01', 'chushi2026')).toBe(401)

    // Deactivate (after the edit above bumped the account's version), then reactivate.
    const row = table.locator('tr', { hasText: 'zhenxin01' })
    await page.locator('[data-test=user-deactivate-zhenxin01]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await row.getByText('已停用').waitFor()
    await page.locator('[data-test=user-reactivate-zhenxin01]').waitFor()
    expect(await password(j.baseURL(), 'zhenxin01', 'chongzhi2026')).toBe(401)
    await s.shot('setup-user-deactivated')
    await page.locator('[data-test=user-reactivate-zhenxin01]').click()
    await page.locator('[data-test=user-deactivate-zhenxin01]').waitFor()
    expect(await row.textContent()).not.toContain('已停用')
    expect(await password(j.baseURL(), 'zhenxin01', 'chongzhi2026')).toBe(200)

    // The person changes their own password from the user menu.
    const own = await j.desktop()
    await login(own.page, 'zhenxin01', 'chongzhi2026')
    await own.page.locator('[data-test=user-menu]').click()
    await own.page.locator('[data-test=change-password]').click()
    await field(own.page, 'password-current').fill('chongzhi2026')
    await field(own.page, 'password-new').fill('ziji2026ab')
    await field(own.page, 'password-again').fill('ziji2026ab')
    await own.page.locator('[data-test=password-save]').click()
    await own.page.getByText('密码已修改').waitFor()
    expect(await password(j.baseURL(), 'zhenxin01', 'ziji2026ab')).toBe(200)
    await own.shot('setup-own-password')

    await s.shot('setup-users')
  })

  it('loads townships and villages from a file after a dry run, and explains bad rows', async () => {
    const s = await j.desktop()
    const page = s.page
    s.allowHttpError(422, '/api/v1/divisions/import')
    await login(page, 'admin')
    await page.goto('/setup/divisions')
    await settled(page)
    const input = page.locator('[data-test=import-file]')

    await input.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('代码,名称\n2301992,短码\n230199200000,\n') })
    await page.locator('[data-test=import-check]').click()
    const errors = page.locator('[data-test=import-row-errors]')
    await errors.getByText('代码须为12位数字').waitFor()
    expect(await errors.textContent()).toContain('名称不能为空')
    expect(await page.locator('[data-test=import-error]').textContent()).toContain('未写入任何数据')
    await s.shot('setup-import-errors')

    const good = '代码,名称\n230199200000,新发镇\n230199200201,新发村\n'
    await input.setInputFiles({ name: 'tree.csv', mimeType: 'text/csv', buffer: Buffer.from(good) })
    await page.locator('[data-test=import-check]').click()
    await page.locator('[data-test=import-summary]').getByText('试运行完成').waitFor()
    expect(await page.locator('[data-test=import-summary]').textContent()).toContain('新增 2')
    expect(await page.locator('[data-test=township-table]').textContent()).not.toContain('新发镇')

    await page.locator('[data-test=import-run]').click()
    await page.locator('[data-test=township-table]').getByText('新发镇').waitFor()
    await s.shot('setup-import-done')

    // Rename the new township (If-Match from its read) and see its village.
    await page.locator('[data-test=township-rename-230199200000]').click()
    await field(page, 'division-name').fill('新华镇')
    await page.locator('[data-test=division-save]').click()
    await page.locator('[data-test=township-table]').getByText('新华镇').waitFor()
  })
})
