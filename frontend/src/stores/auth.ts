/**
 * The signed-in user: tokens (shared by tabs through localStorage), who they are (/auth/me),
 * refresh before expiry, logout. Installs itself into the API client on creation.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { installAuthHooks, publicApi, api, unwrap } from '@/api/client'
import { ApiError } from '@/api/errors'
import type { Me, Role } from '@/api/types'
import {
  clearSession,
  loadMe,
  loadTokens,
  ME_KEY,
  refreshDelay,
  saveMe,
  saveTokens,
  TOKENS_KEY,
  tokensFrom,
  withTabLock,
  type StoredTokens,
} from '@/auth/tokens'

export type SessionEndReason = 'expired' | 'logout' | 'other_tab'

/** Refresh when less than this is left (also on demand before each call). */
const MIN_VALIDITY_MS = 30_000

export const useAuthStore = defineStore('auth', () => {
  const tokens = ref<StoredTokens | null>(loadTokens())
  const me = ref<Me | null>(tokens.value ? loadMe() : null)
  let timer: ReturnType<typeof setTimeout> | null = null
  let inflight: Promise<boolean> | null = null
  let onEnd: ((reason: SessionEndReason) => void) | null = null

  const isAuthenticated = computed(() => tokens.value !== null)
  const role = computed<Role | null>(() => me.value?.role ?? null)

  function hasRole(...roles: Role[]): boolean {
    return role.value !== null && roles.includes(role.value)
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = null
    const t = tokens.value
    if (!t || !t.refresh) return
    timer = setTimeout(() => {
      void refresh(t.access)
    }, refreshDelay(t))
  }

  function adopt(next: StoredTokens): void {
    tokens.value = next
    saveTokens(next)
    schedule()
  }

  function endLocally(reason: SessionEndReason): void {
    const had = tokens.value !== null
    tokens.value = null
    me.value = null
    if (timer) clearTimeout(timer)
    timer = null
    if (reason !== 'other_tab') clearSession()
    // The next person may know other people: forget the display names looked up so far.
    void import('@/utils/people').then((m) => m.forgetPeople())
    if (had && onEnd) onEnd(reason)
  }

  async function login(username: string, password: string): Promise<Me> {
    const pair = await unwrap(
      publicApi.POST('/api/v1/auth/token', {
        body: { grant_type: 'password', username, password, scope: '' },
        bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    )
    adopt(tokensFrom(pair))
    try {
      return await fetchMe()
    } catch (e) {
      endLocally('logout')
      throw e
    }
  }

  /** Change one's own password: every other session ends, this one carries on with the new pair. */
  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const pair = await unwrap(api.POST('/api/v1/users/me/password', {
      body: { current_password: currentPassword, new_password: newPassword },
    }))
    adopt(tokensFrom(pair))
  }

  async function fetchMe(): Promise<Me> {
    const data = await unwrap(api.GET('/api/v1/auth/me'))
    me.value = data
    saveMe(data)
    return data
  }

  /** Who is signed in; from cache when offline. */
  async function ensureMe(): Promise<Me | null> {
    if (!tokens.value) return null
    if (me.value) return me.value
    return fetchMe()
  }

  /**
   * New access token. `stale` is the token that failed or is about to expire: when another tab
   * already replaced it, that tab's tokens are adopted instead of rotating again.
   */
  function refresh(stale: string | null): Promise<boolean> {
    if (!inflight) {
      inflight = withTabLock('cunzhi-auth-refresh', () => doRefresh(stale)).finally(() => {
        inflight = null
      })
    }
    return inflight
  }

  async function doRefresh(stale: string | null): Promise<boolean> {
    const stored = loadTokens()
    if (!stored) {
      endLocally('other_tab')
      return false
    }
    if (stored.access !== stale && stored.expiresAt - Date.now() > MIN_VALIDITY_MS) {
      tokens.value = stored
      schedule()
      return true
    }
    if (!stored.refresh) {
      endLocally('expired')
      return false
    }
    try {
      const pair = await unwrap(
        publicApi.POST('/api/v1/auth/refresh', { body: { refresh_token: stored.refresh } }),
      )
      adopt(tokensFrom(pair))
      return true
    } catch (e) {
      if (e instanceof ApiError && e.status < 500 && e.status !== 429) {
        endLocally('expired')
      }
      // Network trouble or a server hiccup: keep the session, try again on the next call.
      return false
    }
  }

  async function ensureFresh(): Promise<void> {
    const t = tokens.value
    if (!t || !t.refresh) return
    if (t.expiresAt - Date.now() < MIN_VALIDITY_MS) await refresh(t.access)
  }

  async function logout(): Promise<void> {
    const refreshToken = tokens.value?.refresh
    endLocally('logout')
    if (refreshToken) {
      try {
        await publicApi.POST('/api/v1/auth/logout', { body: { refresh_token: refreshToken } })
      } catch {
        /* offline: the refresh token expires by itself */
      }
    }
  }

  function onSessionEnd(handler: ((reason: SessionEndReason) => void) | null): void {
    onEnd = handler
  }

  /** Another tab logged in, refreshed or logged out. */
  function onStorage(event: StorageEvent): void {
    if (event.key === TOKENS_KEY) {
      const next = loadTokens()
      if (!next) endLocally('other_tab')
      else {
        tokens.value = next
        schedule()
      }
    } else if (event.key === ME_KEY) {
      const nextMe = loadMe()
      if (nextMe) me.value = nextMe
    }
  }

  if (typeof window !== 'undefined') window.addEventListener('storage', onStorage)

  installAuthHooks({
    accessToken: () => tokens.value?.access ?? null,
    ensureFresh,
    recover: (usedToken) => refresh(usedToken),
  })
  schedule()

  return {
    tokens,
    me,
    isAuthenticated,
    role,
    hasRole,
    login,
    logout,
    changePassword,
    fetchMe,
    ensureMe,
    refresh,
    ensureFresh,
    onSessionEnd,
  }
})
