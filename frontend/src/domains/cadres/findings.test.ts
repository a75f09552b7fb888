import { beforeEach, describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { OfflineQueue, submitWrite, toRequest, type NewWrite, type QueuedWrite } from '@/offline/queue'
import { addFinding, checkFinding, findingBody, findingsOfLog, waitingFindings, type FindingDeps } from './findings'
import { makeCadresBatcher } from './sync'
import type { Finding } from './types'

const LOGS = '/api/v1/cadres/logs'
const json = (body: unknown, status = 201): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const noSignal = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch')
}
const t = (key: string, named: Record<string, unknown> = {}): string => `${key}${Object.keys(named).length ? JSON.stringify(named) : ''}`
const FINDING = { kind: 'discipline' as const, text: '村会计公款私存', issues: 1 }

function deps(queue: OfflineQueue, send: (w: QueuedWrite) => Promise<Response>, findLog: FindingDeps['findLog'] = async () => null): FindingDeps {
  return { submit: (w: NewWrite) => submitWrite(queue, send, w), attach: (k, f) => queue.attach(k, f), findLog }
}

describe('a finding added on the phone', () => {
  let queue: OfflineQueue
  beforeEach(() => {
    queue = new OfflineQueue({ factory: new IDBFactory(), dbName: `findings-${Math.random()}` })
  })

  it('to a log on the server, with no signal, waits as its own write and keeps its key on every retry', async () => {
    const r = await addFinding(deps(queue, noSignal), { id: 41 }, FINDING, '发现问题 2026-05-01')
    expect(r.queued).toBe(true)
    const [w] = await queue.list()
    expect(w).toMatchObject({ path: '/api/v1/cadres/logs/41/findings', body: FINDING, label: '发现问题 2026-05-01' })
    expect(waitingFindings(await queue.list(), { id: 41 })).toEqual([{ key: w!.key, body: FINDING, failed: false }])
    expect(waitingFindings(await queue.list(), { id: 4 })).toEqual([])

    // the first answer is lost (server busy), the second attempt carries the same Idempotency-Key
    const keys: string[] = []
    const busy = await queue.replay(async (x) => {
      keys.push(toRequest(x, 'http://127.0.0.1').headers.get('Idempotency-Key')!)
      return new Response('{}', { status: 503 })
    })
    expect(busy.stoppedBy).toBe('server')
    await queue.replay(async (x) => {
      keys.push(toRequest(x, 'http://127.0.0.1').headers.get('Idempotency-Key')!)
      return json({ id: 7, log_id: 41 })
    })
    expect(keys).toEqual([w!.key, w!.key])
    expect(await queue.list()).toEqual([])
  })

  it('to a log still in the outbox rides on it and goes to the id the log is given, after its photo', async () => {
    await submitWrite(queue, noSignal, {
      method: 'POST',
      path: LOGS,
      body: { text: '走访' },
      then: [{ method: 'POST', path: `${LOGS}/{id}/photos`, files: [{ field: 'file', filename: 'p.jpg', type: 'image/jpeg', data: new ArrayBuffer(2) }] }],
    })
    const [log] = await queue.list()
    const r = await addFinding(deps(queue, noSignal), { key: log!.key }, FINDING, 'f')
    expect(r).toMatchObject({ queued: true, attached: true })
    const stored = await queue.list()
    expect(stored).toHaveLength(1) // nothing of its own: it waits for the log's id
    const riding = waitingFindings(stored, { key: log!.key })
    expect(riding.map((x) => x.body)).toEqual([FINDING])
    expect(riding[0]!.key).toMatch(/\S/)

    const sent: { path: string; key: string }[] = []
    const report = await queue.replay(async (w) => {
      sent.push({ path: w.path, key: w.key })
      return w.path === LOGS ? json({ id: 88 }) : json({ id: 1 })
    })
    expect(report).toMatchObject({ sent: 3, failed: 0, stoppedBy: null })
    expect(sent.map((s) => s.path)).toEqual([LOGS, `${LOGS}/88/photos`, `${LOGS}/88/findings`])
    expect(sent[2]!.key).toBe(riding[0]!.key)
    expect(await queue.list()).toEqual([])
  })

  it('while its log is on its way is not lost: it goes right after the log', async () => {
    const log = await queue.enqueue({ method: 'POST', path: LOGS, body: { text: '走访' } })
    const sent: string[] = []
    let attached: QueuedWrite | null = null
    await queue.replay(async (w) => {
      sent.push(w.path)
      if (w.path === LOGS) {
        // the cadre adds a finding while the log's request is in flight
        attached = await queue.attach(log.key, { method: 'POST', path: `${LOGS}/{id}/findings`, body: FINDING })
        return json({ id: 5 })
      }
      return json({ id: 9 })
    })
    expect(attached).not.toBeNull()
    expect(sent).toEqual([LOGS, `${LOGS}/5/findings`])
    expect(await queue.list()).toEqual([])
  })

  it('rides on a log sent in one batch with others', async () => {
    const a = await queue.enqueue({ method: 'POST', path: LOGS, body: { text: 'a' } })
    await queue.enqueue({ method: 'POST', path: LOGS, body: { text: 'b' } })
    await queue.attach(a.key, { method: 'POST', path: `${LOGS}/{id}/findings`, body: FINDING })
    const batches: unknown[] = []
    const batcher = makeCadresBatcher(async (req) => {
      const body = (await req.json()) as { items: { key: string }[] }
      batches.push(body.items.map((i) => i.key))
      return json({ results: body.items.map((it, index) => ({ index, key: it.key, kind: 'log', status: 'created', http_status: 201, log: { id: 60 + index } })), created: 2, duplicates: 0, refused: 0 }, 200)
    }, 'http://127.0.0.1')
    const single: string[] = []
    await queue.replay(async (w) => {
      single.push(w.path)
      return json({ id: 1 })
    }, [batcher])
    expect(batches).toHaveLength(1)
    expect(single).toEqual([`${LOGS}/60/findings`])
  })

  it('to a log that left the outbox goes to its server id, found by its client_key', async () => {
    const sent: string[] = []
    const online = async (w: QueuedWrite): Promise<Response> => {
      sent.push(w.path)
      return json({ id: 3, log_id: 70 })
    }
    const r = await addFinding(deps(queue, online, async (key) => (key === 'gone' ? 70 : null)), { key: 'gone' }, FINDING, 'f')
    expect(r.queued).toBe(false)
    expect(sent).toEqual([`${LOGS}/70/findings`])
    const lost = await addFinding(deps(queue, online), { key: 'unknown' }, FINDING, 'f')
    expect(lost).toEqual({ queued: false, lost: true })
    expect(await queue.list()).toEqual([])
  })
})

