/** Shapes of the screening and rectification API, derived from the generated contract. */
import type { QueryOf, RequestBody, ResponseBody } from '@/api/types'

export type Criterion = ResponseBody<'/api/v1/criteria', 'get'>[number]
export type Round = ResponseBody<'/api/v1/screening-rounds', 'get'>[number]
export type RoundDetail = ResponseBody<'/api/v1/screening-rounds/{round_id}', 'get'>
export type RoundCreate = RequestBody<'/api/v1/screening-rounds', 'post'>
export type RoundStatus = Round['status']
export type RoundTownship = RoundDetail['townships'][number]
export type Sheet = ResponseBody<'/api/v1/screening-rounds/{round_id}/scores', 'get'>[number]
export type Proposal = ResponseBody<'/api/v1/screening-rounds/{round_id}/proposals', 'get'>[number]
export type ConfirmResult = ResponseBody<'/api/v1/screening-rounds/{round_id}/confirm', 'post'>
export type CasePage = ResponseBody<'/api/v1/rectification-cases', 'get'>
export type CaseSummary = CasePage['items'][number]
export type CaseQuery = QueryOf<'/api/v1/rectification-cases', 'get'>
export type CaseDetail = ResponseBody<'/api/v1/rectification-cases/{case_id}', 'get'>
export type CaseStatus = CaseDetail['status']
export type AcceptancePlan = ResponseBody<'/api/v1/rectification-cases/{case_id}/acceptance', 'get'>
export type Measure = CaseDetail['measures'][number]
export type TimelineEvent = CaseDetail['timeline'][number]
export type OpenMeasure = ResponseBody<'/api/v1/rectification/open-measures', 'get'>[number]
export type VillageHistory = ResponseBody<'/api/v1/rectification/villages/{village_code}/history', 'get'>

export const ROUND_STATUSES: RoundStatus[] = ['open', 'scoring', 'proposed', 'confirmed', 'closed']
export const CASE_STATUSES: CaseStatus[] = ['open', 'rectifying', 'submitted', 'accepted']
