/**
 * Offline write queue for the phone pages. A write that cannot reach the server (no signal, server
 * unreachable, 5xx/429) is stored in IndexedDB together with its Idempotency-Key and replayed, in
 * order, when the network returns. The server answers a replay with the same key exactly once, so a
 * write whose first answer was lost is never applied twice.
 *
 *   const result = await submitWrite(queue, sendWrite, { method: 'POST', path: '/api/v1/checkins', body })
 *   if (result.queued) showToast(t('mobile.offline'))
 */
import { withTabLock } from '@/auth/tokens'

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface NewWrite {
  method: WriteMethod
  /** Same-origin path with query, e.g. "/api/v1/checkins". */
  path: string
  /** JSON body. */
  body?: unknown
  /** Extra headers (If-Match, ...). Content-Type and Idempotency-Key are set by the queue. */
  headers?: Record<string, string>
  /** Shown to the person in the queue list ("打卡 2026-05-01"). */
  label?: string
  /** Given when the caller already sent the write once; generated otherwise. */
  idempotencyKey?: string
  /** Files: the write goes as multipart/form-data, `body`'s fields as text parts beside them. */
  files?: FilePart[]
  /**
   * Writes to send once this one succeeded, in order (attach the photos, then submit). "{id}" in
   * their path becomes the `id` of this write's answer, so they can follow a create made offline.
   */
  then?: NewWrite[]
}

/** A file of a multipart write, kept as bytes so IndexedDB stores it with the write. */
export interface FilePart {
  field: string
  filename: string
  type: string
  data: ArrayBuffer
}

export interface WriteError {
  status: number | null
  code: string | null
  message: string | null
}

export interface QueuedWrite {
  seq?: number
  /** The Idempotency-Key. */
  key: string
  method: WriteMethod
  path: string
  body: unknown
  headers: Record<string, string>
  label: string | null
  createdAt: number
  attempts: number
  /** pending: waits for replay; failed: the server refused it (4xx), kept until discarded. */
  state: 'pending' | 'failed'
  lastError: WriteError | null
  /** Absent on writes stored before files and follow-ups existed. */
  files?: FilePart[] | null
  then?: NewWrite[] | null
}

export type Sender = (write: QueuedWrite) => Promise<Response>

/**
 * Sends several queued writes in one request (e.g. a domain's batch endpoint), so a phone that was
 * offline for days does not replay its queue one request at a time. During a replay, a run of two or
 * more consecutive pending writes that `accepts` (at most `max`) goes to `send`, which answers one
 * Response per write, in order, as that write alone would have been answered (each item carries the
 * write's own Idempotency-Key); each answer is then handled exactly like a single one. `send` returns
 * null when the batch cannot be used (an older server, a refused batch): those writes then go one by
 * one. A thrown error means no network, as for a single write.
 */
export interface BatchSender {
  accepts(write: QueuedWrite): boolean
  max: number
  send(writes: QueuedWrite[]): Promise<Response[] | null>
}

export interface ReplayReport {
  sent: number
  failed: number
  remaining: number
  /** Why replay stopped early: no network, a retryable server answer, or the session is gone. */
  stoppedBy: 'network' | 'server' | 'auth' | null
}

const STORE = 'writes'

/** Statuses worth retrying later rather than giving up on. */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500
}

export function newIdempotencyKey(): string {
  const c = globalThis.crypto
  if (typeof c?.randomUUID === 'function') return c.randomUUID()
  const b = new Uint8Array(16)
  c.getRandomValues(b)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'))
  })
}

async function problemOf(response: Response): Promise<WriteError> {
  let code: string | null = null
  let message: string | null = null
  try {
    const body = (await response.clone().json()) as { code?: unknown; detail?: unknown; title?: unknown }
    code = typeof body.code === 'string' ? body.code : null
    message = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : null
  } catch {
    /* not JSON */
  }
  return { status: response.status, code, message }
}

export interface QueueOptions {
  dbName?: string
  /** IndexedDB implementation (tests pass fake-indexeddb's). */
  factory?: IDBFactory
  now?: () => number
}

export class OfflineQueue {
  private readonly dbName: string
  private readonly factory: IDBFactory
  private readonly now: () => number
  private opening: Promise<IDBDatabase> | null = null
  private readonly listeners = new Set<() => void>()
  private replaying: Promise<ReplayReport> | null = null

  constructor(options: QueueOptions = {}) {
    this.dbName = options.dbName ?? 'cunzhi-offline'
    this.factory = options.factory ?? globalThis.indexedDB
    this.now = options.now ?? Date.now
  }

