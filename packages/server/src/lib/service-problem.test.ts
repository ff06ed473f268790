import { readFile } from 'node:fs/promises'
import { ERROR_TABLE, PROBLEM_TYPE_BASE } from '@keygate/core'
import { describe, expect, it } from 'vitest'
import { ServiceError } from './errors.js'
import { PROBLEM_CODES, SERVICE_ERROR_TABLE, type ServiceErrorCode } from './service-error-table.js'
import { serviceProblem } from './service-problem.js'

describe('serviceProblem', () => {
  it('omits request_id when none is given and adds validation errors when given', () => {
    expect(serviceProblem(new ServiceError('not_found')).body).not.toHaveProperty('request_id')
    const problem = serviceProblem(
      new ServiceError('validation_failed', {
        errors: [{ path: '/name', message: 'is required' }],
      }),
      { typeBase: 'https://example.test/problems/' },
    )
    expect(problem.body).toEqual({
      type: 'https://example.test/problems/validation_failed',
      title: 'Validation failed',
      status: 400,
      detail: 'Validation failed',
      code: 'validation_failed',
      errors: [{ path: '/name', message: 'is required' }],
    })
  })

  it('is not an AuthError, and an authentication code keeps its challenge', () => {
    const error = new ServiceError('invalid_token', {
      detail: 'The email or password is not valid',
      headers: { 'ratelimit-policy': '"ip";q=5;w=900' },
    })
    expect(Object.getPrototypeOf(ServiceError.prototype)).toBe(Error.prototype)
    const problem = serviceProblem(error, { realm: 'keygate', requestId: 'req_1' })
    expect(problem.status).toBe(401)
    expect(problem.headers['www-authenticate']).toBe(
      'Bearer realm="keygate", error="invalid_token", error_description="The email or password is not valid"',
    )
    expect(problem.headers['ratelimit-policy']).toBe('"ip";q=5;w=900')
    expect(problem.body).toMatchObject({ code: 'invalid_token', request_id: 'req_1' })
  })

  it('sends Retry-After and no challenge for a service code', () => {
    const problem = serviceProblem(new ServiceError('rate_limited', { retryAfterSeconds: 30 }))
    expect(problem.status).toBe(429)
    expect(problem.headers['retry-after']).toBe('30')
    expect(problem.headers).not.toHaveProperty('www-authenticate')
    expect(problem.headers['content-type']).toBe('application/problem+json')
  })
})

describe('SERVICE_ERROR_TABLE', () => {
  it('answers every service code with its status and title, without a challenge', () => {
    for (const code of Object.keys(SERVICE_ERROR_TABLE) as ServiceErrorCode[]) {
      const problem = serviceProblem(new ServiceError(code))
      expect(problem.status).toBe(SERVICE_ERROR_TABLE[code].status)
      expect(problem.body).toMatchObject({
        status: problem.status,
        code,
        type: `${PROBLEM_TYPE_BASE}${code}`,
        title: SERVICE_ERROR_TABLE[code].title,
      })
      expect(problem.headers['www-authenticate']).toBeUndefined()
    }
  })

  it('shares no code with core, and docs/errors.md documents every code of both', async () => {
    const core = Object.keys(ERROR_TABLE)
    expect(Object.keys(SERVICE_ERROR_TABLE).filter((code) => core.includes(code))).toEqual([])
    const doc = await readFile(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')
    const missing = PROBLEM_CODES.filter((code) => !doc.includes(`<a id="${code}"></a>`))
    expect(missing).toEqual([])
  })
})
