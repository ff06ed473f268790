/**
 * `/v1/auth/check` spoken to exactly as each proxy speaks to it: the sub-request of Traefik's
 * ForwardAuth, Envoy's ext_authz HTTP service and nginx's auth_request (header sets as those
 * proxies send them; real nginx is in forward-auth-nginx.test.ts). Real server, real SQLite file.
 */
import { describe, expect, it } from 'vitest'
import { EDGE_CONFIG, traefikHeaders, verifyAssertion } from './edge-helpers.js'
import { useHarness } from './harness.js'
import { ownOrigin, problem, sessionCookie, sessionToken } from './sessions-helpers.js'

describe('GET /v1/auth/check', () => {
  const harness = useHarness('sqlite', EDGE_CONFIG)
  const check = (path: string, headers: Record<string, string>, method = 'GET') =>
    fetch(`${harness().url}${path}`, { method, headers })

  async function userToken(scopes: string[]) {
    const h = harness()
    const email = `u${Math.random().toString(36).slice(2)}@example.com`
    const user = await h.user(email)
    const { id, token } = await h.token(email, { scopes })
    return { user, id, token, email }
  }

  describe('Traefik ForwardAuth', () => {
    it('allows a valid token: 200 with the identity headers and a verifiable assertion', async () => {
      const { user, id, token } = await userToken(['things:read'])
      const res = await check(
        '/v1/auth/check',
        traefikHeaders('GET', '/things/42?full=1', { authorization: `Bearer ${token}` }),
      )
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('')
      expect(res.headers.get('x-keygate-subject')).toBe(user.id)
      expect(res.headers.get('x-keygate-scopes')).toBe('things:read')
      expect(res.headers.get('x-keygate-token-id')).toBe(id)
      expect(res.headers.get('x-keygate-via')).toBe('api-token')
      expect(res.headers.get('cache-control')).toBe('no-store')
      const assertion = res.headers.get('keygate-assertion')!
      const verified = await verifyAssertion(harness(), assertion, 'https://app.example.test')
      expect(verified).toMatchObject({
        ok: true,
        principal: {
          subject: user.id,
          scopes: ['things:read'],
          via: 'gateway-assertion',
          tokenId: id,
        },
      })
      // Audience-bound: another upstream's verifier refuses it.
      expect(
        await verifyAssertion(harness(), assertion, 'https://other.example.test'),
      ).toMatchObject({
        ok: false,
      })
    })

    it('refuses like every route: 401 with problem+json and the challenge', async () => {
      const missing = await check('/v1/auth/check', traefikHeaders('GET', '/things/1'))
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="keygate"')
      await problem(missing, 401, 'missing_credentials')

      const wrong = await check(
        '/v1/auth/check',
        traefikHeaders('GET', '/things/1', {
          authorization: 'Bearer kg_wrongwrongwrongwrongwrongwrongwrong1',
        }),
      )
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"')
      expect(wrong.headers.get('x-keygate-subject')).toBeNull()
      expect(wrong.headers.get('cache-control')).toBe('no-store')
      const body = await problem(wrong, 401, 'invalid_token')
      // nginx drops a sub-request's body: the same problem rides in one header.
      expect(JSON.parse(wrong.headers.get('x-keygate-problem')!)).toEqual(body)
    })

    it('applies the rule of the original method and path: 403 insufficient_scope with scope=', async () => {
      const { token } = await userToken(['things:read'])
      const res = await check(
        '/v1/auth/check',
        traefikHeaders('DELETE', '/things/42', { authorization: `Bearer ${token}` }),
      )
      expect(res.headers.get('www-authenticate')).toContain('scope="things:write"')
      await problem(res, 403, 'insufficient_scope')
    })

    it('PATCH, like every method but GET and HEAD, needs the write scope', async () => {
      const read = await userToken(['things:read'])
      const write = await userToken(['things:read', 'things:write'])
      for (const method of ['PATCH', 'POST', 'PUT', 'DELETE', 'PROPPATCH']) {
        const headers = (token: string) =>
          traefikHeaders(method, '/things/42', { authorization: `Bearer ${token}` })
        const res = await check('/v1/auth/check', headers(read.token))
        expect(res.headers.get('www-authenticate'), method).toContain('scope="things:write"')
        await problem(res, 403, 'insufficient_scope')
        expect((await check('/v1/auth/check', headers(write.token))).status, method).toBe(200)
      }
      for (const method of ['GET', 'HEAD']) {
        const res = await check(
          '/v1/auth/check',
          traefikHeaders(method, '/things/42', { authorization: `Bearer ${read.token}` }),
        )
        expect(res.status, method).toBe(200)
      }
    })

    it('refuses a revoked token at once', async () => {
      const { token } = await userToken([])
      const headers = traefikHeaders('GET', '/', { authorization: `Bearer ${token}` })
      expect((await check('/v1/auth/check', headers)).status).toBe(200)
      expect((await harness().request('DELETE', '/v1/auth/tokens/current', { token })).status).toBe(
        204,
      )
      await problem(await check('/v1/auth/check', headers), 401, 'invalid_token')
    })
  })

  describe('Envoy ext_authz (HTTP service, path_prefix /v1/auth/check)', () => {
    it('reads the original method and path from the check request itself', async () => {
      const { token } = await userToken(['things:read', 'things:write'])
      const envoy = {
        authorization: `Bearer ${token}`,
        'x-forwarded-proto': 'https',
        'x-envoy-internal': 'true',
        'x-request-id': '8b1c2d3e-0000-4000-8000-000000000001',
        'x-envoy-expected-rq-timeout-ms': '250',
        'content-length': '0',
      }
      const res = await check('/v1/auth/check/things/42?x=1', envoy, 'POST')
      expect(res.status).toBe(200)
      expect(res.headers.get('x-keygate-scopes')).toBe('things:read things:write')

      const { token: reader } = await userToken(['things:read'])
      const refused = await check(
        '/v1/auth/check/things/42',
        { ...envoy, authorization: `Bearer ${reader}` },
        'PUT',
      )
      await problem(refused, 403, 'insufficient_scope')
      expect(
        (
          await check(
            '/v1/auth/check/things/42',
            { ...envoy, authorization: `Bearer ${reader}` },
            'GET',
          )
        ).status,
      ).toBe(200)
    })
  })

  describe('nginx auth_request headers', () => {
    it('reads X-Original-Method and X-Original-URI', async () => {
      const { token } = await userToken(['things:read'])
      const nginx = {
        authorization: `Bearer ${token}`,
        'x-original-method': 'POST',
        'x-original-uri': '/things/7',
        'x-forwarded-host': 'app.example.test',
        'x-forwarded-proto': 'http',
      }
      await problem(await check('/v1/auth/check', nginx), 403, 'insufficient_scope')
      expect((await check('/v1/auth/check', { ...nginx, 'x-original-method': 'GET' })).status).toBe(
        200,
      )
    })
  })

  describe('rules', () => {
    it('answers a public rule without looking at credentials, and without identity headers', async () => {
      for (const uri of ['/healthz', '/public/logo.png', '/public']) {
        const res = await check(
          '/v1/auth/check',
          traefikHeaders('GET', uri, { authorization: 'Bearer garbage$$' }),
        )
        expect(res.status, uri).toBe(200)
        expect(res.headers.get('x-keygate-subject')).toBeNull()
        expect(res.headers.get('keygate-assertion')).toBeNull()
      }
    })

    it('never lets a case, dot-segment or encoding trick reach a public rule or escape a scoped one', async () => {
      const { token } = await userToken(['things:read'])
      // Case: not public, so credentials are needed.
      await problem(
        await check('/v1/auth/check', traefikHeaders('GET', '/HEALTHZ')),
        401,
        'missing_credentials',
      )
      // Case on a scoped rule: still needs its scope.
      await problem(
        await check(
          '/v1/auth/check',
          traefikHeaders('GET', '/ADMIN/users', { authorization: `Bearer ${token}` }),
        ),
        403,
        'insufficient_scope',
      )
      // Anything a router could resolve otherwise is refused outright.
      for (const uri of [
        '/public/../admin/users',
        '/public/%2e%2e/admin',
        '/admin%2Fusers',
        '/public//x',
        '/public\\..\\admin',
        '/x/%00',
        '/public/..;/admin',
        '/admin;x',
      ]) {
        const res = await check(
          '/v1/auth/check',
          traefikHeaders('GET', uri, { authorization: `Bearer ${token}` }),
        )
        expect(res.status, uri).toBe(400)
        await problem(res, 400, 'invalid_request')
      }
      // An exact scoped rule covers the trailing-slash spelling a router may serve as the same route.
      await problem(
        await check(
          '/v1/auth/check',
          traefikHeaders('GET', '/billing/', { authorization: `Bearer ${token}` }),
        ),
        403,
        'insufficient_scope',
      )
      // Harmless percent-encoding is decoded: /%61dmin is /admin, and needs admin:all.
      await problem(
        await check(
          '/v1/auth/check',
          traefikHeaders('GET', '/%61dmin/x', { authorization: `Bearer ${token}` }),
        ),
        403,
        'insufficient_scope',
      )
    })

    it('with no rule matching: any valid credential, no scope', async () => {
      const { token } = await userToken([])
      expect(
        (
          await check(
            '/v1/auth/check',
            traefikHeaders('GET', '/anything/else', { authorization: `Bearer ${token}` }),
          )
        ).status,
      ).toBe(200)
    })

    it('refuses a check that does not say which request it is about (rules need the path)', async () => {
      const { token } = await userToken([])
      const res = await check('/v1/auth/check', {
        authorization: `Bearer ${token}`,
        host: 'app.example.test',
      })
      const body = await problem(res, 400, 'invalid_request')
      expect(body.detail).toMatch(/original URI is missing/)
    })

    it('refuses proxy headers that disagree or repeat', async () => {
      const { token } = await userToken([])
      const both = {
        ...traefikHeaders('GET', '/a', { authorization: `Bearer ${token}` }),
        'x-original-uri': '/b',
      }
      expect(
        (await problem(await check('/v1/auth/check', both), 400, 'invalid_request')).detail,
      ).toBe('The proxy headers disagree on the original URI')
      const methods = {
        ...traefikHeaders('GET', '/a', { authorization: `Bearer ${token}` }),
        'x-original-method': 'DELETE',
      }
      await problem(await check('/v1/auth/check', methods), 400, 'invalid_request')
    })
  })

  describe('sessions', () => {
    it('accepts a session as bearer and as cookie; a cookie write needs an allowed origin', async () => {
      const h = harness()
      const { user, email } = await userToken([])
      const bearer = await sessionToken(h, email)
      const viaBearer = await check(
        '/v1/auth/check',
        traefikHeaders('GET', '/x', { authorization: `Bearer ${bearer}` }),
      )
      expect(viaBearer.status).toBe(200)
      expect(viaBearer.headers.get('x-keygate-via')).toBe('session')
      expect(viaBearer.headers.get('x-keygate-subject')).toBe(user.id)

      const cookie = await sessionCookie(h, email)
      const read = await check('/v1/auth/check', traefikHeaders('GET', '/x', { cookie }))
      expect(read.status).toBe(200)
      // The original method decides CSRF: a cookie POST without an allowed Origin is refused.
      await problem(
        await check('/v1/auth/check', traefikHeaders('POST', '/x', { cookie })),
        403,
        'csrf_failed',
      )
      expect(
        (
          await check(
            '/v1/auth/check',
            traefikHeaders('POST', '/x', { cookie, origin: ownOrigin(h) }),
          )
        ).status,
      ).toBe(200)
    })
  })
})

