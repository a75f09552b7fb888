/** Calls outside the typed client: multipart uploads, downloads, and the registries' generic forms. */
import { authFetch } from '@/api/client'
import { readApiError } from '@/api/errors'
import { downloadFile } from '../rectification/download'

/** JSON from a same-origin API path, or throws ApiError. */
export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await authFetch(new Request(url, init))
  if (!response.ok) throw await readApiError(response)
  return (await response.json()) as T
}

export function postJson<T>(url: string, body: unknown): Promise<T> {
  return requestJson<T>(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

export async function uploadAttachment(claimId: number, file: File): Promise<void> {
  const form = new FormData()
  form.append('file', file, file.name)
  await requestJson(`/api/v1/funds/claims/${claimId}/attachments`, { method: 'POST', body: form })
}

export function downloadAttachment(id: number, name: string): Promise<void> {
  return downloadFile(`/api/v1/funds/attachments/${id}`, name)
}

/** An object URL for showing an invoice on a phone; revoke it when done. */
export async function attachmentUrl(id: number): Promise<string> {
  const response = await authFetch(new Request(`/api/v1/funds/attachments/${id}`))
  if (!response.ok) throw await readApiError(response)
  return URL.createObjectURL(await response.blob())
}
