import fastifyAuth from '@fastify/auth'
import { serviceToken, staticSecrets, type AuthDecision, type SecretSource } from '@keygate/core'
import { rawRequest } from '@keygate/testkit'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import {
  KeygateError,
  getPrincipal,
  keygate,
  requirePrincipal,
  requireScopes,
  type KeygateFastifyOptions,
} from './index.js'

const SECRET = 'kg-test-secret-0123456789abcdefghijklmnop'
const BEARER = `Bearer ${SECRET}`

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

function gateOptions(extra: Partial<KeygateFastifyOptions> = {}): KeygateFastifyOptions {
  return {
    realm: 'test',
    env: {},
    strategies: [serviceToken({ source: staticSecrets([SECRET]), scopes: ['things:read'] })],
    ...extra,
  }
}

async function build(
  setup: (app: FastifyInstance) => void | Promise<void>,
  options: { fastify?: FastifyServerOptions; keygate?: Partial<KeygateFastifyOptions> } = {},
) {
  const app = Fastify(options.fastify)
  apps.push(app)
  await app.register(keygate, gateOptions(options.keygate))
  await setup(app)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers })
  return { app, url, get }
}

describe('registration', () => {
  it('validates options once, at registration, naming the bad one', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...gateOptions(), hook: 'yes' }, /hook must be a boolean/],
      [{ ...gateOptions(), requestId: 'x' }, /requestId must be a function/],
      [{ ...gateOptions(), clientIp: 42 }, /clientIp must be a function/],
      [{ authenticator: {} }, /authenticator must come from createAuthenticator/],
      [{ strategies: [] }, /strategies must be a non-empty list/],
      [{ ...gateOptions(), publicPaths: ['/health/../x'] }, /publicPaths entry/],
    ]
    for (const [options, message] of cases) {
      const app = Fastify()
      await expect(app.register(keygate, options as KeygateFastifyOptions)).rejects.toThrow(message)
      await app.close()
    }
  })

  it('declares fastify-plugin metadata and is visible to the parent context', async () => {
    const meta = (keygate as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')]
    expect(meta).toMatchObject({ fastify: '5.x', name: '@keygate/fastify' })
    const { app } = await build(() => {})
    expect(app.hasPlugin('@keygate/fastify')).toBe(true)
    expect(app.hasRequestDecorator('auth')).toBe(true)
    expect(typeof app.verifyKeygate).toBe('function')
  })

  it('rejects a bad config.keygate when the route is declared', async () => {
    const app = Fastify()
    apps.push(app)
    await app.register(keygate, gateOptions())
    const declare = (config: unknown) => () =>
      app.get('/x', { config: { keygate: config as false } }, () => 'x')
    expect(declare({ scopes: 'things:read' })).toThrow(
      /config.keygate.scopes of route \/x must be an array/,
    )
    expect(declare({ scope: ['things:read'] })).toThrow(
      /config.keygate of route \/x has unknown key scope/,
    )
    expect(declare({ scopes: ['two words'] })).toThrow(/"two words" is not a valid scope/)
    expect(declare(true)).toThrow(/must be false or \{ scopes \}/)
  })

  it('validates requireScopes() arguments when the route is declared', () => {
    expect(() => requireScopes()).toThrow(/at least one scope/)
    expect(() => requireScopes('things read')).toThrow(/"things read" is not a valid scope/)
    expect(() => requireScopes('')).toThrow(/is not a valid scope/)
  })
})

