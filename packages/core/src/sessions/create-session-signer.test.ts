import { generateKeyPairSync } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { headersFromRaw } from '../auth-request.js'
import { createSessionSigner, type SessionSignerOptions } from './create-session-signer.js'
import { SESSION_TYP } from './session-algorithms.js'
import { sessions } from './sessions.js'

const T0 = new Date('2030-01-01T00:00:00Z')
const NOW = T0.getTime() / 1000
const ISSUER = 'https://auth.example.test'
const AUDIENCE = 'https://api.example.test'
const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let privateJWK: JWK
let publicJWK: JWK

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true })
  privateJWK = { ...(await exportJWK(privateKey)), kid: 'k1' }
  publicJWK = { ...(await exportJWK(publicKey)), kid: 'k1' }
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 })
})

afterEach(() => {
  vi.useRealTimers()
})

const options = (overrides: Partial<SessionSignerOptions> = {}): SessionSignerOptions => ({
  privateKey: privateJWK,
  issuer: ISSUER,
  audience: AUDIENCE,
  ...overrides,
})

describe('createSessionSigner', () => {
  it('signs what sessions() verifies, with the claims and header it checks', async () => {
    const signer = createSessionSigner(options())
    expect(signer).toMatchObject({ kid: 'k1', alg: 'EdDSA' })
    const signed = await signer.sign({ sub: USER, scope: 'a:read  b:write' })
    expect(decodeProtectedHeader(signed.token)).toEqual({
      alg: 'EdDSA',
      kid: 'k1',
      typ: SESSION_TYP,
    })
    expect(decodeJwt(signed.token)).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: USER,
      iat: NOW,
      exp: NOW + 900,
      jti: signed.jti,
      scope: 'a:read b:write',
    })
    expect(signed.jti).toMatch(UUID)
    expect(signed.expiresAt).toEqual(new Date((NOW + 900) * 1000))
    const verifier = sessions({ keys: [publicJWK], issuer: ISSUER, audience: AUDIENCE })
    const principal = await verifier.authenticate({
      credential: { kind: 'bearer', header: 'authorization', token: signed.token },
      request: { method: 'GET', path: '/', header: headersFromRaw([]) },
    })
    expect(principal).toMatchObject({
      subject: USER,
      scopes: ['a:read', 'b:write'],
      tokenId: signed.jti,
    })
  })

  it('omits an empty scope, honours jti and ttlSec, and draws a new jti each time', async () => {
    const signer = createSessionSigner(options({ ttlSec: 60 }))
    const a = await signer.sign({ sub: USER, jti: 'sess_a', ttlSec: 30 })
    expect(decodeJwt(a.token)).not.toHaveProperty('scope')
    expect(decodeJwt(a.token)).toMatchObject({ jti: 'sess_a', exp: NOW + 30 })
    const b = await signer.sign({ sub: USER })
    const c = await signer.sign({ sub: USER })
    expect(decodeJwt(b.token).exp).toBe(NOW + 60)
    expect(b.jti).not.toBe(c.jti)
  })

  it('infers the algorithm from the key', async () => {
    const ec = await generateKeyPair('ES384')
    const node = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const nodeEd = generateKeyPairSync('ed25519')
    expect(createSessionSigner(options({ privateKey: ec.privateKey, kid: 'e' })).alg).toBe('ES384')
    expect(createSessionSigner(options({ privateKey: node.privateKey, kid: 'n' })).alg).toBe(
      'ES256',
    )
    expect(createSessionSigner(options({ privateKey: nodeEd.privateKey, kid: 'd' })).alg).toBe(
      'EdDSA',
    )
  })

  it.each([
    ['no key', { privateKey: undefined }, 'privateKey is required'],
    [
      'a public JWK',
      { privateKey: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid: 'k' } },
      'private JWK',
    ],
    [
      'a symmetric key',
      { privateKey: { kty: 'oct', k: 'c2VjcmV0', kid: 'k' } },
      'asymmetric private key',
    ],
    [
      'a public key object',
      { privateKey: generateKeyPairSync('ed25519').publicKey, kid: 'k' },
      'private CryptoKey or KeyObject',
    ],
    ['no kid', { privateKey: generateKeyPairSync('ed25519').privateKey }, 'kid must be'],
    ['a bad kid', { kid: '../k' }, 'kid must be'],
    [
      'an RSA key without alg',
      { privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, kid: 'r' },
      'alg must be',
    ],
    ['HS256', { alg: 'HS256' }, 'alg must be'],
    ['no issuer', { issuer: '' }, 'issuer must be'],
    ['no audience', { audience: undefined }, 'audience must be'],
    ['ttlSec 0', { ttlSec: 0 }, 'ttlSec must be an integer from 1 to 2592000'],
    ['ttlSec past 30 days', { ttlSec: 2_592_001 }, 'ttlSec must be an integer from 1 to 2592000'],
  ])('refuses %s at creation', (_name, overrides, message) => {
    const bad = { ...options(), ...overrides } as unknown as SessionSignerOptions
    expect(() => createSessionSigner(bad)).toThrow(TypeError)
    expect(() => createSessionSigner(bad)).toThrow(message)
  })

  it.each([
    ['a sub that is not a UUID', { sub: 'admin' }, 'sub must be a user id'],
    ['a scope with a quote', { sub: USER, scope: ['a"b'] }, 'scope holds an invalid scope'],
    ['an empty jti', { sub: USER, jti: '' }, 'jti must be'],
    ['a ttlSec of 0', { sub: USER, ttlSec: 0 }, 'ttlSec must be'],
  ])('refuses to sign %s', async (_name, claims, message) => {
    const signer = createSessionSigner(options())
    await expect(signer.sign(claims as never)).rejects.toThrow(message)
  })
})
