import {
  createAuthenticator,
  serviceToken,
  staticSecrets,
  type AuthDecision,
  type AuthenticatorOptions,
} from '@keygate/core'
import Koa from 'koa'
import { serveEach } from '@keygate/testkit'
import { describe, expect, it } from 'vitest'
import { getPrincipal, keygate } from './index.js'

const SECRET = 'koa-adapter-test-secret-0123456789'
const serveApp = serveEach()
const listen = (app: Koa): Promise<string> => serveApp(app.callback())

function options(extra: Partial<AuthenticatorOptions> = {}): AuthenticatorOptions {
  return {
    strategies: [serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] })],
    env: {},
    ...extra,
  }
}

const bearer = { authorization: `Bearer ${SECRET}` }

describe('keygate() and Koa error handling', () => {
  it('lets a downstream error reach app.on("error") as the same object', async () => {
    const thrown = Object.assign(new Error('downstream failed'), { status: 418, expose: true })
    const app = new Koa()
    const emitted: unknown[] = []
    const seen = new Promise<void>((resolve) => {
      app.on('error', (error: unknown) => {
        emitted.push(error)
        resolve()
      })
    })
    app.use(keygate(options()))
    app.use(() => {
      throw thrown
    })
    const url = await listen(app)
    const res = await fetch(`${url}/x`, { headers: bearer })
    // Koa's own handler answered with the error's status: keygate did not turn it into a 401.
    expect(res.status).toBe(418)
    expect(await res.text()).toBe('downstream failed')
    await seen
    expect(emitted).toHaveLength(1)
    expect(emitted[0]).toBe(thrown)
  })

  it('lets a downstream rejection reach an outer error middleware unchanged', async () => {
    const thrown = new Error('async downstream failed')
    const caught: unknown[] = []
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        caught.push(error)
        ctx.status = 500
        ctx.body = { handled: true }
      }
    })
    app.use(keygate(options()))
    app.use(async () => {
      await Promise.resolve()
      throw thrown
    })
    const url = await listen(app)
    const res = await fetch(`${url}/x`, { headers: bearer })
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ handled: true })
    expect(caught).toEqual([thrown])
    expect(caught[0]).toBe(thrown)
  })

  it('answers auth failures itself, without an app error', async () => {
    const app = new Koa()
    const emitted: unknown[] = []
    app.on('error', (error: unknown) => emitted.push(error))
    app.use(keygate(options()))
    app.use((ctx) => {
      ctx.body = 'never'
    })
    const url = await listen(app)
    const res = await fetch(`${url}/x`, { headers: { authorization: 'Bearer wrong' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await res.json()).toMatchObject({ status: 401, code: 'invalid_token' })
    expect(emitted).toEqual([])
  })
})

describe('keygate() paths', () => {
  it('reads ctx.originalUrl, so a rewritten ctx.path (as koa-mount does) is not made public', async () => {
    const decisions: AuthDecision[] = []
    const app = new Koa()
    app.use(async (ctx, next) => {
      // What a mount at /v1 does before the mounted app's middleware runs.
      if (ctx.path.startsWith('/v1/')) ctx.path = ctx.path.slice(3)
      await next()
    })
    app.use(keygate(options({ onDecision: (d) => decisions.push(d) })))
    app.use((ctx) => {
      ctx.body = { path: ctx.path, subject: getPrincipal(ctx)?.subject ?? null }
    })
    const url = await listen(app)
    const health = await fetch(`${url}/v1/health`)
    expect(health.status).toBe(401)
    const things = await fetch(`${url}/v1/things?page=2`, { headers: bearer })
    expect(await things.json()).toEqual({ path: '/things', subject: 'service' })
    expect(decisions.map((d) => [d.outcome, d.path])).toEqual([
      ['deny', '/v1/health'],
      ['allow', '/v1/things'],
    ])
  })
})

describe('keygate() options', () => {
  it('accepts a ready authenticator and uses requestId and clientIp', async () => {
    const decisions: AuthDecision[] = []
    const authenticator = createAuthenticator(options({ onDecision: (d) => decisions.push(d) }))
    const gate = keygate({
      authenticator,
      requestId: (ctx) => `req-${ctx.get('x-request-id') || 'none'}`,
      clientIp: (ctx) => ctx.get('x-test-client') || 'unknown',
    })
    expect(gate.authenticator).toBe(authenticator)
    const app = new Koa()
    app.use(gate)
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
    const app = new Koa()
    app.use(open)
    app.use(async (ctx, next) => {
      if (ctx.path.startsWith('/admin')) return strict(ctx, next)
      return next()
    })
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    const url = await listen(app)
    expect((await fetch(`${url}/other`)).status).toBe(200)
    expect((await fetch(`${url}/admin/x`)).status).toBe(401)
    expect((await fetch(`${url}/admin/x`, { headers: bearer })).status).toBe(200)
  })

  it('authenticates once per request when requireScopes follows the gate', async () => {
    const decisions: AuthDecision[] = []
    const gate = keygate(options({ onDecision: (d) => decisions.push(d) }))
    const app = new Koa()
    app.use(gate)
    app.use(gate.requireScopes('things:write'))
    app.use((ctx) => {
      ctx.body = 'never'
    })
    const url = await listen(app)
    const denied = await fetch(`${url}/y`, { headers: bearer })
    expect(denied.status).toBe(403)
    expect(denied.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(decisions.map((d) => [d.outcome, d.code])).toEqual([
      ['allow', undefined],
      ['deny', 'insufficient_scope'],
    ])
  })

  it('lets requireScopes authenticate on its own when no gate ran before it', async () => {
    const app = new Koa()
    app.use(keygate(options()).requireScopes('things:read'))
    app.use((ctx) => {
      ctx.body = { subject: ctx.state.auth?.subject }
    })
    const url = await listen(app)
    expect((await fetch(`${url}/x`)).status).toBe(401)
    const res = await fetch(`${url}/x`, { headers: bearer })
    expect(await res.json()).toEqual({ subject: 'service' })
  })
})
