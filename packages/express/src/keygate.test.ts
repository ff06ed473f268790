import {
  createAuthenticator,
  serviceToken,
  staticSecrets,
  type AuthDecision,
  type AuthenticatorOptions,
} from '@keygate/core'
import express, { type ErrorRequestHandler } from 'express'
import { serveEach } from '@keygate/testkit'
import { describe, expect, it } from 'vitest'
import { getPrincipal, keygate } from './index.js'

const SECRET = 'express-adapter-test-secret-0123456789'
const listen = serveEach()

function options(extra: Partial<AuthenticatorOptions> = {}): AuthenticatorOptions {
  return {
    strategies: [serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] })],
    env: {},
    ...extra,
  }
}

const bearer = { authorization: `Bearer ${SECRET}` }

describe('keygate() under a mounted router', () => {
  it('matches public paths on originalUrl, not the router-relative url', async () => {
    const decisions: AuthDecision[] = []
    const gate = keygate(options({ onDecision: (d) => decisions.push(d) }))
    const router = express.Router()
    router.use(gate)
    router.get('/health', (_req, res) => {
      res.json({ status: 'ok' })
    })
    router.get('/things', gate.requireScopes('things:read'), (req, res) => {
      res.json({ subject: req.auth?.subject })
    })
    const app = express()
    app.use('/v1', router)
    const url = await listen(app)

    // req.url is "/health" here: a gate reading it would make /v1/health public.
    const health = await fetch(`${url}/v1/health`)
    expect(health.status).toBe(401)
    expect(await health.json()).toMatchObject({ code: 'missing_credentials' })

    const things = await fetch(`${url}/v1/things?page=2`, { headers: bearer })
    expect(things.status).toBe(200)
    expect(await things.json()).toEqual({ subject: 'service' })
    expect(decisions.map((d) => [d.outcome, d.path])).toEqual([
      ['deny', '/v1/health'],
      ['allow', '/v1/things'],
    ])
  })

  it('serves a public path given as the full path', async () => {
    const router = express.Router()
    router.use(keygate(options({ publicPaths: ['/v1/health'] })))
    router.get('/health', (_req, res) => {
      res.json({ status: 'ok' })
    })
    const app = express()
    app.use('/v1', router)
    const url = await listen(app)
    expect((await fetch(`${url}/v1/health`)).status).toBe(200)
  })
})

