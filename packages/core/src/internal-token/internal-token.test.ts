import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeAuth, getPrincipal } from '@keygate/node'
import { rawRequest } from '@keygate/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { apiTokens } from '../api-tokens/api-tokens.js'
import type { VerifiedAPIToken } from '../api-tokens/api-token-verifier.js'
import { digestAPIToken } from '../api-tokens/digest-api-token.js'
import { generateAPIToken } from '../api-tokens/generate-api-token.js'
import { headersFromRaw } from '../auth-request.js'
import { createAuthenticator, type AuthenticatorOptions } from '../create-authenticator.js'
import { timing } from '../lib/crypto.js'
import { serviceToken } from '../service-token.js'
import { staticSecrets } from '../sources/env.js'
import type { SecretSource } from '../sources/secret-source.js'
import { UNSET } from '../strategy.js'
import {
  internalToken,
  type InternalTokenOptions,
  type InternalTokenUser,
  type InternalTokenUserStore,
} from './internal-token.js'

const INTERNAL = 'internal-0123456789abcdefghijklmnopqrstuvwxyzABCD'
const SERVICE = 'service-0123456789abcdefghijklmnopqrstuvwxyzABCDE'
const ALICE = '5b0c8a4e-8f3a-4c1e-9d59-0a4d8a1b2c3d'
const BOB = '0d7f4a2c-1b3e-4f5a-8c9d-7e6f5a4b3c2d'
const NOBODY = '11111111-2222-4333-8444-555555555555'

/** The token service's user store as internalToken sees it, over a map; counts its calls. */
function userStore(users: InternalTokenUser[]) {
  const byId = new Map(users.map((u) => [u.id, u]))
  const state = { calls: 0, fail: false }
  const store: InternalTokenUserStore = {
    async findById(id) {
      state.calls++
      await Promise.resolve()
      if (state.fail) throw new Error('connection refused: password=hunter2')
      return byId.get(id)
    },
  }
  return { store, state }
}

const users = userStore([
  { id: ALICE, disabled: false, scopes: ['runs:read', 'runs:write'] },
  { id: BOB, disabled: true, scopes: ['runs:read'] },
])

function options(overrides: Partial<InternalTokenOptions> = {}): InternalTokenOptions {
  return {
    source: staticSecrets([INTERNAL]),
    actor: 'auth-backend',
    users: users.store,
    ...overrides,
  }
}

type App = { url: string; server: Server }

async function serve(auth: AuthenticatorOptions): Promise<App> {
  const gate = createNodeAuth(auth)
  const server = createServer(
    gate.protect(async (req, res) => {
      if (req.url === '/write' && !(await gate.check(req, res, { scopes: ['runs:admin'] }))) return
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ principal: getPrincipal(req) ?? null }))
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function call(app: App, headers: Record<string, string>, path = '/private') {
  const response = await fetch(`${app.url}${path}`, { headers })
  const text = await response.text()
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  }
}

const asAlice = { authorization: `Bearer ${INTERNAL}`, 'x-on-behalf-of': ALICE }

const records = new Map<string, VerifiedAPIToken>()
const apiStore = { findByDigest: (digest: string) => Promise.resolve(records.get(digest)) }
let apiToken: string
let chain: App
let modeOff: App

beforeAll(async () => {
  apiToken = generateAPIToken().token
  records.set(await digestAPIToken(apiToken), {
    id: 'tok_1',
    userId: BOB,
    scopes: ['tokens:read'],
    expiresAt: new Date('2099-01-01T00:00:00Z'),
    revokedAt: null,
    userDisabled: false,
  })
  chain = await serve({
    strategies: [
      apiTokens({ store: apiStore, cache: false }),
      internalToken(options()),
      serviceToken({ source: staticSecrets([SERVICE]), subject: 'gateway' }),
    ],
  })
  // The same deployment with the internal-token mode off.
  modeOff = await serve({ strategies: [apiTokens({ store: apiStore, cache: false })] })
})

afterAll(async () => {
  for (const app of [chain, modeOff]) {
    await new Promise((resolve) => app.server.close(resolve))
  }
})

afterEach(() => {
  vi.restoreAllMocks()
  users.state.fail = false
})

