import { describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { OfflineQueue, type QueuedWrite } from '@/offline/queue'
import { itemResponse, makeCadresBatcher, syncBody } from './sync'
import type { SyncResult } from './types'

function write(path: string, key: string, body: unknown = {}): QueuedWrite {
  return { key, method: 'POST', path, body, headers: {}, label: null, createdAt: 0, attempts: 0, state: 'pending', lastError: null }
}

const result = (index: number, key: string, over: Partial<SyncResult>): SyncResult =>
  ({ index, key, kind: 'checkin', status: 'created', http_status: 201, code: null, detail: null, errors: null, checkin: null, log: null, ...over }) as SyncResult

describe('the cadres batch sender', () => {
  it('takes check-ins and work logs only', () => {
    const b = makeCadresBatcher(async () => new Response())
    expect(b.accepts(write('/api/v1/cadres/checkins', 'a'))).toBe(true)
    expect(b.accepts(write('/api/v1/cadres/logs', 'a'))).toBe(true)
    expect(b.accepts(write('/api/v1/funds/claims/1/sign', 'a'))).toBe(false)
    expect(b.accepts({ ...write('/api/v1/cadres/logs', 'a'), method: 'PATCH' })).toBe(false)
    expect(b.accepts({ ...write('/api/v1/cadres/logs', 'a'), headers: { 'If-Match': 'W/"1"' } })).toBe(false)
    expect(b.max).toBe(100)
  })

  it('sends each write with its own key and turns each item back into a single answer', async () => {
    const seen: unknown[] = []
    const b = makeCadresBatcher(async (req) => {
      expect(new URL(req.url).pathname).toBe('/api/v1/cadres/sync')
      seen.push(await req.json())
      return Response.json({
        results: [
          result(0, 'k1', { checkin: { id: 7 } as SyncResult['checkin'] }),
          result(1, 'k2', { kind: 'log', status: 'duplicate', http_status: 200, log: { id: 9 } as SyncResult['log'] }),
          result(2, 'k3', { status: 'refused', http_status: 409, code: 'already_checked_in', detail: 'Already' }),
        ],
        created: 1,
        duplicates: 1,
        refused: 1,
      })
    }, 'http://127.0.0.1')
    const answers = await b.send([
      write('/api/v1/cadres/checkins', 'k1', { lat: 1 }),
      write('/api/v1/cadres/logs', 'k2', { text: 'x' }),
      write('/api/v1/cadres/checkins', 'k3', { lat: 2 }),
    ])
    expect(seen).toEqual([
      {
        items: [
          { key: 'k1', kind: 'checkin', body: { lat: 1 } },
          { key: 'k2', kind: 'log', body: { text: 'x' } },
          { key: 'k3', kind: 'checkin', body: { lat: 2 } },
        ],
      },
    ])
    expect(answers!.map((r) => r.status)).toEqual([201, 200, 409])
    expect(await answers![0]!.json()).toEqual({ id: 7 })
    expect(answers![1]!.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await answers![2]!.json()).toMatchObject({ status: 409, code: 'already_checked_in' })
    expect(answers![2]!.headers.get('Content-Type')).toBe('application/problem+json')
  })

  it('lets every write wait on 401 or a busy server, and falls back when the batch is refused', async () => {
    const ws = [write('/api/v1/cadres/checkins', 'a'), write('/api/v1/cadres/logs', 'b')]
    const busy = await makeCadresBatcher(async () => new Response('{}', { status: 503 }), 'http://x').send(ws)
    expect(busy!.map((r) => r.status)).toEqual([503, 503])
    const expired = await makeCadresBatcher(async () => new Response('{}', { status: 401 }), 'http://x').send(ws)
    expect(expired!.map((r) => r.status)).toEqual([401, 401])
    expect(await makeCadresBatcher(async () => new Response('{}', { status: 404 }), 'http://x').send(ws)).toBeNull()
    expect(await makeCadresBatcher(async () => new Response('{}', { status: 422 }), 'http://x').send(ws)).toBeNull()
    const short = makeCadresBatcher(async () => Response.json({ results: [result(0, 'a', {})] }), 'http://x')
    expect(await short.send(ws)).toBeNull()
  })

  it('replays a queue: one batch for the cadre writes, their failures kept for the person', async () => {
    const queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'cadres-sync' })
    await queue.enqueue({ method: 'POST', path: '/api/v1/cadres/checkins', body: { lat: 1 }, idempotencyKey: 'c1' })
    await queue.enqueue({ method: 'POST', path: '/api/v1/cadres/logs', body: { text: 'a' }, idempotencyKey: 'l1' })
    await queue.enqueue({ method: 'POST', path: '/api/v1/cadres/logs', body: { text: 'b' }, idempotencyKey: 'l2' })
    let batches = 0
    const b = makeCadresBatcher(async (req) => {
      batches += 1
      const { items } = (await req.json()) as ReturnType<typeof syncBody>
      return Response.json({
        results: items.map((it, index) =>
          it.key === 'l2'
            ? result(index, it.key, { status: 'refused', http_status: 422, code: 'log_date_too_old' })
            : result(index, it.key, {}),
        ),
      })
    }, 'http://127.0.0.1')
    const report = await queue.replay(async () => {
      throw new Error('no single sends expected')
    }, [b])
    expect(batches).toBe(1)
    expect(report).toMatchObject({ sent: 2, failed: 1, stoppedBy: null })
    const left = await queue.list()
    expect(left.map((w) => [w.key, w.state, w.lastError?.code])).toEqual([['l2', 'failed', 'log_date_too_old']])
  })

  it('builds refusals in the problem shape', async () => {
    const r = itemResponse(result(0, 'k', { status: 'refused', http_status: 422, code: 'validation_error', errors: [{ loc: ['body', 'lat'], msg: 'bad', type: 'x' }] }))
    expect(r.status).toBe(422)
    expect(await r.json()).toMatchObject({ code: 'validation_error', errors: [{ loc: ['body', 'lat'] }] })
  })
})
