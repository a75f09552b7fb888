/**
 * Replays several queued check-ins and work logs in one request (POST /api/v1/cadres/sync) when the
 * phone comes back online: each item carries its write's own Idempotency-Key, and each item's answer
 * is turned back into the answer its single POST would have had, so the offline queue handles it as
 * usual. In the main chunk (domain.ts): keep it small and free of UI libraries.
 */
import { authFetch } from '@/api/client'
import { isRetryable, type BatchSender, type QueuedWrite } from '@/offline/queue'
import type { SyncResponse, SyncResult } from './types'

export const SYNC_PATH = '/api/v1/cadres/sync'
const KINDS: Record<string, 'checkin' | 'log'> = {
  '/api/v1/cadres/checkins': 'checkin',
  '/api/v1/cadres/logs': 'log',
}
/**
 * The most items the phone sends in one batch. The server takes up to 1,000 (a week's queue), but on a
 * weak signal a request of 100 (some 30 KB) is likelier to get through, and one lost costs little to send again.
 */
export const SYNC_MAX = 100

const JSON_HEADERS = { 'Content-Type': 'application/json' }

/** The answer the single POST would have given for one item of a batch. */
export function itemResponse(r: SyncResult): Response {
  if (r.status === 'refused') {
    const problem = { type: 'about:blank', title: r.code ?? 'refused', status: r.http_status, code: r.code, detail: r.detail, errors: r.errors }
    return new Response(JSON.stringify(problem), { status: r.http_status, headers: { 'Content-Type': 'application/problem+json' } })
  }
  const headers: Record<string, string> = { ...JSON_HEADERS }
  if (r.status === 'duplicate') headers['Idempotent-Replayed'] = 'true'
  return new Response(JSON.stringify(r.checkin ?? r.log ?? {}), { status: r.http_status, headers })
}

export function syncBody(writes: QueuedWrite[]): { items: { key: string; kind: string; body: unknown }[] } {
  return { items: writes.map((w) => ({ key: w.key, kind: KINDS[w.path] ?? 'unknown', body: w.body })) }
}

function copies(response: Response, text: string, n: number): Response[] {
  return Array.from({ length: n }, () => new Response(text, { status: response.status, headers: response.headers }))
}

export function makeCadresBatcher(fetcher: (r: Request) => Promise<Response> = authFetch, origin?: string): BatchSender {
  return {
    max: SYNC_MAX,
    accepts: (w) => w.method === 'POST' && w.path in KINDS && !Object.keys(w.headers).some((h) => h.toLowerCase() === 'if-match'),
    async send(writes) {
      const base = origin ?? globalThis.location?.origin ?? 'http://localhost'
      const response = await fetcher(
        new Request(new URL(SYNC_PATH, base), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(syncBody(writes)) }),
      )
      if (!response.ok) {
        // The session is gone or the server is busy: every write waits, as a single one would.
        if (response.status === 401 || isRetryable(response.status)) return copies(response, await response.text(), writes.length)
        return null // an older server or a refused batch: send them one by one
      }
      const out = (await response.json()) as SyncResponse
      const byIndex = new Map(out.results.map((r) => [r.index, r]))
      const answers: Response[] = []
      for (const [i] of writes.entries()) {
        const r = byIndex.get(i)
        if (!r) return null
        answers.push(itemResponse(r))
      }
      return answers
    },
  }
}
