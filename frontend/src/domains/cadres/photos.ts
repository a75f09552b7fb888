/**
 * Photos of check-ins and work logs go through the app's offline queue (src/offline/queue.ts), as
 * follow-ups of the write they belong to: the photo's bytes wait in IndexedDB beside the write,
 * each photo is its own upload with its own Idempotency-Key (and a multipart boundary made from
 * it, so a retry sends the very same request), and an upload waits until its check-in or log has
 * an id on the server ("{id}"). A photo uploaded but whose answer was lost is sent again with the
 * same key and bytes: the server answers the stored one and stores no second copy.
 */
import type { FilePart, NewWrite, QueuedWrite } from '@/offline/queue'
import { TARGET_BYTES } from './photo'

export type PhotoKind = 'checkins' | 'logs'

/** At most this many photos per check-in or log (the server refuses more: too_many_photos). */
export const MAX_PHOTOS: Record<PhotoKind, number> = { checkins: 3, logs: 6 }
/** The largest photo the server takes by default (CUNZHI_CADRE_PHOTO_MAX_BYTES). */
export const MAX_PHOTO_BYTES = 1024 * 1024
/** What the phone shrinks a photo to before it is kept: shown in the form as the limit. */
export const PHOTO_TARGET_BYTES = TARGET_BYTES

export type PhotoProblem = 'too_many' | 'too_large' | null

/** Why one more photo of `size` bytes cannot join `count` photos of an entry (null: it can). */
export function photoProblem(kind: PhotoKind, count: number, size: number, maxBytes = MAX_PHOTO_BYTES): PhotoProblem {
  if (count >= MAX_PHOTOS[kind]) return 'too_many'
  if (size > maxBytes) return 'too_large'
  return null
}

export const photoPath = (kind: PhotoKind, id: number | string): string => `/api/v1/cadres/${kind}/${id}/photos`

/** The photo's bytes for the outbox, named for the server. */
export async function photoPart(photo: Blob, index: number): Promise<FilePart> {
  const type = photo.type || 'image/jpeg'
  const ext = type === 'image/png' ? 'png' : type === 'image/webp' ? 'webp' : 'jpg'
  return { field: 'file', filename: `photo-${index + 1}.${ext}`, type, data: await photo.arrayBuffer() }
}

/** The upload of one photo to the check-in or log `id` ("{id}": the one its parent write creates). */
export function photoWrite(kind: PhotoKind, id: number | string, part: FilePart, label: string): NewWrite {
  return { method: 'POST', path: photoPath(kind, id), files: [part], label }
}

/**
 * A check-in or work log with its photos as one outbox write: the create, then one upload per
 * photo once the create has its id. Refuses more photos than the entry takes.
 */
export function entryWrite(
  kind: PhotoKind,
  body: unknown,
  photos: FilePart[],
  labels: { entry: string; photo: string },
): NewWrite {
  if (photos.length > MAX_PHOTOS[kind]) throw new RangeError(`at most ${MAX_PHOTOS[kind]} photos`)
  const write: NewWrite = { method: 'POST', path: `/api/v1/cadres/${kind}`, body, label: labels.entry }
  if (photos.length) write.then = photos.map((p, i) => photoWrite(kind, '{id}', p, `${labels.photo} ${i + 1}/${photos.length}`))
  return write
}

const PHOTO_PATH = /^\/api\/v1\/cadres\/(checkins|logs)\/[^/]+\/photos$/

/** Photos still waiting on the phone: uploads queued on their own, and those riding on a create. */
export function waitingPhotos(writes: QueuedWrite[]): { pending: number; failed: number } {
  let pending = 0
  let failed = 0
  for (const w of writes) {
    const own = PHOTO_PATH.test(w.path) ? (w.files?.length ?? 0) : 0
    const riding = (w.then ?? []).filter((f) => PHOTO_PATH.test(f.path)).reduce((n, f) => n + (f.files?.length ?? 0), 0)
    if (w.state === 'failed') failed += own + riding
    else pending += own + riding
  }
  return { pending, failed }
}
