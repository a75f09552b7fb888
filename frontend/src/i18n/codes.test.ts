/**
 * Every code the screens show has a label in both languages, and the English ones are English.
 *
 * Each list is a `Record<Code, true>` over the contract's own type, so a code added on the server fails
 * the type check here until it is listed (and so labelled).
 */
import { describe, expect, it } from 'vitest'
import { i18n, mergeDomainModules, type DomainMessageModule } from '@/i18n'
import type { components } from '@/api/schema'
import { KNOWN_STRENGTHS } from '@/domains/partners/types'
import { KNOWN_EXPERTISE } from '@/domains/cadres/types'
import { REASON_KINDS } from '@/domains/rectification/reasons'

mergeDomainModules(import.meta.glob<DomainMessageModule>('/src/domains/*/desktop-i18n.ts', { eager: true }))

type S = components['schemas']
type All<T extends string> = Record<T, true>
const keys = <T extends string>(r: All<T>): string[] => Object.keys(r)

const CJK = /[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]/

/** i18n prefix -> the codes it labels */
const LISTS: Record<string, string[]> = {
  'enums.category': keys<S['ProblemCategory']>({
    no_fit_secretary: true, weak_economy: true, poor_public_order: true, many_petitions: true,
    irregular_activity: true, weak_branch: true, specialty_farming: true,
  }),
  'enums.status': keys<S['RectificationStatus']>({ normal: true, weak: true, rectifying: true, accepted: true }),
  'enums.role': keys<S['Role']>({
    county_admin: true, discipline_inspector: true, township_official: true, township_agency: true,
    partner_unit: true, cadre: true, village_committee: true, supervision_committee: true, api_client: true,
  }),
  // screening
  'rectification.reasonKind': REASON_KINDS,
  'rectification.caseStatus': keys<S['CaseStatus']>({ open: true, rectifying: true, submitted: true, accepted: true }),
  'rectification.roundStatus': keys<S['RoundStatus']>({
    open: true, scoring: true, proposed: true, confirmed: true, closed: true,
  }),
  // partner units
  'partners.strength': [...KNOWN_STRENGTHS],
  'partners.status': keys<S['ProposalStatus']>({ open: true, confirmed: true, superseded: true }),
  'partners.pairingStatus': keys<S['PairingStatus']>({
    current: true, upcoming: true, finished: true, ended: true, void: true,
  }),
  'partners.endReason': keys<S['EndReason']>({ replaced: true, village_accepted: true, unit_withdrawn: true, other: true }),
  'partners.uncovered': keys<S['UncoveredReason']>({ no_capacity: true, no_allowed_unit: true }),
  // stationed cadres
  'cadres.expertise': [...KNOWN_EXPERTISE],
  'cadres.post': keys<S['Post']>({ deputy_secretary: true, committee_member: true }),
  'cadres.role': keys<S['SevenRole']>({
    informant: true, mediator: true, supervisor: true, coordinator: true, clerk: true, researcher: true,
    security_officer: true,
  }),
  'cadres.flag': keys<S['CheckinFlag']>({
    far_from_village: true, poor_accuracy: true, late_upload: true, village_unlocated: true,
  }),
  'cadres.review': keys<S['ReviewDecision']>({ accepted: true, rejected: true }),
  'cadres.desk.endReason': keys<S['PostingEndReason']>({ replaced: true, village_accepted: true, recalled: true, other: true }),
  'cadres.desk.endingReason': keys<S['PostingEndingReason']>({
    moved: true, replaced: true, banned: true, pinned_elsewhere: true, replaced_by_pin: true, over_slots: true,
    cadre_inactive: true,
  }),
  'cadres.desk.postingStatus': keys<S['PostingStatus']>({
    current: true, upcoming: true, finished: true, ended: true, void: true,
  }),
  'cadres.desk.proposalStatus': keys<S['PostingProposalStatus']>({ open: true, confirmed: true, superseded: true }),
  'cadres.desk.basis': keys<S['MatchBasis']>({ pinned: true, kept: true, expertise: true, coverage: true }),
  'cadres.desk.uncovered': keys<S['PostingUncoveredReason']>({ no_capacity: true, no_allowed_unit: true }),
  // tasks
  'tasks.category': keys<S['Category']>({ seven_helps: true, construction: true, poverty_relief: true, industry: true }),
  'tasks.duty': keys<S['Duty']>({ mobilise: true, supervise_quality: true, settle_disputes: true }),
  'tasks.responsible': keys<S['Responsible']>({ village_committee: true, partner_unit: true, cadre: true }),
  'tasks.status': keys<S['TaskStatus']>({ planned: true, in_progress: true, done: true, overdue: true, accepted: true }),
  'tasks.importStatus': keys<S['TaskImportStatus']>({
    queued: true, validating: true, writing: true, done: true, rejected: true, failed: true,
  }),
  // disclosures
  'disclosures.roundStatuses': keys<S['DisclosureRoundStatus']>({ planned: true, open: true, locked: true }),
  'disclosures.statuses': keys<S['VillageStatus']>({ pending: true, published: true, passed: true, failed: true }),
  'disclosures.sections': keys<S['Section']>({ party: true, village: true, finance: true }),
  // discipline
  'discipline.kind': keys<S['Violation']>({
    embezzlement: true, relief_funds_misuse: true, bribery: true, assets_resources: true, election_misconduct: true,
    frugality_rules: true, favouritism: true, disclosure_failure: true, dereliction: true, other: true,
  }),
  'discipline.result': keys<S['CaseOutcome']>({
    pending: true, no_sanction: true, admonition: true, warning: true, serious_warning: true,
    removal_from_post: true, probation: true, expulsion: true, judicial_transfer: true,
  }),
  'discipline.role': keys<S['CadreRole']>({
    branch_secretary: true, branch_committee_member: true, village_head: true, village_committee_member: true,
    supervision_committee_member: true, village_accountant: true, other_cadre: true,
  }),
  // funds, assets and resources
  'funds.budgets.categories': keys<S['BudgetCategory']>({
    office: true, allowances: true, public_works: true, production: true, welfare: true, maintenance: true, other: true,
  }),
  'funds.budgets.statuses': keys<S['BudgetStatus']>({
    draft: true, submitted: true, approved: true, returned: true, closed: true,
  }),
  'funds.claimStatuses': keys<S['ClaimState']>({
    draft: true, submitted: true, committee_signed: true, township_approved: true, paid: true, rejected: true,
    withdrawn: true, reversed: true,
  }),
  'funds.claimActions': keys<S['ClaimAction']>({
    submit: true, sign: true, approve: true, pay: true, reject: true, withdraw: true, recall: true, reverse: true,
  }),
  'funds.amendments.statuses': keys<S['AmendmentStatus']>({ pending: true, approved: true, returned: true }),
  'funds.ledger.kinds': keys<S['EntryKind']>({ income: true, payment: true, reversal: true }),
  'funds.sources': keys<S['IncomeSource']>({ rent: true, subsidy: true, transfer: true, asset_sale: true, other: true }),
  'funds.registry.assetKinds': keys<S['AssetKind']>({
    building: true, machinery: true, vehicle: true, facility: true, other: true,
  }),
  'funds.registry.assetStatuses': keys<S['AssetState']>({ registered: true, valued: true, approved: true, disposed: true }),
  'funds.registry.assetActions': keys<S['AssetAction']>({ value: true, approve: true, return: true, dispose: true }),
  'funds.registry.methods': keys<S['DisposalMethod']>({ sale: true, auction: true, scrap: true, transfer: true }),
  'funds.registry.resourceKinds': keys<S['ResourceKind']>({
    land: true, pond: true, forest: true, grassland: true, other: true,
  }),
  'funds.registry.resourceStatuses': keys<S['ResourceState']>({
    registered: true, surveyed: true, valued: true, approved: true, tendering: true, let: true,
  }),
  'funds.registry.resourceActions': keys<S['ResourceAction']>({
    survey: true, value: true, approve: true, return: true, open_tender: true, tender_failed: true,
    record_letting: true, end_letting: true,
  }),
  // dashboards and setup
  'dashboards.panel': keys<S['PanelName']>({
    rectification: true, pairing: true, cadres: true, tasks: true, funds: true, disclosures: true, discipline: true,
  }),
  'dashboards.budgetCategory': keys<S['BudgetCategory']>({
    office: true, allowances: true, public_works: true, production: true, welfare: true, maintenance: true, other: true,
  }),
  'dashboards.load': keys<S['LoadBucket']>({ '0': true, '1-2': true, '3-5': true, '6-10': true, '11+': true }),
  'dashboards.step': keys<S['ClaimStep']>({ sign: true, approve: true, pay_direct: true, pay: true }),
  'setup.levels': keys<S['DivisionLevel']>({ province: true, city: true, county: true, township: true }),
}

