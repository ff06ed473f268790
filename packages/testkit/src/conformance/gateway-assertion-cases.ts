import { generateKeyPairSync, randomUUID, sign as nodeSign } from 'node:crypto'
import {
  ASSERTION_TYP,
  createAssertionSigner,
  gatewayAssertion,
  serviceToken,
  staticSecrets,
} from '@keygate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ConformanceContext } from './context.js'

/** A keygate proxy in front: the `gatewayAssertion` strategy next to a gateway service token. */
export function gatewayAssertionCases(k: ConformanceContext): void {
  const { A, forbidden, start, expectProblem, principalOf } = k
  describe('gateway assertion (keygate proxy in front)', () => {
    const ISSUER = 'https://keygate.conformance.test'
    const AUDIENCE = 'http://upstream.conformance.test'
    const USER = randomUUID()
    const pair = generateKeyPairSync('ed25519')
    const other = generateKeyPairSync('ed25519')
    const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'gw-1', alg: 'EdDSA' }
    const signer = createAssertionSigner({
      privateKey: { ...pair.privateKey.export({ format: 'jwk' }), kid: 'gw-1', alg: 'EdDSA' },
      issuer: ISSUER,
    })
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const claims = (fields: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000)
      return {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: USER,
        scope: 'things:read',
        via: 'api-token',
        jti: randomUUID(),
        iat: now,
        exp: now + 30,
        ...fields,
      }
    }
    const forge = (head: object, body: object, key = pair.privateKey) => {
      const input = `${b64(head)}.${b64(body)}`
      return `${input}.${nodeSign(null, Buffer.from(input), key).toString('base64url')}`
    }
    const HEAD = { alg: 'EdDSA', typ: ASSERTION_TYP, kid: 'gw-1' }
    let ctx: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      ctx = await start({
        strategies: [
          gatewayAssertion({ keys: [publicJwk], issuer: ISSUER, audience: AUDIENCE }),
          serviceToken({ source: staticSecrets([A]), header: 'x-service-token' }),
        ],
      })
    })

    it('attaches the principal named by a valid assertion, next to the gateway token', async () => {
      const jwt = await signer.sign({
        audience: AUDIENCE,
        sub: USER,
        scopes: ['things:read'],
        tokenId: 'tok_conformance',
        via: 'api-token',
      })
      forbidden.push(jwt)
      const res = await ctx.get('/private', [`Keygate-Assertion: ${jwt}`, `X-Service-Token: ${A}`])
      expect(res.status, res.body).toBe(200)
      expect(principalOf(res)).toMatchObject({
        kind: 'user',
        subject: USER,
        via: 'gateway-assertion',
        scopes: ['things:read'],
        tokenId: 'tok_conformance',
      })
      expect((await ctx.get('/scoped', [`Keygate-Assertion: ${jwt}`])).status).toBe(200)
    })

    it('enforces requireScopes on the asserted scopes', async () => {
      const jwt = await signer.sign({ audience: AUDIENCE, sub: USER, scopes: [], via: 'session' })
      const res = await ctx.get('/scoped', [`Keygate-Assertion: ${jwt}`])
      expectProblem(res, 403, 'insufficient_scope')
      expect(res.headers['www-authenticate']).toContain('scope="things:read"')
    })

    it('refuses expired, wrong-audience, alg none and re-signed assertions with 401', async () => {
      const none = `${b64({ ...HEAD, alg: 'none' })}.${b64(claims())}.`
      const cases = [
        forge(HEAD, claims({ iat: 1_000, exp: 1_030 })),
        forge(HEAD, claims({ aud: 'http://elsewhere.conformance.test' })),
        none,
        forge(HEAD, claims(), other.privateKey),
      ]
      for (const token of cases) {
        const res = await ctx.get('/private', [`Keygate-Assertion: ${token}`])
        expectProblem(res, 401, 'invalid_token')
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
      }
    })

    it('answers two assertions 400 invalid_request', async () => {
      const jwt = forge(HEAD, claims())
      const res = await ctx.get('/private', [
        `Keygate-Assertion: ${jwt}`,
        `Keygate-Assertion: ${jwt}`,
      ])
      expectProblem(res, 400, 'invalid_request')
    })
  })
}
