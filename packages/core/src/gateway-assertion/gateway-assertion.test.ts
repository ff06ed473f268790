import { createHmac, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { headersFromRecord, type AuthRequest } from '../auth-request.js'
import { createAuthenticator, type AuthResult } from '../create-authenticator.js'
import { createSessionSigner } from '../sessions/create-session-signer.js'
import { serviceToken } from '../service-token.js'
import { staticSecrets } from '../sources/env.js'
import { ASSERTION_TYP } from './assertion-format.js'
import { createAssertionSigner } from './create-assertion-signer.js'
import { gatewayAssertion, type GatewayAssertionOptions } from './gateway-assertion.js'

const ISSUER = 'https://auth.example.test'
const AUDIENCE = 'https://api.example.test'
const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'

const keys = generateKeyPairSync('ed25519')
const attacker = generateKeyPairSync('ed25519')
const publicJWK = (key: KeyObject, kid: string): JWK => ({
  ...(key.export({ format: 'jwk' }) as JWK),
  kid,
  alg: 'EdDSA',
})
const PUBLIC = publicJWK(keys.publicKey, 'k1')
const PRIVATE: JWK = {
  ...(keys.privateKey.export({ format: 'jwk' }) as JWK),
  kid: 'k1',
  alg: 'EdDSA',
}

const b64 = (value: string | object): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

function claims(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: USER,
    scope: 'things:read',
    token_id: 'tok_abc',
    via: 'api-token',
    jti: 'j1',
    iat: now,
    exp: now + 30,
    ...fields,
  }
}

/** A compact JWS written by hand: exactly the bytes an attacker would send. */
function forge(
  head: Record<string, unknown>,
  body: Record<string, unknown>,
  how: 'ok' | 'attacker' | 'none' | 'hmac-with-public-key' = 'ok',
): string {
  const input = `${b64(head)}.${b64(body)}`
  if (how === 'none') return `${input}.`
  if (how === 'hmac-with-public-key') {
    const secret = keys.publicKey.export({ format: 'pem', type: 'spki' })
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
  }
  const key = how === 'attacker' ? attacker.privateKey : keys.privateKey
  return `${input}.${nodeSign(null, Buffer.from(input), key).toString('base64url')}`
}

const HEAD = { alg: 'EdDSA', typ: ASSERTION_TYP, kid: 'k1' }

function request(headers: Record<string, string | string[]>): AuthRequest {
  return { method: 'GET', path: '/things', header: headersFromRecord(headers) }
}

function gate(options: Partial<GatewayAssertionOptions> = {}) {
  return createAuthenticator({
    strategies: [
      gatewayAssertion({ keys: [PUBLIC], issuer: ISSUER, audience: AUDIENCE, ...options }),
    ],
    env: {},
  })
}

async function refusal(result: AuthResult | Promise<AuthResult>) {
  const settled = await result
  if (settled.ok) throw new Error('expected a refusal')
  return { code: settled.error.code, detail: settled.error.detail }
}

