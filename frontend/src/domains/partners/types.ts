/** Shapes of the partner-unit and pairing API, derived from the generated contract. */
import type { QueryOf, RequestBody, ResponseBody } from '@/api/types'

export type PartnerUnit = ResponseBody<'/api/v1/partner-units/{unit_id}', 'get'>
export type PartnerUnitPage = ResponseBody<'/api/v1/partner-units', 'get'>
export type PartnerUnitQuery = QueryOf<'/api/v1/partner-units', 'get'>
export type PartnerUnitCreate = RequestBody<'/api/v1/partner-units', 'post'>
export type PartnerUnitPatch = RequestBody<'/api/v1/partner-units/{unit_id}', 'patch'>
export type PairingSettings = ResponseBody<'/api/v1/pairing-settings', 'get'>
export type PairingSettingsUpdate = RequestBody<'/api/v1/pairing-settings', 'put'>
export type Proposal = ResponseBody<'/api/v1/pairing-proposals/{proposal_id}', 'get'>
export type ProposalSummary = ResponseBody<'/api/v1/pairing-proposals', 'get'>['items'][number]
export type ProposalStatus = Proposal['status']
export type ProposedVillage = Proposal['villages'][number]
export type ProposedUnit = ProposedVillage['units'][number]
export type Reason = ProposedUnit['reasons'][number]
export type PairRef = Proposal['pins'][number]
export type ConfirmResult = ResponseBody<'/api/v1/pairing-proposals/{proposal_id}/confirm', 'post'>
export type Pairing = ResponseBody<'/api/v1/pairings', 'get'>['items'][number]
export type PairingStatus = Pairing['status']
export type VillageHistory = ResponseBody<'/api/v1/pairings/villages/{village_code}', 'get'>

export const PROPOSAL_STATUSES: ProposalStatus[] = ['open', 'confirmed', 'superseded']
/** Strength codes the shared messages know; a county may add others (their label comes from the settings). */
export const KNOWN_STRENGTHS = ['economic', 'political_legal', 'party_mass', 'technical'] as const
