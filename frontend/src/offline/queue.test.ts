import { beforeEach, describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { OfflineQueue, isRetryable, newIdempotencyKey, submitWrite, toRequest, type QueuedWrite } from './queue'

function problem(status: number, code: string): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: code, status, code, detail: `detail of ${code}` }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  })
}

const ok = (): Response => new Response('{}', { status: 201, headers: { 'Content-Type': 'application/json' } })

describe('OfflineQueue', () => {
  let factory: IDBFactory
  let queue: OfflineQueue
  let clock: number

  beforeEach(() => {
    factory = new IDBFactory()
    clock = 1_000
    queue = new OfflineQueue({ factory, dbName: 'test-queue', now: () => clock++ })
  })

  it('stores writes with an Idempotency-Key, oldest first', async () => {
    const a = await queue.enqueue({ method: 'POST', path: '/api/v1/checkins', body: { lat: 1 }, label: 'check-in' })
    const b = await queue.enqueue({ method: 'PATCH', path: '/api/v1/tasks/7', body: { progress: 5 }, headers: { 'If-Match': 'W/"3"' } })
    expect(a.key).toMatch(/^[0-9a-f-]{36}$/)
    expect(b.key).not.toBe(a.key)
    const all = await queue.list()
    expect(all.map((w) => w.path)).toEqual(['/api/v1/checkins', '/api/v1/tasks/7'])
    expect(all[0]).toMatchObject({ state: 'pending', attempts: 0, label: 'check-in', body: { lat: 1 } })
    expect(all[1]!.headers).toEqual({ 'If-Match': 'W/"3"' })
    expect(await queue.counts()).toEqual({ pending: 2, failed: 0 })
  })

  it('survives a reopen of the database (the phone was switched off)', async () => {
    const w = await queue.enqueue({ method: 'POST', path: '/api/v1/logs', body: { text: '走访' } })
    queue.close()
    const again = new OfflineQueue({ factory, dbName: 'test-queue' })
    const all = await again.list()
    expect(all).toHaveLength(1)
    expect(all[0]!.key).toBe(w.key)
    expect(all[0]!.body).toEqual({ text: '走访' })
  })

  it('does not store the same Idempotency-Key twice', async () => {
    await queue.enqueue({ method: 'POST', path: '/a', idempotencyKey: 'k-1' })
    const again = await queue.enqueue({ method: 'POST', path: '/a', idempotencyKey: 'k-1' })
    expect(again.key).toBe('k-1')
    expect(await queue.list()).toHaveLength(1)
  })

  it('replays in order with each write’s own Idempotency-Key and removes what succeeded', async () => {
    const a = await queue.enqueue({ method: 'POST', path: '/api/v1/a', body: { n: 1 } })
    const b = await queue.enqueue({ method: 'POST', path: '/api/v1/b', body: { n: 2 } })
    const seen: { key: string; header: string | null; body: string }[] = []
    const report = await queue.replay(async (w) => {
      const req = toRequest(w, 'http://127.0.0.1')
      seen.push({ key: w.key, header: req.headers.get('Idempotency-Key'), body: await req.text() })
      return ok()
    })
    expect(report).toEqual({ sent: 2, failed: 0, remaining: 0, stoppedBy: null })
    expect(seen).toEqual([
      { key: a.key, header: a.key, body: '{"n":1}' },
      { key: b.key, header: b.key, body: '{"n":2}' },
    ])
    expect(await queue.list()).toEqual([])
  })

  it('stops at the first network failure and keeps the rest in order', async () => {
    await queue.enqueue({ method: 'POST', path: '/one' })
    await queue.enqueue({ method: 'POST', path: '/two' })
    await queue.enqueue({ method: 'POST', path: '/three' })
    let calls = 0
    const report = await queue.replay(async (w) => {
      calls += 1
      if (w.path === '/two') throw new TypeError('Failed to fetch')
      return ok()
    })
    expect(calls).toBe(2)
    expect(report).toMatchObject({ sent: 1, remaining: 2, stoppedBy: 'network' })
    const left = await queue.list()
    expect(left.map((w) => w.path)).toEqual(['/two', '/three'])
    expect(left[0]).toMatchObject({ attempts: 1, state: 'pending', lastError: { code: 'network_error' } })
    expect(left[1]).toMatchObject({ attempts: 0 })

    // Network back: the same keys go out again.
    const keys: string[] = []
    const second = await queue.replay(async (w) => {
      keys.push(w.key)
      return ok()
    })
    expect(second).toMatchObject({ sent: 2, remaining: 0 })
    expect(keys).toEqual(left.map((w) => w.key))
  })

  it('keeps retryable answers (5xx, 429) pending and stops', async () => {
    await queue.enqueue({ method: 'POST', path: '/busy' })
    await queue.enqueue({ method: 'POST', path: '/later' })
    const report = await queue.replay(async () => problem(503, 'server_error'))
    expect(report).toMatchObject({ sent: 0, failed: 0, remaining: 2, stoppedBy: 'server' })
    expect((await queue.list())[0]).toMatchObject({ state: 'pending', attempts: 1, lastError: { status: 503 } })
  })

  it('stops on 401 (session gone) without failing the write', async () => {
    await queue.enqueue({ method: 'POST', path: '/x' })
    const report = await queue.replay(async () => problem(401, 'invalid_token'))
    expect(report.stoppedBy).toBe('auth')
    expect(await queue.counts()).toEqual({ pending: 1, failed: 0 })
  })

  it('marks refused writes (4xx) failed with their problem code and goes on', async () => {
    await queue.enqueue({ method: 'POST', path: '/bad', label: 'bad one' })
    await queue.enqueue({ method: 'POST', path: '/good' })
    const report = await queue.replay(async (w) => (w.path === '/bad' ? problem(422, 'validation_error') : ok()))
    expect(report).toMatchObject({ sent: 1, failed: 1, remaining: 0, stoppedBy: null })
    const left = await queue.list()
    expect(left).toHaveLength(1)
    expect(left[0]).toMatchObject({
      path: '/bad',
      state: 'failed',
      lastError: { status: 422, code: 'validation_error', message: 'detail of validation_error' },
    })
    // Failed writes are not replayed again; the person discards them.
    let calls = 0
    await queue.replay(async () => {
      calls += 1
      return ok()
    })
    expect(calls).toBe(0)
    await queue.remove(left[0]!.key)
    expect(await queue.list()).toEqual([])
  })

  it('runs one replay at a time', async () => {
    await queue.enqueue({ method: 'POST', path: '/only-once' })
    let calls = 0
    const send = async (): Promise<Response> => {
      calls += 1
      await new Promise((r) => setTimeout(r, 5))
      return ok()
    }
    const [r1, r2] = await Promise.all([queue.replay(send), queue.replay(send)])
    expect(calls).toBe(1)
    expect(r1).toBe(r2)
  })

  it('notifies subscribers on changes', async () => {
    let n = 0
    const off = queue.subscribe(() => n++)
    const w = await queue.enqueue({ method: 'POST', path: '/n' })
    await queue.remove(w.key)
    off()
    await queue.enqueue({ method: 'POST', path: '/m' })
    expect(n).toBe(2)
  })
})

