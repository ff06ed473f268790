/**
 * The console's only way to the server: the token service's HTTP API on this origin, with the
 * session cookie (which the browser sends by itself and no script can read). The browser adds
 * `Origin` to every write, which the server's CSRF check requires (docs/sessions.md).
 */

/** A problem+json answer (SPEC §7), as thrown by {@link api}. */
export class APIError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  /** Field errors of `validation_failed`: JSON Pointer → message. */
  readonly fields: readonly { path: string; message: string }[]
  /** From `Retry-After` on a 429 (or a 503). */
  readonly retryAfterSeconds: number | undefined

  constructor(init: {
    status: number
    code: string
    detail: string
    fields?: readonly { path: string; message: string }[]
    retryAfterSeconds?: number | undefined
  }) {
    super(init.detail)
    this.name = 'APIError'
    this.status = init.status
    this.code = init.code
    this.detail = init.detail
    this.fields = init.fields ?? []
    this.retryAfterSeconds = init.retryAfterSeconds
  }
}

export type User = {
  id: string
  email: string
  role: string
  disabled: boolean
  created_at: string
  updated_at: string
}

export type Token = {
  id: string
  user_id: string
  name: string
  scopes: string[]
  hint: string
  created_at: string
  expires_at: string
  last_used_at: string | null
  revoked_at: string | null
  previous_token_expires_at: string | null
  is_revoked: boolean
  is_expired: boolean
}

/** A token with its secret: the answer of create and rotate, shown once. */
export type TokenSecret = {
  id: string
  name: string
  token: string
  scopes: string[]
  created_at: string
  expires_at: string
  previous_token_expires_at?: string
}

export type Policy = {
  role: string
  scopes: string[]
  default_scopes: string[]
  roles: string[]
  tokens: {
    min_days: number
    max_days: number
    default_days: number
    rotation_grace_seconds: number
    max_rotation_grace_seconds: number
  }
  audit_actions: string[]
}

export type AuditEvent = {
  id: string
  at: string
  action: string
  actor: { kind: string; id: string | null }
  user_id: string | null
  token_id: string | null
  client_ip: string | null
  request_id: string | null
  details: Record<string, unknown>
}

export type Page<T> = { items: T[]; next_cursor: string | null }

type Listener = (error: APIError) => void
let onSignedOut: Listener = () => {}

/** Called when a request that needed the session gets `401`: the session is over. */
export function whenSignedOut(listener: Listener): void {
  onSignedOut = listener
}

/** Options of {@link api}. */
export type APIOptions = {
  body?: unknown
  /** A `401` is an answer to show (a wrong password), not the end of the session. */
  expect401?: boolean
}

/**
 * One request to the API. Resolves with the parsed body (undefined for `204`); rejects with an
 * {@link APIError} for any problem answer, and with a plain `APIError` of status 0 when the
 * server cannot be reached.
 */
export async function api<T>(method: string, path: string, options: APIOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  let body: string | undefined
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    })
  } catch {
    throw new APIError({
      status: 0,
      code: 'network_error',
      detail: 'The token service cannot be reached. Check that it is running, then try again.',
    })
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (response.ok) return parsed as T
  const problem = (parsed ?? {}) as {
    code?: unknown
    detail?: unknown
    title?: unknown
    errors?: unknown
  }
  const retryAfter = Number(response.headers.get('retry-after'))
  const error = new APIError({
    status: response.status,
    code: typeof problem.code === 'string' ? problem.code : 'unexpected',
    detail:
      typeof problem.detail === 'string'
        ? problem.detail
        : typeof problem.title === 'string'
          ? problem.title
          : `The server answered ${response.status}`,
    fields: Array.isArray(problem.errors)
      ? (problem.errors as { path: string; message: string }[])
      : [],
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
  })
  if (response.status === 401 && options.expect401 !== true) onSignedOut(error)
  throw error
}
