/** Shapes of the discipline-case register, from the generated contract, and the code lists. */
import type { components } from '@/api/schema'

export type Case = components['schemas']['DisciplineCaseOut']
export type CaseList = components['schemas']['DisciplineCaseList']
export type CaseStats = components['schemas']['DisciplineCaseStats']
export type YearCount = components['schemas']['DisciplineYearCount']
export type CaseCreate = components['schemas']['DisciplineCaseCreate']
export type CasePatch = components['schemas']['DisciplineCasePatch']

export const ROLES = [
  'branch_secretary',
  'branch_committee_member',
  'village_head',
  'village_committee_member',
  'supervision_committee_member',
  'village_accountant',
  'other_cadre',
] as const satisfies readonly Case['person_role'][]

export const VIOLATIONS = [
  'embezzlement',
  'relief_funds_misuse',
  'bribery',
  'assets_resources',
  'election_misconduct',
  'frugality_rules',
  'favouritism',
  'disclosure_failure',
  'dereliction',
  'other',
] as const satisfies readonly Case['violation'][]

export const OUTCOMES = [
  'pending',
  'no_sanction',
  'admonition',
  'warning',
  'serious_warning',
  'removal_from_post',
  'probation',
  'expulsion',
  'judicial_transfer',
] as const satisfies readonly Case['outcome'][]

/** The filters of the register a link may carry in its query (a dashboard figure's days, kind, outcome). */
export interface UrlFilter {
  year?: number
  township_code?: string
  village_code?: string
  violation?: Case['violation']
  outcome?: Case['outcome']
  filed_from?: string
  filed_to?: string
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const CODE = /^\d{12}$/

function one(v: unknown): string | undefined {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' && s !== '' ? s : undefined
}

/** The register's filters from a route query; what is not a valid value is left out (never sent). */
export function urlFilter(query: Record<string, unknown>): UrlFilter {
  const out: UrlFilter = {}
  const year = Number(one(query.year))
  if (Number.isInteger(year) && year >= 1990 && year <= 2100) out.year = year
  for (const key of ['township_code', 'village_code'] as const) {
    const code = one(query[key])
    if (code && CODE.test(code)) out[key] = code
  }
  const violation = one(query.violation)
  if ((VIOLATIONS as readonly string[]).includes(violation ?? '')) out.violation = violation as Case['violation']
  const outcome = one(query.outcome)
  if ((OUTCOMES as readonly string[]).includes(outcome ?? '')) out.outcome = outcome as Case['outcome']
  for (const key of ['filed_from', 'filed_to'] as const) {
    const day = one(query[key])
    if (day && DAY.test(day)) out[key] = day
  }
  return out
}

/** How a year's change reads: up, down, flat, or new (no case the year before). */
export function trend(y: YearCount): 'up' | 'down' | 'flat' | 'new' {
  if (y.change_percent === null) return y.cases > 0 ? 'new' : 'flat'
  if (y.change > 0) return 'up'
  if (y.change < 0) return 'down'
  return 'flat'
}

/** The percentage without its sign ("-37.5" -> "37.5"): the words say the direction. */
export function unsignedPercent(y: YearCount): string {
  return (y.change_percent ?? '').replace(/^-/, '')
}

/** Text with a control character the server refuses (all C0 but tab, LF, CR, and DEL). */
export function hasControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)
}
