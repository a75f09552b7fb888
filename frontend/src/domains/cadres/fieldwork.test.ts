import { describe, expect, it } from 'vitest'
import { addMonths, clientTime, countyDateTime, monthDays, countyDay, countyMonth, countyTime, weekday } from '@/utils/time'
import { failureOf, fixOf, GeoError, locate } from './geo'
import { attempts, fitWithin, fromDataUrl, toDataUrl } from './photo'
import { addPending, flushPending, readPending, removePending } from './pending'

describe('days in Asia/Shanghai', () => {
  it('puts a moment on the day it is in Shanghai, whatever the phone zone', () => {
    expect(countyDay('2026-05-01T15:59:59Z')).toBe('2026-05-01')
    expect(countyDay('2026-05-01T16:00:00Z')).toBe('2026-05-02')
    expect(countyDay('2026-05-01T20:00:00-07:00')).toBe('2026-05-02')
    expect(countyDay('2026-12-31T16:30:00Z')).toBe('2027-01-01')
    expect(countyTime('2026-05-01T00:05:00Z')).toBe('08:05')
    expect(countyMonth('2026-04-30T16:00:00Z')).toBe('2026-05')
  })

  it("writes a moment as the county's date and time in the interface language", () => {
    expect(countyDateTime('2026-12-02T16:30:05Z', 'zh-CN')).toBe('2026/12/3 00:30:05')
    expect(countyDateTime('2026-12-02T16:30:05Z', 'en')).toBe('12/3/2026, 00:30:05')
    expect(countyDateTime('2026-12-03T08:30:05+08:00', 'en')).toBe('12/3/2026, 08:30:05')
  })

  it('sends the phone time with its offset', () => {
    expect(clientTime(new Date(Date.UTC(2026, 4, 1, 0, 5)))).toBe('2026-05-01T00:05:00.000Z')
  })

  it('lists the days of a month and steps months', () => {
    expect(monthDays('2026-02')).toHaveLength(28)
    expect(monthDays('2028-02').at(-1)).toBe('2028-02-29')
    expect(monthDays('2026-12')[0]).toBe('2026-12-01')
    expect(monthDays('2026-13')).toEqual([])
    expect(monthDays('bad')).toEqual([])
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-12', 1)).toBe('2027-01')
    expect(weekday('2026-11-27')).toBe(5)
  })
})

describe('geolocation', () => {
  it('maps the browser errors to reasons a person understands', () => {
    expect(failureOf({ code: 1 })).toBe('denied')
    expect(failureOf({ code: 2 })).toBe('unavailable')
    expect(failureOf({ code: 3 })).toBe('timeout')
    expect(failureOf(null)).toBe('unavailable')
  })

  it('keeps only usable fixes', () => {
    expect(fixOf({ latitude: 45.7581, longitude: 126.6425, accuracy: 12.345 })).toEqual({ lat: 45.7581, lng: 126.6425, accuracy: 12.3 })
    expect(fixOf({ latitude: 45, longitude: 126, accuracy: 0 })).toEqual({ lat: 45, lng: 126, accuracy: 1 })
    expect(fixOf({ latitude: Number.NaN, longitude: 126, accuracy: 5 })).toBe('unavailable')
    expect(fixOf({ latitude: 91, longitude: 126, accuracy: 5 })).toBe('unavailable')
    expect(fixOf({ latitude: 45, longitude: Number.POSITIVE_INFINITY, accuracy: 5 })).toBe('unavailable')
    expect(fixOf({ latitude: 45, longitude: 126, accuracy: 250_000 })).toBe('inaccurate')
    expect(fixOf({ latitude: 45, longitude: 126, accuracy: Number.NaN })).toBe('inaccurate')
  })

  it('locates, or says why not', async () => {
    const ok = { getCurrentPosition: (yes: PositionCallback) => yes({ coords: { latitude: 45.1, longitude: 126.2, accuracy: 8 } } as GeolocationPosition) }
    await expect(locate({ geolocation: ok, secure: true })).resolves.toEqual({ lat: 45.1, lng: 126.2, accuracy: 8 })
    const denied = {
      getCurrentPosition: (_: PositionCallback, no?: PositionErrorCallback | null) => no?.({ code: 1 } as GeolocationPositionError),
    }
    await expect(locate({ geolocation: denied, secure: true })).rejects.toEqual(new GeoError('denied'))
    await expect(locate({ geolocation: undefined, secure: true })).rejects.toMatchObject({ reason: 'unsupported' })
    await expect(locate({ geolocation: ok, secure: false })).rejects.toMatchObject({ reason: 'insecure' })
  })
})

