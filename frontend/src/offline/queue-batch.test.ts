import { beforeEach, describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { OfflineQueue, type BatchSender, type QueuedWrite } from './queue'

const json = (status: number, body: unknown = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const problem = (status: number, code: string): Response =>
  new Response(JSON.stringify({ status, code, title: code, detail: `detail of ${code}` }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  })

/** A batcher for paths under /b/ that records what it was given and answers with `answer`. */
function batcher(answer: (writes: QueuedWrite[]) => Promise<Response[] | null>, max = 10) {
  const calls: string[][] = []
  const b: BatchSender = {
    max,
    accepts: (w) => w.method === 'POST' && w.path.startsWith('/b/'),
    async send(writes) {
      calls.push(writes.map((w) => w.path))
      return answer(writes)
    },
  }
  return { b, calls }
}

describe('OfflineQueue with a batch sender', () => {
  let queue: OfflineQueue
  const singles: string[] = []
  const single = async (w: QueuedWrite): Promise<Response> => {
    singles.push(w.path)
    return json(201)
  }

  beforeEach(() => {
    queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'batch-queue' })
    singles.length = 0
  })

  it('sends runs of two or more accepted writes together, the rest one by one, in order', async () => {
    for (const p of ['/b/1', '/b/2', '/b/3', '/other', '/b/4', '/b/5', '/b/6']) await queue.enqueue({ method: 'POST', path: p })
    const { b, calls } = batcher(async (ws) => ws.map(() => json(201)), 2)
    const report = await queue.replay(single, [b])
    expect(report).toEqual({ sent: 7, failed: 0, remaining: 0, stoppedBy: null })
    expect(calls).toEqual([['/b/1', '/b/2'], ['/b/4', '/b/5']])
    expect(singles).toEqual(['/b/3', '/other', '/b/6'])
    expect(await queue.list()).toEqual([])
  })

  it('handles each answer of a batch like a single answer', async () => {
    for (const p of ['/b/ok', '/b/refused', '/b/dup']) await queue.enqueue({ method: 'POST', path: p })
    const { b } = batcher(async () => [json(201), problem(409, 'already_checked_in'), json(200)])
    const report = await queue.replay(single, [b])
    expect(report).toMatchObject({ sent: 2, failed: 1, stoppedBy: null })
    const left = await queue.list()
    expect(left).toHaveLength(1)
    expect(left[0]).toMatchObject({ path: '/b/refused', state: 'failed', lastError: { status: 409, code: 'already_checked_in' } })
  })

  it('stops at a retryable answer inside a batch and keeps the rest pending', async () => {
    for (const p of ['/b/1', '/b/2', '/b/3', '/after']) await queue.enqueue({ method: 'POST', path: p })
    const { b } = batcher(async () => [json(201), problem(503, 'unavailable'), json(201)])
    const report = await queue.replay(single, [b])
    expect(report).toMatchObject({ sent: 1, stoppedBy: 'server', remaining: 3 })
    expect((await queue.list()).map((w) => [w.path, w.state])).toEqual([
      ['/b/2', 'pending'],
      ['/b/3', 'pending'],
      ['/after', 'pending'],
    ])
    expect(singles).toEqual([])
  })

  it('stops without failing anything when the batch gets no answer', async () => {
    for (const p of ['/b/1', '/b/2']) await queue.enqueue({ method: 'POST', path: p })
    const { b } = batcher(async () => {
      throw new TypeError('Failed to fetch')
    })
    const report = await queue.replay(single, [b])
    expect(report).toMatchObject({ sent: 0, stoppedBy: 'network', remaining: 2 })
    const left = await queue.list()
    expect(left.map((w) => w.state)).toEqual(['pending', 'pending'])
    expect(left[0]).toMatchObject({ attempts: 1, lastError: { code: 'network_error' } })
  })

  it('falls back to one by one when the batch cannot be used', async () => {
    for (const p of ['/b/1', '/b/2']) await queue.enqueue({ method: 'POST', path: p })
    for (const answer of [async () => null, async () => [json(201)]]) {
      singles.length = 0
      const { b, calls } = batcher(answer)
      if (!(await queue.list()).length) for (const p of ['/b/1', '/b/2']) await queue.enqueue({ method: 'POST', path: p })
      const report = await queue.replay(single, [b])
      expect(calls).toHaveLength(1)
      expect(singles).toEqual(['/b/1', '/b/2'])
      expect(report).toMatchObject({ sent: 2, stoppedBy: null })
    }
  })

  it('never batches failed writes again', async () => {
    await queue.enqueue({ method: 'POST', path: '/b/1' })
    await queue.enqueue({ method: 'POST', path: '/b/2' })
    const first = batcher(async () => [problem(422, 'validation_error'), problem(422, 'validation_error')])
    await queue.replay(single, [first.b])
    const second = batcher(async (ws) => ws.map(() => json(201)))
    const report = await queue.replay(single, [second.b])
    expect(second.calls).toEqual([])
    expect(report).toMatchObject({ sent: 0, failed: 0 })
    expect(await queue.counts()).toEqual({ pending: 0, failed: 2 })
  })
})