  private db(): Promise<IDBDatabase> {
    if (!this.opening) {
      this.opening = new Promise((resolve, reject) => {
        const req = this.factory.open(this.dbName, 1)
        req.onupgradeneeded = () => {
          const store = req.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true })
          store.createIndex('key', 'key', { unique: true })
        }
        req.onsuccess = () => resolve(req.result)
        req.onerror = () => reject(req.error)
      })
      this.opening.catch(() => {
        this.opening = null
      })
    }
    return this.opening
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(): void {
    for (const l of this.listeners) l()
  }

  private item(write: NewWrite): QueuedWrite {
    return {
      key: write.idempotencyKey ?? newIdempotencyKey(),
      method: write.method,
      path: write.path,
      body: write.body ?? null,
      headers: { ...(write.headers ?? {}) },
      label: write.label ?? null,
      createdAt: this.now(),
      attempts: 0,
      state: 'pending',
      lastError: null,
      files: write.files ?? null,
      then: keyed(write.then),
    }
  }

  /** Stores a write; returns it with its Idempotency-Key. */
  async enqueue(write: NewWrite): Promise<QueuedWrite> {
    const item = this.item(write)
    const db = await this.db()
    const tx = db.transaction(STORE, 'readwrite')
    const existing = await request(tx.objectStore(STORE).index('key').get(item.key))
    if (existing) {
      await done(tx)
      return existing as QueuedWrite
    }
    item.seq = (await request(tx.objectStore(STORE).add(item))) as number
    await done(tx)
    this.emit()
    return item
  }

  /** All stored writes, oldest first. */
  async list(): Promise<QueuedWrite[]> {
    const db = await this.db()
    const tx = db.transaction(STORE, 'readonly')
    const all = (await request(tx.objectStore(STORE).getAll())) as QueuedWrite[]
    return all.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
  }

  async counts(): Promise<{ pending: number; failed: number }> {
    const all = await this.list()
    return {
      pending: all.filter((w) => w.state === 'pending').length,
      failed: all.filter((w) => w.state === 'failed').length,
    }
  }

  async remove(key: string): Promise<void> {
    const db = await this.db()
    const tx = db.transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    const seq = await request(store.index('key').getKey(key))
    if (seq !== undefined) store.delete(seq)
    await done(tx)
    this.emit()
  }

  /** A refused write sent again at the next replay (the person fixed what was wrong, or wants another try). */
  async retry(key: string): Promise<void> {
    const db = await this.db()
    const tx = db.transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    const item = (await request(store.index('key').get(key))) as QueuedWrite | undefined
    if (item && item.state === 'failed') store.put({ ...item, state: 'pending', lastError: null })
    await done(tx)
    this.emit()
  }

  /**
   * Adds a follow-up to a write still in the queue (waiting or refused), e.g. a finding on a work log
   * not sent yet: it goes once that write has its id ("{id}"), with its own Idempotency-Key, given
   * now. Returns the write as stored; null when it is no longer there (sent meanwhile: send the
   * follow-up to its id instead).
   */
  async attach(key: string, follow: NewWrite): Promise<QueuedWrite | null> {
    const [added] = keyed([follow]) ?? []
    const db = await this.db()
    const tx = db.transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    const item = (await request(store.index('key').get(key))) as QueuedWrite | undefined
    if (item) store.put({ ...item, then: [...(item.then ?? []), added!] })
    await done(tx)
    if (!item) return null
    this.emit()
    return { ...item, then: [...(item.then ?? []), added!] }
  }

  /**
   * A write answered 2xx leaves the queue and its follow-ups take its place, in one transaction with
   * the follow-ups read from the stored copy: one attached while the write was on its way is kept.
   */
  private async complete(write: QueuedWrite, response: Response): Promise<QueuedWrite[]> {
    const body = await answerBody(response)
    const db = await this.db()
    const tx = db.transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    const index = store.index('key')
    const seq = await request(index.getKey(write.key))
    const stored = seq === undefined ? undefined : ((await request(store.get(seq))) as QueuedWrite | undefined)
    const out: QueuedWrite[] = []
    for (const w of fill(stored ? stored.then : write.then, body)) {
      const existing = w.idempotencyKey ? ((await request(index.get(w.idempotencyKey))) as QueuedWrite | undefined) : undefined
      if (existing) {
        out.push(existing)
        continue
      }
      const item = this.item(w)
      item.seq = (await request(store.add(item))) as number
      out.push(item)
    }
    if (seq !== undefined) store.delete(seq)
    await done(tx)
    this.emit()
    return out
  }

  /** Stores the follow-ups of `write` after its answer `response` (2xx); returns them. */
  async enqueueFollowUps(write: Pick<QueuedWrite, 'then'>, response: Response): Promise<QueuedWrite[]> {
    const next = await followUps(write, response)
    const out: QueuedWrite[] = []
    for (const w of next) out.push(await this.enqueue(w))
    return out
  }

  private async put(item: QueuedWrite): Promise<void> {
    const db = await this.db()
    const tx = db.transaction(STORE, 'readwrite')
    tx.objectStore(STORE).put(item)
    await done(tx)
  }

  /**
   * Sends pending writes oldest first. Success (2xx) removes a write; a refusal (4xx other than
   * 401/408/425/429) marks it failed and moves on; no network, 401 or a retryable answer stops
   * the replay and keeps the rest in order for next time. One replay at a time, across tabs too.
   */
  replay(send: Sender, batchers: readonly BatchSender[] = []): Promise<ReplayReport> {
    if (!this.replaying) {
      this.replaying = withTabLock(`${this.dbName}-replay`, () => this.replayOnce(send, batchers)).finally(() => {
        this.replaying = null
      })
    }
    return this.replaying
  }

  /** The run of writes from `start` one batch request may carry (empty: send `start` alone). */
  private batchRun(pending: QueuedWrite[], start: number, batchers: readonly BatchSender[]): [BatchSender, QueuedWrite[]] | null {
    const first = pending[start]
    const batcher = first ? batchers.find((b) => b.accepts(first)) : undefined
    if (!batcher) return null
    const run: QueuedWrite[] = []
    for (let j = start; j < pending.length && run.length < batcher.max && batcher.accepts(pending[j]!); j++) run.push(pending[j]!)
    return run.length >= 2 ? [batcher, run] : null
  }

  private async replayOnce(send: Sender, batchers: readonly BatchSender[]): Promise<ReplayReport> {
    const report: ReplayReport = { sent: 0, failed: 0, remaining: 0, stoppedBy: null }
    const pending = (await this.list()).filter((w) => w.state === 'pending')
    let i = 0
    while (i < pending.length && report.stoppedBy === null) {
      const batch = this.batchRun(pending, i, batchers)
      let answers: Response[] | null = null
      if (batch) {
        try {
          answers = await batch[0].send(batch[1])
        } catch (e) {
          await this.networkFailure(batch[1][0]!, e, report, pending.length - i)
          break
        }
        if (answers && answers.length !== batch[1].length) answers = null
      }
      if (batch && answers) {
        const next: QueuedWrite[] = []
        for (const [k, response] of answers.entries()) {
          next.push(...(await this.settle(batch[1][k]!, response, report, pending.length - i - k)))
          if (report.stoppedBy) break
        }
        i += batch[1].length
        pending.splice(i, 0, ...next)
        continue
      }
      const write = pending[i]!
      let response: Response
      try {
        response = await send(write)
      } catch (e) {
        await this.networkFailure(write, e, report, pending.length - i)
        break
      }
      const next = await this.settle(write, response, report, pending.length - i)
      i += 1
      pending.splice(i, 0, ...next)
    }
    this.emit()
    return report
  }

  private async networkFailure(write: QueuedWrite, e: unknown, report: ReplayReport, remaining: number): Promise<void> {
    write.attempts += 1
    write.lastError = { status: null, code: 'network_error', message: e instanceof Error ? e.message : null }
    await this.put(write)
    report.stoppedBy = 'network'
    report.remaining = remaining
  }

  /** Handles one write's answer; sets `report.stoppedBy` when the replay must stop here. */
  private async settle(write: QueuedWrite, response: Response, report: ReplayReport, remaining: number): Promise<QueuedWrite[]> {
    if (response.ok) {
      const next = await this.complete(write, response)
      report.sent += 1
      return next
    }
    write.attempts += 1
    write.lastError = await problemOf(response)
    if (response.status === 401 || isRetryable(response.status)) {
      await this.put(write)
      report.stoppedBy = response.status === 401 ? 'auth' : 'server'
      report.remaining = remaining
      return []
    }
    write.state = 'failed'
    await this.put(write)
    report.failed += 1
    return []
  }

  close(): void {
    void this.opening?.then((db) => db.close())
    this.opening = null
  }
}

