import type { components, operations } from '@/api/schema'

type S = components['schemas']
export type Task = S['TaskOut']
export type TaskDetail = S['TaskDetail']
export type History = S['HistoryOut']
export type Catalogue = S['CatalogueOut']
export type CatalogueItem = S['ItemOut']
export type ImportReport = S['TaskImportReport']
export type ImportJob = S['TaskImportJob']
export type ProgressIn = S['ProgressIn']
export type TaskQuery = NonNullable<operations['tasks-list']['parameters']['query']>

export const CATEGORIES = ['seven_helps', 'construction', 'poverty_relief', 'industry'] as const
export const STATUSES = ['planned', 'in_progress', 'done', 'overdue', 'accepted'] as const
export type Category = (typeof CATEGORIES)[number]
export type TaskStatus = (typeof STATUSES)[number]

/** Element Plus tag type of a status. */
export function statusType(s: string): 'info' | 'primary' | 'success' | 'danger' | 'warning' {
  return ({ planned: 'info', in_progress: 'primary', done: 'warning', overdue: 'danger', accepted: 'success' } as const)[
    s as TaskStatus
  ] ?? 'info'
}

/** Progress as a percentage for a bar (the quantities themselves stay decimal strings). */
export function percent(t: Pick<Task, 'share_done'>): number {
  return Math.max(0, Math.min(100, Math.round(t.share_done * 100)))
}
