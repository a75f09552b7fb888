/**
 * What the phone's claim pages decide, apart from the screens: the list's title and sections for
 * the role, the checks of the claim form, and the outbox write that files a claim with its invoice
 * photos (create, then attach each photo, then submit when asked, even when filed offline).
 */
import type { Role } from '@/api/types'
import type { FilePart, NewWrite, QueuedWrite } from '@/offline/queue'
import { amountProblem, compareMoney, normaliseAmount, sumMoney } from '../money'
import type { Budget, BudgetLine, ClaimStatus, ClaimSummary } from '../types'

/** The secretary files claims; the supervision committee signs them. */
export function listTitleKey(role: Role | null): string {
  return role === 'supervision_committee' ? 'funds.mobile.toSignTitle' : 'funds.mobile.myClaims'
}

export interface Section {
  key: 'drafts' | 'toSign' | 'inProgress' | 'done'
  titleKey: string
  items: ClaimSummary[]
  /** Shown even when empty, with this message. */
  emptyKey?: string
}

const IN_PROGRESS: ClaimStatus[] = ['submitted', 'committee_signed', 'township_approved']

/**
 * The secretary's claims: drafts, those on their way, those done. The committee's: those waiting
 * for its signature, then those it has seen; never the secretary's drafts.
 */
export function sections(items: ClaimSummary[], role: Role | null): Section[] {
  if (role === 'supervision_committee') {
    const seen = items.filter((c) => c.status !== 'draft')
    return [
      { key: 'toSign', titleKey: 'funds.mobile.toSign', items: seen.filter((c) => c.status === 'submitted'), emptyKey: 'funds.mobile.empty' },
      { key: 'done', titleKey: 'funds.mobile.signed', items: seen.filter((c) => c.status !== 'submitted').slice(0, 20) },
    ]
  }
  return [
    { key: 'drafts', titleKey: 'funds.mobile.drafts', items: items.filter((c) => c.status === 'draft') },
    { key: 'inProgress', titleKey: 'funds.mobile.inProgress', items: items.filter((c) => IN_PROGRESS.includes(c.status)) },
    {
      key: 'done',
      titleKey: 'funds.mobile.done',
      items: items.filter((c) => c.status !== 'draft' && !IN_PROGRESS.includes(c.status)).slice(0, 20),
    },
  ]
}

export interface LineChoice {
  line: BudgetLine
  year: number
}

/** The lines a claim may go against: approved budgets' lines with something left. */
export function lineChoices(budgets: Budget[]): LineChoice[] {
  return budgets
    .filter((b) => b.status === 'approved')
    .flatMap((b) => b.lines.map((line) => ({ line, year: b.year })))
    .filter((x) => compareMoney(x.line.available, '0') > 0)
}

export interface ClaimForm {
  line: number | null
  amount: string
  purpose: string
  payee: string
}

export type FormProblems = Partial<Record<keyof ClaimForm, string>>

/** i18n keys of what is wrong with the form, by field; empty when it can be sent. */
export function checkForm(form: ClaimForm, choices: LineChoice[]): FormProblems {
  const out: FormProblems = {}
  const line = choices.find((c) => c.line.id === form.line)?.line
  if (!line) out.line = 'funds.mobile.problems.line'
  const a = amountProblem(form.amount)
  if (a) out.amount = `funds.amountProblem.${a}`
  else if (line && compareMoney(normaliseAmount(form.amount), line.available) > 0) out.amount = 'funds.mobile.problems.overLine'
  if (!form.purpose.trim()) out.purpose = 'funds.mobile.problems.purpose'
  else if (form.purpose.trim().length > 200) out.purpose = 'funds.mobile.problems.tooLong'
  if (!form.payee.trim()) out.payee = 'funds.mobile.problems.payee'
  else if (form.payee.trim().length > 200) out.payee = 'funds.mobile.problems.tooLong'
  return out
}

export interface DraftEdit {
  line: number | null
  amount: string
  purpose: string
  payee: string
}

interface DraftLike {
  line_id: number
  amount: string
  purpose: string
  payee: string
}

/** The lines a draft may move to: its own line offers back what the draft holds there. */
export function editChoices(budgets: Budget[], draft: DraftLike): LineChoice[] {
  return budgets
    .filter((b) => b.status === 'approved')
    .flatMap((b) =>
      b.lines.map((line) => ({
        line: line.id === draft.line_id ? { ...line, available: sumMoney([line.available, draft.amount]) } : line,
        year: b.year,
      })),
    )
    .filter((x) => x.line.id === draft.line_id || compareMoney(x.line.available, '0') > 0)
}

