import { describe, expect, it } from 'vitest'
import { createProblem, PROBLEM_TYPE_BASE } from './create-problem.js'
import { ERROR_TABLE, type ErrorCode } from './error-table.js'
import {
  AuthError,
  AuthNotConfiguredError,
  AuthUnavailableError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingCredentialsError,
} from './errors.js'

describe('createProblem', () => {
  it('answers an AuthError with its code, status and an RFC 9457 body', () => {
    const problem = createProblem(new InvalidTokenError({ detail: 'The token has expired' }), {
      requestId: 'req_1',
    })
    expect(problem).toEqual({
      status: 401,
      headers: {
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
        'www-authenticate':
          'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
      },
      body: {
        type: 'https://keygate.dev/errors#invalid_token',
        title: 'Invalid token',
        status: 401,
        detail: 'The token has expired',
        code: 'invalid_token',
        request_id: 'req_1',
      },
    })
  })

  it('keeps status equal to the HTTP status and type ending in the code, for every code', () => {
    for (const code of Object.keys(ERROR_TABLE) as ErrorCode[]) {
      const problem = createProblem(new AuthError(code))
      expect(problem.status).toBe(ERROR_TABLE[code].status)
      expect(problem.body.status).toBe(problem.status)
      expect(problem.body.code).toBe(code)
      expect(problem.body.type).toBe(`${PROBLEM_TYPE_BASE}${code}`)
      expect(problem.body.title).toBe(ERROR_TABLE[code].title)
      expect(problem.headers['content-type']).toBe('application/problem+json')
      expect(problem.headers['cache-control']).toBe('no-store')
      // Every 401 carries a challenge (RFC 9110 §15.5.2); no 5xx carries one.
      if (problem.status === 401) expect(problem.headers['www-authenticate']).toMatch(/^Bearer /)
      if (problem.status >= 500) expect(problem.headers['www-authenticate']).toBeUndefined()
    }
  })

  it('uses the realm and a challenge without error for missing credentials', () => {
    const problem = createProblem(new MissingCredentialsError(), { realm: 'my "realm"' })
    expect(problem.headers['www-authenticate']).toBe('Bearer realm="my \\"realm\\""')
    expect(problem.body).toMatchObject({
      code: 'missing_credentials',
      detail: 'No credentials were presented',
    })
  })

  it('answers invalid_request with 400 and the challenge error', () => {
    const problem = createProblem(new InvalidRequestError({ detail: 'Malformed "Bearer" token' }))
    expect(problem.status).toBe(400)
    expect(problem.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="Malformed Bearer token"',
    )
    // The body keeps the detail as is: JSON can carry any character.
    expect(problem.body.detail).toBe('Malformed "Bearer" token')
  })

  it('answers insufficient_scope with 403 and the required scopes', () => {
    const problem = createProblem(
      new InsufficientScopeError({ scopes: ['runs:read', 'runs:write'] }),
    )
    expect(problem.status).toBe(403)
    expect(problem.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Required scope: runs:read runs:write", scope="runs:read runs:write"',
    )
    expect(problem.body).toMatchObject({
      code: 'insufficient_scope',
      detail: 'Required scope: runs:read runs:write',
    })
  })

  it('sends no challenge for a 503 and Retry-After for auth_unavailable', () => {
    const unavailable = createProblem(new AuthUnavailableError({ retryAfterSeconds: 7 }))
    expect(unavailable.status).toBe(503)
    expect(unavailable.headers['www-authenticate']).toBeUndefined()
    expect(unavailable.headers['retry-after']).toBe('7')
    expect(unavailable.body).toMatchObject({
      code: 'auth_unavailable',
      detail: 'Authentication is temporarily unavailable',
    })
    expect(createProblem(new AuthUnavailableError()).headers['retry-after']).toBe('5')

    const notConfigured = createProblem(new AuthNotConfiguredError())
    expect(notConfigured.status).toBe(503)
    expect(notConfigured.headers['www-authenticate']).toBeUndefined()
    expect(notConfigured.headers['retry-after']).toBeUndefined()
  })

  it('answers anything that is not an AuthError with 500 internal_error, without its message', () => {
    const secret = 'sk_live_do_not_leak_4f9a8b7c'
    for (const thrown of [
      new Error(`connection to vault failed with password ${secret}`),
      new TypeError(secret),
      Object.assign(new Error(secret), { code: 'invalid_token', status: 401 }),
      secret,
      { message: secret, code: 'invalid_token' },
      undefined,
      null,
    ]) {
      const problem = createProblem(thrown, { requestId: 'req_2' })
      expect(problem.status).toBe(500)
      expect(problem.body).toEqual({
        type: 'https://keygate.dev/errors#internal_error',
        title: 'Internal error',
        status: 500,
        detail: 'Internal error',
        code: 'internal_error',
        request_id: 'req_2',
      })
      expect(problem.headers['www-authenticate']).toBeUndefined()
      expect(JSON.stringify(problem)).not.toContain(secret)
    }
  })

  it('never serialises the cause of an AuthError', () => {
    const secret = 'sk_live_cause_secret_1234'
    const problem = createProblem(new AuthUnavailableError({ cause: new Error(secret) }))
    expect(JSON.stringify(problem)).not.toContain(secret)
  })

  // `validation_failed` and its `errors` are the service's: server/src/lib/service-problem.test.ts.
  it('omits request_id when none is given', () => {
    expect(createProblem(new InvalidTokenError()).body).not.toHaveProperty('request_id')
  })
})
