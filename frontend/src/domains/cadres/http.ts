/** Calls outside the typed client: photo uploads (multipart) and photos as object URLs. */
import { authFetch } from '@/api/client'
import { readApiError } from '@/api/errors'
import type { Photo } from './types'

export async function uploadPhoto(kind: 'checkins' | 'logs', id: number, photo: Blob): Promise<Photo> {
  const form = new FormData()
  form.append('file', photo, 'photo.jpg')
  const response = await authFetch(new Request(`/api/v1/cadres/${kind}/${id}/photos`, { method: 'POST', body: form }))
  if (!response.ok) throw await readApiError(response)
  return (await response.json()) as Photo
}

/** An object URL for showing a photo; revoke it when done. */
export async function photoUrl(id: number): Promise<string> {
  const response = await authFetch(new Request(`/api/v1/cadres/photos/${id}`))
  if (!response.ok) throw await readApiError(response)
  return URL.createObjectURL(await response.blob())
}
