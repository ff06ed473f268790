import { createHmac, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeAuth, getPrincipal } from '@keygate/node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JWK } from 'jose'
import { apiTokens } from '../api-tokens/api-tokens.js'
import type { VerifiedAPIToken } from '../api-tokens/api-token-verifier.js'
import { digestAPIToken } from '../api-tokens/digest-api-token.js'
import { generateAPIToken } from '../api-tokens/generate-api-token.js'
import type { AuthenticatorOptions } from '../create-authenticator.js'
import { serviceToken } from '../service-token.js'
import { staticSecrets } from '../sources/env.js'
import { SESSION_TYP } from './session-algorithms.js'
import { sessions, type SessionsOptions } from './sessions.js'

// Every token here is written by hand (header, payload and signature), so that each attack is
// exactly the bytes an attacker would send, and every check is made through real HTTP.

const T0 = new Date('2030-01-01T00:00:00Z')
const NOW = Math.floor(T0.getTime() / 1000)
const ISSUER = 'https://auth.example.test'
const AUDIENCE = 'https://api.example.test'
const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'
const SERVICE_SECRET = 'svc-secret-0123456789abcdefghijklmnopqrstuvwxyz'

type Header = Record<string, unknown>
type Payload = Record<string, unknown>

const b64 = (value: string | Uint8Array | object): string =>
  Buffer.from(
    typeof value === 'string' || value instanceof Uint8Array ? value : JSON.stringify(value),
  ).toString('base64url')

const edKeys = generateKeyPairSync('ed25519')
const rsaKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const p384Keys = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const attackerKeys = generateKeyPairSync('ed25519')

const publicJWK = (key: KeyObject, kid: string): JWK => ({
  ...(key.export({ format: 'jwk' }) as JWK),
  kid,
})
const ED_JWK = publicJWK(edKeys.publicKey, 'k1')
const RSA_JWK = publicJWK(rsaKeys.publicKey, 'rsa-1')
const P384_JWK = publicJWK(p384Keys.publicKey, 'p384-1')

function header(fields: Header = {}): Header {
  return { alg: 'EdDSA', typ: SESSION_TYP, kid: 'k1', ...fields }
}

function payload(fields: Payload = {}): Payload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: USER,
    iat: NOW,
    exp: NOW + 600,
    jti: 'sess_1',
    scope: 'things:read things:write',
    ...fields,
  }
}

/** A compact JWS over `head.body`, signed the way `alg` says (or as `how` overrides). */
function forge(
  head: Header,
  body: Payload | string,
  how: 'ed' | 'rsa' | 'p384' | 'attacker' | 'none' = 'ed',
): string {
  const input = `${b64(head)}.${b64(body)}`
  const data = Buffer.from(input)
  let signature: Buffer
  if (how === 'none') signature = Buffer.alloc(0)
  else if (how === 'rsa') signature = nodeSign('sha256', data, rsaKeys.privateKey)
  else if (how === 'p384') {
    signature = nodeSign('sha384', data, { key: p384Keys.privateKey, dsaEncoding: 'ieee-p1363' })
  } else {
    signature = nodeSign(
      null,
      data,
      how === 'attacker' ? attackerKeys.privateKey : edKeys.privateKey,
    )
  }
  return `${input}.${b64(signature)}`
}