describe('internalToken: options', () => {
  it.each([
    ['no options', null, 'options are required'],
    ['no users', { users: undefined }, 'users must have a findById(id) method'],
    ['an empty actor', { actor: '' }, 'actor must be a non-empty string'],
    ['no source', { source: undefined }, 'source is required'],
    ['a bad header', { header: 'x internal' }, 'header must be a valid header name'],
  ])('refuses %s', (_name, overrides, message) => {
    const bad = overrides === null ? null : { ...options(), ...overrides }
    expect(() => internalToken(bad as unknown as InternalTokenOptions)).toThrow(TypeError)
    expect(() => internalToken(bad as unknown as InternalTokenOptions)).toThrow(
      `internalToken(): ${message}`,
    )
  })
})

describe('internalToken: acting on behalf of a user, through HTTP', () => {
  it('authenticates as the user, with the user scopes and the service as actor', async () => {
    const res = await call(chain, asAlice)
    expect(res.status).toBe(200)
    expect(res.body.principal).toEqual({
      kind: 'user',
      subject: ALICE,
      scopes: ['runs:read', 'runs:write'],
      via: 'internal-token',
      actor: { kind: 'service', subject: 'auth-backend' },
    })
  })

  it('takes an upper-case UUID and names the user in lower case', async () => {
    const res = await call(chain, { ...asAlice, 'x-on-behalf-of': ALICE.toUpperCase() })
    expect(res.status).toBe(200)
    expect(res.body.principal).toMatchObject({ subject: ALICE })
  })

  it('may do only what the user may: a scope the user lacks is 403 insufficient_scope', async () => {
    const res = await call(chain, asAlice, '/write')
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('insufficient_scope')
  })

  it('missing X-On-Behalf-Of is 400 missing_on_behalf_of', async () => {
    const res = await call(chain, { authorization: `Bearer ${INTERNAL}` })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      code: 'missing_on_behalf_of',
      detail: 'X-On-Behalf-Of is required with an internal token',
    })
    expect(res.text).not.toContain(INTERNAL)
  })

  it.each([
    ['not a UUID', 'alice'],
    ['a UUID with a path', `${ALICE}/../x`],
    ['a UUID without dashes', ALICE.replaceAll('-', '')],
    ['empty', ''],
    ['two ids joined', `${ALICE}, ${BOB}`],
  ])('X-On-Behalf-Of %s is 400 invalid_request', async (_name, value) => {
    const res = await call(chain, { ...asAlice, 'x-on-behalf-of': value })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      code: 'invalid_request',
      detail: 'X-On-Behalf-Of must be a user id (UUID)',
    })
  })

  it('two X-On-Behalf-Of lines are 400 invalid_request, even with the same id', async () => {
    const calls = users.state.calls
    for (const second of [BOB, ALICE]) {
      const res = await rawRequest(chain.url, 'GET', '/private', [
        `Authorization: Bearer ${INTERNAL}`,
        `X-On-Behalf-Of: ${ALICE}`,
        `X-On-Behalf-Of: ${second}`,
      ])
      expect(res.status).toBe(400)
      expect(res.json()).toMatchObject({
        code: 'invalid_request',
        detail: 'More than one X-On-Behalf-Of header',
      })
    }
    expect(users.state.calls).toBe(calls)
  })

  it('an unknown user is 404 user_not_found', async () => {
    const res = await call(chain, { ...asAlice, 'x-on-behalf-of': NOBODY })
    expect(res.status).toBe(404)
    expect(res.body.code).toBe('user_not_found')
  })

  it('a disabled user is 403 user_disabled', async () => {
    const res = await call(chain, { ...asAlice, 'x-on-behalf-of': BOB })
    expect(res.status).toBe(403)
    expect(res.body).toMatchObject({ code: 'user_disabled', detail: 'The user is disabled' })
    expect(res.challenge).toBeNull()
  })

  it('a failing user store is 503 auth_unavailable, without its error text', async () => {
    users.state.fail = true
    const res = await call(chain, asAlice)
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('auth_unavailable')
    expect(res.text).not.toContain('hunter2')
  })
})

