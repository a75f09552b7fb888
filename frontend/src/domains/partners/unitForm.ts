/**
 * The partner-unit form's own checks, before anything is sent: each empty field says what it
 * needs, a wrong format says the format expected, and a unit is never saved without a strength
 * (the API refuses one too). The same patterns as the contract's PartnerUnitCreate.
 */
export interface UnitForm {
  code: string
  name: string
  strengths: string[]
  contact_name: string
  contact_phone: string
}

export type UnitField = 'code' | 'name' | 'strengths' | 'contact_name' | 'contact_phone'
/** i18n keys of what is wrong, by field; empty when the form can be sent. */
export type UnitProblems = Partial<Record<UnitField, string>>

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/
const PHONE = /^[0-9+\- ]{5,20}$/

export function checkUnitForm(form: UnitForm, creating: boolean): UnitProblems {
  const out: UnitProblems = {}
  const code = form.code.trim()
  if (creating) {
    if (!code) out.code = 'partners.problems.codeRequired'
    else if (!CODE.test(code)) out.code = 'partners.problems.codeFormat'
  }
  if (!form.name.trim()) out.name = 'partners.problems.nameRequired'
  else if (form.name.trim().length > 100) out.name = 'partners.problems.nameTooLong'
  if (!form.strengths.length) out.strengths = 'partners.problems.strengthsRequired'
  const phone = form.contact_phone.trim()
  if (phone && !PHONE.test(phone)) out.contact_phone = 'partners.problems.phoneFormat'
  return out
}

/** A format error from the server on a field with a known format says that format, like the form. */
export const FORMAT_KEYS: Partial<Record<UnitField, string>> = {
  code: 'partners.problems.codeFormat',
  contact_phone: 'partners.problems.phoneFormat',
}