describe('gatewayAssertion', () => {
  const signer = createAssertionSigner({ privateKey: PRIVATE, issuer: ISSUER })

  it('accepts what createAssertionSigner signs and yields via gateway-assertion', async () => {
    const jwt = await signer.sign({
      audience: AUDIENCE,
      sub: USER.toUpperCase(),
      scopes: ['things:read', 'things:write'],
      tokenId: 'tok_abc',
      via: 'api-token',
    })
    const result = await gate().authenticate(request({ 'keygate-assertion': jwt }))
    expect(result).toMatchObject({
      ok: true,
      reason: 'authenticated',
      principal: {
        kind: 'user',
        subject: USER,
        scopes: ['things:read', 'things:write'],
        via: 'gateway-assertion',
        tokenId: 'tok_abc',
      },
    })
    const principal = (result as { principal: { expiresAt: Date } }).principal
    expect(principal.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30_000)
  })

  it('recognises the assertion next to the gateway service token', async () => {
    const jwt = await signer.sign({ audience: AUDIENCE, sub: USER, scopes: [], via: 'session' })
    const chain = createAuthenticator({
      strategies: [
        gatewayAssertion({ keys: [PUBLIC], issuer: ISSUER, audience: AUDIENCE }),
        serviceToken({ source: staticSecrets(['s'.repeat(32)]), header: 'x-service-token' }),
      ],
      env: {},
    })
    const result = await chain.authenticate(
      request({
        'keygate-assertion': jwt,
        'x-service-token': 's'.repeat(32),
      }),
    )
    expect(result).toMatchObject({ ok: true, principal: { via: 'gateway-assertion' } })
    // Without the assertion, the service token alone is the service, not the user.
    const plain = await chain.authenticate(request({ 'x-service-token': 's'.repeat(32) }))
    expect(plain).toMatchObject({ ok: true, principal: { kind: 'service' } })
  })

  it('does not recognise a request without the header', async () => {
    expect(await refusal(gate().authenticate(request({})))).toEqual({
      code: 'missing_credentials',
      detail: 'No credentials were presented',
    })
  })

  it.each([
    ['expired', forge(HEAD, claims({ iat: 1000, exp: 1030 })), 'The assertion has expired'],
    [
      'wrong audience',
      forge(HEAD, claims({ aud: 'https://other.test' })),
      'The assertion is meant for another audience',
    ],
    [
      'no audience',
      forge(HEAD, claims({ aud: undefined })),
      'The assertion is meant for another audience',
    ],
    [
      'wrong issuer',
      forge(HEAD, claims({ iss: 'https://evil.test' })),
      'The assertion was issued by another issuer',
    ],
    [
      'no issuer',
      forge(HEAD, claims({ iss: undefined })),
      'The assertion was issued by another issuer',
    ],
    [
      'alg none',
      forge({ ...HEAD, alg: 'none' }, claims(), 'none'),
      'The token algorithm is not allowed',
    ],
    [
      'HS256 keyed with the public key',
      forge({ ...HEAD, alg: 'HS256' }, claims(), 'hmac-with-public-key'),
      'The token algorithm is not allowed',
    ],
    ['re-signed by another key', forge(HEAD, claims(), 'attacker'), 'The signature is not valid'],
    [
      'tampered claims',
      `${forge(HEAD, claims()).split('.')[0]}.${b64(claims({ scope: 'admin' }))}.${forge(HEAD, claims()).split('.')[2]}`,
      'The signature is not valid',
    ],
    [
      'a session, not an assertion',
      forge({ ...HEAD, typ: 'keygate-session+jwt' }, claims()),
      'The token is not a gateway assertion',
    ],
    ['no exp', forge(HEAD, claims({ exp: undefined })), 'The assertion has no valid expiry'],
    ['no iat', forge(HEAD, claims({ iat: undefined })), 'The assertion has no valid issue time'],
    ['no jti', forge(HEAD, claims({ jti: undefined })), 'The assertion has no id'],
    [
      'a lifetime over 60 s',
      forge(HEAD, claims({ exp: Math.floor(Date.now() / 1000) + 120 })),
      'The assertion lives longer than 60 seconds',
    ],
    [
      'issued in the future',
      forge(
        HEAD,
        claims({
          iat: Math.floor(Date.now() / 1000) + 120,
          exp: Math.floor(Date.now() / 1000) + 150,
        }),
      ),
      'The assertion has no valid issue time',
    ],
    [
      'a subject that is not a user id',
      forge(HEAD, claims({ sub: 'gateway' })),
      'The assertion subject is not a user id',
    ],
    ['an unknown kid', forge({ ...HEAD, kid: 'k2' }, claims()), 'No key matches the token'],
    [
      'a jku header',
      forge({ ...HEAD, jku: 'https://evil.test/jwks' }, claims()),
      'The token header must not carry "jku"',
    ],
    ['not a JWS', 'not-a-jwt', 'The token is malformed'],
  ])('refuses %s with 401 invalid_token', async (_name, token, detail) => {
    expect(await refusal(gate().authenticate(request({ 'keygate-assertion': token })))).toEqual({
      code: 'invalid_token',
      detail,
    })
  })

  it('refuses a session signed with the same keys', async () => {
    const sessions = createSessionSigner({
      privateKey: PRIVATE,
      issuer: ISSUER,
      audience: AUDIENCE,
    })
    const { token } = await sessions.sign({ sub: USER })
    expect(await refusal(gate().authenticate(request({ 'keygate-assertion': token })))).toEqual({
      code: 'invalid_token',
      detail: 'The token is not a gateway assertion',
    })
  })

  it('accepts a little clock skew, within the bounded leeway', async () => {
    const now = Math.floor(Date.now() / 1000)
    const late = forge(HEAD, claims({ iat: now - 33, exp: now - 3 }))
    expect(await gate().authenticate(request({ 'keygate-assertion': late }))).toMatchObject({
      ok: true,
    })
    expect(
      await refusal(
        gate({ clockToleranceSec: 0 }).authenticate(request({ 'keygate-assertion': late })),
      ),
    ).toEqual({
      code: 'invalid_token',
      detail: 'The assertion has expired',
    })
  })

  it('answers two headers or an oversize one 400 invalid_request', async () => {
    const jwt = forge(HEAD, claims())
    expect(
      await refusal(gate().authenticate(request({ 'keygate-assertion': [jwt, jwt] }))),
    ).toEqual({
      code: 'invalid_request',
      detail: 'More than one Keygate-Assertion header',
    })
    expect(
      await refusal(gate().authenticate(request({ 'keygate-assertion': 'a'.repeat(5000) }))),
    ).toEqual({ code: 'invalid_request', detail: 'The Keygate-Assertion header is too large' })
  })

  it('validates its options once, naming the bad one', () => {
    const base = { keys: [PUBLIC], audience: AUDIENCE, issuer: ISSUER }
    expect(() => gatewayAssertion({ ...base, audience: '' })).toThrow(
      'gatewayAssertion(): audience must be a non-empty string',
    )
    // No issuer: refused even with keys, so iss is always checked.
    const required = new TypeError(
      "gatewayAssertion(): issuer is required: the iss of the assertions (the token service's sessions.issuer)",
    )
    for (const issuer of [undefined, '', 42]) {
      expect(() => gatewayAssertion({ ...base, issuer: issuer as never })).toThrow(required)
      expect(() => gatewayAssertion({ audience: AUDIENCE, issuer: issuer as never })).toThrow(
        required,
      )
    }
    expect(() => gatewayAssertion({ audience: AUDIENCE, issuer: 'keygate' })).toThrow(
      'gatewayAssertion(): give keys or jwks, or an issuer that is an https: URL',
    )
    expect(() =>
      gatewayAssertion({ ...base, jwks: { url: 'https://auth.example.test/jwks' } }),
    ).toThrow('gatewayAssertion(): give at most one of keys and jwks')
    expect(() => gatewayAssertion({ ...base, clockToleranceSec: 31 })).toThrow(
      'gatewayAssertion(): clockToleranceSec must be an integer from 0 to 30',
    )
    expect(() => gatewayAssertion({ ...base, algorithms: ['HS256' as 'EdDSA'] })).toThrow(
      /no HS\*, no none/,
    )
    expect(() => gatewayAssertion({ ...base, keys: [PRIVATE] })).toThrow(
      'gatewayAssertion(): keys[0] is a private key; pass its public part',
    )
    expect(() =>
      gatewayAssertion({ ...base, keys: undefined, jwks: { url: 'http://auth.example.test/j' } }),
    ).toThrow('gatewayAssertion(): jwks.url must be https: (http: only on loopback or allowHTTP)')
  })
})

