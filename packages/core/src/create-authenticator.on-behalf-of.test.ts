/**
 * `X-On-Behalf-Of` is honoured or refused, never ignored (SPEC §3): only a strategy that acts for
 * the user it names (`internalToken`) may accept it; a principal from any other strategy — the
 * core `serviceToken` alone, a custom strategy — is `400 invalid_request`.
 */
import { describe, expect, it } from 'vitest'
import { serviceToken } from './service-token.js'
import { staticSecrets } from './sources/env.js'
import type { Strategy } from './strategy.js'
import {
  expectDenied,
  fixed,
  gate,
  principal,
  req,
  SECRET,
} from '../test/authenticator-fixtures.js'

const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'
const DETAIL = 'X-On-Behalf-Of is accepted only with the internal token'

describe('createAuthenticator: X-On-Behalf-Of', () => {
  it('serviceToken alone: the header beside the secret is 400 invalid_request, not the service', async () => {
    const { authenticator, decisions } = gate({
      strategies: [serviceToken({ source: staticSecrets([SECRET]), subject: 'gateway' })],
    })
    for (const value of [USER, 'not-a-uuid', '']) {
      const result = await authenticator.authenticate(
        req('/x', [`Authorization: Bearer ${SECRET}`, `X-On-Behalf-Of: ${value}`]),
      )
      expectDenied(result, 'invalid_request', 400)
      if (!result.ok) expect(result.error.message).toBe(DETAIL)
    }
    expect(decisions.at(-1)).toMatchObject({
      outcome: 'deny',
      code: 'invalid_request',
      strategy: 'service-token',
    })
    const plain = await authenticator.authenticate(req('/x', [`Authorization: Bearer ${SECRET}`]))
    expect(plain).toMatchObject({ ok: true, principal: { subject: 'gateway' } })
  })

  it('serviceToken in a custom header: the same refusal', async () => {
    const { authenticator } = gate({
      strategies: [serviceToken({ source: staticSecrets([SECRET]), header: 'x-service-token' })],
    })
    const result = await authenticator.authenticate(
      req('/x', [`X-Service-Token: ${SECRET}`, `X-On-Behalf-Of: ${USER}`]),
    )
    expectDenied(result, 'invalid_request', 400)
  })

  it('a wrong secret stays 401 invalid_token, and no credential 401 missing_credentials', async () => {
    const { authenticator } = gate({
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
    })
    const onBehalf = `X-On-Behalf-Of: ${USER}`
    expectDenied(
      await authenticator.authenticate(req('/x', ['Authorization: Bearer wrong', onBehalf])),
      'invalid_token',
      401,
    )
    expectDenied(
      await authenticator.authenticate(req('/x', [onBehalf])),
      'missing_credentials',
      401,
    )
  })

  it('any strategy that does not honour the header, synchronous or not, is refused', async () => {
    for (const async of [true, false]) {
      const { authenticator } = gate({
        strategies: [fixed('custom', () => principal('u-1'), async)],
      })
      const result = await authenticator.authenticate(
        req('/x', ['Authorization: Bearer abc', `X-On-Behalf-Of: ${USER}`]),
      )
      expectDenied(result, 'invalid_request', 400)
    }
  })

  it('a strategy that honours it is tried first, whatever its place, and may accept it', async () => {
    const claims = fixed('claims-every-bearer', () => principal('service'))
    const delegating: Strategy & { calls: number } = {
      ...fixed('delegating', () => principal(USER, { via: 'internal-token' })),
      honoursOnBehalfOf: true,
    }
    const { authenticator } = gate({ strategies: [claims, delegating] })
    const result = await authenticator.authenticate(
      req('/x', ['Authorization: Bearer abc', `X-On-Behalf-Of: ${USER}`]),
    )
    expect(result).toMatchObject({ ok: true, principal: { subject: USER } })
    expect(claims.calls).toBe(0)
    // Without the header the chain keeps its order.
    const plain = await authenticator.authenticate(req('/x', ['Authorization: Bearer abc']))
    expect(plain).toMatchObject({ ok: true, principal: { subject: 'service' } })
  })

  it('in shadow mode the refusal is reported and the request let through', async () => {
    const { authenticator, decisions } = gate({
      mode: 'shadow',
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
    })
    const result = await authenticator.authenticate(
      req('/x', [`Authorization: Bearer ${SECRET}`, `X-On-Behalf-Of: ${USER}`]),
    )
    expect(result).toEqual({ ok: true, principal: undefined, reason: 'shadow' })
    expect(decisions).toMatchObject([{ outcome: 'shadow-deny', code: 'invalid_request' }])
  })

  it('public paths do not read it', async () => {
    const { authenticator } = gate({
      strategies: [serviceToken({ source: staticSecrets([SECRET]) })],
    })
    const result = await authenticator.authenticate(req('/health', [`X-On-Behalf-Of: ${USER}`]))
    expect(result).toMatchObject({ ok: true, reason: 'public' })
  })
})