function message(locale: 'zh-CN' | 'en', key: string): unknown {
  let node: unknown = i18n.global.getLocaleMessage(locale)
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  return node
}

describe('code labels', () => {
  it.each(Object.entries(LISTS))('labels every code of %s in Chinese and English', (prefix, codes) => {
    expect(codes.length).toBeGreaterThan(0)
    const missing: string[] = []
    const notEnglish: string[] = []
    for (const code of codes) {
      const zh = message('zh-CN', `${prefix}.${code}`)
      const en = message('en', `${prefix}.${code}`)
      if (typeof zh !== 'string' || !zh) missing.push(`zh-CN ${code}`)
      if (typeof en !== 'string' || !en) missing.push(`en ${code}`)
      else if (CJK.test(en)) notEnglish.push(`${code}: ${en}`)
    }
    expect(missing).toEqual([])
    expect(notEnglish).toEqual([])
  })

  it('writes each screening reason in the reader’s language', async () => {
    const { reasonText } = await import('@/domains/rectification/reasons')
    const criteria = [{ code: 'weak_economy', name: '贫困或集体经济薄弱', category: 'weak_economy' as const }]
    const reason = {
      kind: 'category_reached' as const,
      criterion: 'weak_economy',
      text: '贫困或集体经济薄弱：8/10 分（问题程度 80%），达到问题认定线 60%',
      params: { score: '8', min: '0', max: '10', severity: '80', threshold: '60' },
    }
    const t = (locale: 'zh-CN' | 'en') => (key: string, values?: Record<string, unknown>) =>
      i18n.global.t(key, values ?? {}, { locale })
    expect(reasonText(reason, criteria, t('zh-CN'), 'zh-CN')).toBe(reason.text)
    const en = reasonText(reason, criteria, t('en'), 'en')
    expect(en).toBe('Weak economy: 8/10 (problem level 80%), reaching the problem line of 60%')
    for (const kind of REASON_KINDS) {
      const text = reasonText({ ...reason, kind, params: { ...reason.params, index: '72.5' } }, criteria, t('en'), 'en')
      expect(text, kind).not.toMatch(CJK)
      expect(text, kind).not.toContain('{')
    }
  })
})
