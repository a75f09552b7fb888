/** The county admin's set-up: a township system registered with its secret shown once, rotated,
 * revoked and deactivated; its webhooks delivered to a receiver that fails twice, the delivery log
 * read and replayed from the screen; the audit log filtered by actor and time; the administrative
 * tree loaded from a file with a dry run first, every bad row explained, and a township and a
 * village added and renamed by hand, bad codes told in words before anything is sent. */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { field, login, PASSWORD, settled, useJourney } from './harness/browser'

async function token(base: string, clientId: string, secret: string): Promise<number> {
  return (await clientLogin(base, clientId, secret)).status
}

function clientLogin(base: string, clientId: string, secret: string): Promise<Response> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret })
  return fetch(`${base}/api/v1/auth/token`, { method: 'POST', body })
}

/** Bearer headers of a person (password grant) or a township system (client credentials). */
async function bearer(base: string, grant: Record<string, string>): Promise<Record<string, string>> {
  const r = await fetch(`${base}/api/v1/auth/token`, { method: 'POST', body: new URLSearchParams(grant) })
  expect(r.status, await r.clone().text()).toBe(200)
  return { Authorization: `Bearer ${((await r.json()) as { access_token: string }).access_token}` }
}
const person = (base: string, username: string) => bearer(base, { grant_type: 'password', username, password: PASSWORD })

/** Registers a township system through the API (the screens under test come after). */
async function registerClient(base: string, clientId: string, scopes: string[]): Promise<string> {
  const r = await fetch(`${base}/api/v1/api-clients`, {
    method: 'POST',
    headers: { ...(await person(base, 'admin')), 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, name: `${clientId} 系统`, division_code: TOWNSHIP_01, scopes }),
  })
  expect(r.status, await r.clone().text()).toBe(201)
  return ((await r.json()) as { client_secret: string }).client_secret
}

const TOWNSHIP_01 = '230199100000'
const VILLAGE_01 = '230199100200'

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

/** A local webhook receiver answering 500 to its first `fail` requests, then 200; keeps what it got. */
async function receiver(fail: number): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      got.push({ headers: req.headers, body })
      const ok = got.length > fail
      res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' })
      res.end(ok ? 'ok' : 'try later')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The Standard Webhooks check a receiver makes: HMAC-SHA256 over "id.timestamp.body" with the
 * base64 key after `whsec_`, compared with the `v1,` signature. */