describe('createAssertionSigner', () => {
  it.each([
    ['EdDSA', generateKeyPairSync('ed25519')],
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ES384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ] as const)('signs %s assertions (JWK and KeyObject keys) that verify', async (alg, pair) => {
    const pub = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid: 'k', alg }
    const jwk = { ...(pair.privateKey.export({ format: 'jwk' }) as JWK), kid: 'k', alg }
    const verify = createAuthenticator({
      strategies: [
        gatewayAssertion({ keys: [pub], issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] }),
      ],
      env: {},
    })
    for (const privateKey of [jwk, pair.privateKey]) {
      const signer = createAssertionSigner({ privateKey, kid: 'k', alg, issuer: ISSUER })
      const jwt = await signer.sign({
        audience: AUDIENCE,
        sub: USER,
        scopes: ['a:b'],
        via: 'session',
      })
      expect(await verify.authenticate(request({ 'keygate-assertion': jwt }))).toMatchObject({
        ok: true,
        principal: { subject: USER, scopes: ['a:b'] },
      })
    }
  })

  it('refuses a lifetime over 60 s, a public key and a bad subject', async () => {
    expect(() =>
      createAssertionSigner({ privateKey: PRIVATE, issuer: ISSUER, ttlSec: 61 }),
    ).toThrow('createAssertionSigner(): ttlSec must be an integer from 1 to 60')
    expect(() => createAssertionSigner({ privateKey: PUBLIC, issuer: ISSUER })).toThrow(
      'createAssertionSigner(): privateKey must be a private JWK (with "d")',
    )
    const signer = createAssertionSigner({ privateKey: PRIVATE, issuer: ISSUER })
    await expect(
      signer.sign({ audience: AUDIENCE, sub: 'nobody', scopes: [], via: 'api-token' }),
    ).rejects.toThrow('createAssertionSigner(): sub must be a user id (UUID)')
  })
})

