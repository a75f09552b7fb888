/** Downloads an authenticated file (XLSX exports) and hands it to the browser as a download. */
import { authFetch } from '@/api/client'
import { apiErrorFrom } from '@/api/errors'

export async function downloadFile(url: string, fallbackName: string): Promise<void> {
  const response = await authFetch(new Request(url))
  if (!response.ok) {
    let body: unknown = null
    try {
      body = await response.json()
    } catch {
      /* not JSON */
    }
    throw apiErrorFrom(response, body)
  }
  const blob = await response.blob()
  const disposition = response.headers.get('Content-Disposition') ?? ''
  const match = /filename\*=UTF-8''([^;]+)/.exec(disposition)
  const name = match?.[1] ? decodeURIComponent(match[1]) : fallbackName
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}
