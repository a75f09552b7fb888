/** Which role takes which step (mirrors the server's tables; the server still decides). */
import type { Role } from '@/api/types'
import type { AssetAction, ClaimAction, ResourceAction } from './types'

export const CLAIM_ACTION_ROLES: Record<ClaimAction, Role[]> = {
  submit: ['village_committee'],
  withdraw: ['village_committee'],
  sign: ['supervision_committee'],
  approve: ['township_official'],
  pay: ['township_agency'],
  reject: ['supervision_committee', 'township_official', 'township_agency'],
}

export const ASSET_ACTION_ROLES: Record<AssetAction, Role[]> = {
  value: ['village_committee', 'township_agency'],
  approve: ['township_official'],
  return: ['township_official'],
  dispose: ['township_agency'],
}

const VILLAGE_OR_AGENCY: Role[] = ['village_committee', 'township_agency']
export const RESOURCE_ACTION_ROLES: Record<ResourceAction, Role[]> = {
  survey: VILLAGE_OR_AGENCY,
  value: VILLAGE_OR_AGENCY,
  approve: ['township_official'],
  return: ['township_official'],
  open_tender: VILLAGE_OR_AGENCY,
  tender_failed: VILLAGE_OR_AGENCY,
  record_letting: VILLAGE_OR_AGENCY,
  end_letting: VILLAGE_OR_AGENCY,
}

/** The actions the state allows that this role takes, in the order the server lists them. */
export function actionsFor<A extends string>(table: Record<A, Role[]>, allowed: A[], role: Role | null): A[] {
  return role ? allowed.filter((a) => table[a].includes(role)) : []
}