describe('gatewayAssertion with the JWKS of its issuer', () => {
  let server: Server
  let issuer: string
  let published: JWK[] = [PUBLIC]
  let fetches = 0
  let down = false
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') return res.writeHead(404).end()
      fetches++
      if (down) return res.writeHead(500).end()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: published }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('fetches the keys once, and refetches for a new kid only after the cooldown', async () => {
    const sign = (kid: string, how: 'ok' | 'attacker') =>
      forge({ ...HEAD, kid }, claims({ iss: issuer }), how)
    const derived = createAuthenticator({
      strategies: [gatewayAssertion({ issuer, audience: AUDIENCE })],
      env: {},
    })
    for (let i = 0; i < 5; i++) {
      expect(
        await derived.authenticate(request({ 'keygate-assertion': sign('k1', 'ok') })),
      ).toMatchObject({ ok: true })
    }
    expect(fetches).toBe(1)

    // A key published after the set was cached: within the (default 30 s) cooldown, an unknown
    // kid costs no fetch and is refused.
    published = [PUBLIC, publicJWK(attacker.publicKey, 'k2')]
    expect(
      await refusal(derived.authenticate(request({ 'keygate-assertion': sign('k2', 'attacker') }))),
    ).toEqual({ code: 'invalid_token', detail: 'No key matches the token' })
    expect(fetches).toBe(1)

    // With the shortest cooldown allowed, once it has passed, the unknown kid makes one
    // refetch, then the rotated key verifies.
    const eager = createAuthenticator({
      strategies: [
        gatewayAssertion({
          issuer,
          audience: AUDIENCE,
          jwks: { url: `${issuer}/.well-known/jwks.json`, cooldownMs: 1000 },
        }),
      ],
      env: {},
    })
    published = [PUBLIC]
    expect(
      await eager.authenticate(request({ 'keygate-assertion': sign('k1', 'ok') })),
    ).toMatchObject({ ok: true })
    published = [PUBLIC, publicJWK(attacker.publicKey, 'k2')]
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1001 })
    try {
      expect(
        await eager.authenticate(request({ 'keygate-assertion': sign('k2', 'attacker') })),
      ).toMatchObject({ ok: true, principal: { subject: USER } })
    } finally {
      vi.useRealTimers()
    }
    expect(fetches).toBe(3)
  })

  it('refuses a JWKS cooldown under 1 s at construction: unknown kids would each cause a fetch', () => {
    for (const cooldownMs of [0, 1, 999]) {
      expect(() =>
        gatewayAssertion({ issuer, audience: AUDIENCE, jwks: { url: `${issuer}/j`, cooldownMs } }),
      ).toThrow(
        new TypeError(
          'gatewayAssertion(): jwks.cooldownMs must be an integer ≥ 1000 (a shorter cooldown lets any token naming an unknown kid cause a key set fetch)',
        ),
      )
    }
  })

  it('answers 503 auth_unavailable, never 401, when the JWKS cannot be fetched', async () => {
    down = true
    const chain = createAuthenticator({
      strategies: [gatewayAssertion({ issuer, audience: AUDIENCE })],
      env: {},
    })
    const token = forge(HEAD, claims({ iss: issuer }))
    expect(await refusal(chain.authenticate(request({ 'keygate-assertion': token })))).toEqual({
      code: 'auth_unavailable',
      detail: 'Gateway assertion keys are temporarily unavailable',
    })
    down = false
  })
})
