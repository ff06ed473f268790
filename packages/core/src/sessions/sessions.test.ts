import { generateKeyPairSync } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { headersFromRaw, type AuthRequest } from '../auth-request.js'
import { createAuthenticator } from '../create-authenticator.js'
import { AuthUnavailableError, InvalidRequestError, InvalidTokenError } from '../errors.js'
import type { Credential } from '../extract-credential.js'
import { createSessionSigner, type SessionSigner } from './create-session-signer.js'
import { sessions, type SessionsOptions } from './sessions.js'

const T0 = new Date('2030-01-01T00:00:00Z')
const ISSUER = 'https://auth.example.test'
const AUDIENCE = 'https://api.example.test'
const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'

const request = (rawHeaders: string[] = []): AuthRequest => ({
  method: 'GET',
  path: '/x',
  header: headersFromRaw(rawHeaders),
})
const bearer = (token: string): Credential => ({ kind: 'bearer', header: 'authorization', token })

let signer: SessionSigner
let publicJWK: JWK

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true })
  publicJWK = { ...(await exportJWK(publicKey)), kid: 'k1' }
  signer = createSessionSigner({ privateKey, kid: 'k1', issuer: ISSUER, audience: AUDIENCE })
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 })
})

afterEach(() => {
  vi.useRealTimers()
})

function strategy(overrides: Partial<SessionsOptions> = {}) {
  return sessions({ keys: [publicJWK], issuer: ISSUER, audience: AUDIENCE, ...overrides })
}