export type SubmitResult =
  | { queued: false; response: Response; followUps?: SubmitResult[] }
  | { queued: true; write: QueuedWrite }

/** Gives every follow-up (and theirs) its Idempotency-Key now, so storing one twice keeps one. */
function keyed(writes: NewWrite[] | undefined | null): NewWrite[] | null {
  if (!writes?.length) return null
  return writes.map((w) => ({ ...w, idempotencyKey: w.idempotencyKey ?? newIdempotencyKey(), then: keyed(w.then) ?? undefined }))
}

/** A value of the answer by dotted path ("id", "update.id"), as text; null when absent. */
function pick(body: unknown, path: string): string | null {
  let v: unknown = body
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return null
    v = (v as Record<string, unknown>)[part]
  }
  return typeof v === 'number' || typeof v === 'string' ? String(v) : null
}

const PLACEHOLDER = /\{([a-z_][\w.]*)\}/gi

/**
 * The follow-ups of a write that succeeded with `response`: "{id}" in their path becomes the
 * answer's id, "{update.id}" a nested field (a progress update's answer carries the task and the
 * update). A follow-up whose placeholder the answer cannot fill is dropped.
 */
export async function followUps(write: Pick<QueuedWrite, 'then'>, response: Response): Promise<NewWrite[]> {
  if (!write.then?.length) return []
  return fill(write.then, await answerBody(response))
}

