import { beforeEach, describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { OfflineQueue, followUps, multipartBody, submitWrite, toRequest, type QueuedWrite } from './queue'

const created = (id: number): Response =>
  new Response(JSON.stringify({ id }), { status: 201, headers: { 'Content-Type': 'application/json' } })
const photo = (bytes: number[]) => ({ field: 'file', filename: 'invoice-1.jpg', type: 'image/jpeg', data: new Uint8Array(bytes).buffer })

async function bytesOf(req: Request): Promise<Uint8Array> {
  return new Uint8Array(await req.arrayBuffer())
}

describe('multipart writes', () => {
  it('send the same bytes on every replay, with the file intact', async () => {
    const write = { key: 'k-1', body: { note: '发票' }, files: [photo([0xff, 0xd8, 0xff, 0x00, 0x0d, 0x0a])] } as QueuedWrite
    write.method = 'POST'
    write.path = '/api/v1/funds/claims/7/attachments'
    write.headers = {}
    const a = toRequest(write, 'http://127.0.0.1')
    const b = toRequest(write, 'http://127.0.0.1')
    expect(a.headers.get('Content-Type')).toBe('multipart/form-data; boundary=----cunzhi-k-1')
    expect(a.headers.get('Idempotency-Key')).toBe('k-1')
    const [x, y] = [await bytesOf(a), await bytesOf(b)]
    expect(x).toEqual(y)
    // The server's own parser reads it back as one text field and one file.
    const form = await new Request('http://127.0.0.1', { method: 'POST', body: new Blob([x as BlobPart]), headers: { 'Content-Type': a.headers.get('Content-Type')! } }).formData()
    expect(form.get('note')).toBe('发票')
    const file = form.get('file') as File
    expect(file.name).toBe('invoice-1.jpg')
    expect(file.type).toBe('image/jpeg')
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff, 0x00, 0x0d, 0x0a])
  })

  it('cannot be broken out of by a file name', async () => {
    const { body } = multipartBody({ key: 'k', body: null, files: [{ ...photo([1]), filename: 'a"\r\nX: y.jpg' }] })
    const text = await body.text()
    expect(text).toContain('filename="a___X: y.jpg"\r\n')
    expect(text.split('\r\n').filter((l) => l.startsWith('X:'))).toEqual([])
  })
})

describe('follow-ups', () => {
  let queue: OfflineQueue
  beforeEach(() => {
    queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'follow-ups' })
  })

  it('take the id of the answer into their path', async () => {
    const next = await followUps({ then: [{ method: 'POST', path: '/claims/{id}/submit' }] }, created(42))
    expect(next.map((w) => w.path)).toEqual(['/claims/42/submit'])
    expect(await followUps({ then: [{ method: 'POST', path: '/claims/{id}/submit' }] }, new Response('no json'))).toEqual([])
  })

  it('made offline, are replayed after the create, in order, with the files', async () => {
    const offline = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch')
    }
    const r = await submitWrite(queue, offline, {
      method: 'POST',
      path: '/api/v1/funds/villages/1/claims',
      body: { amount: '10.00' },
      then: [
        { method: 'POST', path: '/api/v1/funds/claims/{id}/attachments', files: [photo([0xff, 0xd8, 0xff])] },
        { method: 'POST', path: '/api/v1/funds/claims/{id}/submit' },
      ],
    })
    expect(r.queued).toBe(true)
    const stored = await queue.list()
    expect(stored).toHaveLength(1) // the follow-ups wait for the create's answer
    expect(stored[0]!.then!.every((w) => typeof w.idempotencyKey === 'string')).toBe(true)

    const seen: { path: string; key: string; type: string | null }[] = []
    const report = await queue.replay(async (w) => {
      const req = toRequest(w, 'http://127.0.0.1')
      seen.push({ path: w.path, key: req.headers.get('Idempotency-Key')!, type: req.headers.get('Content-Type') })
      return w.path.endsWith('/claims') ? created(9) : new Response('{}', { status: 200 })
    })
    expect(seen.map((s) => s.path)).toEqual([
      '/api/v1/funds/villages/1/claims',
      '/api/v1/funds/claims/9/attachments',
      '/api/v1/funds/claims/9/submit',
    ])
    expect(seen[1]!.type).toMatch(/^multipart\/form-data; boundary=/)
    expect(seen[1]!.key).toBe(stored[0]!.then![0]!.idempotencyKey)
    expect(report).toMatchObject({ sent: 3, failed: 0, stoppedBy: null })
    expect(await queue.list()).toEqual([])
  })

  it('stay queued when the network goes after the create, and are not stored twice', async () => {
    await queue.enqueue({
      method: 'POST',
      path: '/c',
      then: [{ method: 'POST', path: '/c/{id}/submit', idempotencyKey: 'submit-1' }],
    })
    const report = await queue.replay(async (w) => {
      if (w.path === '/c') return created(5)
      throw new TypeError('Failed to fetch')
    })
    expect(report.stoppedBy).toBe('network')
    const left = await queue.list()
    expect(left.map((w) => [w.path, w.key])).toEqual([['/c/5/submit', 'submit-1']])
    await queue.enqueueFollowUps({ then: [{ method: 'POST', path: '/c/{id}/submit', idempotencyKey: 'submit-1' }] }, created(5))
    expect(await queue.list()).toHaveLength(1)
  })

  it('sent at once when online, each answered to the caller; none after a refusal', async () => {
    const paths: string[] = []
    const send = async (w: QueuedWrite): Promise<Response> => {
      paths.push(w.path)
      return w.path === '/c' ? created(3) : new Response('{}', { status: 201 })
    }
    const r = await submitWrite(queue, send, { method: 'POST', path: '/c', then: [{ method: 'POST', path: '/c/{id}/a' }] })
    expect(r.queued).toBe(false)
    if (!r.queued) expect(r.followUps?.map((f) => (f.queued ? null : f.response.status))).toEqual([201])
    expect(paths).toEqual(['/c', '/c/3/a'])

    paths.length = 0
    const refuse = async (w: QueuedWrite): Promise<Response> => {
      paths.push(w.path)
      return new Response('{"code":"x"}', { status: 422 })
    }
    await submitWrite(queue, refuse, { method: 'POST', path: '/c', then: [{ method: 'POST', path: '/c/{id}/a' }] })
    expect(paths).toEqual(['/c'])
  })
})

