/** Shapes of the stationed-cadre API, derived from the generated contract. */
import type { QueryOf, RequestBody, ResponseBody } from '@/api/types'

export type Cadre = ResponseBody<'/api/v1/cadres/{cadre_id}', 'get'>
export type CadreRow = ResponseBody<'/api/v1/cadres', 'get'>['items'][number]
export type CadreQuery = QueryOf<'/api/v1/cadres', 'get'>
export type CadreCreate = RequestBody<'/api/v1/cadres', 'post'>
export type CadrePatch = RequestBody<'/api/v1/cadres/{cadre_id}', 'patch'>
export type Posting = Cadre['postings'][number]
export type PostingStatus = Posting['status']
export type Post = Posting['post']
export type PostingCreate = RequestBody<'/api/v1/cadres/{cadre_id}/postings', 'post'>
export type PostingEnd = RequestBody<'/api/v1/cadres/postings/{posting_id}/end', 'post'>
export type VillagePostings = ResponseBody<'/api/v1/cadres/villages/{village_code}/postings', 'get'>
export type CadreSettings = ResponseBody<'/api/v1/cadres/settings', 'get'>
export type CadreSettingsUpdate = RequestBody<'/api/v1/cadres/settings', 'put'>
export type Proposal = ResponseBody<'/api/v1/cadres/proposals/{proposal_id}', 'get'>
export type ProposalSummary = ResponseBody<'/api/v1/cadres/proposals', 'get'>['items'][number]
export type ProposedVillage = Proposal['villages'][number]
export type ConfirmResult = ResponseBody<'/api/v1/cadres/proposals/{proposal_id}/confirm', 'post'>
export type Checkin = ResponseBody<'/api/v1/cadres/checkins', 'get'>['items'][number]
export type CheckinIn = RequestBody<'/api/v1/cadres/checkins', 'post'>
export type CheckinPage = ResponseBody<'/api/v1/cadres/checkins', 'get'>
export type WorkLog = ResponseBody<'/api/v1/cadres/logs', 'get'>['items'][number]
export type LogIn = RequestBody<'/api/v1/cadres/logs', 'post'>
export type LogPage = ResponseBody<'/api/v1/cadres/logs', 'get'>
export type SevenRole = WorkLog['roles'][number]
export type Photo = WorkLog['photos'][number]
export type MyDay = ResponseBody<'/api/v1/cadres/me/today', 'get'>
export type Attendance = ResponseBody<'/api/v1/cadres/attendance', 'get'>
export type AttendanceRow = Attendance['rows'][number]
export type SyncResponse = ResponseBody<'/api/v1/cadres/sync', 'post'>
export type SyncResult = SyncResponse['results'][number]
export type FieldworkReport = ResponseBody<'/api/v1/cadres/reports/fieldwork', 'get'>
export type FieldworkReportRow = FieldworkReport['rows'][number]
export type FindingList = ResponseBody<'/api/v1/cadres/findings', 'get'>
export type Finding = FindingList['items'][number]
export type FindingState = Finding['state']
export type FindingStateIn = RequestBody<'/api/v1/cadres/findings/{finding_id}/state', 'post'>
export const FINDING_STATES: FindingState[] = ['open', 'following_up', 'resolved']

export const SEVEN_ROLES: SevenRole[] = [
  'informant',
  'mediator',
  'supervisor',
  'coordinator',
  'clerk',
  'researcher',
  'security_officer',
]
export const POSTS: Post[] = ['deputy_secretary', 'committee_member']
/** Expertise codes the shared messages know; a county may add others (their label comes from the settings). */
export const KNOWN_EXPERTISE = ['mass_work', 'technical', 'organising'] as const
export const PROMOTIONS = ['members_recruited', 'activists_found', 'activities_held', 'activity_attendance', 'members_active'] as const
export const OVERSIGHTS = ['policy_issues', 'discipline_issues'] as const
