/**
 * The phone's position for a check-in, with a clear reason when there is none: the person denied
 * the permission, the device has no fix (weak signal, indoors) or took too long, the browser has no
 * geolocation, or the page is not served over HTTPS (browsers then refuse to locate).
 */
export type GeoFailure = 'unsupported' | 'insecure' | 'denied' | 'unavailable' | 'timeout' | 'inaccurate'

export interface Fix {
  lat: number
  lng: number
  /** metres */
  accuracy: number
}

export class GeoError extends Error {
  constructor(readonly reason: GeoFailure) {
    super(reason)
    this.name = 'GeoError'
  }
}

/** Worse than this is no fix at all (the server refuses accuracy above 100 km). */
export const MAX_ACCURACY_M = 100_000

/** The error code of a GeolocationPositionError (1 denied, 2 unavailable, 3 timeout). */
export function failureOf(error: { code?: number } | null | undefined): GeoFailure {
  if (error?.code === 1) return 'denied'
  if (error?.code === 3) return 'timeout'
  return 'unavailable'
}

/** A usable fix from a position, or the reason it is not one. */
export function fixOf(coords: { latitude: number; longitude: number; accuracy: number }): Fix | GeoFailure {
  const { latitude: lat, longitude: lng } = coords
  if (![lat, lng].every(Number.isFinite) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return 'unavailable'
  let accuracy = Number.isFinite(coords.accuracy) ? coords.accuracy : MAX_ACCURACY_M + 1
  if (accuracy > MAX_ACCURACY_M) return 'inaccurate'
  if (accuracy <= 0) accuracy = 1
  return { lat, lng, accuracy: Math.round(accuracy * 10) / 10 }
}

export interface LocateEnv {
  geolocation?: Pick<Geolocation, 'getCurrentPosition'> | undefined
  secure?: boolean
}

/** Asks the device for one fix; rejects with GeoError. */
export function locate(env: LocateEnv = {}, timeoutMs = 20_000): Promise<Fix> {
  const geolocation = 'geolocation' in env ? env.geolocation : globalThis.navigator?.geolocation
  const secure = env.secure ?? globalThis.isSecureContext ?? true
  if (!secure) return Promise.reject(new GeoError('insecure'))
  if (!geolocation) return Promise.reject(new GeoError('unsupported'))
  return new Promise((resolve, reject) => {
    geolocation.getCurrentPosition(
      (pos) => {
        const fix = fixOf(pos.coords)
        if (typeof fix === 'string') reject(new GeoError(fix))
        else resolve(fix)
      },
      (err) => reject(new GeoError(failureOf(err))),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
    )
  })
}
