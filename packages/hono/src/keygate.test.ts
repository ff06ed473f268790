import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import {
  MissingCredentialsError,
  serviceToken,
  staticSecrets,
  type AuthDecision,
} from '@keygate/core'
import { rawRequest } from '@keygate/testkit'
import { Hono, type MiddlewareHandler } from 'hono'
import { requestId } from 'hono/request-id'
import { afterEach, describe, expect, it } from 'vitest'
import {
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type KeygateHonoOptions,
} from './index.js'

const SECRET = 'kg-test-secret-0123456789abcdefghijklmnop'
const BEARER = `Bearer ${SECRET}`

function gateOptions(extra: Partial<KeygateHonoOptions> = {}): KeygateHonoOptions {
  return {
    realm: 'test',
    env: {},
    strategies: [
      serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] }),
      serviceToken({
        source: staticSecrets([SECRET]),
        header: 'x-service-token',
        subject: 'agent',
      }),
    ],
    ...extra,
  }
}

function createApp(extra: Partial<KeygateHonoOptions> = {}, before?: MiddlewareHandler) {
  const app = new Hono()
  const errors: unknown[] = []
  app.onError((error, c) => {
    errors.push(error)
    return c.text('app error handler', 500)
  })
  if (before !== undefined) app.use(before)
  app.use(keygate(gateOptions(extra)))
  app.get('/health', (c) => c.json({ status: 'ok', auth: c.var.auth ?? null }))
  app.get('/private', (c) => c.json({ principal: getPrincipal(c) ?? null }))
  return { app, errors }
}

const servers: ReturnType<typeof serve>[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function listen(app: Hono): Promise<string> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('options', () => {
  it('validates options once, naming the bad one', () => {
    const cases: [unknown, RegExp][] = [
      [null, /options are required/],
      [{ ...gateOptions(), requestId: 'x' }, /requestId must be a function/],
      [{ ...gateOptions(), clientIp: 1 }, /clientIp must be a function/],
      [{ authenticator: {} }, /authenticator must come from createAuthenticator/],
      [{ strategies: [] }, /strategies must be a non-empty list/],
    ]
    for (const [options, message] of cases) {
      expect(() => keygate(options as KeygateHonoOptions)).toThrow(message)
    }
  })

  it('validates requireScopes() arguments when the route is declared', () => {
    expect(() => requireScopes()).toThrow(/at least one scope is required/)
    expect(() => requireScopes('things read')).toThrow(/"things read" is not a valid scope/)
    expect(() => requireScopes('a"b')).toThrow(/is not a valid scope/)
  })
})

describe('on @hono/node-server (c.env.incoming)', () => {
  it('detects a duplicate Authorization line precisely through rawHeaders', async () => {
    const url = await listen(createApp().app)
    const res = await rawRequest(url, 'GET', '/private', [
      `Authorization: ${BEARER}`,
      `Authorization: ${BEARER}`,
    ])
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'invalid_request',
      detail: 'More than one Authorization header',
    })
  })

  it('checks the request-target as received, before URL normalisation', async () => {
    const url = await listen(createApp().app)
    // The router serves /health for this target, but it is not the canonical public path.
    const res = await rawRequest(url, 'GET', '/x/../health')
    expect(res.status).toBe(401)
    expect(res.json()).toMatchObject({ code: 'missing_credentials' })
  })

  it('reports the socket address unless clientIp is given', async () => {
    const decisions: AuthDecision[] = []
    const onDecision = (d: AuthDecision) => decisions.push(d)
    await fetch(`${await listen(createApp({ onDecision }).app)}/private`)
    await fetch(
      `${await listen(createApp({ onDecision, clientIp: () => '203.0.113.7' }).app)}/private`,
    )
    expect(decisions.map((d) => d.clientIp)).toEqual(['127.0.0.1', '203.0.113.7'])
  })
})

describe('on the Web-standard path (app.request, no c.env.incoming)', () => {
  it('rejects duplicates that Headers joined with ", "', async () => {
    const { app } = createApp()
    const twoBearer = new Headers([
      ['authorization', BEARER],
      ['authorization', BEARER],
    ])
    const res = await app.request('/private', { headers: twoBearer })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      code: 'invalid_request',
      detail: 'Malformed Bearer token',
    })
    const twoCustom = new Headers([
      ['x-service-token', SECRET],
      ['x-service-token', SECRET],
    ])
    const custom = await app.request('/private', { headers: twoCustom })
    expect(custom.status).toBe(400)
    expect(await custom.json()).toMatchObject({
      code: 'invalid_request',
      detail: 'Malformed x-service-token header',
    })
  })

  it('authenticates with a single credential and no env at all', async () => {
    const { app } = createApp()
    const res = await app.request('/private', { headers: { 'x-service-token': SECRET } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ principal: { subject: 'agent' } })
  })

  it('sees the normalised URL the router serves; encodings still make a path non-public', async () => {
    const { app } = createApp()
    // The WHATWG URL parser removed the dot segments: the path checked is the path served.
    const dots = await app.fetch(new Request('http://localhost/x/../health'))
    expect(dots.status).toBe(200)
    expect(await dots.json()).toEqual({ status: 'ok', auth: null })
    // Hono decodes %68 and routes this to /health, but keygate sees the encoded form.
    expect((await app.fetch(new Request('http://localhost/%68ealth'))).status).toBe(401)
    expect((await app.fetch(new Request('http://localhost/HEALTH'))).status).toBe(401)
  })

  it('reports no client IP without the clientIp option', async () => {
    const decisions: AuthDecision[] = []
    const { app } = createApp({ onDecision: (d) => decisions.push(d) })
    await app.request('/private?x=1')
    expect(decisions).toMatchObject([{ outcome: 'deny', path: '/private', method: 'GET' }])
    expect(decisions[0]!.clientIp).toBeUndefined()
  })
})

