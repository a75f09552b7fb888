/**
 * What the committee's phone review shows of a village's month besides the texts: the finance
 * section's figures (as published, and as the books stand now when they changed since), and the
 * notice-board photos apart from the other attachments.
 */
import type { components } from '@/api/schema'

type VillageDisclosure = components['schemas']['VillageDisclosure']
type FileOut = components['schemas']['FileOut']

/** The headline figures of the books, in the order shown. */
export const FIGURES = ['opening_balance', 'income', 'spending', 'closing_balance'] as const
export type Figure = (typeof FIGURES)[number]

export interface FigureLine {
  key: Figure
  /** Yuan as the server wrote it (a string with two decimals); '' when missing. */
  value: string
  /** True when the books as they stand now say otherwise for this figure. */
  changed: boolean
}

function figure(books: Record<string, unknown> | null | undefined, key: Figure): string {
  const v = books?.[key]
  return typeof v === 'string' || typeof v === 'number' ? String(v) : ''
}

/**
 * The frozen figures of a publication's finance section, each marked when the current books
 * differ; `current` lists the books as they stand now only when they no longer match.
 */
export function financeLines(finance: Pick<components['schemas']['FinanceOut'], 'frozen' | 'current' | 'matches'>): {
  frozen: FigureLine[]
  current: FigureLine[] | null
} {
  const now = finance.matches ? null : (finance.current ?? null)
  const frozen = FIGURES.map((key) => ({
    key,
    value: figure(finance.frozen, key),
    changed: now !== null && figure(now, key) !== figure(finance.frozen, key),
  }))
  const current = now === null ? null : FIGURES.map((key) => ({
    key,
    value: figure(now, key),
    changed: figure(now, key) !== figure(finance.frozen, key),
  }))
  return { frozen, current }
}

/**
 * The files the review shows: once published, those that went with the latest publication;
 * before that, everything uploaded for it. Notice-board photos (images) apart from the rest.
 */
export function reviewFiles(page: Pick<VillageDisclosure, 'files' | 'publication'>): { photos: FileOut[]; attachments: FileOut[] } {
  const sent = page.publication ? new Set(page.publication.file_ids) : null
  const shown = page.files.filter((f) => sent === null || sent.has(f.id))
  return {
    photos: shown.filter((f) => f.kind === 'board_photo' && f.content_type.startsWith('image/')),
    attachments: shown.filter((f) => !(f.kind === 'board_photo' && f.content_type.startsWith('image/'))),
  }
}

/** The authenticated address of a disclosure file. */
export function fileUrl(id: number): string {
  return `/api/v1/disclosures/files/${id}`
}
