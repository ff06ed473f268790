import { randomUUID } from 'node:crypto'
import { internalToken, serviceToken, staticSecrets } from '@keygate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { secret, type ConformanceContext } from './context.js'

/**
 * `X-On-Behalf-Of` is honoured or refused, never ignored (SPEC §3): beside the service token it
 * is `400 invalid_request`, however the token is sent; only `internalToken` acts for the user it
 * names, wherever it stands in the chain.
 */
export function onBehalfOfCases(k: ConformanceContext): void {
  const { A, forbidden, start, expectProblem, principalOf } = k
  describe('X-On-Behalf-Of', () => {
    const INTERNAL = secret()
    forbidden.push(INTERNAL)
    const USER = randomUUID()
    const users = {
      findById: (id: string) =>
        Promise.resolve(id === USER ? { id, disabled: false, scopes: ['things:read'] } : undefined),
    }
    let alone: Awaited<ReturnType<typeof start>>
    let chain: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      alone = await start({
        strategies: [
          serviceToken({ source: staticSecrets([A]), subject: 'gateway' }),
          serviceToken({ source: staticSecrets([A]), subject: 'agent', header: 'x-service-token' }),
        ],
      })
      // A bearer serviceToken first: internalToken must still be the one to judge the header.
      chain = await start({
        strategies: [
          serviceToken({ source: staticSecrets([A]), subject: 'gateway' }),
          internalToken({ source: staticSecrets([INTERNAL]), actor: 'backend', users }),
        ],
      })
    })

    it('beside the service token (bearer or custom header): 400 invalid_request, not the service', async () => {
      for (const credential of [`Authorization: Bearer ${A}`, `X-Service-Token: ${A}`]) {
        for (const value of [USER, 'not-a-uuid']) {
          const res = await alone.get('/private', [credential, `X-On-Behalf-Of: ${value}`])
          const body = expectProblem(res, 400, 'invalid_request')
          expect(body.detail).toMatch(/X-On-Behalf-Of/)
          expect(res.headers['www-authenticate']).toContain('error="invalid_request"')
        }
        expect((await alone.get('/private', [credential])).status).toBe(200)
      }
    })

    it('with internalToken in the chain, the internal token acts for the user', async () => {
      const res = await chain.get('/scoped', [
        `Authorization: Bearer ${INTERNAL}`,
        `X-On-Behalf-Of: ${USER}`,
      ])
      expect(res.status).toBe(200)
      expect(principalOf(res)).toMatchObject({
        kind: 'user',
        subject: USER,
        via: 'internal-token',
        actor: { kind: 'service', subject: 'backend' },
      })
      const service = await chain.get('/private', [
        `Authorization: Bearer ${A}`,
        `X-On-Behalf-Of: ${USER}`,
      ])
      expectProblem(service, 400, 'invalid_request')
      expect(
        principalOf(await chain.get('/private', [`Authorization: Bearer ${A}`])),
      ).toMatchObject({ subject: 'gateway', via: 'service-token' })
    })
  })
}
