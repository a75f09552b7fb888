import type { ProblemCategory, VillageStatus } from '@/api/types'

export const STATUSES: VillageStatus[] = ['normal', 'weak', 'rectifying', 'accepted']
export const CATEGORIES: ProblemCategory[] = [
  'no_fit_secretary',
  'weak_economy',
  'poor_public_order',
  'many_petitions',
  'irregular_activity',
  'weak_branch',
  'specialty_farming',
]
export const SORTABLE = ['code', 'name', 'population', 'party_member_count', 'status'] as const
export type SortField = (typeof SORTABLE)[number]
