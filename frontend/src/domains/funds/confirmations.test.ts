/**
 * The ledger's and the claim's irreversible steps ask first, restating what will happen: booking
 * income (amount, payer, voucher), reversing an entry (which entry, its amount and the reason) and the
 * township's approval of a claim (amount, payee, line, invoices). Cancelling sends nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import { useAuthStore } from '@/stores/auth'

const box = vi.hoisted(() => ({ asked: [] as { message: string; title: string }[], answer: 'confirm' as 'confirm' | 'cancel' }))
vi.mock('element-plus', async (orig) => ({
  ...(await orig<typeof import('element-plus')>()),
  ElMessage: vi.fn(),
  ElMessageBox: {
    confirm: vi.fn(async (message: string, title: string) => {
      box.asked.push({ message, title })
      if (box.answer === 'cancel') throw 'cancel'
      return 'confirm'
    }),
    prompt: vi.fn(async () => {
      throw 'cancel'
    }),
  },
}))

const CODE = '230199100201'
const posted: { path: string; body: unknown }[] = []

const entry = {
  id: 41, village_id: 9, kind: 'payment', amount: '-860.00', effect: '-860.00', booked_on: '2026-11-20',
  booked_at: '2026-11-20T02:00:00Z', source: null, description: '修缮村部屋顶', line_id: 3, claim_id: 12,
  reverses_id: null, reversed_by_id: null, booked_by: 'agency01', received_on: null, payer: null, voucher_no: null,
}
const claim = {
  id: 12, village_id: 9, village_code: CODE, village_name: '一村', budget_id: 2, year: 2026, line_id: 3,
  line_category: 'maintenance', line_purpose: '村部维修', amount: '6000.00', purpose: '屋顶防水', payee: '永安建筑队',
  status: 'committee_signed', needs_approval: true, created_by: 'village01', created_at: '2026-11-01T00:00:00Z',
  updated_at: '2026-11-02T00:00:00Z', submitted_at: '2026-11-01T01:00:00Z', actions: ['approve', 'reject'],
  allowed_actions: ['approve', 'reject'], payment_entry_id: null, invoice_exemption: null, reversal: null, trail: [],
  attachments: [{ id: 1, claim_id: 12, filename: '发票-屋顶.jpg', content_type: 'image/jpeg', size: 1000, sha256: 'a'.repeat(64),
    uploaded_by: 'village01', uploaded_at: '2026-11-01T00:30:00Z' }],
}

function serve(): void {
  vi.stubGlobal('fetch', async (input: Request) => {
    const url = new URL(input.url)
    const json = (b: unknown, status = 200) =>
      new Response(JSON.stringify(b), { status, headers: { 'Content-Type': 'application/json' } })
    if (input.method !== 'GET') {
      posted.push({ path: url.pathname, body: await input.clone().json().catch(() => null) })
      if (url.pathname.endsWith('/approve')) return json({ ...claim, status: 'township_approved', allowed_actions: [] })
      return json({ ...entry, id: 42 }, 201)
    }
    switch (url.pathname) {
      case `/api/v1/villages/${CODE}`:
        return json({ code: CODE, name: '一村', version: 1 })
      case `/api/v1/funds/villages/${CODE}/account`:
        return json({ village_id: 9, village_code: CODE, village_name: '一村', balance: '10000.00', opened_at: '2026-01-01T00:00:00Z',
          opened_by: 'agency01', allowed_actions: ['book_income', 'reverse_entry'] })
      case `/api/v1/funds/villages/${CODE}/ledger`:
        return json({ items: [entry], next_cursor: null })
      case '/api/v1/funds/claims/12':
        return json(claim)
      case '/api/v1/people/names':
        return json({ items: [] })
      default:
        return json({ items: [] })
    }
  })
}

async function mountPage(file: 'VillageAccount' | 'ClaimDetail', path: string, role: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.me = { role, username: 'x', scope: { kind: 'division', code: '230199100000' } } as unknown as typeof auth.me
  const blank = { template: '<div />' }
  const router = createRouter({ history: createMemoryHistory(), routes: [
    { path: '/funds/villages/:code', name: 'funds-village', component: blank },
    { path: '/funds/villages/:code/claims/new', name: 'funds-claim-new', component: blank },
    { path: '/funds/budgets/:budgetId', name: 'funds-budget', component: blank },
    { path: '/funds/claims/:claimId', name: 'funds-claim', component: blank },
    { path: '/funds/claims', name: 'funds-claims', component: blank },
    { path: '/villages/:code', name: 'village-detail', component: blank },
  ] })
  await router.push(path)
  const Page = file === 'VillageAccount'
    ? (await import('./desktop/VillageAccount.vue')).default
    : (await import('./desktop/ClaimDetail.vue')).default
  const wrapper = mount(Page, { global: { plugins: [pinia, router, i18n] }, attachTo: document.body })
  await flushPromises()
  await new Promise((r) => setTimeout(r, 20))
  return wrapper
}

function fill(name: string, value: string): void {
  const el = document.body.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[name="${name}"]`)
  expect(el, name).not.toBeNull()
  el!.value = value
  el!.dispatchEvent(new Event('input'))
}

function click(test: string): void {
  const el = document.body.querySelector<HTMLElement>(`[data-test="${test}"]`)
  expect(el, test).not.toBeNull()
  el!.click()
}

beforeEach(() => {
  setLocale('zh-CN')
  box.asked.length = 0
  box.answer = 'confirm'
  posted.length = 0
  serve()
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('booking income', () => {
  it('restates the amount, payer and voucher, and books only when confirmed', async () => {
    const wrapper = await mountPage('VillageAccount', `/funds/villages/${CODE}`, 'township_agency')
    try {
      click('book-income')
      await flushPromises()
      fill('income-amount', '1234.5')
      fill('income-description', '鱼塘承包费')
      fill('income-payer', '县农业局')
      fill('income-voucher', '收-2026-015')
      await flushPromises()

      box.answer = 'cancel'
      click('income-save')
      await flushPromises()
      expect(box.asked).toHaveLength(1)
      const text = box.asked[0]!.message
      expect(text).toContain('1,234.50')
      expect(text).toContain('县农业局')
      expect(text).toContain('收-2026-015')
      expect(text).toContain('只能冲销')
      expect(posted).toEqual([])

      box.answer = 'confirm'
      click('income-save')
      await flushPromises()
      expect(posted).toHaveLength(1)
      expect(posted[0]!.path).toBe(`/api/v1/funds/villages/${CODE}/income`)
      expect(posted[0]!.body).toMatchObject({ amount: '1234.50', payer: '县农业局', voucher_no: '收-2026-015' })
    } finally {
      wrapper.unmount()
    }
  }, 60_000)
})

describe('reversing a ledger entry', () => {
  it('restates which entry, its amount and description, and the reason', async () => {
    const wrapper = await mountPage('VillageAccount', `/funds/villages/${CODE}`, 'township_agency')
    try {
      click('reverse-41')
      await flushPromises()
      fill('reverse-reason', '重复记账')
      await flushPromises()

      box.answer = 'cancel'
      click('reverse-save')
      await flushPromises()
      expect(box.asked).toHaveLength(1)
      const text = box.asked[0]!.message
      expect(text).toContain('第 41 笔')
      expect(text).toContain('-860.00')
      expect(text).toContain('修缮村部屋顶')
      expect(text).toContain('2026-11-20')
      expect(text).toContain('理由：重复记账')
      expect(posted).toEqual([])

      box.answer = 'confirm'
      click('reverse-save')
      await flushPromises()
      expect(posted).toEqual([{ path: '/api/v1/funds/ledger/41/reverse', body: { reason: '重复记账' } }])
    } finally {
      wrapper.unmount()
    }
  }, 60_000)
})

describe('the township approving a claim', () => {
  it('restates the amount, payee, line and invoices, and approves only when confirmed', async () => {
    const wrapper = await mountPage('ClaimDetail', '/funds/claims/12', 'township_official')
    try {
      box.answer = 'cancel'
      click('claim-approve')
      await flushPromises()
      expect(box.asked).toHaveLength(1)
      const { message, title } = box.asked[0]!
      expect(title).toBe(i18n.global.t('funds.claimActions.approve'))
      expect(message).toContain('6,000.00')
      expect(message).toContain('永安建筑队')
      expect(message).toContain('村部维修')
      expect(message).toContain('2026')
      expect(message).toContain('发票-屋顶.jpg')
      expect(posted).toEqual([])

      box.answer = 'confirm'
      click('claim-approve')
      await flushPromises()
      expect(posted.map((p) => p.path)).toEqual(['/api/v1/funds/claims/12/approve'])
    } finally {
      wrapper.unmount()
    }
  }, 60_000)
})
