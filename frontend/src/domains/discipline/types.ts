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
