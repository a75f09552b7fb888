/** Names for the shapes the screens use, derived from the generated contract (src/api/schema.d.ts). */
import type { paths } from './schema'

type JsonBody<R> = R extends { content: { 'application/json': infer T } } ? T : never

/** The JSON body of the 200/201 answer of an operation. */
export type ResponseBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer Rs
}
  ? Rs extends { 200: infer R }
    ? JsonBody<R>
    : Rs extends { 201: infer R }
      ? JsonBody<R>
      : never
  : never

/** The JSON request body of an operation. */
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: infer B
}
  ? JsonBody<NonNullable<B>>
  : never

/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Q }
}
  ? NonNullable<Q>
  : never

export type TokenPair = ResponseBody<'/api/v1/auth/token', 'post'>
export type Me = ResponseBody<'/api/v1/auth/me', 'get'>
export type Role = Me['role']
export type VillagePage = ResponseBody<'/api/v1/villages', 'get'>
export type Village = VillagePage['items'][number]
/** One village as its own read answers it: with the actions the caller may take on it. */
export type VillageDetail = ResponseBody<'/api/v1/villages/{code}', 'get'>
export type VillageQuery = QueryOf<'/api/v1/villages', 'get'>
export type VillageUpdate = RequestBody<'/api/v1/villages/{code}', 'patch'>
export type VillageStatus = Village['status']
export type ProblemCategory = Village['problem_categories'][number]
export type Division = ResponseBody<'/api/v1/divisions', 'get'>['items'][number]
