/**
 * Days as the server counts them: a check-in belongs to the calendar day in Asia/Shanghai (UTC+8, no
 * daylight saving) of the moment it was made on the phone, whatever the phone's own time zone.
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000

/** 'YYYY-MM-DD' of a moment in Asia/Shanghai. */
export function shanghaiDay(at: Date | string | number): string {
  const ms = new Date(at).getTime()
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)
}

/** 'HH:MM' of a moment in Asia/Shanghai. */
export function shanghaiTime(at: Date | string | number): string {
  const ms = new Date(at).getTime()
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16)
}

/** 'YYYY-MM' of a moment in Asia/Shanghai. */
export function shanghaiMonth(at: Date | string | number): string {
  return shanghaiDay(at).slice(0, 7)
}

/** The county's time zone: the server keeps its days in it (CUNZHI_TIMEZONE, Asia/Shanghai by default). */
export const COUNTY_TIME_ZONE = 'Asia/Shanghai'

/** A moment as the county's date and 24-hour time, written the way the interface's language writes
 * them (`hourCycle`, not `hour12: false`, which writes midnight as 24:… in English). */
export function countyDateTime(at: Date | string | number, locale: string): string {
  return new Date(at).toLocaleString(locale, { timeZone: COUNTY_TIME_ZONE, hourCycle: 'h23' })
}

/** The phone's time for the server: an ISO string with its offset (UTC), so it is never ambiguous. */
export function clientTime(at: Date = new Date()): string {
  return at.toISOString()
}

/** Every day of a month 'YYYY-MM' as 'YYYY-MM-DD'. */
export function monthDays(month: string): string[] {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  if (!m) return []
  const year = Number(m[1])
  const mon = Number(m[2])
  if (mon < 1 || mon > 12) return []
  const days = new Date(Date.UTC(year, mon, 0)).getUTCDate()
  return Array.from({ length: days }, (_, i) => `${m[1]}-${m[2]}-${String(i + 1).padStart(2, '0')}`)
}

/** The month before or after 'YYYY-MM'. */
export function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + delta, 1))
  return d.toISOString().slice(0, 7)
}

/** Weekday (0 = Sunday) of a day 'YYYY-MM-DD'. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay()
}