describe('internalToken: beside other strategies', () => {
  it('a wrong bearer gets the ordinary 401, the same with the mode on as off', async () => {
    const wrong = `${INTERNAL.slice(0, -1)}X`
    const calls = users.state.calls
    const headers = { authorization: `Bearer ${wrong}`, 'x-on-behalf-of': ALICE }
    const on = await call(chain, headers)
    const off = await call(modeOff, headers)
    expect(on.status).toBe(401)
    expect(on.body.code).toBe('invalid_token')
    expect(on.body.detail).toBe(off.body.detail)
    expect(on.challenge).toBe(off.challenge)
    expect(on.text).not.toContain(wrong)
    expect(users.state.calls).toBe(calls)
  })

  it('with the mode off, the internal token itself gets the ordinary 401', async () => {
    const off = await call(modeOff, asAlice)
    const wrong = await call(modeOff, { ...asAlice, authorization: 'Bearer something-else' })
    expect(off.status).toBe(401)
    expect(off.body).toEqual({ ...wrong.body, request_id: off.body.request_id })
    expect(off.text).not.toContain(INTERNAL)
  })

  it('with only API tokens after it, a wrong bearer is the chain-end 401 invalid_token', async () => {
    const app = await serve({
      strategies: [internalToken(options()), apiTokens({ store: apiStore, cache: false })],
    })
    try {
      const wrong = await call(app, { authorization: 'Bearer not-the-internal-token' })
      const off = await call(modeOff, { authorization: 'Bearer not-the-internal-token' })
      expect(wrong.status).toBe(401)
      expect(wrong.body).toMatchObject({ code: 'invalid_token', detail: off.body.detail })
      expect(wrong.challenge).toBe(off.challenge)
      const token = await call(app, { authorization: `Bearer ${apiToken}` })
      expect(token.status).toBe(200)
    } finally {
      await new Promise((resolve) => app.server.close(resolve))
    }
  })

  it('an API token is answered by apiTokens; X-On-Behalf-Of beside it is refused, never ignored', async () => {
    const calls = users.state.calls
    const res = await call(chain, { authorization: `Bearer ${apiToken}`, 'x-on-behalf-of': ALICE })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      code: 'invalid_request',
      detail: 'X-On-Behalf-Of is accepted only with the internal token',
    })
    expect(users.state.calls).toBe(calls)
    const plain = await call(chain, { authorization: `Bearer ${apiToken}` })
    expect(plain.body.principal).toMatchObject({ subject: BOB, via: 'api-token' })
  })

  it('the service token with X-On-Behalf-Of is refused 400 invalid_request, never run as the service', async () => {
    const calls = users.state.calls
    const res = await call(chain, { authorization: `Bearer ${SERVICE}`, 'x-on-behalf-of': ALICE })
    expect(res.status).toBe(400)
    expect(res.challenge).toMatch(/error="invalid_request"/)
    expect(res.body).toMatchObject({
      code: 'invalid_request',
      detail: 'X-On-Behalf-Of is accepted only with the internal token',
    })
    expect(res.text).not.toContain(SERVICE)
    expect(users.state.calls).toBe(calls)
    const plain = await call(chain, { authorization: `Bearer ${SERVICE}` })
    expect(plain.body.principal).toEqual({
      kind: 'service',
      subject: 'gateway',
      scopes: [],
      via: 'service-token',
    })
  })

  it('with X-On-Behalf-Of, internalToken is tried first even when a bearer serviceToken precedes it', async () => {
    for (const secrets of [[SERVICE], [INTERNAL]]) {
      // A bearer serviceToken refuses every bearer it does not hold, and one holding the same
      // secret would claim it: neither may take the request away from internalToken.
      const app = await serve({
        strategies: [
          serviceToken({ source: staticSecrets(secrets), subject: 'gateway' }),
          internalToken(options()),
        ],
      })
      try {
        const res = await call(app, asAlice)
        expect(res.status).toBe(200)
        expect(res.body.principal).toMatchObject({ subject: ALICE, via: 'internal-token' })
        const service = await call(app, {
          authorization: `Bearer ${secrets[0]!}`,
          'x-on-behalf-of': ALICE,
        })
        expect(service.status).toBe(secrets[0] === INTERNAL ? 200 : 400)
        // Without the header the chain keeps its order.
        const alone = await call(app, { authorization: `Bearer ${secrets[0]!}` })
        expect(alone.status).toBe(200)
        expect(alone.body.principal).toMatchObject({ subject: 'gateway', via: 'service-token' })
      } finally {
        await new Promise((resolve) => app.server.close(resolve))
      }
    }
  })

  it('no credential is 401 missing_credentials', async () => {
    const res = await call(chain, { 'x-on-behalf-of': ALICE })
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('missing_credentials')
  })
})

