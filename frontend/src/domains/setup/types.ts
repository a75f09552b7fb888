/** Shapes of the administrative tree and API client API, derived from the generated contract. */
import type { RequestBody, ResponseBody } from '@/api/types'

export type Division = ResponseBody<'/api/v1/divisions/{code}', 'get'>
export type ImportReport = ResponseBody<'/api/v1/divisions/import', 'post'>
export type ImportRowError = ImportReport['errors'][number]
export type VillageRow = ResponseBody<'/api/v1/villages', 'get'>['items'][number]
export type ApiClient = ResponseBody<'/api/v1/api-clients/{client_id}', 'get'>
export type ApiClientCreated = ResponseBody<'/api/v1/api-clients', 'post'>
export type ApiClientCreate = RequestBody<'/api/v1/api-clients', 'post'>
export type Subscription = ResponseBody<'/api/v1/api-clients/{client_id}/webhooks', 'get'>[number]
export type SubscriptionCreated = ResponseBody<'/api/v1/api-clients/{client_id}/webhooks', 'post'>
export type Delivery = ResponseBody<'/api/v1/api-clients/{client_id}/webhooks/{subscription_id}/deliveries', 'get'>[number]
export type AuditEvent = ResponseBody<'/api/v1/audit-events', 'get'>['items'][number]
export type UserAccount = ResponseBody<'/api/v1/users/{user_id}', 'get'>
export type UserRole = UserAccount['role']