describe('sessions: options are validated once, at creation', () => {
  const base = () => ({ keys: [publicJWK], issuer: ISSUER, audience: AUDIENCE })

  it.each([
    ['no options', null, 'options are required'],
    ['neither keys nor jwks', { keys: undefined }, 'exactly one of keys and jwks'],
    [
      'both keys and jwks',
      { jwks: { url: 'https://a.test/jwks' } },
      'exactly one of keys and jwks',
    ],
    ['no issuer', { issuer: '' }, 'issuer must be a non-empty string'],
    ['no audience', { audience: undefined }, 'audience must be a non-empty string'],
    ['an empty typ', { typ: '' }, 'typ must be a non-empty string'],
    ['HS256 in algorithms', { algorithms: ['HS256'] }, 'algorithms must be a non-empty list'],
    ['none in algorithms', { algorithms: ['none'] }, 'algorithms must be a non-empty list'],
    ['no algorithms', { algorithms: [] }, 'algorithms must be a non-empty list'],
    [
      'clockToleranceSec 301',
      { clockToleranceSec: 301 },
      'clockToleranceSec must be an integer from 0 to 300',
    ],
    [
      'clockToleranceSec -1',
      { clockToleranceSec: -1 },
      'clockToleranceSec must be an integer from 0 to 300',
    ],
    [
      'clockToleranceSec 1.5',
      { clockToleranceSec: 1.5 },
      'clockToleranceSec must be an integer from 0 to 300',
    ],
    ['a bad cookie name', { cookie: 'a b' }, 'cookie must be a valid cookie name'],
    ['maxTokenBytes 10', { maxTokenBytes: 10 }, 'maxTokenBytes must be an integer ≥ 64'],
    ['isRevoked not a function', { isRevoked: true }, 'isRevoked must be a function'],
    ['no keys', { keys: [] }, 'keys must be a non-empty array'],
    [
      'a symmetric key',
      { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] },
      'keys[0] is a symmetric key',
    ],
    [
      'a key without kid',
      { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] },
      'keys[0] needs a kid',
    ],
    [
      'a key with a path for kid',
      { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid: '../k' }] },
      'keys[0] needs a kid',
    ],
    [
      'a private JWK',
      { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', d: 'AAAA', kid: 'k' }] },
      'keys[0] is a private key',
    ],
    [
      'a private key object',
      { keys: [{ kid: 'k', key: generateKeyPairSync('ed25519').privateKey }] },
      'keys[0].key must be a public CryptoKey or KeyObject',
    ],
    [
      'a jwks URL over http',
      { keys: undefined, jwks: { url: 'http://auth.example.test/jwks' } },
      'jwks.url must be https:',
    ],
    [
      'a jwks URL with credentials',
      { keys: undefined, jwks: { url: 'https://u:p@auth.example.test/jwks' } },
      'jwks.url must not carry credentials',
    ],
    [
      'a relative jwks URL',
      { keys: undefined, jwks: { url: '/jwks' } },
      'jwks.url must be an absolute URL',
    ],
    [
      'a negative cooldown',
      { keys: undefined, jwks: { url: 'https://a.test/j', cooldownMs: -1 } },
      'jwks.cooldownMs must be an integer ≥ 1000 (a shorter cooldown lets any token naming an unknown kid cause a key set fetch)',
    ],
    [
      'no cooldown (every unknown kid would refetch the key set)',
      { keys: undefined, jwks: { url: 'https://a.test/j', cooldownMs: 0 } },
      'jwks.cooldownMs must be an integer ≥ 1000 (a shorter cooldown lets any token naming an unknown kid cause a key set fetch)',
    ],
    [
      'a cooldown under a second',
      { keys: undefined, jwks: { url: 'https://a.test/j', cooldownMs: 999 } },
      'jwks.cooldownMs must be an integer ≥ 1000 (a shorter cooldown lets any token naming an unknown kid cause a key set fetch)',
    ],
    [
      'a zero timeout',
      { keys: undefined, jwks: { url: 'https://a.test/j', timeoutMs: 0 } },
      'jwks.timeoutMs must be an integer ≥ 1',
    ],
  ])('refuses %s', (_name, overrides, message) => {
    const options = overrides === null ? null : { ...base(), ...overrides }
    expect(() => sessions(options as unknown as SessionsOptions)).toThrow(TypeError)
    expect(() => sessions(options as unknown as SessionsOptions)).toThrow(message)
  })

  it('accepts http: on loopback and with allowHTTP', () => {
    for (const url of ['http://127.0.0.1:4400/jwks', 'http://localhost/jwks', 'http://[::1]/j']) {
      expect(() => sessions({ jwks: { url }, issuer: ISSUER, audience: AUDIENCE })).not.toThrow()
    }
    expect(() =>
      sessions({
        jwks: { url: 'http://keygate.internal/jwks', allowHTTP: true },
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).not.toThrow()
  })
})

describe('sessions: recognition', () => {
  it.each<[string, Credential | undefined]>([
    ['no credential', undefined],
    ['another scheme', { kind: 'other-scheme', header: 'authorization', scheme: 'Basic' }],
    ['a custom header', { kind: 'header', header: 'x-service-token', value: 'a.b.c' }],
    ['an API token', bearer('kg_3Fh2k9LmQx7Vb1Nc8RtY4Wz6Pd0Gs5Je2Ua9Ko1')],
    ['an opaque service secret', bearer('svc-secret-0123456789abcdef')],
    ['two segments', bearer('abc.def')],
    ['five segments (a JWE)', bearer('a.b.c.d.e')],
    ['a segment with base64 padding', bearer('abc=.def.ghi')],
  ])('passes on %s, synchronously', (_name, credential) => {
    // Not a promise: the chain stays on its synchronous path for the strategies after this one.
    expect(strategy().authenticate({ credential, request: request() })).toBeUndefined()
  })

  it('judges anything shaped as a JWS', async () => {
    await expect(
      strategy().authenticate({ credential: bearer('a.b.c'), request: request() }),
    ).rejects.toThrow(InvalidTokenError)
  })
})