describe('internalToken: the internal token itself', () => {
  const request = (rawHeaders: string[]) => ({
    method: 'GET',
    path: '/x',
    header: headersFromRaw(rawHeaders),
  })
  const bearer = (token: string) =>
    request(['Authorization', `Bearer ${token}`, 'X-On-Behalf-Of', ALICE])

  it.each([1, 3])(
    'compares with every one of %i secrets in constant time, right or wrong',
    async (n) => {
      const secrets = Array.from({ length: n }, (_, i) => `${INTERNAL}-${i}`)
      const gate = createAuthenticator({
        strategies: [internalToken(options({ source: staticSecrets(secrets) }))],
      })
      await gate.authenticate(bearer(secrets[0]!)) // warm the cache
      const equal = vi.spyOn(timing, 'equal')
      for (const token of [secrets[0]!, secrets[n - 1]!, 'wrong', 'x'.repeat(4000)]) {
        equal.mockClear()
        await gate.authenticate(bearer(token))
        expect(equal).toHaveBeenCalledTimes(n)
        for (const [a, b] of equal.mock.calls) {
          expect(a).toHaveLength(32)
          expect(b).toHaveLength(32)
        }
      }
    },
  )

  it('takes every secret of a rotation overlap, and a per-secret subject as the actor', async () => {
    const source: SecretSource = {
      name: 'test',
      load: () =>
        Promise.resolve([
          { value: `${INTERNAL}-new`, subject: 'idp-blue' },
          { value: `${INTERNAL}-old` },
        ]),
    }
    const gate = createAuthenticator({ strategies: [internalToken(options({ source }))] })
    const blue = await gate.authenticate(bearer(`${INTERNAL}-new`))
    expect(blue).toMatchObject({ ok: true, principal: { actor: { subject: 'idp-blue' } } })
    const old = await gate.authenticate(bearer(`${INTERNAL}-old`))
    expect(old).toMatchObject({ ok: true, principal: { actor: { subject: 'auth-backend' } } })
  })

  it('unset (no secret) is reported as UNSET: alone, 503 auth_not_configured', async () => {
    const strategy = internalToken(options({ source: staticSecrets([]) }))
    expect(await strategy.authenticate({ credential: undefined, request: request([]) })).toBe(UNSET)
    const gate = createAuthenticator({ strategies: [strategy] })
    const result = await gate.authenticate(bearer(INTERNAL))
    expect(!result.ok && result.error.code).toBe('auth_not_configured')
  })

  it('a failing secret source is 503 auth_unavailable for a bearer it must judge', async () => {
    const source: SecretSource = { name: 'down', load: () => Promise.reject(new Error('down')) }
    const gate = createAuthenticator({ strategies: [internalToken(options({ source }))] })
    const result = await gate.authenticate(bearer(INTERNAL))
    expect(!result.ok && result.error.code).toBe('auth_unavailable')
  })

  it('in a custom header, a wrong value is refused: 401 invalid_internal_token', async () => {
    const strategy = internalToken(options({ header: 'X-Internal-Token' }))
    expect(strategy.headers).toEqual(['x-internal-token'])
    const gate = createAuthenticator({ strategies: [strategy] })
    const wrong = await gate.authenticate(
      request(['X-Internal-Token', 'wrong', 'X-On-Behalf-Of', ALICE]),
    )
    expect(!wrong.ok && wrong.error.code).toBe('invalid_internal_token')
    expect(!wrong.ok && wrong.error.status).toBe(401)
    const right = await gate.authenticate(
      request(['X-Internal-Token', INTERNAL, 'X-On-Behalf-Of', ALICE]),
    )
    expect(right).toMatchObject({ ok: true, principal: { subject: ALICE, via: 'internal-token' } })
  })

  it('a bearer beside the custom header is not this strategy’s', async () => {
    const strategy = internalToken(options({ header: 'x-internal-token' }))
    const result = await strategy.authenticate({
      credential: { kind: 'bearer', header: 'authorization', token: INTERNAL },
      request: request([]),
    })
    expect(result).toBeUndefined()
  })

  it('logs a failing source to the attached logger', async () => {
    const errors: unknown[] = []
    const warnings: unknown[] = []
    const source: SecretSource = { name: 'down', load: () => Promise.reject(new Error('down')) }
    const gate = createAuthenticator({
      strategies: [internalToken(options({ source }))],
      logger: { warn: (o) => warnings.push(o), error: (o) => errors.push(o) },
    })
    await gate.authenticate(bearer(INTERNAL))
    expect(errors.length + warnings.length).toBeGreaterThan(0)
    expect(JSON.stringify([errors, warnings])).not.toContain(INTERNAL)
  })
})
