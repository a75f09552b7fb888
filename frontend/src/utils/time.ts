/**
 * Dates and times as the county keeps them. The server counts days in the county's time zone
 * (CUNZHI_TIMEZONE, Asia/Shanghai by default), so a moment is shown, and "today" is taken, in that
 * zone whatever the browser's own zone; only the way a date is written follows the interface language.
 */

/** The county's time zone. */
export const COUNTY_TIME_ZONE = 'Asia/Shanghai'

type Moment = Date | string | number

// One formatter for the parts: en-US with h23 gives plain digits and hours 00–23.
const PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: COUNTY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function parts(at: Moment): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of PARTS.formatToParts(new Date(at))) out[p.type] = p.value
  return out
}

/** 'YYYY-MM-DD' of a moment in the county. */
export function countyDay(at: Moment): string {
  const p = parts(at)
  return `${p.year}-${p.month}-${p.day}`
}

/** 'HH:MM' (24-hour) of a moment in the county. */
export function countyTime(at: Moment): string {
  const p = parts(at)
  return `${p.hour}:${p.minute}`
}

/** 'YYYY-MM' of a moment in the county. */
export function countyMonth(at: Moment): string {
  return countyDay(at).slice(0, 7)
}

/** Today in the county as 'YYYY-MM-DD' (not `toISOString().slice(0, 10)`, a UTC day: yesterday there before 08:00). */
export function countyToday(now: Date = new Date()): string {
  return countyDay(now)
}

/** This month in the county as 'YYYY-MM'. */
export function countyThisMonth(now: Date = new Date()): string {
  return countyMonth(now)
}

/** A moment as the county's date and 24-hour time, written the way the interface's language writes
 * them (`hourCycle`, not `hour12: false`, which writes midnight as 24:… in some languages). */
export function countyDateTime(at: Moment, locale: string): string {
  return new Date(at).toLocaleString(locale, { timeZone: COUNTY_TIME_ZONE, hourCycle: 'h23' })
}

/** A moment as the county's date alone, in the interface's language. */
export function countyDate(at: Moment, locale: string): string {
  return new Date(at).toLocaleDateString(locale, { timeZone: COUNTY_TIME_ZONE })
}

/** The calendar day a date picker's Date stands for, 'YYYY-MM-DD': pickers hand out local midnight
 * of the day clicked, so its local fields are the day, whatever the zone. */
export function pickedDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
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

/** The month 'YYYY-MM' moved by delta months. */
export function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + delta, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/** Weekday (0 = Sunday) of a day 'YYYY-MM-DD'. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay()
}

/** A month 'YYYY-MM' by name in the interface's language ("2026年12月", "December 2026"). */
export function monthName(month: string, locale: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  if (!y || !m) return month
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(locale, { timeZone: 'UTC', year: 'numeric', month: 'long' })
}