describe('sessions: the principal', () => {
  it('is frozen, names the user and carries the scopes, jti and expiry', async () => {
    const { token, jti, expiresAt } = await signer.sign({ sub: USER, scope: ['a:read', 'b:write'] })
    const principal = await strategy().authenticate({
      credential: bearer(token),
      request: request(),
    })
    expect(principal).toEqual({
      kind: 'user',
      subject: USER,
      scopes: ['a:read', 'b:write'],
      via: 'session',
      tokenId: jti,
      expiresAt,
    })
    expect(Object.isFrozen(principal)).toBe(true)
    expect(Object.isFrozen(principal!.scopes)).toBe(true)
  })

  it('has no scopes when the session has none, and a lower-case subject', async () => {
    const { token } = await signer.sign({ sub: USER.toUpperCase() })
    const principal = await strategy().authenticate({
      credential: bearer(token),
      request: request(),
    })
    expect(principal).toMatchObject({ subject: USER, scopes: [] })
  })

  it('refuses with a detail that never quotes the token, and keeps no jose error as cause', async () => {
    const { token } = await signer.sign({ sub: USER })
    vi.setSystemTime(T0.getTime() + 3_600_000)
    const error = await Promise.resolve(
      strategy().authenticate({ credential: bearer(token), request: request() }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect((error as InvalidTokenError).detail).toBe('The session has expired')
    expect((error as Error).cause).toBeUndefined()
    expect(JSON.stringify(error)).not.toContain(token)
  })
})

describe('sessions: key objects', () => {
  it('verifies with a public CryptoKey (ES256) and a public KeyObject (Ed25519)', async () => {
    const ec = await generateKeyPair('ES256')
    const ed = generateKeyPairSync('ed25519')
    const gate = strategy({
      keys: [
        { kid: 'ec-1', key: ec.publicKey },
        { kid: 'ed-1', key: ed.publicKey },
      ],
    })
    const ecSigner = createSessionSigner({
      privateKey: ec.privateKey,
      kid: 'ec-1',
      issuer: ISSUER,
      audience: AUDIENCE,
    })
    const edSigner = createSessionSigner({
      privateKey: ed.privateKey,
      kid: 'ed-1',
      issuer: ISSUER,
      audience: AUDIENCE,
    })
    for (const s of [ecSigner, edSigner]) {
      const { token } = await s.sign({ sub: USER })
      expect(
        await gate.authenticate({ credential: bearer(token), request: request() }),
      ).toMatchObject({ subject: USER })
    }
    expect(ecSigner.alg).toBe('ES256')
    expect(edSigner.alg).toBe('EdDSA')
  })

  it('accepts RS256 only when it is on the list', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rsaSigner = createSessionSigner({
      privateKey: rsa.privateKey,
      kid: 'rsa-1',
      alg: 'RS256',
      issuer: ISSUER,
      audience: AUDIENCE,
    })
    const { token } = await rsaSigner.sign({ sub: USER })
    const keys = [{ kid: 'rsa-1', key: rsa.publicKey }]
    await expect(
      strategy({ keys }).authenticate({ credential: bearer(token), request: request() }),
    ).rejects.toThrow('The token algorithm is not allowed')
    expect(
      await strategy({ keys, algorithms: ['RS256'] }).authenticate({
        credential: bearer(token),
        request: request(),
      }),
    ).toMatchObject({ subject: USER })
  })
})

describe('sessions: isRevoked', () => {
  it('refuses a revoked session, asking with its jti', async () => {
    const seen: string[] = []
    const gate = strategy({
      isRevoked: (jti) => {
        seen.push(jti)
        return Promise.resolve(jti === 'gone')
      },
    })
    const revoked = await signer.sign({ sub: USER, jti: 'gone' })
    const live = await signer.sign({ sub: USER, jti: 'live' })
    await expect(
      gate.authenticate({ credential: bearer(revoked.token), request: request() }),
    ).rejects.toThrow('The session has been revoked')
    expect(
      await gate.authenticate({ credential: bearer(live.token), request: request() }),
    ).toMatchObject({
      tokenId: 'live',
    })
    expect(seen).toEqual(['gone', 'live'])
  })

  it('answers 503 when the denylist fails, and logs no token', async () => {
    const warnings: unknown[] = []
    const gate = strategy({ isRevoked: () => Promise.reject(new Error('redis down')) })
    gate.attach?.({ logger: { warn: (o) => warnings.push(o), error: () => {} } })
    const { token } = await signer.sign({ sub: USER })
    const error = await Promise.resolve(
      gate.authenticate({ credential: bearer(token), request: request() }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthUnavailableError)
    expect((error as AuthUnavailableError).status).toBe(503)
    expect(JSON.stringify(warnings)).not.toContain(token)
    expect(warnings).toHaveLength(1)
  })

  it('answers 503 when the denylist throws synchronously', async () => {
    const gate = strategy({
      isRevoked: () => {
        throw new Error('boom')
      },
    })
    const { token } = await signer.sign({ sub: USER })
    await expect(
      gate.authenticate({ credential: bearer(token), request: request() }),
    ).rejects.toBeInstanceOf(AuthUnavailableError)
  })
})

describe('sessions: cookie', () => {
  const gate = () => strategy({ cookie: 'kg_session' })

  it('reads the session from the cookie when the request carries no other credential', async () => {
    const { token } = await signer.sign({ sub: USER })
    for (const line of [
      `kg_session=${token}`,
      `theme=dark; kg_session=${token}; other=1`,
      `kg_session="${token}"`,
    ]) {
      expect(
        await gate().authenticate({ credential: undefined, request: request(['Cookie', line]) }),
      ).toMatchObject({ subject: USER, via: 'session' })
    }
  })

  it('finds it on any Cookie line', async () => {
    const { token } = await signer.sign({ sub: USER })
    const req = request(['Cookie', 'a=1', 'Cookie', `kg_session=${token}`])
    expect(await gate().authenticate({ credential: undefined, request: req })).toMatchObject({
      subject: USER,
    })
  })

  it('passes on a request without it, or with it empty', async () => {
    for (const raw of [
      [],
      ['Cookie', 'other=1'],
      ['Cookie', 'kg_session='],
      ['Cookie', 'kg_sessionx=a.b.c'],
    ]) {
      expect(
        await gate().authenticate({ credential: undefined, request: request(raw) }),
      ).toBeUndefined()
    }
  })

  it('refuses two cookies of that name (400 invalid_request)', async () => {
    const { token } = await signer.sign({ sub: USER })
    const req = request(['Cookie', `kg_session=${token}; kg_session=${token}`])
    await expect(gate().authenticate({ credential: undefined, request: req })).rejects.toThrow(
      InvalidRequestError,
    )
  })

  it('refuses a cookie that is not a session, or too large (401)', async () => {
    for (const [value, detail] of [
      ['garbage', 'The token is malformed'],
      ['x'.repeat(5000), 'The token is too large'],
    ] as const) {
      const req = request(['Cookie', `kg_session=${value}`])
      await expect(gate().authenticate({ credential: undefined, request: req })).rejects.toThrow(
        detail,
      )
    }
  })

  it('is not read when the request carries a credential (it belongs to another strategy)', async () => {
    const { token } = await signer.sign({ sub: USER })
    const req = request(['Cookie', `kg_session=${token}`])
    expect(
      await gate().authenticate({ credential: bearer('kg_notasession'), request: req }),
    ).toBeUndefined()
  })

  it('through an authenticator: a cookie session passes, a missing one is 401 missing_credentials', async () => {
    const { token } = await signer.sign({ sub: USER })
    const auth = createAuthenticator({ strategies: [gate()] })
    const ok = await auth.authenticate(request(['Cookie', `kg_session=${token}`]))
    expect(ok).toMatchObject({ ok: true, principal: { subject: USER } })
    const missing = await auth.authenticate(request())
    expect(missing.ok).toBe(false)
    expect(!missing.ok && missing.error.code).toBe('missing_credentials')
  })
})
