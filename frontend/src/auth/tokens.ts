/** The session kept in localStorage, shared by all tabs of the browser. */
import type { Me, TokenPair } from '@/api/types'

export const TOKENS_KEY = 'cunzhi.session'
export const ME_KEY = 'cunzhi.me'

export interface StoredTokens {
  access: string
  refresh: string | null
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number
  /** Lifetime in seconds as issued, to plan the refresh. */
  lifetime: number
}

export function tokensFrom(pair: TokenPair, now = Date.now()): StoredTokens {
  return {
    access: pair.access_token,
    refresh: pair.refresh_token ?? null,
    expiresAt: now + pair.expires_in * 1000,
    lifetime: pair.expires_in,
  }
}

function read<T>(key: string, valid: (v: unknown) => v is T): T | null {
  try {
    const raw = localStorage.getItem(key)
    if (!raw) return null
    const value: unknown = JSON.parse(raw)
    return valid(value) ? value : null
  } catch {
    return null
  }
}

function isTokens(v: unknown): v is StoredTokens {
  const t = v as StoredTokens
  return !!t && typeof t.access === 'string' && typeof t.expiresAt === 'number'
}

function isMe(v: unknown): v is Me {
  const m = v as Me
  return !!m && typeof m.username === 'string' && typeof m.role === 'string' && !!m.scope
}

export function loadTokens(): StoredTokens | null {
  return read(TOKENS_KEY, isTokens)
}

export function saveTokens(tokens: StoredTokens): void {
  localStorage.setItem(TOKENS_KEY, JSON.stringify(tokens))
}

export function loadMe(): Me | null {
  return read(ME_KEY, isMe)
}

export function saveMe(me: Me): void {
  localStorage.setItem(ME_KEY, JSON.stringify(me))
}

export function clearSession(): void {
  localStorage.removeItem(TOKENS_KEY)
  localStorage.removeItem(ME_KEY)
}

/** When to refresh: a minute before expiry, or at 80% of a short lifetime. */
export function refreshDelay(tokens: StoredTokens, now = Date.now()): number {
  const lead = Math.min(60_000, tokens.lifetime * 1000 * 0.2)
  return Math.max(0, tokens.expiresAt - now - lead)
}

/** Runs fn while holding a lock shared with other tabs (Web Locks), so only one tab refreshes. */
export async function withTabLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (locks?.request) return locks.request(name, fn) as Promise<T>
  return fn()
}
