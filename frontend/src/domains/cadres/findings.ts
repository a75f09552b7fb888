/**
 * A cadre's extra oversight findings on one of their work logs (两监督), from the phone. A log raises
 * one finding per kind it counted by itself; the cadre adds more with POST /logs/{id}/findings.
 * The write goes through the offline queue with its own Idempotency-Key: to a log on the server by
 * its id, or, for a log still waiting in the outbox, as a follow-up of that log ("{id}"), sent once
 * the log has its id. A replay with the same key is answered with the finding stored, never a second.
 */
import type { NewWrite, QueuedWrite, SubmitResult } from '@/offline/queue'
import type { RequestBody } from '@/api/types'
import type { Finding } from './types'

export type FindingIn = RequestBody<'/api/v1/cadres/logs/{log_id}/findings', 'post'>
export type FindingKind = FindingIn['kind']
export const FINDING_KINDS: FindingKind[] = ['policy', 'discipline']
/** The server's limits (FindingIn): text up to 2000 characters, 1 to 99 problems of its kind. */
export const FINDING_TEXT_MAX = 2000
export const FINDING_ISSUES_MAX = 99

export const findingPath = (logId: number | string): string => `/api/v1/cadres/logs/${logId}/findings`
const FINDING_PATH = /^\/api\/v1\/cadres\/logs\/([^/]+)\/findings$/

/** A log shown on the phone: on the server (id), or still in the outbox (its write's key). */
export type LogRef = { id: number } | { key: string }

export interface FindingForm {
  kind: FindingKind | ''
  text: string
  issues: number | string
}

type T = (key: string, named?: Record<string, unknown>) => string

/** The form's problems, by field, in the person's words (empty: it can be sent). */
export function checkFinding(form: FindingForm, t: T): Record<string, string> {
  const e: Record<string, string> = {}
  if (!FINDING_KINDS.includes(form.kind as FindingKind)) e.kind = t('cadres.finding.kindRequired')
  const text = form.text.trim()
  if (!text) e.text = t('cadres.finding.textRequired')
  else if (text.length > FINDING_TEXT_MAX) e.text = t('cadres.finding.textTooLong', { max: FINDING_TEXT_MAX })
  const n = typeof form.issues === 'number' ? form.issues : Number(String(form.issues).trim() || NaN)
  if (!Number.isInteger(n) || n < 1 || n > FINDING_ISSUES_MAX) e.issues = t('cadres.finding.issuesRange', { max: FINDING_ISSUES_MAX })
  return e
}

/** The body the endpoint takes, from a form `checkFinding` passed. */
export function findingBody(form: FindingForm): FindingIn {
  return { kind: form.kind as FindingKind, text: form.text.trim(), issues: Number(form.issues) }
}

export function findingWrite(logId: number | string, body: FindingIn, label: string): NewWrite {
  return { method: 'POST', path: findingPath(logId), body, label }
}

export interface FindingDeps {
  submit(write: NewWrite): Promise<SubmitResult>
  /** Adds a follow-up to a queued write (OfflineQueue.attach); null when it has left the queue. */
  attach(key: string, follow: NewWrite): Promise<QueuedWrite | null>
  /** The server id of the log whose write had this Idempotency-Key (its client_key), null if unknown. */
  findLog(key: string): Promise<number | null>
}

export type FindingResult =
  | SubmitResult
  /** Riding on the log still in the outbox: sent right after it. */
  | { queued: true; attached: true; write: QueuedWrite }
  /** The log left the outbox and cannot be found on the server (yet): nothing was stored. */
  | { queued: false; lost: true }

/**
 * Adds a finding to a log. A log still in the outbox takes it as a follow-up; if it was sent in the
 * meantime, the finding goes to the id the server gave it (found by its client_key).
 */
export async function addFinding(deps: FindingDeps, log: LogRef, body: FindingIn, label: string): Promise<FindingResult> {
  if ('id' in log) return deps.submit(findingWrite(log.id, body, label))
  const riding = await deps.attach(log.key, findingWrite('{id}', body, label))
  if (riding) return { queued: true, attached: true, write: riding }
  const id = await deps.findLog(log.key)
  if (id === null) return { queued: false, lost: true }
  return deps.submit(findingWrite(id, body, label))
}

export interface WaitingFinding {
  key: string
  body: FindingIn
  failed: boolean
}

/** Findings of this log still on the phone: queued to its id, or riding on the log's own write. */
export function waitingFindings(writes: QueuedWrite[], log: LogRef): WaitingFinding[] {
  const out: WaitingFinding[] = []
  for (const w of writes) {
    if ('id' in log && FINDING_PATH.exec(w.path)?.[1] === String(log.id)) {
      out.push({ key: w.key, body: w.body as FindingIn, failed: w.state === 'failed' })
    }
    if ('key' in log && w.key === log.key) {
      for (const f of w.then ?? []) {
        if (FINDING_PATH.exec(f.path)?.[1] === '{id}') out.push({ key: f.idempotencyKey ?? '', body: f.body as FindingIn, failed: w.state === 'failed' })
      }
    }
  }
  return out
}

/** The log's findings out of a month's list, oldest first. */
export function findingsOfLog(items: Finding[], logId: number): Finding[] {
  return items.filter((f) => f.log_id === logId).sort((a, b) => a.id - b.id)
}
