/**
 * Errors from the API are application/problem+json (RFC 9457) with a stable `code`.
 * ApiError carries what the screens need; `errorMessage()` in i18n turns it into text.
 */
export interface FieldError {
  loc: (string | number)[]
  msg: string
  type?: string
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string | null
  code?: string
  errors?: FieldError[] | null
  [extra: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string | null
  readonly fieldErrors: FieldError[]
  /** Seconds, from Retry-After (429, 503). */
  readonly retryAfter: number | null
  readonly problem: Problem

  constructor(status: number, problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title || problem.code || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.code = problem.code || codeForStatus(status)
    this.title = problem.title || ''
    this.detail = problem.detail ?? null
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors : []
    this.retryAfter = retryAfter
  }

  /** Field errors keyed by the last part of `loc` that names a field (body/query prefixes dropped). */
  fieldMap(): Record<string, FieldError> {
    const out: Record<string, FieldError> = {}
    for (const e of this.fieldErrors) {
      const path = e.loc.filter((p) => !['body', 'query', 'path', 'header'].includes(String(p)))
      const key = path.length ? path.map(String).join('.') : '_'
      if (!(key in out)) out[key] = e
    }
    return out
  }
}

/** Thrown when the request never got an answer (offline, DNS, server down). */
export class NetworkError extends Error {
  readonly code = 'network_error'
  constructor(cause?: unknown) {
    super('network_error')
    this.name = 'NetworkError'
    this.cause = cause
  }
}

/**
 * An error the SPA raises itself with a message already written for a person (e.g. "give a
 * reason for every excluded village"); `errorMessage()` shows its message as it is.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UserError'
  }
}

export function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'bad_request'
    case 401: return 'not_authenticated'
    case 403: return 'forbidden'
    case 404: return 'not_found'
    case 409: return 'conflict'
    case 412: return 'precondition_failed'
    case 422: return 'validation_error'
    case 428: return 'precondition_required'
    case 429: return 'too_many_attempts'
    default: return status >= 500 ? 'server_error' : 'http_error'
  }
}

export function parseRetryAfter(value: string | null): number | null {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

function asProblem(body: unknown): Problem {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Problem
  if (typeof body === 'string' && body) return { detail: body }
  return {}
}

export function apiErrorFrom(response: Response, body: unknown): ApiError {
  return new ApiError(response.status, asProblem(body), parseRetryAfter(response.headers.get('Retry-After')))
}

/** Reads a failed Response (problem+json or anything else) into an ApiError. */
export async function readApiError(response: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    const text = await response.text()
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      body = text
    }
  } catch {
    body = null
  }
  return apiErrorFrom(response, body)
}

export function isApiError(e: unknown, code?: string): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code)
}