function hmac(head: Header, body: Payload, key: string): string {
  const input = `${b64(head)}.${b64(body)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

function flipSignatureByte(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string]
  const bytes = Buffer.from(s, 'base64url')
  bytes[10]! ^= 0x01
  return `${h}.${p}.${bytes.toString('base64url')}`
}

type Running = { url: string; close(): Promise<void> }

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function serve(auth: AuthenticatorOptions): Promise<Running> {
  const gate = createNodeAuth(auth)
  const server = createServer(
    gate.protect((req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ principal: getPrincipal(req) ?? null }))
    }),
  )
  const url = await listen(server)
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

async function call(url: string, headers: Record<string, string>) {
  const response = await fetch(`${url}/private`, { headers })
  const text = await response.text()
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

function sessionsOptions(overrides: Partial<SessionsOptions> = {}): SessionsOptions {
  return {
    keys: [ED_JWK, RSA_JWK, P384_JWK],
    issuer: ISSUER,
    audience: AUDIENCE,
    ...overrides,
  }
}

// A server that must never be contacted: every URL a token names points here.
let trap: { url: string; hits: number; server: Server }
let app: Running

beforeAll(async () => {
  const server = createServer((_req, res) => {
    trap.hits++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [] }))
  })
  trap = { url: '', hits: 0, server }
  trap.url = await listen(server)
  app = await serve({ strategies: [sessions(sessionsOptions())] })
})

afterAll(async () => {
  await app.close()
  await new Promise((resolve) => trap.server.close(resolve))
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('sessions: a valid session through HTTP', () => {
  it('authenticates the user with the scopes, id and expiry of the session', async () => {
    const res = await call(app.url, bearer(forge(header(), payload())))
    expect(res.status).toBe(200)
    expect(res.body.principal).toEqual({
      kind: 'user',
      subject: USER,
      scopes: ['things:read', 'things:write'],
      via: 'session',
      tokenId: 'sess_1',
      expiresAt: new Date((NOW + 600) * 1000).toISOString(),
    })
  })

  it('accepts an expiry passed within the leeway (30 s by default)', async () => {
    const res = await call(app.url, bearer(forge(header(), payload({ exp: NOW - 29 }))))
    expect(res.status).toBe(200)
  })

  it('accepts an nbf ahead within the leeway', async () => {
    const res = await call(app.url, bearer(forge(header(), payload({ nbf: NOW + 29 }))))
    expect(res.status).toBe(200)
  })
})

// [name, token, the detail of the 401]
const attacks: [string, () => string, string][] = [
  [
    'alg none',
    () => forge(header({ alg: 'none' }), payload(), 'none'),
    'The token algorithm is not allowed',
  ],
  [
    'alg none, no kid',
    () => forge({ alg: 'none', typ: SESSION_TYP }, payload(), 'none'),
    'The token algorithm is not allowed',
  ],
  [
    'alg NONE',
    () => forge(header({ alg: 'NONE' }), payload(), 'none'),
    'The token algorithm is not allowed',
  ],
  [
    'HS256 keyed with the public JWK',
    () => hmac(header({ alg: 'HS256' }), payload(), JSON.stringify(ED_JWK)),
    'The token algorithm is not allowed',
  ],
  [
    'HS256 keyed with the public JWK "x"',
    () => hmac(header({ alg: 'HS256' }), payload(), ED_JWK.x!),
    'The token algorithm is not allowed',
  ],
  [
    'HS256 keyed with the public PEM',
    () =>
      hmac(
        header({ alg: 'HS256' }),
        payload(),
        edKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ),
    'The token algorithm is not allowed',
  ],
  [
    'HS256 keyed with the RSA public PEM',
    () =>
      hmac(
        header({ alg: 'HS256', kid: 'rsa-1' }),
        payload(),
        rsaKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ),
    'The token algorithm is not allowed',
  ],
  [
    'RS256, off the list, with a published key',
    () => forge(header({ alg: 'RS256', kid: 'rsa-1' }), payload(), 'rsa'),
    'The token algorithm is not allowed',
  ],
  [
    'ES384, off the list, with a published key',
    () => forge(header({ alg: 'ES384', kid: 'p384-1' }), payload(), 'p384'),
    'The token algorithm is not allowed',
  ],
  [
    'no alg',
    () => forge({ typ: SESSION_TYP, kid: 'k1' }, payload()),
    'The token algorithm is not allowed',
  ],
  ['no exp', () => forge(header(), payload({ exp: undefined })), 'The session has no valid expiry'],
  [
    'exp as a string',
    () => forge(header(), payload({ exp: String(NOW + 600) })),
    'The session has no valid expiry',
  ],
  [
    'expired beyond the leeway',
    () => forge(header(), payload({ exp: NOW - 31 })),
    'The session has expired',
  ],
  [
    'expired long ago',
    () => forge(header(), payload({ iat: NOW - 86_400, exp: NOW - 86_000 })),
    'The session has expired',
  ],
  [
    'nbf in the future',
    () => forge(header(), payload({ nbf: NOW + 120 })),
    'The session is not valid yet',
  ],
  [
    'wrong aud',
    () => forge(header(), payload({ aud: 'https://other.example.test' })),
    'The session is meant for another audience',
  ],
  [
    'no aud',
    () => forge(header(), payload({ aud: undefined })),
    'The session is meant for another audience',
  ],
  [
    'wrong iss',
    () => forge(header(), payload({ iss: 'https://evil.example.test' })),
    'The session was issued by another issuer',
  ],
  ['wrong typ', () => forge(header({ typ: 'JWT' }), payload()), 'The token is not a session'],
  [
    'a gateway assertion typ',
    () => forge(header({ typ: 'keygate-assertion+jwt' }), payload()),
    'The token is not a session',
  ],
  ['no typ', () => forge(header({ typ: undefined }), payload()), 'The token is not a session'],
  ['no sub', () => forge(header(), payload({ sub: undefined })), 'The session names no user'],
  [
    'a sub that is not a UUID',
    () => forge(header(), payload({ sub: 'admin' })),
    'The session subject is not a user id',
  ],
  [
    'a scope that is not a string',
    () => forge(header(), payload({ scope: ['admin'] })),
    'The session scope is not valid',
  ],
  [
    'kid ../../etc/passwd',
    () => forge(header({ kid: '../../etc/passwd' }), payload()),
    'The token key id is not valid',
  ],
  [
    'kid of 129 characters',
    () => forge(header({ kid: 'k'.repeat(129) }), payload()),
    'The token key id is not valid',
  ],
  [
    'kid that is a number',
    () => forge(header({ kid: 1 }), payload()),
    'The token key id is not valid',
  ],
  ['no kid', () => forge(header({ kid: undefined }), payload()), 'The token names no key'],
  ['an unknown kid', () => forge(header({ kid: 'k2' }), payload()), 'No key matches the token'],
  [
    'jku to a server of ours',
    () => forge(header({ jku: `${trap.url}/jwks.json` }), payload()),
    'The token header must not carry "jku"',
  ],
  [
    'jwk embedding the attacker key',
    () => forge(header({ jwk: publicJWK(attackerKeys.publicKey, 'k1') }), payload(), 'attacker'),
    'The token header must not carry "jwk"',
  ],
  [
    'x5u to a server of ours',
    () => forge(header({ x5u: `${trap.url}/cert.pem` }), payload()),
    'The token header must not carry "x5u"',
  ],
  [
    'x5c',
    () => forge(header({ x5c: ['MIIB'] }), payload()),
    'The token header must not carry "x5c"',
  ],
  [
    'crit',
    () => forge(header({ crit: ['exp'], exp: NOW + 600 }), payload()),
    'The token header must not carry "crit"',
  ],
  [
    'a flipped signature byte',
    () => flipSignatureByte(forge(header(), payload())),
    'The signature is not valid',
  ],
  [
    'a tampered payload',
    () => {
      const [h, , s] = forge(header(), payload()).split('.')
      return `${h}.${b64(payload({ scope: 'admin' }))}.${s}`
    },
    'The signature is not valid',
  ],
  [
    'signed by another key with our kid',
    () => forge(header(), payload(), 'attacker'),
    'The signature is not valid',
  ],
  ['an empty signature', () => forge(header(), payload(), 'none'), 'The signature is not valid'],
  [
    'a header that is not JSON',
    () => `${b64('not json')}.${b64(payload())}.${b64('sig')}`,
    'The token is malformed',
  ],
  [
    'a header that is a JSON array',
    () => `${b64('[1]')}.${b64(payload())}.${b64('sig')}`,
    'The token is malformed',
  ],
  ['a payload that is not JSON', () => forge(header(), 'not json'), 'The token is malformed'],
]

describe('sessions: every forged or wrong token is 401 invalid_token, never a 500', () => {
  it.each(attacks)('%s', async (_name, make, detail) => {
    const token = make()
    const res = await call(app.url, bearer(token))
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('invalid_token')
    expect(res.body.detail).toBe(detail)
    expect(res.challenge).toContain('error="invalid_token"')
    // Neither the token nor any of its segments is echoed.
    for (const segment of token.split('.').filter((s) => s.length > 8)) {
      expect(res.text).not.toContain(segment)
      expect(res.challenge).not.toContain(segment)
    }
  })

  it('never contacted a URL named by a token (jku, x5u)', () => {
    expect(trap.hits).toBe(0)
  })
})

describe('sessions: a 10 KB kid', () => {
  const big = () => forge(header({ kid: 'k'.repeat(10 * 1024) }), payload())

  it('is refused before any parsing by the default credential cap (400 invalid_request)', async () => {
    const res = await call(app.url, bearer(big()))
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('invalid_request')
  })

  it('is 401 invalid_token when the caps let it through', async () => {
    const wide = await serve({
      strategies: [sessions(sessionsOptions({ maxTokenBytes: 16_384 }))],
      maxCredentialBytes: 16_384,
    })
    try {
      const res = await call(wide.url, bearer(big()))
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({
        code: 'invalid_token',
        detail: 'The token key id is not valid',
      })
    } finally {
      await wide.close()
    }
  })

  it('is 401 "too large" past maxTokenBytes, before its header is decoded', async () => {
    const wide = await serve({
      strategies: [sessions(sessionsOptions())],
      maxCredentialBytes: 16_384,
    })
    try {
      const res = await call(wide.url, bearer(big()))
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({ code: 'invalid_token', detail: 'The token is too large' })
    } finally {
      await wide.close()
    }
  })
})

describe('sessions: a different leeway', () => {
  it('with clockToleranceSec 0, a session expired one second ago is refused', async () => {
    const strict = await serve({
      strategies: [sessions(sessionsOptions({ clockToleranceSec: 0 }))],
    })
    try {
      const res = await call(strict.url, bearer(forge(header(), payload({ exp: NOW - 1 }))))
      expect(res.status).toBe(401)
      expect(res.body.detail).toBe('The session has expired')
    } finally {
      await strict.close()
    }
  })
})

describe('sessions: in a chain with service tokens and API tokens', () => {
  const records = new Map<string, VerifiedAPIToken>()
  let apiToken: string
  let chain: Running
  let sessionsOnly: Running
  let serviceOnly: Running

  beforeAll(async () => {
    apiToken = generateAPIToken().token
    records.set(await digestAPIToken(apiToken), {
      id: 'tok_1',
      userId: USER,
      scopes: ['things:read'],
      expiresAt: new Date('2099-01-01T00:00:00Z'),
      revokedAt: null,
      userDisabled: false,
    })
    const store = { findByDigest: (digest: string) => Promise.resolve(records.get(digest)) }
    chain = await serve({
      strategies: [
        apiTokens({ store, cache: false }),
        sessions(sessionsOptions()),
        serviceToken({ source: staticSecrets([SERVICE_SECRET]), subject: 'gateway' }),
      ],
    })
    sessionsOnly = await serve({ strategies: [sessions(sessionsOptions())] })
    serviceOnly = await serve({
      strategies: [serviceToken({ source: staticSecrets([SERVICE_SECRET]) })],
    })
  })

  afterAll(async () => {
    await Promise.all([chain.close(), sessionsOnly.close(), serviceOnly.close()])
  })

  it('each credential reaches its own strategy', async () => {
    const service = await call(chain.url, bearer(SERVICE_SECRET))
    expect(service.status).toBe(200)
    expect(service.body.principal).toMatchObject({ kind: 'service', subject: 'gateway' })
    const session = await call(chain.url, bearer(forge(header(), payload())))
    expect(session.status).toBe(200)
    expect(session.body.principal).toMatchObject({ kind: 'user', via: 'session' })
    const token = await call(chain.url, bearer(apiToken))
    expect(token.status).toBe(200)
    expect(token.body.principal).toMatchObject({ kind: 'user', via: 'api-token' })
  })

  it('a forged session is refused by sessions, not passed on', async () => {
    const res = await call(chain.url, bearer(forge(header(), payload(), 'attacker')))
    expect(res.status).toBe(401)
    expect(res.body.detail).toBe('The signature is not valid')
  })

  it('a service token sent where a session is expected is 401 invalid_token', async () => {
    const res = await call(sessionsOnly.url, bearer(SERVICE_SECRET))
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('invalid_token')
    expect(res.text).not.toContain(SERVICE_SECRET)
  })

  it('an API token sent where a session is expected is 401 invalid_token', async () => {
    const res = await call(sessionsOnly.url, bearer(apiToken))
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('invalid_token')
  })

  it('a session sent where a service token is expected is 401 invalid_token', async () => {
    const session = forge(header(), payload())
    const res = await call(serviceOnly.url, bearer(session))
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('invalid_token')
    expect(res.text).not.toContain(session.split('.')[2])
  })

  it('a JWE (five segments) is not a session: the chain ends in 401 invalid_token', async () => {
    const res = await call(sessionsOnly.url, bearer('a.b.c.d.e'))
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('invalid_token')
  })
})
