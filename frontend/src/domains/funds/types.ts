/** Shapes of the funds, assets and resources API, derived from the generated contract. */
import type { QueryOf, RequestBody, ResponseBody } from '@/api/types'

export type Account = ResponseBody<'/api/v1/funds/villages/{code}/account', 'get'>
export type AccountPage = ResponseBody<'/api/v1/funds/accounts', 'get'>
export type LedgerPage = ResponseBody<'/api/v1/funds/villages/{code}/ledger', 'get'>
export type LedgerEntry = LedgerPage['items'][number]
export type Statement = ResponseBody<'/api/v1/funds/villages/{code}/statements/yearly', 'get'>
export type IncomeSource = RequestBody<'/api/v1/funds/villages/{code}/income', 'post'>['source']
export type BudgetPage = ResponseBody<'/api/v1/funds/budgets', 'get'>
export type BudgetSummary = BudgetPage['items'][number]
export type Budget = ResponseBody<'/api/v1/funds/budgets/{budget_id}', 'get'>
export type BudgetStatus = Budget['status']
export type BudgetLine = Budget['lines'][number]
export type LineInput = RequestBody<'/api/v1/funds/villages/{code}/budgets', 'post'>['lines'][number]
export type BudgetCategory = LineInput['category']
export type Amendment = Budget['amendments'][number]
export type TrailEvent = Budget['trail'][number]
export type ClaimPage = ResponseBody<'/api/v1/funds/claims', 'get'>
export type ClaimSummary = ClaimPage['items'][number]
export type ClaimQuery = QueryOf<'/api/v1/funds/claims', 'get'>
export type Claim = ResponseBody<'/api/v1/funds/claims/{claim_id}', 'get'>
export type ClaimStatus = Claim['status']
export type ClaimAction = Claim['actions'][number]
export type Settings = ResponseBody<'/api/v1/funds/townships/{township_code}/settings', 'get'>
export type AssetPage = ResponseBody<'/api/v1/assets', 'get'>
export type Asset = ResponseBody<'/api/v1/assets/{asset_id}', 'get'>
export type AssetKind = Asset['kind']
export type AssetStatus = Asset['status']
export type AssetAction = Asset['actions'][number]
export type DisposalMethod = NonNullable<Asset['disposal_method']>
export type ResourcePage = ResponseBody<'/api/v1/resources', 'get'>
export type Resource = ResponseBody<'/api/v1/resources/{resource_id}', 'get'>
export type ResourceKind = Resource['kind']
export type ResourceStatus = Resource['status']
export type ResourceAction = Resource['actions'][number]

export const BUDGET_CATEGORIES: BudgetCategory[] = [
  'office',
  'allowances',
  'public_works',
  'production',
  'welfare',
  'maintenance',
  'other',
]
export const INCOME_SOURCES: IncomeSource[] = ['rent', 'subsidy', 'transfer', 'asset_sale', 'other']
export const CLAIM_STATUSES: ClaimStatus[] = [
  'draft',
  'submitted',
  'committee_signed',
  'township_approved',
  'paid',
  'rejected',
  'withdrawn',
  'reversed',
]
export const ASSET_KINDS: AssetKind[] = ['building', 'machinery', 'vehicle', 'facility', 'other']
export const RESOURCE_KINDS: ResourceKind[] = ['land', 'pond', 'forest', 'grassland', 'other']
export const DISPOSAL_METHODS: DisposalMethod[] = ['sale', 'auction', 'scrap', 'transfer']
export const ASSET_ACTIONS: AssetAction[] = ['value', 'approve', 'return', 'dispose']
export const RESOURCE_ACTIONS: ResourceAction[] = [
  'survey',
  'value',
  'approve',
  'return',
  'open_tender',
  'tender_failed',
  'record_letting',
  'end_letting',
]