describe('photos', () => {
  it('fits the longest edge, never enlarges', () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin(3000, 4000, 800)).toEqual({ width: 600, height: 800 })
    expect(fitWithin(640, 480)).toEqual({ width: 640, height: 480 })
    expect(fitWithin(10000, 1)).toEqual({ width: 1600, height: 1 })
    expect(fitWithin(0, 100)).toEqual({ width: 0, height: 0 })
    const steps = attempts()
    expect(steps[0]).toEqual([1600, 0.82])
    expect(steps.every(([edge], i) => i === 0 || edge <= steps[i - 1]![0])).toBe(true)
  })

  it('round-trips a blob through a data URL', async () => {
    const blob = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x10])], { type: 'image/jpeg' })
    const url = await toDataUrl(blob)
    expect(url.startsWith('data:image/jpeg;base64,')).toBe(true)
    const back = fromDataUrl(url)
    expect(back.type).toBe('image/jpeg')
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x10]))
  })
})

describe('photos waiting for their write', () => {
  function memory(): Storage {
    const m = new Map<string, string>()
    return {
      getItem: (k) => m.get(k) ?? null,
      setItem: (k, v) => void m.set(k, v),
      removeItem: (k) => void m.delete(k),
      clear: () => m.clear(),
      key: () => null,
      get length() {
        return m.size
      },
    }
  }

  it('uploads a photo once its write has arrived, and drops refused or stale ones', async () => {
    const s = memory()
    const now = Date.now()
    addPending({ key: 'a', kind: 'checkins', dataUrl: 'data:image/jpeg;base64,/9j/', at: now }, s)
    addPending({ key: 'b', kind: 'logs', dataUrl: 'data:image/jpeg;base64,/9j/', at: now }, s)
    addPending({ key: 'c', kind: 'logs', dataUrl: 'data:image/jpeg;base64,/9j/', at: now }, s)
    addPending({ key: 'old', kind: 'logs', dataUrl: 'data:,', at: now - 9 * 24 * 3600 * 1000 }, s)
    expect(readPending(s).map((p) => p.key)).toEqual(['a', 'b', 'c'])
    const uploaded: string[] = []
    const n = await flushPending(
      async (_kind, key) => ({ a: 11, b: null, c: 13 })[key] ?? null,
      async (kind, id) => {
        if (id === 13) throw Object.assign(new Error('too many'), { status: 409 })
        uploaded.push(`${kind}/${id}`)
      },
      fromDataUrl,
      s,
    )
    expect(n).toBe(1)
    expect(uploaded).toEqual(['checkins/11'])
    expect(readPending(s).map((p) => p.key)).toEqual(['b'])
    removePending('b', s)
    expect(readPending(s)).toEqual([])
  })

  it('keeps the photo when the upload fails for lack of network', async () => {
    const s = memory()
    addPending({ key: 'a', kind: 'checkins', dataUrl: 'data:image/jpeg;base64,/9j/', at: Date.now() }, s)
    await expect(
      flushPending(async () => 1, async () => Promise.reject(new TypeError('Failed to fetch')), fromDataUrl, s),
    ).rejects.toThrow('Failed to fetch')
    expect(readPending(s)).toHaveLength(1)
  })
})
