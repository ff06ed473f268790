import { describe, expect, it } from 'vitest'
import { headersFromRecord } from './auth-request.js'
import { createAuthenticator, type AuthDecision } from './create-authenticator.js'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'

const SECRET = 'kg-test-secret-0123456789abcdefghijklmnop'

describe('createAuthenticator: requestId in decisions', () => {
  it('copies the request id into every decision, and leaves it out when there is none', async () => {
    const decisions: AuthDecision[] = []
    const gate = createAuthenticator({
      strategies: [serviceToken({ source: staticSecrets([SECRET]), scopes: ['a:read'] })],
      publicPaths: [],
      env: {},
      onDecision: (d) => decisions.push(d),
    })
    const request = (authorization: string | undefined, requestId?: string) => ({
      method: 'GET',
      path: '/x?q=1',
      header: headersFromRecord(authorization === undefined ? {} : { authorization }),
      requestId,
    })
    const allowed = await gate.authenticate(request(`Bearer ${SECRET}`, 'req_1'))
    await gate.authenticate(request('Bearer wrong', 'req_2'))
    await gate.authenticate(request(undefined))
    gate.authorize(allowed, ['b:write'], request(`Bearer ${SECRET}`, 'req_1'))
    expect(decisions.map((d) => [d.outcome, d.code, d.requestId])).toEqual([
      ['allow', undefined, 'req_1'],
      ['deny', 'invalid_token', 'req_2'],
      ['deny', 'missing_credentials', undefined],
      ['deny', 'insufficient_scope', 'req_1'],
    ])
    expect('requestId' in decisions[2]!).toBe(false)
  })
})
