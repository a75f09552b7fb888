/**
 * Helpers for browser journeys: one Chromium per journey file, a session per viewport, console
 * errors collected (any one fails the journey), screenshots under tests/e2e/screenshots/.
 *
 *   const j = useJourney('funds')               // in a describe(): its own backend (fresh demo
 *                                               // database) and Chromium, for this file
 *   const s = await j.desktop()                 // 1366x768, zh-CN
 *   await login(s.page, 'admin')
 *   await s.shot('villages-list')
 *   s.allowHttpError(412, '/api/v1/villages/')  // an expected failed request is not an error
 *   const v = await j.phone('zh-CN', { width: 360, height: 740 })  // a smaller phone
 *   j.sql('SELECT ...')                          // SQL on the journey's database (setup only)
 */
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { SCREENSHOTS } from './paths'
import { admin, withDb, type BackendOptions, type E2EConfig } from './backend'
import { leaseBackend, type LeasedBackend } from './pool'

export const PASSWORD = 'cunzhi2026'
export const DESKTOP = { width: 1366, height: 768 }
export const PHONE = { width: 390, height: 844 }
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export interface Session {
  context: BrowserContext
  page: Page
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[]
  /** Lets a failed request the journey provokes on purpose (e.g. 412) pass. */
  allowHttpError(status: number, urlPart: string): void
  /** Another tab in the same browser profile (shares localStorage). */
  newTab(): Promise<Page>
  shot(name: string, page?: Page): Promise<string>
}

interface Allowed {
  status: number
  urlPart: string
}

/** Requests in flight per page, for settled(). */
const inflight = new WeakMap<Page, Set<unknown>>()

function watch(page: Page, errors: string[], allowed: Allowed[]): void {
  const pending = new Set<unknown>()
  inflight.set(page, pending)
  page.on('request', (r) => pending.add(r))
  page.on('requestfinished', (r) => pending.delete(r))
  page.on('requestfailed', (r) => pending.delete(r))
  const failed: { status: number; url: string }[] = []
  page.on('response', (res) => {
    if (res.status() >= 400) failed.push({ status: res.status(), url: res.url() })
  })
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(text)
    if (m) {
      const status = Number(m[1])
      const url = msg.location().url || failed.find((f) => f.status === status)?.url || ''
      if (allowed.some((a) => a.status === status && url.includes(a.urlPart))) return
      errors.push(`${text} (${url})`)
      return
    }
    errors.push(text)
  })
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`))
}

export function useJourney(name = 'journey', options: BackendOptions = {}) {
  let browser: Browser | null = null
  let backend: LeasedBackend | null = null
  let config: E2EConfig | null = null
  const sessions: Session[] = []

  beforeAll(async () => {
    config = inject('e2e')
    const launching = chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
    try {
      backend = await leaseBackend(inject('e2ePool'), name, options)
    } catch (e) {
      await (await launching).close()
      throw e
    }
    browser = await launching
  })

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      const log = (await backend?.output())?.split('\n').filter((l) => /error|exception|traceback|^\s/i.test(l)).slice(-60).join('\n')
      if (log) console.error(`server log (${backend?.db}):\n${log}`)
      const name = ctx.task.name.replace(/[^\w\u4e00-\u9fff-]+/g, '-').slice(0, 60)
      for (const [i, s] of sessions.entries()) {
        for (const [k, p] of s.context.pages().entries()) {
          await p.screenshot({ path: join(SCREENSHOTS, `FAILED-${name}-${i}-${k}.png`) }).catch(() => undefined)
        }
      }
    }
    const errors = sessions.flatMap((s) => s.errors)
    for (const s of sessions.splice(0)) await s.context.close()
    expect(errors, 'console errors during the journey').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await backend?.release()
  })

  async function open(kind: 'desktop' | 'phone', locale = 'zh-CN', size?: { width: number; height: number }): Promise<Session> {
    if (!browser) throw new Error('browser not started')
    if (!backend) throw new Error('backend not started')
    const context = await browser.newContext({
      baseURL: backend.baseURL,
      locale,
      viewport: size ?? (kind === 'phone' ? PHONE : DESKTOP),
      ...(kind === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: PHONE_UA } : {}),
    })
    context.setDefaultTimeout(15_000)
    const errors: string[] = []
    const allowed: Allowed[] = []
    context.on('page', (p) => watch(p, errors, allowed))
    const page = await context.newPage()
    const session: Session = {
      context,
      page,
      errors,
      allowHttpError: (status, urlPart) => allowed.push({ status, urlPart }),
      newTab: () => context.newPage(),
      shot: async (name, p = page) => {
        const path = join(SCREENSHOTS, `${name}.png`)
        await p.screenshot({ path })
        return path
      },
    }
    sessions.push(session)
    return session
  }

  return {
    /** The server's URL (for direct API calls with fetch). */
    baseURL: () => backend?.baseURL ?? '',
    desktop: (locale?: string) => open('desktop', locale),
    phone: (locale?: string, size?: { width: number; height: number }) => open('phone', locale, size),
    /** Runs SQL on the journey's own database (for setup the API cannot do); the first column of each row. */
    sql: (query: string): string => {
      if (!config || !backend) throw new Error('backend not started')
      return admin(withDb(config.adminUrl, backend.db), query)
    },
  }
}

/** An input marked data-test=name (Element Plus puts the attribute on the <input> itself). */
export function field(page: Page, name: string) {
  return page.locator(`input[data-test=${name}], [data-test=${name}] input`).first()
}

/** Desktop login through the form; ends on the page after login. */
export async function login(page: Page, username: string, password = PASSWORD): Promise<void> {
  if (!page.url().includes('/login')) await page.goto('/login')
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('[data-test=user-name]').waitFor()
}

/**
 * Waits until the page has had no request in flight for 300 ms, and no Element Plus loading mask
 * is shown, then lets Vue render.
 */
export async function settled(page: Page, timeout = 15_000): Promise<void> {
  const pending = inflight.get(page)
  const deadline = Date.now() + timeout
  let quietSince = Date.now()
  while (Date.now() < deadline) {
    if (pending && pending.size > 0) quietSince = Date.now()
    else if (Date.now() - quietSince >= 300) break
    await page.waitForTimeout(50)
  }
  await page.locator('.el-loading-mask:visible').first().waitFor({ state: 'detached', timeout }).catch(() => undefined)
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))))
}