describe('GET /v1/auth/check with a configured Cache-Control and audience', () => {
  const harness = useHarness('sqlite', {
    ...EDGE_CONFIG,
    forwardAuth: { cacheControl: 'private, max-age=5', audience: 'urn:example:app' },
  })

  it('sends the configured Cache-Control on allowed answers only, and binds the assertion to the audience', async () => {
    const h = harness()
    await h.user('cache@example.com')
    const { token } = await h.token('cache@example.com')
    const res = await fetch(`${h.url}/v1/auth/check`, {
      headers: traefikHeaders('GET', '/x', { authorization: `Bearer ${token}` }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('private, max-age=5')
    expect(
      await verifyAssertion(h, res.headers.get('keygate-assertion')!, 'urn:example:app'),
    ).toMatchObject({ ok: true })
    const refused = await fetch(`${h.url}/v1/auth/check`, { headers: traefikHeaders('GET', '/x') })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('cache-control')).toBe('no-store')
  })
})

describe('GET /v1/auth/check: the assertion audience comes from configuration only', () => {
  const configured = useHarness('sqlite', EDGE_CONFIG)
  const unset = useHarness('sqlite', {
    ...EDGE_CONFIG,
    forwardAuth: { ...EDGE_CONFIG.forwardAuth, audience: undefined },
  })
  const spoofed = (token: string) => ({
    ...traefikHeaders('GET', '/x', { authorization: `Bearer ${token}` }),
    'x-forwarded-host': 'victim.example.test',
    host: 'victim.example.test',
  })

  it('a Host or X-Forwarded-Host the client chose never becomes the audience', async () => {
    const h = configured()
    await h.user('aud@example.com')
    const { token } = await h.token('aud@example.com')
    const res = await fetch(`${h.url}/v1/auth/check`, { headers: spoofed(token) })
    expect(res.status).toBe(200)
    const assertion = res.headers.get('keygate-assertion')!
    expect(await verifyAssertion(h, assertion, 'https://app.example.test')).toMatchObject({
      ok: true,
    })
    expect(await verifyAssertion(h, assertion, 'https://victim.example.test')).toMatchObject({
      ok: false,
    })
  })

  it('without forwardAuth.audience: identity headers, no assertion, whatever the Host', async () => {
    const h = unset()
    const user = await h.user('noaud@example.com')
    const { token } = await h.token('noaud@example.com')
    for (const headers of [
      spoofed(token),
      traefikHeaders('GET', '/x', { authorization: `Bearer ${token}` }),
    ]) {
      const res = await fetch(`${h.url}/v1/auth/check`, { headers })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-keygate-subject')).toBe(user.id)
      expect(res.headers.get('keygate-assertion')).toBeNull()
    }
  })
})

describe('GET /v1/auth/check from a peer that is not a trusted proxy', () => {
  const harness = useHarness('sqlite', { ...EDGE_CONFIG, trustProxy: ['10.0.0.0/8'] })

  it('refuses forwarded request headers and the Envoy path prefix, never ignores them', async () => {
    const h = harness()
    await h.user('peer@example.com')
    const { token } = await h.token('peer@example.com')
    for (const [path, headers] of [
      ['/v1/auth/check', traefikHeaders('GET', '/x', { authorization: `Bearer ${token}` })],
      ['/v1/auth/check', { authorization: `Bearer ${token}`, 'x-original-uri': '/x' }],
      ['/v1/auth/check/x', { authorization: `Bearer ${token}` }],
    ] as const) {
      const body = await problem(
        await fetch(`${h.url}${path}`, { headers }),
        400,
        'invalid_request',
      )
      expect(body.detail).toBe('Forwarded request headers are accepted only from trustProxy peers')
    }
  })
})
