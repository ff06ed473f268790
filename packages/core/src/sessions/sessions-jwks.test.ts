import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeAuth, getPrincipal } from '@keygate/node'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { headersFromRaw } from '../auth-request.js'
import { AuthUnavailableError, InvalidTokenError } from '../errors.js'
import type { Logger } from '../logger.js'
import { createSessionSigner, type SessionSigner } from './create-session-signer.js'
import type { SessionJWKSOptions } from './lib/resolve-key.js'
import { sessions } from './sessions.js'

const T0 = new Date('2030-01-01T00:00:00Z').getTime()
const ISSUER = 'https://auth.example.test'
const AUDIENCE = 'https://api.example.test'
const USER = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'
const request = { method: 'GET', path: '/x', header: headersFromRaw([]) }

type KeyPair = { signer: SessionSigner; jwk: JWK }

async function keyPair(kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true })
  return {
    signer: createSessionSigner({ privateKey, kid, issuer: ISSUER, audience: AUDIENCE }),
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' },
  }
}

/** A real JWKS endpoint on 127.0.0.1 that counts its hits and can fail on demand. */
type JWKSServer = {
  url: string
  hits: number
  keys: JWK[]
  mode: 'ok' | 'error' | 'garbage' | 'not-a-set' | 'redirect' | 'hang'
  server: Server
}