describe('follow-ups of a task progress update', () => {
  it('take a nested id of the answer ("{update.id}") and drop what the answer cannot fill', async () => {
    const answer = new Response(JSON.stringify({ task: { id: 7 }, update: { id: 91 } }), { status: 201 })
    const next = await followUps({ then: [{ method: 'POST', path: '/api/v1/tasks/7/progress/{update.id}/photos' }] }, answer)
    expect(next.map((w) => w.path)).toEqual(['/api/v1/tasks/7/progress/91/photos'])
    const none = await followUps({ then: [{ method: 'POST', path: '/x/{update.id}' }] }, created(3))
    expect(none).toEqual([])
  })

  it('a photo written offline waits in IndexedDB with its update and goes once the update is in', async () => {
    const queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'progress-photos' })
    const offline = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch')
    }
    await submitWrite(queue, offline, {
      method: 'POST',
      path: '/api/v1/tasks/7/progress',
      body: { amount: '1', text: '完工' },
      then: [{ method: 'POST', path: '/api/v1/tasks/7/progress/{update.id}/photos', files: [photo([0xff, 0xd8, 0xff])] }],
    })
    const sent: string[] = []
    const keys: string[] = []
    const online = async (w: QueuedWrite): Promise<Response> => {
      sent.push(w.path)
      keys.push(w.key)
      return w.path.endsWith('/progress')
        ? new Response(JSON.stringify({ task: { id: 7 }, update: { id: 91 } }), { status: 201 })
        : new Response('{}', { status: 201 })
    }
    await queue.replay(online)
    expect(sent).toEqual(['/api/v1/tasks/7/progress', '/api/v1/tasks/7/progress/91/photos'])
    expect(await queue.list()).toEqual([])
    expect(new Set(keys).size).toBe(2)
  })
})

describe('the outbox screen', () => {
  it('sends a refused write again when the person retries it', async () => {
    const queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'retry' })
    await queue.enqueue({ method: 'POST', path: '/a', idempotencyKey: 'k-a' })
    await queue.replay(async () => new Response(JSON.stringify({ code: 'task_closed' }), { status: 409 }))
    expect((await queue.list()).map((w) => w.state)).toEqual(['failed'])
    await queue.retry('k-a')
    const [w] = await queue.list()
    expect(w!.state).toBe('pending')
    expect(w!.lastError).toBeNull()
    await queue.replay(async () => new Response('{}', { status: 201 }))
    expect(await queue.list()).toEqual([])
  })
})

describe('a follow-up attached to a waiting write', () => {
  it('rides on it while it waits or was refused, and is refused once the write has left', async () => {
    const queue = new OfflineQueue({ factory: new IDBFactory(), dbName: 'attach' })
    expect(await queue.attach('none', { method: 'POST', path: '/c/{id}/a' })).toBeNull()
    await queue.enqueue({ method: 'POST', path: '/c', idempotencyKey: 'k-c' })
    await queue.replay(async () => new Response(JSON.stringify({ code: 'log_date_too_old' }), { status: 422 }))
    const stored = await queue.attach('k-c', { method: 'POST', path: '/c/{id}/a', label: 'a' })
    expect(stored?.state).toBe('failed')
    expect(stored?.then?.map((w) => [w.path, typeof w.idempotencyKey])).toEqual([['/c/{id}/a', 'string']])
    expect((await queue.list())[0]!.then).toEqual(stored!.then)
    await queue.retry('k-c')
    const sent: string[] = []
    await queue.replay(async (w) => {
      sent.push(w.path)
      return created(4)
    })
    expect(sent).toEqual(['/c', '/c/4/a'])
    expect(await queue.attach('k-c', { method: 'POST', path: '/c/{id}/b' })).toBeNull()
    expect(await queue.list()).toEqual([])
  })
})