describe('global onRequest hook', () => {
  it('gates unknown routes: 401 without credentials, 404 with them', async () => {
    const { get } = await build(() => {})
    const res = await get('/nowhere')
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="test"')
    expect((await get('/nowhere', { authorization: BEARER })).status).toBe(404)
  })

  it('refuses before the body is parsed', async () => {
    let parsed = false
    const { url } = await build((app) => {
      app.post('/things', (request) => {
        parsed = true
        return request.body
      })
    })
    const res = await fetch(`${url}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('missing_credentials')
    expect(parsed).toBe(false)
  })

  it("uses Fastify's request.id as request_id, or the requestId option", async () => {
    const byFastify = await build(() => {}, { fastify: { genReqId: () => 'req-from-fastify' } })
    expect(await (await byFastify.get('/x')).json()).toMatchObject({
      request_id: 'req-from-fastify',
    })
    const byOption = await build(() => {}, { keygate: { requestId: () => 'req-from-option' } })
    expect(await (await byOption.get('/x')).json()).toMatchObject({ request_id: 'req-from-option' })
  })

  it('reports request.ip by default and the clientIp option when given', async () => {
    const decisions: AuthDecision[] = []
    const onDecision = (d: AuthDecision) => decisions.push(d)
    const plain = await build(() => {}, { keygate: { onDecision } })
    await plain.get('/x?secret=not-logged')
    const custom = await build(() => {}, { keygate: { onDecision, clientIp: () => '203.0.113.7' } })
    await custom.get('/x')
    expect(decisions.map((d) => [d.path, d.clientIp])).toEqual([
      ['/x', '127.0.0.1'],
      ['/x', '203.0.113.7'],
    ])
  })

  it('reads clientIp and requestId only when a decision or a problem needs them', async () => {
    const reads = { clientIp: 0, requestId: 0 }
    const keygateOptions = {
      clientIp: () => (reads.clientIp++, '203.0.113.7'),
      requestId: () => (reads.requestId++, 'req-1'),
    }
    const { get } = await build(
      (app) => {
        app.get('/x', () => 'ok')
      },
      { keygate: keygateOptions },
    )
    expect((await get('/x', { authorization: BEARER })).status).toBe(200)
    expect(reads).toEqual({ clientIp: 0, requestId: 0 })
    // A refusal's problem carries the request id; still no client IP without onDecision.
    expect(await (await get('/x')).json()).toMatchObject({ request_id: 'req-1' })
    expect(reads).toEqual({ clientIp: 0, requestId: 1 })
  })

  it('applies route config scopes: 403 with the scope in the challenge', async () => {
    const { get } = await build((app) => {
      app.get(
        '/read',
        { config: { keygate: { scopes: ['things:read'] } } },
        (request) => request.auth,
      )
      app.get(
        '/write',
        { config: { keygate: { scopes: ['things:write'] } } },
        (request) => request.auth,
      )
    })
    const read = await get('/read', { authorization: BEARER })
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ subject: 'service', scopes: ['things:read'] })
    const write = await get('/write', { authorization: BEARER })
    expect(write.status).toBe(403)
    expect(write.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(await write.json()).toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect((await get('/write')).status).toBe(401)
  })

  it('skips routes with config.keygate === false without evaluating credentials', async () => {
    const decisions: AuthDecision[] = []
    const { get } = await build(
      (app) => {
        app.get('/login', { config: { keygate: false } }, (request) => ({
          principal: request.auth ?? null,
        }))
      },
      { keygate: { onDecision: (d) => decisions.push(d) } },
    )
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: BEARER },
    ]
    for (const headers of attempts) {
      const res = await get('/login', headers)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ principal: null })
    }
    expect(decisions).toEqual([])
    // A look-alike path routes elsewhere (404 here), so it is gated.
    expect((await get('/login/')).status).toBe(401)
  })

  it('gates routes of encapsulated child plugins, with their prefix in the path', async () => {
    const decisions: AuthDecision[] = []
    const { get } = await build(
      async (app) => {
        await app.register(
          async (child) => {
            child.get(
              '/things',
              { config: { keygate: { scopes: ['things:read'] } } },
              (request) => ({ subject: request.auth?.subject }),
            )
          },
          { prefix: '/v1' },
        )
      },
      { keygate: { onDecision: (d) => decisions.push(d) } },
    )
    expect((await get('/v1/things')).status).toBe(401)
    expect(await (await get('/v1/things', { authorization: BEARER })).json()).toEqual({
      subject: 'service',
    })
    expect(decisions.map((d) => d.path)).toEqual(['/v1/things', '/v1/things'])
  })

  it('sees a duplicate Authorization line that Node drops from request.headers', async () => {
    const { url } = await build((app) => {
      app.get('/private', (request) => ({ subject: request.auth?.subject }))
    })
    const res = await rawRequest(url, 'GET', '/private', [
      `Authorization: ${BEARER}`,
      'Authorization: Bearer other',
    ])
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'invalid_request',
      detail: 'More than one Authorization header',
    })
  })
})

describe('hook: false', () => {
  it('leaves undeclared routes alone and gates routes that ask for keygate', async () => {
    const { get } = await build(
      (app) => {
        app.get('/open', () => ({ open: true }))
        app.get('/declared', { config: { keygate: {} } }, (request) => ({
          subject: request.auth?.subject,
        }))
        app.get('/scoped', { config: { keygate: { scopes: ['things:write'] } } }, () => 'no')
        app.get('/pre', { preHandler: requireScopes('things:read') }, (request) => ({
          subject: getPrincipal(request)?.subject,
        }))
      },
      { keygate: { hook: false } },
    )
    expect((await get('/open')).status).toBe(200)
    expect((await get('/nowhere')).status).toBe(404)
    expect((await get('/declared')).status).toBe(401)
    expect(await (await get('/declared', { authorization: BEARER })).json()).toEqual({
      subject: 'service',
    })
    expect((await get('/scoped', { authorization: BEARER })).status).toBe(403)
    expect((await get('/pre')).status).toBe(401)
    expect(await (await get('/pre', { authorization: BEARER })).json()).toEqual({
      subject: 'service',
    })
  })
})

describe('a second gate in an encapsulated context', () => {
  it('judges the routes of that context only, and reports to its own onDecision', async () => {
    const OTHER = 'kg-test-other-secret-0123456789abcdefghij'
    const inner: AuthDecision[] = []
    const { get } = await build(async (app) => {
      app.get('/outer', (request) => ({ subject: getPrincipal(request)?.subject }))
      await app.register(async (scope) => {
        await scope.register(keygate, {
          realm: 'inner',
          env: {},
          hook: false,
          onDecision: (decision) => inner.push(decision),
          strategies: [
            serviceToken({ source: staticSecrets([OTHER]), subject: 'scraper', scopes: ['m:r'] }),
          ],
        })
        scope.get(
          '/inner',
          { config: { keygate: false }, onRequest: requireScopes('m:r') },
          (request) => ({ subject: getPrincipal(request)?.subject }),
        )
      })
    })
    expect(await (await get('/outer', { authorization: BEARER })).json()).toEqual({
      subject: 'service',
    })
    expect((await get('/outer', { authorization: `Bearer ${OTHER}` })).status).toBe(401)
    expect(await (await get('/inner', { authorization: `Bearer ${OTHER}` })).json()).toEqual({
      subject: 'scraper',
    })
    const refused = await get('/inner', { authorization: BEARER })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="inner", error="invalid_token", error_description="The credential is not valid"',
    )
    expect((await get('/inner')).status).toBe(401)
    expect(inner.map((d) => [d.outcome, d.code, d.path])).toEqual([
      ['allow', undefined, '/inner'],
      ['deny', 'invalid_token', '/inner'],
      ['deny', 'missing_credentials', '/inner'],
    ])
  })
})

describe('fastify.verifyKeygate with @fastify/auth', () => {
  const OTHER_KEY = 'other-key'
  async function verifyOther(request: { headers: Record<string, unknown> }) {
    if (request.headers['x-other-key'] !== OTHER_KEY) throw new Error('no other key')
  }

  async function start(options: {
    problemHandler: boolean
    relation: 'or' | 'and'
    source?: SecretSource
  }) {
    return build(
      async (app) => {
        if (options.problemHandler) {
          app.setErrorHandler((error, _request, reply) => {
            if (error instanceof KeygateError) {
              return reply
                .code(error.statusCode)
                .headers(error.headers)
                .type('application/problem+json')
                .send(error.problem)
            }
            return reply.code(500).send({ unexpected: (error as Error).message })
          })
        }
        await app.register(fastifyAuth)
        app.get(
          '/either',
          {
            preHandler: app.auth(
              options.relation === 'or'
                ? [verifyOther, app.verifyKeygate]
                : [app.verifyKeygate, verifyOther],
              { relation: options.relation },
            ),
          },
          (request) => ({ principal: request.auth ?? null }),
        )
      },
      {
        keygate: {
          hook: false,
          ...(options.source === undefined
            ? {}
            : { strategies: [serviceToken({ source: options.source })] }),
        },
      },
    )
  }

  it('composes with relation "or": either credential passes', async () => {
    const { get } = await start({ problemHandler: true, relation: 'or' })
    const viaKeygate = await get('/either', { authorization: BEARER })
    expect(viaKeygate.status).toBe(200)
    expect(await viaKeygate.json()).toMatchObject({ principal: { subject: 'service' } })
    const viaOther = await get('/either', { 'x-other-key': OTHER_KEY })
    expect(viaOther.status).toBe(200)
    expect(await viaOther.json()).toEqual({ principal: null })
    const neither = await get('/either', { authorization: 'Bearer wrong' })
    expect(neither.status).toBe(401)
    expect(neither.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(neither.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await neither.json()).toMatchObject({ code: 'invalid_token', status: 401 })
  })

  it('composes with relation "and": both are required', async () => {
    const { get } = await start({ problemHandler: true, relation: 'and' })
    expect((await get('/either', { authorization: BEARER, 'x-other-key': OTHER_KEY })).status).toBe(
      200,
    )
    const onlyOther = await get('/either', { 'x-other-key': OTHER_KEY })
    expect(onlyOther.status).toBe(401)
    expect(await onlyOther.json()).toMatchObject({ code: 'missing_credentials' })
  })

  it("answers through Fastify's default error handler with status and challenge", async () => {
    const { get } = await start({ problemHandler: false, relation: 'and' })
    const res = await get('/either', { authorization: 'Bearer wrong' })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await res.json()).toMatchObject({
      statusCode: 401,
      code: 'invalid_token',
      message: 'The credential is not valid',
    })
  })

  it('keeps a 503 a 503 (never the 401 @fastify/auth defaults to), without the source error text', async () => {
    const source: SecretSource = {
      name: 'down',
      load: () => Promise.reject(new Error(`vault said no: ${SECRET}`)),
    }
    const { get } = await start({ problemHandler: false, relation: 'and', source })
    const res = await get('/either', { authorization: BEARER, 'x-other-key': OTHER_KEY })
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = await res.text()
    expect(JSON.parse(body)).toMatchObject({ code: 'auth_unavailable' })
    expect(body).not.toContain(SECRET)
    expect(body).not.toContain('vault')
  })
})

describe('getPrincipal / requirePrincipal', () => {
  it('returns the verified principal, and fails closed on a route without one', async () => {
    const { get } = await build((app) => {
      app.get('/health', (request) => ({ subject: requirePrincipal(request).subject }))
      app.get('/me', (request) => ({
        subject: requirePrincipal(request).subject,
        same: getPrincipal(request) === request.auth,
      }))
    })
    const health = await get('/health')
    expect(health.status).toBe(401)
    expect(health.headers.get('www-authenticate')).toBe('Bearer realm="test"')
    expect(await health.json()).toMatchObject({ code: 'missing_credentials' })
    expect(await (await get('/me', { authorization: BEARER })).json()).toEqual({
      subject: 'service',
      same: true,
    })
  })

  it('getPrincipal ignores a request.auth that keygate did not verify', async () => {
    const { get } = await build((app) => {
      app.addHook('onRequest', async (request) => {
        request.auth = { kind: 'user', subject: 'mallory', scopes: ['admin'], via: 'api-token' }
      })
      app.get('/health', (request) => ({ principal: getPrincipal(request) ?? null }))
    })
    expect(await (await get('/health')).json()).toEqual({ principal: null })
  })

  it('requireScopes() without the plugin is a programming error, not an open route', async () => {
    const app = Fastify()
    apps.push(app)
    const errors: unknown[] = []
    app.setErrorHandler((error, _request, reply) => {
      errors.push(error)
      return reply.code(500).send('app error')
    })
    app.get('/x', { preHandler: requireScopes('things:read') }, () => 'reached')
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    const res = await fetch(`${url}/x`, { headers: { authorization: BEARER } })
    expect(res.status).toBe(500)
    expect((errors[0] as Error).message).toBe(
      'requireScopes(): register the @keygate/fastify plugin first',
    )
  })
})