async function startJWKS(keys: JWK[]): Promise<JWKSServer> {
  const state: JWKSServer = { url: '', hits: 0, keys, mode: 'ok', server: undefined as never }
  state.server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      // The redirect target: must never be followed.
      res.writeHead(599).end()
      return
    }
    state.hits++
    if (state.mode === 'hang') return
    if (state.mode === 'error') return void res.writeHead(500).end('boom')
    if (state.mode === 'redirect') {
      return void res.writeHead(302, { location: '/elsewhere.json' }).end()
    }
    const body =
      state.mode === 'garbage'
        ? '{"keys": ['
        : JSON.stringify(state.mode === 'not-a-set' ? { nope: true } : { keys: state.keys })
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body)
  })
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/.well-known/jwks.json`
  return state
}

async function stop(jwks: JWKSServer): Promise<void> {
  jwks.server.closeAllConnections()
  await new Promise((resolve) => jwks.server.close(resolve))
}

const servers: JWKSServer[] = []
async function jwksWith(keys: JWK[]): Promise<JWKSServer> {
  const started = await startJWKS(keys)
  servers.push(started)
  return started
}

function strategyFor(jwks: JWKSServer, options: Partial<SessionJWKSOptions> = {}) {
  return sessions({ jwks: { url: jwks.url, ...options }, issuer: ISSUER, audience: AUDIENCE })
}

const verify = (strategy: ReturnType<typeof sessions>, token: string) =>
  Promise.resolve(
    strategy.authenticate({
      credential: { kind: 'bearer', header: 'authorization', token },
      request,
    }),
  )

let k1: KeyPair
let k2: KeyPair

beforeAll(async () => {
  k1 = await keyPair('k1')
  k2 = await keyPair('k2')
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 })
})

afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(servers.splice(0).map(stop))
})

describe('sessions: remote JWKS caching', () => {
  it('fetches once for many verifications, concurrent and sequential', async () => {
    const jwks = await jwksWith([k1.jwk])
    const strategy = strategyFor(jwks)
    const { token } = await k1.signer.sign({ sub: USER })
    const burst = await Promise.all(Array.from({ length: 20 }, () => verify(strategy, token)))
    expect(burst.every((p) => p?.subject === USER)).toBe(true)
    for (let i = 0; i < 20; i++)
      expect(await verify(strategy, token)).toMatchObject({ subject: USER })
    expect(jwks.hits).toBe(1)
  })

  it('fetches again once cacheMaxAgeMs has passed', async () => {
    const jwks = await jwksWith([k1.jwk])
    const strategy = strategyFor(jwks, { cacheMaxAgeMs: 60_000 })
    const { token } = await k1.signer.sign({ sub: USER })
    await verify(strategy, token)
    vi.setSystemTime(T0 + 59_000)
    await verify(strategy, token)
    expect(jwks.hits).toBe(1)
    vi.setSystemTime(T0 + 61_000)
    await verify(strategy, token)
    expect(jwks.hits).toBe(2)
  })
})

describe('sessions: an unknown kid', () => {
  it('causes at most one refetch per cooldown', async () => {
    const jwks = await jwksWith([k1.jwk])
    const strategy = strategyFor(jwks, { cooldownMs: 30_000 })
    await verify(strategy, (await k1.signer.sign({ sub: USER })).token)
    expect(jwks.hits).toBe(1)
    const unknown = (await k2.signer.sign({ sub: USER })).token

    // Within the cooldown of the first fetch: refused from the cache, no fetch.
    vi.setSystemTime(T0 + 1_000)
    for (let i = 0; i < 5; i++) {
      await expect(verify(strategy, unknown)).rejects.toThrow('No key matches the token')
    }
    expect(jwks.hits).toBe(1)

    // After it: one refetch, and a new cooldown starts.
    vi.setSystemTime(T0 + 31_000)
    await Promise.all(
      Array.from({ length: 5 }, () =>
        expect(verify(strategy, unknown)).rejects.toBeInstanceOf(InvalidTokenError),
      ),
    )
    expect(jwks.hits).toBe(2)
    await expect(verify(strategy, unknown)).rejects.toThrow('No key matches the token')
    expect(jwks.hits).toBe(2)
  })

  it('is never fetched for a kid that fails validation', async () => {
    const jwks = await jwksWith([k1.jwk])
    const strategy = strategyFor(jwks, { cooldownMs: 1000 })
    const [, body, signature] = (await k1.signer.sign({ sub: USER })).token.split('.')
    const head = Buffer.from(
      JSON.stringify({ alg: 'EdDSA', typ: 'keygate-session+jwt', kid: '../../etc/passwd' }),
    ).toString('base64url')
    await expect(verify(strategy, `${head}.${body}.${signature}`)).rejects.toThrow(
      'The token key id is not valid',
    )
    expect(jwks.hits).toBe(0)
  })
})

describe('sessions: key rotation by kid', () => {
  it('publishes the new key first; both verify; the old one stops when withdrawn', async () => {
    const jwks = await jwksWith([k1.jwk])
    const strategy = strategyFor(jwks, { cooldownMs: 30_000, cacheMaxAgeMs: 600_000 })
    const old = (await k1.signer.sign({ sub: USER })).token
    expect(await verify(strategy, old)).toMatchObject({ subject: USER })

    // Step 1: the new public key is published beside the old one.
    jwks.keys = [k2.jwk, k1.jwk]
    vi.setSystemTime(T0 + 31_000)
    // Step 2: the issuer signs with the new key; verifiers learn it through one refetch.
    const fresh = (await k2.signer.sign({ sub: USER })).token
    expect(await verify(strategy, fresh)).toMatchObject({ subject: USER })
    expect(await verify(strategy, old)).toMatchObject({ subject: USER })
    expect(jwks.hits).toBe(2)

    // Step 3: once the old sessions have expired, the old key is withdrawn.
    jwks.keys = [k2.jwk]
    vi.setSystemTime(T0 + 31_000 + 600_001)
    const late = (await k1.signer.sign({ sub: USER })).token
    await expect(verify(strategy, late)).rejects.toThrow('No key matches the token')
    expect(await verify(strategy, (await k2.signer.sign({ sub: USER })).token)).toMatchObject({
      subject: USER,
    })
    expect(jwks.hits).toBe(3)
  })
})

describe('sessions: the JWKS down is 503 auth_unavailable, never 401 or 200', () => {
  it.each([
    ['answers 500', 'error'],
    ['answers malformed JSON', 'garbage'],
    ['answers JSON that is not a key set', 'not-a-set'],
    ['redirects (never followed)', 'redirect'],
  ] as const)('when it %s', async (_name, mode) => {
    const jwks = await jwksWith([k1.jwk])
    jwks.mode = mode
    const { token } = await k1.signer.sign({ sub: USER })
    const error = await verify(strategyFor(jwks), token).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthUnavailableError)
    expect((error as AuthUnavailableError).status).toBe(503)
    expect(jwks.hits).toBe(1)
  })

  it('when it does not answer within timeoutMs', async () => {
    const jwks = await jwksWith([k1.jwk])
    jwks.mode = 'hang'
    const { token } = await k1.signer.sign({ sub: USER })
    await expect(verify(strategyFor(jwks, { timeoutMs: 50 }), token)).rejects.toBeInstanceOf(
      AuthUnavailableError,
    )
  })

  it('when nothing listens, and it logs the failure without the token', async () => {
    const jwks = await startJWKS([k1.jwk])
    await stop(jwks)
    const warnings: Record<string, unknown>[] = []
    const logger: Logger = { warn: (o) => warnings.push(o), error: () => {} }
    const strategy = strategyFor(jwks)
    strategy.attach?.({ logger })
    const { token } = await k1.signer.sign({ sub: USER })
    await expect(verify(strategy, token)).rejects.toBeInstanceOf(AuthUnavailableError)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ strategy: 'session' })
    expect(JSON.stringify(warnings)).not.toContain(token)
  })

  it('when the cache has expired and the refetch fails', async () => {
    const jwks = await jwksWith([k1.jwk])
    const strategy = strategyFor(jwks, { cacheMaxAgeMs: 60_000 })
    const { token } = await k1.signer.sign({ sub: USER })
    await verify(strategy, token)
    jwks.mode = 'error'
    vi.setSystemTime(T0 + 61_000)
    await expect(verify(strategy, token)).rejects.toBeInstanceOf(AuthUnavailableError)
  })

  it('when the set publishes a private key', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true })
    const jwks = await jwksWith([{ ...(await exportJWK(privateKey)), kid: 'k1' }])
    const { token } = await k1.signer.sign({ sub: USER })
    await expect(verify(strategyFor(jwks), token)).rejects.toBeInstanceOf(AuthUnavailableError)
  })

  it('answers at once for retryMs after a failure, then tries again and recovers', async () => {
    const jwks = await jwksWith([k1.jwk])
    jwks.mode = 'error'
    const strategy = strategyFor(jwks, { retryMs: 2_000 })
    const { token } = await k1.signer.sign({ sub: USER })
    await expect(verify(strategy, token)).rejects.toBeInstanceOf(AuthUnavailableError)
    const error = await verify(strategy, token).catch((e: unknown) => e)
    expect((error as AuthUnavailableError).retryAfterSeconds).toBe(2)
    expect(jwks.hits).toBe(1)
    jwks.mode = 'ok'
    vi.setSystemTime(T0 + 2_001)
    expect(await verify(strategy, token)).toMatchObject({ subject: USER })
    expect(jwks.hits).toBe(2)
  })

  it('through HTTP: 503 problem+json with Retry-After, then 200 once it is back', async () => {
    const jwks = await jwksWith([k1.jwk])
    jwks.mode = 'error'
    const gate = createNodeAuth({ strategies: [strategyFor(jwks, { retryMs: 1_000 })] })
    const app = createServer(
      gate.protect((req, res) => res.end(JSON.stringify(getPrincipal(req) ?? null))),
    )
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/private`
    try {
      const { token } = await k1.signer.sign({ sub: USER })
      const headers = { authorization: `Bearer ${token}` }
      const down = await fetch(url, { headers })
      expect(down.status).toBe(503)
      expect(down.headers.get('retry-after')).toBe('1')
      expect(down.headers.get('www-authenticate')).toBeNull()
      const text = await down.text()
      expect(JSON.parse(text)).toMatchObject({ code: 'auth_unavailable', status: 503 })
      expect(text).not.toContain(token.split('.')[2])
      jwks.mode = 'ok'
      vi.setSystemTime(T0 + 1_001)
      const up = await fetch(url, { headers })
      expect(up.status).toBe(200)
      expect(await up.json()).toMatchObject({ subject: USER, via: 'session' })
    } finally {
      await new Promise((resolve) => app.close(resolve))
    }
  })
})