describe('submitWrite', () => {
  let queue: OfflineQueue
  beforeEach(() => {
    queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'submit' })
  })

  it('sends right away when online and returns the answer', async () => {
    let header: string | null = null
    const result = await submitWrite(queue, async (w) => {
      header = toRequest(w, 'http://127.0.0.1').headers.get('Idempotency-Key')
      return ok()
    }, { method: 'POST', path: '/api/v1/checkins', body: {} })
    expect(result.queued).toBe(false)
    expect(header).toMatch(/^[0-9a-f-]{36}$/)
    expect(await queue.list()).toEqual([])
  })

  it('queues with the same key it first tried when there is no answer', async () => {
    let firstKey = ''
    const result = await submitWrite(queue, async (w: QueuedWrite) => {
      firstKey = w.key
      throw new TypeError('Failed to fetch')
    }, { method: 'POST', path: '/api/v1/checkins', body: { at: 'now' }, label: '打卡' })
    expect(result.queued).toBe(true)
    const [stored] = await queue.list()
    expect(stored!.key).toBe(firstKey)
    expect(stored!.label).toBe('打卡')
  })

  it('queues on a retryable answer, returns refusals to the caller', async () => {
    const busy = await submitWrite(queue, async () => problem(502, 'server_error'), { method: 'POST', path: '/a' })
    expect(busy.queued).toBe(true)
    const refused = await submitWrite(queue, async () => problem(403, 'forbidden'), { method: 'POST', path: '/b' })
    expect(refused.queued).toBe(false)
    if (!refused.queued) expect(refused.response.status).toBe(403)
    expect(await queue.list()).toHaveLength(1)
  })
})

describe('helpers', () => {
  it('classifies statuses', () => {
    expect([408, 425, 429, 500, 502, 503].every(isRetryable)).toBe(true)
    expect([400, 401, 403, 404, 409, 412, 422].some(isRetryable)).toBe(false)
  })

  it('makes v4 UUIDs', () => {
    const keys = new Set(Array.from({ length: 50 }, newIdempotencyKey))
    expect(keys.size).toBe(50)
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('builds a request without a body for DELETE', () => {
    const req = toRequest({ key: 'k', method: 'DELETE', path: '/api/v1/x/1', body: null, headers: { 'If-Match': 'W/"2"' }, label: null, createdAt: 0, attempts: 0, state: 'pending', lastError: null }, 'http://127.0.0.1')
    expect(req.method).toBe('DELETE')
    expect(req.headers.get('Content-Type')).toBeNull()
    expect(req.headers.get('If-Match')).toBe('W/"2"')
    expect(req.url).toBe('http://127.0.0.1/api/v1/x/1')
  })
})
