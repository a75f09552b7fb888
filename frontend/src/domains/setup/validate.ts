/** Checks of the set-up screens' inputs before anything is sent, mirroring the API's rules so a
 * person reads what is wrong in their own words (the API refuses the same inputs anyway).
 * Each check returns the i18n key of its message (under `setup.invalid`), or null when fine. */

export type Invalid =
  | 'codeDigits'
  | 'notTownship'
  | 'outsideCounty'
  | 'notVillage'
  | 'outsideTownship'
  | 'nameEmpty'
  | 'nameLong'
  | 'urlInvalid'
  | 'urlLong'
  | 'typesEmpty'
  | 'typesMany'
  | 'typeInvalid'
  | 'rangeOrder'
  | 'entityInvalid'

const TWELVE = /^[0-9]{12}$/

/** A new township's code: 12 digits, the county's first 6, digits 7-9 set and 10-12 zero. */
export function townshipCodeError(code: string, countyCode: string | null): Invalid | null {
  const c = code.trim()
  if (!TWELVE.test(c)) return 'codeDigits'
  if (c.slice(6, 9) === '000' || c.slice(9) !== '000') return 'notTownship'
  if (countyCode && c.slice(0, 6) !== countyCode.slice(0, 6)) return 'outsideCounty'
  return null
}

/** A new village's code: 12 digits, its township's first 9, digits 10-12 not all zero. */
export function villageCodeError(code: string, townshipCode: string): Invalid | null {
  const c = code.trim()
  if (!TWELVE.test(c)) return 'codeDigits'
  if (c.slice(0, 9) !== townshipCode.slice(0, 9)) return 'outsideTownship'
  if (c.slice(9) === '000') return 'notVillage'
  return null
}

/** A division's or village's name: 1 to 100 characters after trimming. */
export function nameError(name: string): Invalid | null {
  const n = name.trim()
  if (!n) return 'nameEmpty'
  if ([...n].length > 100) return 'nameLong'
  return null
}

/** A webhook receiver: an absolute http(s) address with a host, at most 500 characters. */
export function webhookUrlError(url: string): Invalid | null {
  const u = url.trim()
  if (u.length > 500) return 'urlLong'
  let parsed: URL
  try {
    parsed = new URL(u)
  } catch {
    return 'urlInvalid'
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) return 'urlInvalid'
  return null
}

const EVENT_PATTERN = /^(\*|[a-z_]{1,40}\.([a-z_]{1,20})?)$/

/** The event types typed into one box (spaces or commas between): 1 to 32 patterns such as
 * `claim.submit`, a prefix `claim.`, or `*`. */
export function splitEventTypes(text: string): string[] {
  return text.split(/[\s,，、]+/).filter(Boolean)
}

export function eventTypesError(types: string[]): Invalid | null {
  if (types.length === 0) return 'typesEmpty'
  if (types.length > 32) return 'typesMany'
  if (!types.every((x) => EVENT_PATTERN.test(x))) return 'typeInvalid'
  return null
}

/** The audit log's time filter: the start not after the end. */
export function rangeError(range: [Date, Date] | null): Invalid | null {
  if (range && range[0].getTime() > range[1].getTime()) return 'rangeOrder'
  return null
}

/** The audit log's entity filter: lower-case letters, underscores and dots, such as village or funds.claim. */
export function entityError(entity: string): Invalid | null {
  const e = entity.trim()
  if (e && !/^[a-z_.]{1,64}$/.test(e)) return 'entityInvalid'
  return null
}
