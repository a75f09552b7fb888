/**
 * Photos kept by an older version of the app: the queue then held JSON only, so a photo waited in
 * localStorage under its write's Idempotency-Key, to be uploaded once the check-in or work log had
 * reached the server (found by its client_key). New photos go through the queue itself, in
 * IndexedDB (photos.ts); this only drains what an earlier version left behind.
 */
export interface PendingPhoto {
  key: string
  kind: 'checkins' | 'logs'
  dataUrl: string
  at: number
}

const STORAGE = 'cunzhi.cadres.pending-photos'
/** Older than the server accepts a replay: the write can no longer arrive. */
const MAX_AGE_MS = 8 * 24 * 60 * 60 * 1000

export function readPending(storage: Storage = localStorage, now = Date.now()): PendingPhoto[] {
  try {
    const all = JSON.parse(storage.getItem(STORAGE) ?? '[]') as PendingPhoto[]
    return Array.isArray(all) ? all.filter((p) => p && typeof p.key === 'string' && now - p.at < MAX_AGE_MS) : []
  } catch {
    return []
  }
}

function write(list: PendingPhoto[], storage: Storage): boolean {
  try {
    if (list.length) storage.setItem(STORAGE, JSON.stringify(list))
    else storage.removeItem(STORAGE)
    return true
  } catch {
    return false // storage full: the photo is lost, the write itself is not
  }
}

export function addPending(p: PendingPhoto, storage: Storage = localStorage): boolean {
  return write([...readPending(storage).filter((x) => x.key !== p.key), p], storage)
}

export function removePending(key: string, storage: Storage = localStorage): void {
  write(readPending(storage).filter((x) => x.key !== key), storage)
}

/**
 * Uploads the photos whose write has arrived: `find(kind, key)` gives the id of the stored check-in
 * or log with that client_key (null while it has not arrived). Returns how many were uploaded.
 */
export async function flushPending(
  find: (kind: PendingPhoto['kind'], key: string) => Promise<number | null>,
  upload: (kind: PendingPhoto['kind'], id: number, photo: Blob) => Promise<unknown>,
  toBlob: (dataUrl: string) => Blob,
  storage: Storage = localStorage,
): Promise<number> {
  let done = 0
  for (const p of readPending(storage)) {
    const id = await find(p.kind, p.key)
    if (id === null) continue
    try {
      await upload(p.kind, id, toBlob(p.dataUrl))
    } catch (e) {
      const status = (e as { status?: number } | null)?.status
      // Refused for good (too many photos, not a photo): drop it rather than try forever.
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 401 && status !== 429) {
        removePending(p.key, storage)
        continue
      }
      throw e
    }
    removePending(p.key, storage)
    done += 1
  }
  return done
}
