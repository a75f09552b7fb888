/**
 * What the phone's outbox says of one waiting write: its photos (its own and those that follow it),
 * why the server refused it (the code its answer, or its item of a batch sync, carried), and how its
 * last attempt went while it still waits. Kept apart from the screen so it can be tested.
 */
import type { QueuedWrite } from '@/offline/queue'

type T = (key: string, named?: Record<string, unknown>) => string
type Te = (key: string) => boolean

/** Photos the write carries, its own and its follow-ups'. */
export function photoCount(w: Pick<QueuedWrite, 'files' | 'then'>): number {
  return (w.files?.length ?? 0) + (w.then ?? []).reduce((n, f) => n + (f.files?.length ?? 0), 0)
}

/** Labels of the writes (no photos) that ride on this one, sent once it has its id: e.g. the
 * findings added to a work log still waiting here. */
export function ridingLabels(w: Pick<QueuedWrite, 'then'>): string[] {
  return (w.then ?? []).filter((f) => !f.files?.length).map((f) => f.label ?? `${f.method} ${f.path}`)
}

/** Why a write was refused, in the person's words when the code is known, with the code beside it. */
export function failureReason(w: Pick<QueuedWrite, 'lastError'>, t: T, te: Te): string {
  const e = w.lastError
  const code = e?.code ?? null
  const text = code && te(`errors.${code}`) ? t(`errors.${code}`) : (e?.message ?? t('errors.generic'))
  const ref = [e?.status ?? null, code].filter((x) => x !== null && x !== '').join(' ')
  return ref ? `${text} (${ref})` : text
}

/** How the last attempt of a still waiting write went (null: not tried yet, or nothing to say). */
export function lastAttempt(w: Pick<QueuedWrite, 'state' | 'attempts' | 'lastError'>, t: T): string | null {
  if (w.state !== 'pending' || !w.attempts || !w.lastError) return null
  const why = w.lastError.code === 'network_error' || w.lastError.status === null ? t('mobile.noSignal') : t('mobile.serverBusy')
  return t('mobile.lastAttempt', { n: w.attempts, why })
}

/** The confirmation before discarding: a refused or a waiting write, and the photos lost with it. */
export function discardMessage(w: Pick<QueuedWrite, 'state' | 'files' | 'then'>, t: T): string {
  const base = w.state === 'failed' ? t('mobile.discardConfirm') : t('mobile.discardPendingConfirm')
  const n = photoCount(w)
  const riding = ridingLabels(w).length
  return [base, n ? t('mobile.discardPhotos', { n }) : '', riding ? t('mobile.discardRiding', { n: riding }) : ''].filter(Boolean).join(' ')
}
