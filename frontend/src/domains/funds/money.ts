/**
 * Money on screen. Amounts travel as decimal strings ("1234.50") and are never turned into
 * floating-point numbers: formatting and checking work on the digits themselves.
 */

const AMOUNT = /^(\d{1,12})(?:\.(\d{1,2}))?$/

/** "1234567.5" -> "1,234,567.50"; a leading minus is kept. Anything else is returned unchanged. */
export function formatMoney(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const negative = value.startsWith('-')
  const m = AMOUNT.exec(negative ? value.slice(1) : value)
  if (!m) return value
  const whole = (m[1] ?? '0').replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = (m[2] ?? '').padEnd(2, '0')
  return `${negative && /[1-9]/.test(value) ? '-' : ''}${whole}.${cents}`
}

/** Why an amount typed by a person is not acceptable, or null: positive, at most 2 decimals, 12 digits. */
export function amountProblem(input: string): 'required' | 'format' | 'positive' | null {
  const value = input.trim()
  if (!value) return 'required'
  if (!AMOUNT.test(value)) return 'format'
  if (!/[1-9]/.test(value)) return 'positive'
  return null
}

/** The amount as the API wants it ("12" -> "12.00"), after amountProblem() said it is fine. */
export function normaliseAmount(input: string): string {
  const [whole = '0', cents = ''] = input.trim().split('.')
  return `${whole.replace(/^0+(?=\d)/, '')}.${cents.padEnd(2, '0')}`
}

function toCents(value: string): bigint {
  const negative = value.startsWith('-')
  const [whole = '0', frac = ''] = (negative ? value.slice(1) : value).split('.')
  const n = BigInt(whole || '0') * 100n + BigInt((frac + '00').slice(0, 2))
  return negative ? -n : n
}

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compareMoney(a: string, b: string): number {
  const d = toCents(a) - toCents(b)
  return d < 0n ? -1 : d > 0n ? 1 : 0
}

/** Sum of decimal strings, exactly, as a decimal string with two places. */
export function sumMoney(values: string[]): string {
  const total = values.reduce((acc, v) => acc + toCents(v), 0n)
  const abs = total < 0n ? -total : total
  return `${total < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`
}
