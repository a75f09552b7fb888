/**
 * The typed API client. `api` is generated-type-safe (openapi-fetch over src/api/schema.d.ts,
 * which `make openapi` regenerates from openapi/openapi.json; never edit it by hand).
 *
 *   const village = await unwrap(api.GET('/api/v1/villages/{code}', { params: { path: { code } } }))
 *
 * `api` adds the bearer token, refreshes it shortly before it expires, and retries once after a 401
 * with a fresh token. Failures become ApiError (problem+json) or NetworkError (no answer).
 */
import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { apiErrorFrom, NetworkError } from './errors'

export interface AuthHooks {
  /** The current access token, or null when signed out. */
  accessToken(): string | null
  /** Refreshes the access token when it is about to expire. Never throws. */
  ensureFresh(): Promise<void>
  /** After a 401 with `usedToken`: tries to get a new access token; true when the request may be retried. */
  recover(usedToken: string): Promise<boolean>
}

let hooks: AuthHooks | null = null

/** The auth store installs itself here (kept as a hook so the client has no import cycle). */
export function installAuthHooks(h: AuthHooks | null): void {
  hooks = h
}

async function send(request: Request): Promise<Response> {
  try {
    return await globalThis.fetch(request)
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new NetworkError(e)
  }
}

function withToken(request: Request): Request {
  const token = hooks?.accessToken()
  if (token) request.headers.set('Authorization', `Bearer ${token}`)
  return request
}

/** fetch with the session's bearer token; usable for calls outside the typed client (offline replay). */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone()
  if (hooks) await hooks.ensureFresh()
  const used = hooks?.accessToken() ?? null
  const response = await send(withToken(input))
  if (response.status === 401 && hooks && used) {
    if (await hooks.recover(used)) return send(withToken(retry))
  }
  return response
}

/** Same origin: `make run` serves the SPA from the API server; `vite dev` proxies /api. */
const baseUrl = ''

export const api = createClient<paths>({ baseUrl, fetch: (request: Request) => authFetch(request) })

/** For the auth endpoints themselves (no bearer token, no refresh loop). */
export const publicApi = createClient<paths>({ baseUrl, fetch: (request: Request) => send(request) })

type Result = { data?: unknown; error?: unknown; response: Response }

/** The body of a successful call, or throws ApiError. */
export async function unwrap<R extends Result>(call: Promise<R>): Promise<Exclude<R['data'], undefined>> {
  return (await unwrapWithResponse(call)).data
}

/** Body and Response (for headers such as ETag), or throws ApiError. */
export async function unwrapWithResponse<R extends Result>(
  call: Promise<R>,
): Promise<{ data: Exclude<R['data'], undefined>; response: Response }> {
  const result = await call
  if (!result.response.ok) throw apiErrorFrom(result.response, result.error)
  return { data: result.data as Exclude<R['data'], undefined>, response: result.response }
}
