import { describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { OfflineQueue, toRequest, type QueuedWrite } from '@/offline/queue'
import { makeCadresBatcher } from './sync'
import { entryWrite, MAX_PHOTO_BYTES, MAX_PHOTOS, photoPart, photoProblem, waitingPhotos } from './photos'

const jpeg = (n: number): Blob => new Blob([new Uint8Array([0xff, 0xd8, 0xff, n])], { type: 'image/jpeg' })
const logBody = { written_at: '2026-12-03T09:00:00+08:00', text: '走访农户', roles: ['informant'] }
const labels = { entry: '民情日记', photo: '照片' }

/**
 * A server that behaves as the real one for these calls: a create answers its id (the same one
 * for the same Idempotency-Key), a photo upload is stored once per key. `dropAnswerOf` makes the
 * answer of the n-th photo upload get lost after the server stored the photo.
 */
function fakeServer(opts: { dropAnswerOf?: number } = {}) {
  const logs = new Map<string, number>()
  const photos = new Map<string, { logId: string; bytes: string }>()
  const photoRequests: { key: string; body: string }[] = []
  let uploads = 0
  const send = async (w: QueuedWrite): Promise<Response> => {
    const req = toRequest(w, 'http://127.0.0.1')
    const key = req.headers.get('Idempotency-Key')!
    const m = /\/logs\/(\d+)\/photos$/.exec(w.path)
    if (m) {
      const body = new TextDecoder('latin1').decode(await req.arrayBuffer())
      photoRequests.push({ key, body })
      uploads += 1
      const replay = photos.has(key)
      if (!replay) photos.set(key, { logId: m[1]!, bytes: body })
      if (uploads === opts.dropAnswerOf) throw new TypeError('Failed to fetch')
      return new Response(JSON.stringify({ id: photos.size }), { status: replay ? 200 : 201 })
    }
    if (!logs.has(key)) logs.set(key, 100 + logs.size)
    return new Response(JSON.stringify({ id: logs.get(key) }), { status: 201, headers: { 'Content-Type': 'application/json' } })
  }
  return { send, logs, photos, photoRequests }
}

describe('photo limits', () => {
  it('are known before the cadre hits them', () => {
    expect(MAX_PHOTOS).toEqual({ checkins: 3, logs: 6 })
    expect(photoProblem('logs', 5, 1000)).toBeNull()
    expect(photoProblem('logs', 6, 1000)).toBe('too_many')
    expect(photoProblem('checkins', 3, 1000)).toBe('too_many')
    expect(photoProblem('logs', 0, MAX_PHOTO_BYTES + 1)).toBe('too_large')
    expect(photoProblem('logs', 0, MAX_PHOTO_BYTES)).toBeNull()
  })

  it('an entry never carries more photos than the server takes', async () => {
    const parts = await Promise.all(Array.from({ length: 7 }, (_, i) => photoPart(jpeg(i), i)))
    expect(() => entryWrite('logs', logBody, parts, labels)).toThrow(RangeError)
    const w = entryWrite('logs', logBody, parts.slice(0, 6), labels)
    expect(w.path).toBe('/api/v1/cadres/logs')
    expect(w.then?.map((f) => f.path)).toEqual(Array(6).fill('/api/v1/cadres/logs/{id}/photos'))
    expect(w.then?.[0]?.files?.[0]).toMatchObject({ field: 'file', filename: 'photo-1.jpg', type: 'image/jpeg' })
    expect(entryWrite('checkins', {}, [], labels).then).toBeUndefined()
  })
})

describe('photos taken offline', () => {
  it('wait in IndexedDB across a reload, then upload after their log, each once', async () => {
    const factory = new IDBFactory()
    const parts = [await photoPart(jpeg(1), 0), await photoPart(jpeg(2), 1)]
    const first = new OfflineQueue({ dbName: 'cadres-photos', factory })
    await first.enqueue(entryWrite('logs', logBody, parts, labels))
    expect(waitingPhotos(await first.list())).toEqual({ pending: 2, failed: 0 })
    first.close()

    // the page is reloaded: a new queue on the same database still holds the log and its photos
    const queue = new OfflineQueue({ dbName: 'cadres-photos', factory })
    const [stored] = await queue.list()
    expect(stored?.then?.[1]?.files?.[0]?.data.byteLength).toBe(4)

    // back online, the second upload's answer is lost after the server stored it
    const server = fakeServer({ dropAnswerOf: 2 })
    const report = await queue.replay(server.send, [makeCadresBatcher()])
    expect(report.stoppedBy).toBe('network')
    expect(server.logs.size).toBe(1)
    const left = await queue.list()
    expect(left.map((w) => w.path)).toEqual(['/api/v1/cadres/logs/100/photos'])
    expect(waitingPhotos(left)).toEqual({ pending: 1, failed: 0 })

    // the retry is the very same request: same key, same bytes; nothing is stored twice
    const again = await queue.replay(server.send, [makeCadresBatcher()])
    expect(again).toMatchObject({ sent: 1, failed: 0, stoppedBy: null })
    expect(await queue.list()).toEqual([])
    expect(server.photoRequests).toHaveLength(3)
    expect(server.photoRequests[2]).toEqual(server.photoRequests[1])
    expect(server.photos.size).toBe(2)
    expect(new Set([...server.photos.values()].map((p) => p.logId))).toEqual(new Set(['100']))
  })

  it('of a refused log wait with it, counted as failed', async () => {
    const queue = new OfflineQueue({ dbName: 'cadres-photos-refused', factory: new IDBFactory() })
    await queue.enqueue(entryWrite('logs', logBody, [await photoPart(jpeg(1), 0)], labels))
    const refuse = async (): Promise<Response> =>
      new Response(JSON.stringify({ code: 'not_posted', detail: 'no posting' }), { status: 409, headers: { 'Content-Type': 'application/problem+json' } })
    await queue.replay(refuse)
    const [w] = await queue.list()
    expect(w?.state).toBe('failed')
    expect(w?.lastError?.code).toBe('not_posted')
    expect(waitingPhotos(await queue.list())).toEqual({ pending: 0, failed: 1 })
  })
})
