import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { api, unwrap } from '@/api/client'
import { ApiError } from '@/api/errors'
import { loadTokens, saveTokens, TOKENS_KEY } from '@/auth/tokens'
import { useAuthStore } from './auth'

const ME = {
  id: 1,
  username: 'admin',
  display_name: '县委组织部管理员',
  phone: null,
  role: 'county_admin',
  scope: { kind: 'division', code: '130000000000', name: '示范县' },
}

interface Call {
  method: string
  path: string
  auth: string | null
  contentType: string | null
  body: string
}

/** A tiny stand-in for the auth endpoints: rotates refresh tokens like the real server. */
class FakeServer {
  calls: Call[] = []
  issued = 0
  validAccess = new Set<string>()
  validRefresh = new Set<string>()
  lifetime = 900
  refreshFails: 'no' | 'invalid' | 'network' = 'no'

  private pair() {
    this.issued += 1
    const access = `access-${this.issued}`
    const refresh = `refresh-${this.issued}-0123456789abcdef`
    this.validAccess.add(access)
    this.validRefresh.add(refresh)
    return { access_token: access, token_type: 'bearer', expires_in: this.lifetime, refresh_token: refresh }
  }

  json(status: number, body: unknown, type = 'application/json'): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } })
  }

  problem(status: number, code: string): Response {
    return this.json(status, { type: 'about:blank', title: code, status, code }, 'application/problem+json')
  }

  fetch = async (input: Request): Promise<Response> => {
    const url = new URL(input.url)
    const body = await input.text()
    const auth = input.headers.get('Authorization')
    this.calls.push({ method: input.method, path: url.pathname, auth, contentType: input.headers.get('Content-Type'), body })
    switch (url.pathname) {
      case '/api/v1/auth/token': {
        const form = new URLSearchParams(body)
        if (form.get('username') === 'admin' && form.get('password') === 'cunzhi2026') return this.json(200, this.pair())
        return this.problem(401, 'invalid_credentials')
      }
      case '/api/v1/auth/refresh': {
        if (this.refreshFails === 'network') throw new TypeError('Failed to fetch')
        const { refresh_token } = JSON.parse(body) as { refresh_token: string }
        if (this.refreshFails === 'invalid' || !this.validRefresh.has(refresh_token)) return this.problem(401, 'invalid_token')
        this.validRefresh.delete(refresh_token)
        return this.json(200, this.pair())
      }
      case '/api/v1/auth/logout': {
        const { refresh_token } = JSON.parse(body) as { refresh_token: string }
        this.validRefresh.delete(refresh_token)
        return new Response(null, { status: 204 })
      }
      case '/api/v1/auth/me': {
        const token = auth?.replace(/^Bearer /, '') ?? ''
        if (!this.validAccess.has(token)) return this.problem(401, auth ? 'invalid_token' : 'not_authenticated')
        return this.json(200, ME)
      }
      default:
        return this.problem(404, 'not_found')
    }
  }

  count(path: string): number {
    return this.calls.filter((c) => c.path === path).length
  }
}