describe('middleware behaviour', () => {
  it("uses Hono's requestId() as request_id, else a UUID, else the option", async () => {
    const withRequestId = createApp({}, requestId({ generator: () => 'req-from-hono' })).app
    expect(await (await withRequestId.request('/private')).json()).toMatchObject({
      request_id: 'req-from-hono',
    })
    const plain = await (await createApp().app.request('/private')).json()
    expect((plain as { request_id: string }).request_id).toMatch(/^[0-9a-f-]{36}$/)
    const byOption = createApp({ requestId: () => 'req-from-option' }).app
    expect(await (await byOption.request('/private')).json()).toMatchObject({
      request_id: 'req-from-option',
    })
  })

  it('keeps headers set by earlier middleware on a refusal', async () => {
    const cors: MiddlewareHandler = async (c, next) => {
      c.header('access-control-allow-origin', '*')
      await next()
    }
    const res = await createApp({}, cors).app.request('/private')
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="test"')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('passes a handler error to app.onError untouched, even an AuthError', async () => {
    const { app, errors } = createApp()
    const thrown = new MissingCredentialsError()
    app.get('/throws', () => {
      throw thrown
    })
    const res = await app.request('/throws', { headers: { authorization: BEARER } })
    expect(res.status).toBe(500)
    expect(await res.text()).toBe('app error handler')
    expect(errors).toEqual([thrown])
  })

  it('overwrites an auth variable set before it; getPrincipal ignores one set after it', async () => {
    const fake = { kind: 'user', subject: 'mallory', scopes: ['admin'], via: 'api-token' } as const
    const { app } = createApp({}, async (c, next) => {
      c.set('auth', fake)
      await next()
    })
    expect(await (await app.request('/health')).json()).toEqual({ status: 'ok', auth: null })
    const after = createApp().app
    after.use('/late', async (c, next) => {
      c.set('auth', fake)
      await next()
    })
    after.get('/late', (c) =>
      c.json({ principal: getPrincipal(c) ?? null, variable: c.var.auth?.subject }),
    )
    expect(
      await (await after.request('/late', { headers: { authorization: BEARER } })).json(),
    ).toEqual({
      principal: {
        kind: 'service',
        subject: 'service',
        scopes: ['things:read'],
        via: 'service-token',
      },
      variable: 'mallory',
    })
  })

  it('gates routes mounted with app.route(), reporting the full path', async () => {
    const decisions: AuthDecision[] = []
    const { app } = createApp({ onDecision: (d) => decisions.push(d) })
    const v1 = new Hono().get('/things', requireScopes('things:read'), (c) =>
      c.json({ subject: c.var.auth?.subject }),
    )
    app.route('/v1', v1)
    expect((await app.request('/v1/things')).status).toBe(401)
    const res = await app.request('/v1/things', { headers: { authorization: BEARER } })
    expect(await res.json()).toEqual({ subject: 'service' })
    expect(decisions.map((d) => [d.outcome, d.path])).toEqual([
      ['deny', '/v1/things'],
      ['allow', '/v1/things'],
    ])
  })

  it('requireScopes answers 403 with the scope in the challenge', async () => {
    const { app } = createApp()
    app.get('/write', requireScopes('things:write'), (c) => c.text('no'))
    const res = await app.request('/write', { headers: { 'x-service-token': SECRET } })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect(res.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(await res.json()).toMatchObject({ code: 'insufficient_scope', status: 403 })
  })

  it('requireScopes without keygate() is a 500 from app.onError, never an open route', async () => {
    const app = new Hono()
    const errors: Error[] = []
    app.onError((error, c) => {
      errors.push(error)
      return c.text('app error handler', 500)
    })
    app.get('/x', requireScopes('things:read'), (c) => c.text('reached'))
    expect((await app.request('/x', { headers: { authorization: BEARER } })).status).toBe(500)
    expect(errors[0]!.message).toBe('requireScopes(): the keygate() middleware must run before it')
  })

  it('requirePrincipal returns the principal, or fails closed with the 401 problem', async () => {
    const app = new Hono()
    app.use(keygate(gateOptions()))
    app.get('/health', (c) => c.json({ subject: requirePrincipal(c).subject }))
    app.get('/me', (c) => c.json({ subject: requirePrincipal(c).subject }))
    const health = await app.request('/health')
    expect(health.status).toBe(401)
    expect(health.headers.get('content-type')).toBe('application/problem+json')
    expect(await health.json()).toMatchObject({ code: 'missing_credentials' })
    expect(await (await app.request('/me', { headers: { authorization: BEARER } })).json()).toEqual(
      { subject: 'service' },
    )
  })
})