async function answerBody(response: Response): Promise<unknown> {
  try {
    return await response.clone().json()
  } catch {
    return null // no JSON answer
  }
}

/** `then` with its placeholders filled from the answer `body`; those it cannot fill are dropped. */
function fill(then: NewWrite[] | null | undefined, body: unknown): NewWrite[] {
  const out: NewWrite[] = []
  for (const w of then ?? []) {
    let missing = false
    const path = w.path.replace(PLACEHOLDER, (_m, name: string) => {
      const v = pick(body, name)
      if (v === null) missing = true
      return v === null ? '' : encodeURIComponent(v)
    })
    if (!missing) out.push({ ...w, path })
  }
  return out
}

/**
 * Sends a write now when possible; queues it (same Idempotency-Key) when there is no network or
 * the server answers with a retryable status. Other answers (2xx, 4xx) are returned to the caller.
 */
export async function submitWrite(queue: OfflineQueue, send: Sender, write: NewWrite): Promise<SubmitResult> {
  const key = write.idempotencyKey ?? newIdempotencyKey()
  write = { ...write, then: keyed(write.then) ?? undefined }
  const attempt: QueuedWrite = {
    key,
    method: write.method,
    path: write.path,
    body: write.body ?? null,
    headers: { ...(write.headers ?? {}) },
    label: write.label ?? null,
    createdAt: Date.now(),
    attempts: 1,
    state: 'pending',
    lastError: null,
    files: write.files ?? null,
    then: write.then ?? null,
  }
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false
  if (!offline) {
    try {
      const response = await send(attempt)
      if (!isRetryable(response.status)) {
        if (!response.ok || !write.then?.length) return { queued: false, response }
        const results: SubmitResult[] = []
        for (const next of await followUps(write, response)) results.push(await submitWrite(queue, send, next))
        return { queued: false, response, followUps: results }
      }
    } catch {
      /* no answer: queue it */
    }
  }
  return { queued: true, write: await queue.enqueue({ ...write, idempotencyKey: key }) }
}

/** A header value's quoted-string: quotes, backslashes and line breaks cannot be in a part's name. */
const quoted = (s: string): string => `"${s.replace(/["\\\r\n]/g, '_')}"`

/**
 * The multipart/form-data body of a write with files. Its boundary comes from the Idempotency-Key,
 * so a replay sends the very same bytes and the server recognises it (FormData would pick a new
 * random boundary each time, and the server would take the replay for another request).
 */
export function multipartBody(write: Pick<QueuedWrite, 'key' | 'body' | 'files'>): { body: Blob; contentType: string } {
  const boundary = `----cunzhi-${write.key.replace(/[^0-9A-Za-z-]/g, '')}`
  const parts: BlobPart[] = []
  const fields = write.body && typeof write.body === 'object' ? Object.entries(write.body as Record<string, unknown>) : []
  for (const [name, value] of fields) {
    if (value === null || value === undefined) continue
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n${String(value)}\r\n`)
  }
  for (const f of write.files ?? []) {
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(f.field)}; filename=${quoted(f.filename)}\r\n` +
        `Content-Type: ${f.type || 'application/octet-stream'}\r\n\r\n`,
      f.data,
      '\r\n',
    )
  }
  parts.push(`--${boundary}--\r\n`)
  return { body: new Blob(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Turns a queued write into a same-origin Request carrying its Idempotency-Key. */
export function toRequest(write: QueuedWrite, origin = globalThis.location?.origin ?? 'http://localhost'): Request {
  const headers = new Headers(write.headers)
  headers.set('Idempotency-Key', write.key)
  if (write.files?.length) {
    const { body, contentType } = multipartBody(write)
    headers.set('Content-Type', contentType)
    return new Request(new URL(write.path, origin), { method: write.method, headers, body })
  }
  const hasBody = write.body !== null && write.body !== undefined
  if (hasBody) headers.set('Content-Type', 'application/json')
  return new Request(new URL(write.path, origin), {
    method: write.method,
    headers,
    body: hasBody ? JSON.stringify(write.body) : null,
  })
}