function signatureValid(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const signed = `${String(r.headers['webhook-id'])}.${String(r.headers['webhook-timestamp'])}.${r.body}`
  const expected = createHmac('sha256', key).update(signed).digest('base64')
  return String(r.headers['webhook-signature']).split(' ').some((s) => s === `v1,${expected}`)
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function password(base: string, username: string, secret: string): Promise<number> {
  const body = new URLSearchParams({ grant_type: 'password', username, password: secret })
  return (await fetch(`${base}/api/v1/auth/token`, { method: 'POST', body })).status
}

describe('county set-up', () => {
  // The job worker runs beside the server: the outbox relay and the webhook deliveries are its jobs.
  const j = useJourney('setup-tree-and-clients', { worker: true })

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
  })

  it('filters the audit log by entity, actor and time', async () => {
    const base = j.baseURL()
    await registerClient(base, 'audit-sys', ['villages:read'])
    const rotated = await fetch(`${base}/api/v1/api-clients/audit-sys/rotate-secret`, {
      method: 'POST', headers: await person(base, 'admin') })
    expect(rotated.status).toBe(200)
    const s = await j.desktop()
    const page = s.page
    await login(page, 'admin')

    // The audit log shows the registration, filtered to API clients, with who did it.
    await page.goto('/setup/audit-log')
    await settled(page)
    await field(page, 'audit-entity').fill('api_client')
    await page.locator('[data-test=audit-search]').click()
    const audit = page.locator('[data-test=audit-table]')
    await audit.getByText('api_client.create').first().waitFor()
    expect(await audit.textContent()).toContain('audit-sys')
    expect(await audit.textContent()).not.toContain('village.update')
    // Who did it, by display name (the user name is the tooltip).
    await expect.poll(() => audit.locator('[data-test=audit-row-actor]').first().textContent()).toBe('县委组织部管理员')
    await field(page, 'audit-entity').fill('no_such_thing')
    await page.locator('[data-test=audit-search]').click()
    await audit.getByText('没有符合条件的记录').waitFor()
    // A malformed entity is told on the form, the last results left as they were.
    await field(page, 'audit-entity').fill('API Client')
    await page.locator('[data-test=audit-search]').click()
    await page.locator('[data-test=audit-filter-error]').getByText('对象须为小写英文字母、下划线或点').waitFor()
    await field(page, 'audit-entity').fill('api_client')

    // By actor: the admin's registration is there; another person's name finds nothing of it.
    await field(page, 'audit-actor').fill('township01')
    await page.locator('[data-test=audit-search]').click()
    await audit.getByText('没有符合条件的记录').waitFor()
    expect(await page.locator('[data-test=audit-filter-error]').count()).toBe(0)
    await field(page, 'audit-actor').fill('admin')
    await page.locator('[data-test=audit-search]').click()
    await audit.getByText('api_client.create').first().waitFor()
    expect(await audit.locator('[data-test=audit-row-actor]').allTextContents()).toEqual(
      expect.arrayContaining(['县委组织部管理员']))
    expect(new Set(await audit.locator('[data-test=audit-row-actor]').allTextContents())).toEqual(new Set(['县委组织部管理员']))

    // By time: yesterday held none of today's changes; the last hour holds the registration and rotation.
    const pickRange = async (label: string): Promise<void> => {
      await page.locator('[data-test=audit-log] .el-range-editor').click()
      await page.locator('.el-picker-panel__shortcut:visible', { hasText: label }).click()
      await page.locator('[data-test=audit-search]').click()
      await settled(page)
    }
    await pickRange('昨天')
    await audit.getByText('没有符合条件的记录').waitFor()
    await pickRange('最近一小时')
    await audit.getByText('api_client.rotate_secret').first().waitFor()
    expect(await audit.textContent()).toContain('api_client.create')
    // Each row says when, as the county's date and time.
    expect(await audit.locator('[data-test=audit-row-at]').first().textContent()).toMatch(/\d{4}.*\d{2}:\d{2}/)
    await s.shot('setup-audit-log')
  })

  it('delivers webhooks to a receiver that fails twice; the log shows each attempt and replays', async () => {
    const base = j.baseURL()
    await registerClient(base, 'hook-sys', ['villages:read', 'tasks:read']) // a task event needs tasks:read
    const hook = await receiver(2)
    try {
      const s = await j.desktop()
      const page = s.page
      await login(page, 'admin')
      await page.goto('/setup/api-clients')
      await settled(page)
      await page.locator('[data-test=client-webhooks-hook-sys]').click()
      const dialog = page.locator('[data-test=webhooks-dialog]')

      // Bad input is told before anything is sent: no subscription appears.
      await field(page, 'webhook-url').fill('127.0.0.1/hook')
      await field(page, 'webhook-types').fill('task')
      await page.locator('[data-test=webhook-add]').click()
      const formError = page.locator('[data-test=webhook-form-error]')
      await formError.getByText('接收地址须为以 http:// 或 https:// 开头的完整网址').waitFor()
      expect(await formError.textContent()).toContain('事件类型格式不对')
      expect(await dialog.locator('[data-test^=webhook-log-]').count()).toBe(0)

      await field(page, 'webhook-url').fill(hook.url)
      await field(page, 'webhook-types').fill('task.')
      await page.locator('[data-test=webhook-add]').click()
      const shown = (await page.locator('[data-test=webhook-secret]').getByText('whsec_').textContent()) ?? ''
      const secret = /whsec_[A-Za-z0-9+/=]+/.exec(shown)?.[0] ?? ''
      expect(secret).not.toBe('')
      const row = page.locator('[data-test=webhook-table] tr', { hasText: hook.url })
      await row.waitFor()
      expect(await formError.count()).toBe(0)

      // A task for a village of the township: the worker relays the event and tries the receiver (500).
      const township01 = await person(base, 'township01')
      const catalogue = (await (await fetch(`${base}/api/v1/tasks/catalogue`, { headers: township01 })).json()) as {
        items: { id: number; code: string }[]
      }
      const road = catalogue.items.find((i) => i.code === 'road')
      const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
      const created = await fetch(`${base}/api/v1/tasks`, {
        method: 'POST',
        headers: { ...township01, 'content-type': 'application/json' },
        body: JSON.stringify({ village_code: VILLAGE_01, item_id: road?.id, title: '硬化村东道路', duties: ['mobilise'],
          target: '10', unit: 'km', due_date: due, responsible_kind: 'village_committee' }),
      })
      expect(created.status, await created.clone().text()).toBe(201)
      await until('the first delivery attempt', () => hook.got.length >= 1)
      // The receiver has the request before the worker records its answer, which the log reads: wait for the record.
      const admin = await person(base, 'admin')
      const hooks = `${base}/api/v1/api-clients/hook-sys/webhooks`
      const [subscription] = (await (await fetch(hooks, { headers: admin })).json()) as { id: number }[]
      await until('the first attempt recorded', async () =>
        ((await (await fetch(`${hooks}/${subscription!.id}/deliveries`, { headers: admin })).json()) as { attempts: number }[])
          .some((d) => d.attempts >= 1))

      // The log: one delivery, its attempt with the receiver's 500 and answer, still pending a retry.
      await row.locator('[data-test^=webhook-log-]').click()
      const deliveries = page.locator('[data-test=delivery-table]')
      const replayButton = deliveries.locator('[data-test^=delivery-replay-]')
      await replayButton.waitFor()
      expect(await replayButton.count()).toBe(1)
      const id = ((await replayButton.getAttribute('data-test')) ?? '').replace('delivery-replay-', '')
      expect(await deliveries.textContent()).toContain('task.create')
      await page.locator(`[data-test=delivery-status-${id}]`).getByText('待发送').waitFor()
      await deliveries.locator('.el-table__expand-icon').first().click()
      const attempts = page.locator(`[data-test=delivery-attempts-${id}] .el-table__body tr`)
      // Each attempt's status code (the second column), as the screen shows it.
      const codes = async (): Promise<string[]> =>
        (await attempts.locator('td:nth-child(2)').allTextContents()).map((c) => c.trim())
      await expect.poll(codes).toEqual(['500'])
      expect(await attempts.first().textContent()).toContain('try later')
      expect(await attempts.first().locator('td:nth-child(1)').textContent()).toMatch(/\d{4}.*\d{2}:\d{2}/)
      await s.shot('setup-webhook-log-failed')

      // Replayed from the screen: the log reads itself again and shows the new attempt (500 again).
      await replayButton.click()
      await page.getByText('已重新排队').waitFor()
      await until('the second attempt', () => hook.got.length >= 2)
      await expect.poll(() => attempts.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2)
      expect((await codes()).slice(0, 2)).toEqual(['500', '500'])

      // Replayed again: the third attempt is accepted (200, "ok"), the delivery delivered.
      if ((await page.locator(`[data-test=delivery-status-${id}]`).textContent())?.includes('已送达') !== true) {
        await replayButton.click() // (unless the retry's own backoff already came round on a slow machine)
      }
      await page.locator(`[data-test=delivery-status-${id}]`).getByText('已送达', { exact: true }).waitFor({ timeout: 30_000 })
      await expect.poll(() => attempts.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
      const shownCodes = await codes()
      expect(shownCodes.slice(0, 2)).toEqual(['500', '500'])
      expect(shownCodes.at(-1)).toBe('200')
      expect(await attempts.last().textContent()).toContain('ok')
      await s.shot('setup-webhook-log-replayed')

      // Every try was the same message, signed per Standard Webhooks with the secret shown once.
      expect(hook.got.length).toBe(shownCodes.length)
      expect(new Set(hook.got.map((g) => g.headers['webhook-id'])).size).toBe(1)
      for (const g of hook.got) expect(signatureValid(secret, g)).toBe(true)
      expect(JSON.parse(hook.got[0]?.body ?? '{}')).toMatchObject({ type: 'task.create' })
    } finally {
      await hook.close()
    }
  })

  it('revokes a secret and deactivates a township system from the screen; its tokens then fail', async () => {
    const base = j.baseURL()
    const secret = await registerClient(base, 'revoke-sys', ['villages:read'])
    const tokenA = await bearer(base, { grant_type: 'client_credentials', client_id: 'revoke-sys', client_secret: secret })
    const villages = async (h: Record<string, string>): Promise<number> =>
      (await fetch(`${base}/api/v1/villages`, { headers: h })).status
    expect(await villages(tokenA)).toBe(200)

    const s = await j.desktop()
    const page = s.page
    await login(page, 'admin')
    await page.goto('/setup/api-clients')
    await settled(page)
    const status = page.locator('[data-test=client-status-revoke-sys]')
    await status.getByText('启用').waitFor()
    const box = page.locator('.el-message-box').last()

    // Revoke, after a confirmation that says what happens: the token already issued and a new one fail.
    await page.locator('[data-test=client-revoke-revoke-sys]').click()
    await box.getByText('吊销后该系统无法再获取令牌').waitFor()
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await status.getByText('密钥已吊销').waitFor()
    await page.locator('[data-test=client-revoke-revoke-sys]').waitFor({ state: 'detached' })
    expect(await villages(tokenA)).toBe(401)
    expect(await token(base, 'revoke-sys', secret)).toBe(401)

    // A new secret brings it back...
    await page.locator('[data-test=client-rotate-revoke-sys]').click()
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('[data-test=client-secret-dialog]').getByText('密钥只显示这一次').waitFor()
    const fresh = await field(page, 'client-secret').inputValue()
    await page.locator('[data-test=client-secret-done]').click()
    await status.getByText('启用').waitFor()
    const tokenB = await bearer(base, { grant_type: 'client_credentials', client_id: 'revoke-sys', client_secret: fresh })
    expect(await villages(tokenB)).toBe(200)

    // ...cancelling the deactivation changes nothing...
    await page.locator('[data-test=client-deactivate-revoke-sys]').click()
    await box.getByText('停用后该系统的令牌立即失效').waitFor()
    await box.locator('.el-message-box__btns .el-button:not(.el-button--primary)').click()
    await box.waitFor({ state: 'hidden' })
    expect(await villages(tokenB)).toBe(200)

    // ...and deactivating ends its token and its logins.
    await page.locator('[data-test=client-deactivate-revoke-sys]').click()
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await status.getByText('已停用').waitFor()
    await page.locator('[data-test=client-deactivate-revoke-sys]').waitFor({ state: 'detached' })
    expect(await villages(tokenB)).toBe(401)
    expect(await token(base, 'revoke-sys', fresh)).toBe(401)
    await s.shot('setup-client-deactivated')
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

    // Add a township by hand: a short code, then another county's, are told in words and not sent.
    const admin = await person(j.baseURL(), 'admin')
    const api = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const r = await fetch(`${j.baseURL()}/api/v1${path}`, { headers: admin })
      return { status: r.status, body: (await r.json()) as Record<string, unknown> }
    }
    const dialog = page.locator('[data-test=division-dialog]')
    const formError = page.locator('[data-test=division-form-error]')
    await page.locator('[data-test=township-add]').click()
    await field(page, 'division-code').fill('2301993')
    await field(page, 'division-name').fill('新建镇')
    await page.locator('[data-test=division-save]').click()
    await formError.getByText('代码须为12位数字').waitFor()
    await field(page, 'division-code').fill('230299300000')
    await page.locator('[data-test=division-save]').click()
    await formError.getByText('乡镇代码须以本县代码的前6位（230199）开头').waitFor()
    await field(page, 'division-code').fill('230199300000')
    await field(page, 'division-name').fill('  ')
    await page.locator('[data-test=division-save]').click()
    await formError.getByText('名称不能为空').waitFor()
    expect((await api('/divisions/230199300000')).status).toBe(404)
    await s.shot('setup-township-bad-code')
    await field(page, 'division-name').fill('新建镇')
    await page.locator('[data-test=division-save]').click()
    const townships = page.locator('[data-test=township-table]')
    await townships.getByText('新建镇').waitFor()
    await dialog.waitFor({ state: 'hidden' })
    expect((await api('/divisions/230199300000')).body).toMatchObject({ name: '新建镇', level: 'township', parent_code: '230199000000' })

    // Add a village to it: a township's own code and another township's village code are refused here.
    await townships.locator('tr', { hasText: '230199300000' }).locator('.el-table__expand-icon').click()
    await page.locator('[data-test=village-add-230199300000]').click()
    await field(page, 'division-code').fill('230199300000')
    await field(page, 'division-name').fill('新建村')
    await page.locator('[data-test=division-save]').click()
    await formError.getByText('不是村代码：第10-12位不能全为0').waitFor()
    await field(page, 'division-code').fill('230199100201')
    await page.locator('[data-test=division-save]').click()
    await formError.getByText('村代码须以所属乡镇代码的前9位（230199300）开头').waitFor()
    await field(page, 'division-code').fill('23019930020１') // a full-width digit at the end
    await page.locator('[data-test=division-save]').click()
    await formError.getByText('代码须为12位数字').waitFor()
    expect((await api('/villages/230199300201')).status).toBe(404)
    await field(page, 'division-code').fill('230199300201')
    await page.locator('[data-test=division-save]').click()
    const villages = page.locator('[data-test=villages-230199300000]')
    await villages.getByText('新建村').waitFor()
    expect((await api('/villages/230199300201')).body).toMatchObject({ name: '新建村', township_code: '230199300000', township_name: '新建镇' })

    // Rename the village (If-Match from the list's version): the list and the API show the new name.
    await page.locator('[data-test=village-rename-230199300201]').click()
    await field(page, 'division-name').fill('新建一村')
    await page.locator('[data-test=division-save]').click()
    await villages.getByText('新建一村').waitFor()
    await dialog.waitFor({ state: 'hidden' })
    expect((await api('/villages/230199300201')).body).toMatchObject({ name: '新建一村' })
    const listed = (await api('/villages?township_code=230199300000')).body.items as { code: string; name: string }[]
    expect(listed.map((v) => [v.code, v.name])).toEqual([['230199300201', '新建一村']])
    await s.shot('setup-village-renamed')
  })
})