describe('keygate() and the app error handler', () => {
  async function start(route: express.RequestHandler) {
    const errors: unknown[] = []
    const app = express()
    const gate = keygate(options())
    app.use(gate)
    app.get('/fail', route)
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      errors.push(error)
      res.status(418).json({ handled: true })
    }
    app.use(onError)
    return { url: await listen(app), errors }
  }

  it('passes the same Error object thrown by a route after authentication', async () => {
    const thrown = new Error('route failed')
    const { url, errors } = await start(() => {
      throw thrown
    })
    const res = await fetch(`${url}/fail`, { headers: bearer })
    expect(res.status).toBe(418)
    expect(await res.json()).toEqual({ handled: true })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBe(thrown)
  })

  it('passes the same Error object when an async route rejects (Express 5)', async () => {
    const thrown = new Error('async route failed')
    const { url, errors } = await start(async () => {
      await Promise.resolve()
      throw thrown
    })
    const res = await fetch(`${url}/fail`, { headers: bearer })
    expect(res.status).toBe(418)
    expect(errors).toEqual([thrown])
    expect(errors[0]).toBe(thrown)
  })

  it('answers auth failures itself, without calling the error handler', async () => {
    const { url, errors } = await start((_req, res) => {
      res.end()
    })
    const res = await fetch(`${url}/fail`, { headers: { authorization: 'Bearer wrong' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await res.json()).toMatchObject({ status: 401, code: 'invalid_token' })
    expect(errors).toEqual([])
  })
})

describe('keygate() options', () => {
  it('accepts a ready authenticator and uses requestId and clientIp', async () => {
    const decisions: AuthDecision[] = []
    const authenticator = createAuthenticator(options({ onDecision: (d) => decisions.push(d) }))
    const gate = keygate({
      authenticator,
      requestId: (req) => `req-${req.get('x-request-id') ?? 'none'}`,
      clientIp: (req) => req.get('x-test-client') ?? 'unknown',
    })
    expect(gate.authenticator).toBe(authenticator)
    const app = express()
    app.use(gate)
    app.get('/x', (_req, res) => {
      res.end()
    })
    const url = await listen(app)
    const res = await fetch(`${url}/x`, {
      headers: { 'x-request-id': 'abc', 'x-test-client': '203.0.113.7' },
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ request_id: 'req-abc' })
    expect(decisions[0]).toMatchObject({ outcome: 'deny', clientIp: '203.0.113.7', path: '/x' })
  })
})

describe('keygate() decisions per gate', () => {
  it('does not let a second, stricter gate reuse the decision of an open one', async () => {
    const open = keygate({
      strategies: [serviceToken({ source: { name: 'empty', load: () => Promise.resolve([]) } })],
      whenUnset: 'open',
      env: {},
    })
    const strict = keygate(options())
    const app = express()
    app.use(open)
    app.use('/admin', strict)
    app.get('/admin/x', (_req, res) => {
      res.json({ ok: true })
    })
    app.get('/other', (_req, res) => {
      res.json({ ok: true })
    })
    const url = await listen(app)
    expect((await fetch(`${url}/other`)).status).toBe(200)
    expect((await fetch(`${url}/admin/x`)).status).toBe(401)
    expect((await fetch(`${url}/admin/x`, { headers: bearer })).status).toBe(200)
  })

  it('authenticates once per request when requireScopes follows the gate', async () => {
    const decisions: AuthDecision[] = []
    const gate = keygate(options({ onDecision: (d) => decisions.push(d) }))
    const app = express()
    app.use(gate)
    app.get('/x', gate.requireScopes('things:read'), (_req, res) => {
      res.end()
    })
    app.get('/y', gate.requireScopes('things:write'), (_req, res) => {
      res.end()
    })
    const url = await listen(app)
    expect((await fetch(`${url}/x`, { headers: bearer })).status).toBe(200)
    const denied = await fetch(`${url}/y`, { headers: bearer })
    expect(denied.status).toBe(403)
    expect(denied.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
      ['allow', undefined],
      ['allow', undefined],
      ['deny', 'insufficient_scope'],
    ])
  })

  it('lets requireScopes authenticate on its own when no gate ran before it', async () => {
    const gate = keygate(options())
    const app = express()
    app.get('/x', gate.requireScopes('things:read'), (req, res) => {
      res.json({ subject: req.auth?.subject })
    })
    const url = await listen(app)
    expect((await fetch(`${url}/x`)).status).toBe(401)
    const res = await fetch(`${url}/x`, { headers: bearer })
    expect(await res.json()).toEqual({ subject: 'service' })
  })
})

describe('keygate() and the Express request object', () => {
  // Express swaps each request's prototype, after which every property added to `req` builds a
  // hidden class of its own (≈ 1.8 µs; docs/benchmarks.md): the gate adds `auth` and nothing
  // else, and keeps its own state beside the request.
  it('adds only `auth` to req, however many checks run', async () => {
    const added: (string | symbol)[][] = []
    let before: (string | symbol)[] = []
    const gate = keygate(options())
    const app = express()
    app.use((req, _res, next) => {
      before = Reflect.ownKeys(req)
      next()
    })
    app.use(gate)
    app.get('/things', gate.requireScopes('things:read'), (req, res) => {
      added.push(Reflect.ownKeys(req).filter((key) => !before.includes(key)))
      res.json({ subject: getPrincipal(req)?.subject, auth: req.auth?.subject })
    })
    const url = await listen(app)
    const response = await fetch(`${url}/things`, { headers: bearer })
    expect(await response.json()).toEqual({ subject: 'service', auth: 'service' })
    // `route` is Express's own, set when the route matched.
    expect(added).toEqual([['auth', 'route']])
  })
})
