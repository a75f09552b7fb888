/** Calls outside the typed client: multipart uploads, downloads and photos as object URLs. */
import { authFetch } from '@/api/client'
import { readApiError } from '@/api/errors'
import type { ImportJob, ImportReport } from './types'

export async function uploadEvidence(taskId: number, updateId: number, photo: Blob): Promise<void> {
  const form = new FormData()
  form.append('file', photo, 'photo.jpg')
  const r = await authFetch(new Request(`/api/v1/tasks/${taskId}/progress/${updateId}/photos`, { method: 'POST', body: form }))
  if (!r.ok) throw await readApiError(r)
}

export async function importFile(file: File, dryRun: boolean): Promise<ImportReport> {
  const form = new FormData()
  form.append('file', file, file.name)
  form.append('dry_run', dryRun ? 'true' : 'false')
  const r = await authFetch(new Request('/api/v1/tasks/import', { method: 'POST', body: form }))
  if (!r.ok) throw await readApiError(r)
  return (await r.json()) as ImportReport
}

/** Hand a file (already checked by a dry run) to the worker; poll `importJob` for its progress. */
export async function startImport(file: File): Promise<ImportJob> {
  const form = new FormData()
  form.append('file', file, file.name)
  const r = await authFetch(new Request('/api/v1/tasks/imports', { method: 'POST', body: form }))
  if (!r.ok) throw await readApiError(r)
  return (await r.json()) as ImportJob
}

export async function photoUrl(id: number): Promise<string> {
  const r = await authFetch(new Request(`/api/v1/tasks/photos/${id}`))
  if (!r.ok) throw await readApiError(r)
  return URL.createObjectURL(await r.blob())
}

/** The file name from Content-Disposition's filename* (RFC 6266), else the fallback. */
export function dispositionName(header: string | null, fallback: string): string {
  const m = header?.match(/filename\*=UTF-8''([^;]+)/i)
  return m?.[1] ? decodeURIComponent(m[1]) : fallback
}

export async function download(format: 'xlsx' | 'csv', query: Record<string, string>): Promise<void> {
  const params = new URLSearchParams({ ...query, format })
  const r = await authFetch(new Request(`/api/v1/tasks/export?${params.toString()}`))
  if (!r.ok) throw await readApiError(r)
  const url = URL.createObjectURL(await r.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = dispositionName(r.headers.get('content-disposition'), `tasks.${format}`)
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