describe('auth store', () => {
  let server: FakeServer

  beforeEach(() => {
    localStorage.clear()
    server = new FakeServer()
    vi.stubGlobal('fetch', server.fetch)
    setActivePinia(createPinia())
  })

  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('logs in with the password grant as a form, then loads who the user is', async () => {
    const auth = useAuthStore()
    const me = await auth.login('admin', 'cunzhi2026')
    expect(me.display_name).toBe('县委组织部管理员')
    const token = server.calls[0]!
    expect(token.path).toBe('/api/v1/auth/token')
    expect(token.contentType).toBe('application/x-www-form-urlencoded')
    expect(new URLSearchParams(token.body).get('grant_type')).toBe('password')
    expect(server.calls[1]).toMatchObject({ path: '/api/v1/auth/me', auth: 'Bearer access-1' })
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.hasRole('county_admin')).toBe(true)
    expect(auth.hasRole('cadre', 'township_official')).toBe(false)
    expect(loadTokens()?.refresh).toBe('refresh-1-0123456789abcdef')
  })

  it('refuses wrong passwords with the problem code', async () => {
    const auth = useAuthStore()
    const err = await auth.login('admin', 'nope').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('invalid_credentials')
    expect(auth.isAuthenticated).toBe(false)
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull()
  })

  it('refreshes shortly before expiry, on its own timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const auth = useAuthStore()
    await auth.login('admin', 'cunzhi2026')
    expect(server.count('/api/v1/auth/refresh')).toBe(0)
    await vi.advanceTimersByTimeAsync((900 - 61) * 1000)
    expect(server.count('/api/v1/auth/refresh')).toBe(0)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(server.count('/api/v1/auth/refresh')).toBe(1)
    expect(auth.tokens?.access).toBe('access-2')
    // The old refresh token died with the rotation; the new one is stored.
    expect(loadTokens()?.refresh).toBe('refresh-2-0123456789abcdef')
    expect(server.validRefresh.has('refresh-1-0123456789abcdef')).toBe(false)
  })

  it('refreshes before a call when the token is about to expire', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const auth = useAuthStore()
    await auth.login('admin', 'cunzhi2026')
    vi.setSystemTime(Date.now() + 880_000)
    await unwrap(api.GET('/api/v1/auth/me'))
    const last = server.calls.slice(-2)
    expect(last.map((c) => c.path)).toEqual(['/api/v1/auth/refresh', '/api/v1/auth/me'])
    expect(last[1]!.auth).toBe('Bearer access-2')
  })

  it('after a 401, refreshes once and retries the call', async () => {
    const auth = useAuthStore()
    await auth.login('admin', 'cunzhi2026')
    server.validAccess.clear() // the server forgot the access token (key rotation, restart)
    const me = await unwrap(api.GET('/api/v1/auth/me'))
    expect(me.username).toBe('admin')
    expect(server.calls.slice(-3).map((c) => `${c.path} ${c.auth ?? ''}`)).toEqual([
      '/api/v1/auth/me Bearer access-1',
      '/api/v1/auth/refresh ',
      '/api/v1/auth/me Bearer access-2',
    ])
  })

  it('ends the session when the refresh token is refused, and says why', async () => {
    const auth = useAuthStore()
    const ended: string[] = []
    auth.onSessionEnd((r) => ended.push(r))
    await auth.login('admin', 'cunzhi2026')
    server.validAccess.clear()
    server.refreshFails = 'invalid'
    const err = await unwrap(api.GET('/api/v1/auth/me')).catch((e: unknown) => e)
    expect((err as ApiError).status).toBe(401)
    expect(ended).toEqual(['expired'])
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.me).toBeNull()
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull()
  })

  it('keeps the session when the refresh cannot reach the server (offline phone)', async () => {
    const auth = useAuthStore()
    await auth.login('admin', 'cunzhi2026')
    server.refreshFails = 'network'
    expect(await auth.refresh(auth.tokens!.access)).toBe(false)
    expect(auth.isAuthenticated).toBe(true)
    expect(loadTokens()?.access).toBe('access-1')
  })

  it('adopts tokens another tab already refreshed instead of rotating again', async () => {
    const auth = useAuthStore()
    await auth.login('admin', 'cunzhi2026')
    const stale = auth.tokens!.access
    saveTokens({ access: 'access-from-other-tab', refresh: 'refresh-other-0123456789', expiresAt: Date.now() + 900_000, lifetime: 900 })
    expect(await auth.refresh(stale)).toBe(true)
    expect(server.count('/api/v1/auth/refresh')).toBe(0)
    expect(auth.tokens?.access).toBe('access-from-other-tab')
  })

  it('follows a logout in another tab', async () => {
    const auth = useAuthStore()
    const ended: string[] = []
    auth.onSessionEnd((r) => ended.push(r))
    await auth.login('admin', 'cunzhi2026')
    localStorage.removeItem(TOKENS_KEY)
    window.dispatchEvent(new StorageEvent('storage', { key: TOKENS_KEY, newValue: null }))
    expect(auth.isAuthenticated).toBe(false)
    expect(ended).toEqual(['other_tab'])
  })

  it('logs out: revokes the refresh token and forgets the session', async () => {
    const auth = useAuthStore()
    await auth.login('admin', 'cunzhi2026')
    await auth.logout()
    const call = server.calls.at(-1)!
    expect(call.path).toBe('/api/v1/auth/logout')
    expect(JSON.parse(call.body)).toEqual({ refresh_token: 'refresh-1-0123456789abcdef' })
    expect(server.validRefresh.size).toBe(0)
    expect(auth.isAuthenticated).toBe(false)
    expect(localStorage.length).toBe(0)
  })

  it('restores the session from storage on a new page load', async () => {
    const first = useAuthStore()
    await first.login('admin', 'cunzhi2026')
    setActivePinia(createPinia())
    const second = useAuthStore()
    expect(second.isAuthenticated).toBe(true)
    expect(second.me?.username).toBe('admin')
    expect(second.role).toBe('county_admin')
  })
})