describe('the finding form check', () => {
  it('names each missing or wrong field', () => {
    expect(checkFinding({ kind: '', text: '  ', issues: 0 }, t)).toEqual({
      kind: 'cadres.finding.kindRequired',
      text: 'cadres.finding.textRequired',
      issues: 'cadres.finding.issuesRange{"max":99}',
    })
    expect(checkFinding({ kind: 'policy', text: 'x'.repeat(2001), issues: 100 }, t)).toEqual({
      text: 'cadres.finding.textTooLong{"max":2000}',
      issues: 'cadres.finding.issuesRange{"max":99}',
    })
    expect(checkFinding({ kind: 'policy', text: '补贴', issues: 1.5 }, t)).toHaveProperty('issues')
    expect(checkFinding({ kind: 'other' as never, text: '补贴', issues: 1 }, t)).toHaveProperty('kind')
    expect(checkFinding({ kind: 'discipline', text: ' 补贴 ', issues: '2' }, t)).toEqual({})
    expect(findingBody({ kind: 'discipline', text: ' 补贴 ', issues: '2' })).toEqual({ kind: 'discipline', text: '补贴', issues: 2 })
  })

  it("keeps the log's own findings, oldest first", () => {
    const f = (id: number, log_id: number) => ({ id, log_id }) as Finding
    expect(findingsOfLog([f(9, 1), f(3, 2), f(4, 1)], 1).map((x) => x.id)).toEqual([4, 9])
  })
})