/**
 * What the edit of a draft sends: only the fields that changed (amount and line move the draft's
 * reservation on the server), and the form's problems (the same checks as filing one).
 */
export function draftChanges(form: DraftEdit, draft: DraftLike, choices: LineChoice[]): {
  problems: FormProblems
  body: Record<string, string | number>
} {
  const problems = checkForm(form, choices)
  const body: Record<string, string | number> = {}
  if (Object.keys(problems).length) return { problems, body }
  if (form.purpose.trim() !== draft.purpose) body.purpose = form.purpose.trim()
  if (form.payee.trim() !== draft.payee) body.payee = form.payee.trim()
  const amount = normaliseAmount(form.amount)
  if (compareMoney(amount, draft.amount) !== 0) body.amount = amount
  if (form.line !== null && form.line !== draft.line_id) body.line_id = form.line
  return { problems, body }
}

export const attachmentPath = (claimId: number | string): string => `/api/v1/funds/claims/${claimId}/attachments`

/** One outbox write per photo: the upload of one invoice to `claimId` ("{id}" for a claim not made yet). */
export function attachWrite(claimId: number | string, photo: FilePart, label: string): NewWrite {
  return { method: 'POST', path: attachmentPath(claimId), files: [photo], label }
}

/**
 * Files a claim: its create, then each photo, then (when `submit`) the submit, as one outbox write
 * whose follow-ups wait for the create's answer, so all of it survives having no signal.
 */
export function fileClaimWrite(
  villageCode: string,
  form: ClaimForm,
  photos: FilePart[],
  opts: { submit: boolean; label: string; photoLabel: string; submitLabel: string },
): NewWrite {
  const then: NewWrite[] = photos.map((p) => attachWrite('{id}', p, opts.photoLabel))
  if (opts.submit) then.push({ method: 'POST', path: '/api/v1/funds/claims/{id}/submit', label: opts.submitLabel })
  return {
    method: 'POST',
    path: `/api/v1/funds/villages/${villageCode}/claims`,
    body: { line_id: form.line, amount: normaliseAmount(form.amount), purpose: form.purpose.trim(), payee: form.payee.trim() },
    label: opts.label,
    then,
  }
}

export interface WaitingClaim {
  key: string
  purpose: string
  amount: string
  photos: number
  failed: boolean
}

/** Claims filed on this phone that wait in the outbox (no signal): shown above the drafts. */
export function waitingClaims(writes: QueuedWrite[], villageCode: string | null): WaitingClaim[] {
  if (!villageCode) return []
  const path = `/api/v1/funds/villages/${villageCode}/claims`
  return writes
    .filter((w) => w.method === 'POST' && w.path === path)
    .map((w) => {
      const body = (w.body ?? {}) as { purpose?: string; amount?: string }
      return {
        key: w.key,
        purpose: body.purpose ?? '',
        amount: body.amount ?? '',
        photos: (w.then ?? []).filter((f) => f.files?.length).length,
        failed: w.state === 'failed',
      }
    })
}

/** The photo's bytes for the outbox, named for the server (the camera's own names say nothing). */
export async function photoPart(file: Blob, index: number): Promise<FilePart> {
  const type = file.type || 'image/jpeg'
  const ext = type === 'image/png' ? 'png' : type === 'application/pdf' ? 'pdf' : 'jpg'
  return { field: 'file', filename: `invoice-${index + 1}.${ext}`, type, data: await file.arrayBuffer() }
}

/** Invoices above this are shrunk before they are stored and sent (the server takes about 2 MB). */
export const MAX_PHOTO_BYTES = 1_500_000

/**
 * A camera photo small enough to send: at most 1600 px on its long side, as JPEG. Files already
 * small enough, PDFs, and browsers that cannot draw the image keep the original.
 */
export async function shrinkPhoto(file: File, maxBytes = MAX_PHOTO_BYTES): Promise<Blob> {
  if (file.size <= maxBytes || !file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return file
  try {
    const bitmap = await createImageBitmap(file)
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(bitmap.width * scale)
    canvas.height = Math.round(bitmap.height * scale)
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    bitmap.close()
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.82))
    return blob && blob.size < file.size ? blob : file
  } catch {
    return file
  }
}
