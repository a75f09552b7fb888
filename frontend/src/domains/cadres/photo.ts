/**
 * Photos are shrunk on the phone before upload: a camera picture of several MB becomes a JPEG of a
 * few hundred KB (longest edge 1600 px), well under the server's limit and quick on a weak signal.
 */
export const MAX_EDGE = 1600
/** Kept under the server's default photo limit (1 MiB) with room to spare. */
export const TARGET_BYTES = 900 * 1024
export const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp']

/** The size that fits `maxEdge` on the longest side, keeping the aspect (never enlarges). */
export function fitWithin(width: number, height: number, maxEdge = MAX_EDGE): { width: number; height: number } {
  if (!(width > 0 && height > 0)) return { width: 0, height: 0 }
  const scale = Math.min(1, maxEdge / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/** The attempts to make, largest first: (longest edge, JPEG quality). */
export function attempts(maxEdge = MAX_EDGE): [number, number][] {
  return [
    [maxEdge, 0.82],
    [maxEdge, 0.65],
    [Math.round(maxEdge * 0.75), 0.6],
    [Math.round(maxEdge * 0.5), 0.6],
  ]
}

async function decode(file: Blob): Promise<{ source: CanvasImageSource; width: number; height: number; close(): void }> {
  if (typeof createImageBitmap === 'function') {
    const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' })
    return { source: bmp, width: bmp.width, height: bmp.height, close: () => bmp.close() }
  }
  const url = URL.createObjectURL(file)
  const img = new Image()
  img.src = url
  await img.decode()
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) }
}

/** A JPEG of the picture, shrunk until it is at most `targetBytes`. Throws if the file is no image. */
export async function downscale(file: Blob, targetBytes = TARGET_BYTES): Promise<Blob> {
  const img = await decode(file)
  try {
    let last: Blob | null = null
    for (const [edge, quality] of attempts()) {
      const size = fitWithin(img.width, img.height, edge)
      const canvas = document.createElement('canvas')
      canvas.width = size.width
      canvas.height = size.height
      const ctx = canvas.getContext('2d')
      if (!ctx) throw new Error('no canvas')
      ctx.drawImage(img.source, 0, 0, size.width, size.height)
      last = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality))
      if (last && last.size <= targetBytes) return last
    }
    if (last) return last
    throw new Error('could not encode the photo')
  } finally {
    img.close()
  }
}

/** A data: URL of a blob (kept in storage while a write waits offline). */
export function toDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(blob)
  })
}

export function fromDataUrl(url: string): Blob {
  const [head, data = ''] = url.split(',', 2)
  const type = /data:([^;]+)/.exec(head ?? '')?.[1] ?? 'image/jpeg'
  const bin = atob(data)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return new Blob([bytes], { type })
}
