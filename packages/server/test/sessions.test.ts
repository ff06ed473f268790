/**
 * Sessions over real HTTP (docs/sessions.md): login with email + password, the session as a
 * bearer and as a cookie, logout, a disabled user, the JWKS, beside API tokens.
 */
import { createLocalJWKSet, jwtVerify } from 'jose'
import { expect, it, vi } from 'vitest'
import { needs } from '../src/auth/register-auth.js'
import { passwords } from '../src/lib/passwords.js'
import { comparable, forEachBackend, PASSWORD, startHarness, useHarness } from './harness.js'
import {
  COOKIE,
  login,
  ownOrigin,
  problem,
  sessionCookie,
  sessionToken,
} from './sessions-helpers.js'

forEachBackend('sessions', (backend) => {
  const h = useHarness(backend, {
    roles: ['operator'],
    scopes: { 'runs:read': { roles: ['user'] } },
  })

  it('POST /v1/auth/sessions: 201 with a 15-minute EdDSA JWT for Bearer use, no-store, no cookie', async () => {
    const before = Date.now()
    const { status, body, setCookie, response } = await login(h(), 'admin@example.com')
    expect(status).toBe(201)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(setCookie).toBeUndefined()
    expect(Object.keys(body).sort()).toEqual([
      'expires_at',
      'id',
      'scopes',
      'token',
      'token_type',
      'user_id',
    ])
    expect(body).toMatchObject({ user_id: h().admin.id, token_type: 'Bearer' })
    // The admin's role grants every scope.
    expect(body.scopes).toEqual([
      'tokens:read',
      'tokens:write',
      'tokens:manage',
      'users:manage',
      'audit:read',
      'runs:read',
    ])
    const ttl = Date.parse(body.expires_at) - before
    expect(ttl).toBeGreaterThan(899_000)
    expect(ttl).toBeLessThanOrEqual(901_000)

    // Verifiable by anyone with the JWKS.
    const jwks = (await (await h().request('GET', '/.well-known/jwks.json')).json()) as {
      keys: { kid: string; alg: string; kty: string; crv: string; use: string }[]
    }
    const { payload, protectedHeader } = await jwtVerify(
      body.token!,
      createLocalJWKSet(jwks as never),
      {
        issuer: 'keygate',
        audience: 'keygate',
        typ: 'keygate-session+jwt',
      },
    )
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(jwks.keys.map((k) => k.kid)).toContain(protectedHeader.kid)
    expect(payload).toMatchObject({ sub: h().admin.id, jti: body.id })
  })

  it('the session authenticates as the user, beside API tokens, each with its own refusals', async () => {
    const token = await sessionToken(h(), 'admin@example.com')
    const me = await h().request('GET', '/v1/users/me', { token })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { id: string }).id).toBe(h().admin.id)
    // An API token still works in the same chain.
    const api = await h().token('admin@example.com', { scopes: ['tokens:read'] })
    expect((await h().request('GET', '/v1/users/me', { token: api.token })).status).toBe(200)
    // And each keeps its own answer to a bad credential.
    const wrongAPIToken = await h().request('GET', '/v1/users/me', {
      token: `${api.token.slice(0, -6)}AAAAAA`,
    })
    expect((await problem(wrongAPIToken, 401, 'invalid_token')).detail).toBe(
      'The token is malformed',
    )
    const wrongSession = await h().request('GET', '/v1/users/me', {
      token: `${token.slice(0, -4)}AAAA`,
    })
    expect((await problem(wrongSession, 401, 'invalid_token')).detail).toMatch(
      /signature|malformed/,
    )
  })

  it('scopes: a session holds what the role grants; routes still check them', async () => {
    await h().user('plain@example.com')
    const { body } = await login(h(), 'plain@example.com')
    expect(body.scopes).toEqual(['tokens:read', 'tokens:write', 'runs:read'])
    const denied = await h().request('GET', '/v1/users', { token: body.token })
    await problem(denied, 403, 'insufficient_scope')
    expect(denied.headers.get('www-authenticate')).toContain('scope="users:manage"')
  })

  it('with cookie: true: an HttpOnly; Secure; SameSite=Strict __Host- cookie, and no token in the body', async () => {
    const { status, body, setCookie } = await login(h(), 'admin@example.com', {
      cookie: true,
      headers: { origin: ownOrigin(h()) },
    })
    expect(status).toBe(201)
    expect(body.token).toBeUndefined()
    expect(body.token_type).toBeUndefined()
    expect(setCookie).toMatch(
      new RegExp(
        `^${COOKIE}=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+; Path=/; Max-Age=(900|899); HttpOnly; Secure; SameSite=Strict$`,
      ),
    )
    const cookie = setCookie!.split(';')[0]!
    const me = await h().request('GET', '/v1/users/me', { headers: { cookie } })
    expect(me.status).toBe(200)
  })

  it('DELETE /v1/auth/sessions/current: 204, cookie cleared, the session refused from then on', async () => {
    const token = await sessionToken(h(), 'admin@example.com')
    const out = await h().request('DELETE', '/v1/auth/sessions/current', { token })
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie()[0]).toBe(
      `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`,
    )
    const again = await h().request('GET', '/v1/users/me', { token })
    expect((await problem(again, 401, 'invalid_token')).detail).toBe('The session has ended')
    await problem(
      await h().request('DELETE', '/v1/auth/sessions/current', { token }),
      401,
      'invalid_token',
    )

    // With the cookie (and the Origin every cookie write needs).
    const cookie = await sessionCookie(h(), 'admin@example.com')
    const byCookie = await h().request('DELETE', '/v1/auth/sessions/current', {
      headers: { cookie, origin: ownOrigin(h()) },
    })
    expect(byCookie.status).toBe(204)
    await problem(
      await h().request('GET', '/v1/users/me', { headers: { cookie } }),
      401,
      'invalid_token',
    )
  })

  it('DELETE /v1/auth/sessions/current with an API token: 400, the token is not revoked', async () => {
    const api = await h().token('admin@example.com', { scopes: ['tokens:read'] })
    const response = await h().request('DELETE', '/v1/auth/sessions/current', { token: api.token })
    expect((await problem(response, 400, 'validation_failed')).detail).toBe(
      'Only a session can end itself',
    )
    expect((await h().request('GET', '/v1/users/me', { token: api.token })).status).toBe(200)
  })

  it('disabling a user ends all their sessions on the next request, and re-enabling does not revive them', async () => {
    const user = await h().user('disabled-sessions@example.com')
    const admin = await sessionToken(h(), 'admin@example.com')
    const one = await sessionToken(h(), 'disabled-sessions@example.com')
    const two = await sessionCookie(h(), 'disabled-sessions@example.com')
    expect((await h().request('GET', '/v1/users/me', { token: one })).status).toBe(200)
    expect((await h().request('GET', '/v1/users/me', { headers: { cookie: two } })).status).toBe(
      200,
    )
    const disable = await h().request('PATCH', `/v1/users/${user.id}`, {
      token: admin,
      body: { disabled: true },
    })
    expect(disable.status).toBe(200)
    await problem(await h().request('GET', '/v1/users/me', { token: one }), 401, 'invalid_token')
    await problem(
      await h().request('GET', '/v1/users/me', { headers: { cookie: two } }),
      401,
      'invalid_token',
    )
    // A disabled user cannot log in either: the same answer as a wrong password.
    expect((await login(h(), 'disabled-sessions@example.com')).status).toBe(401)
    await h().request('PATCH', `/v1/users/${user.id}`, { token: admin, body: { disabled: false } })
    await problem(await h().request('GET', '/v1/users/me', { token: one }), 401, 'invalid_token')
  })

  it('validation: unknown fields, missing password, a non-boolean cookie', async () => {
    const cases: [unknown, string][] = [
      [{ email: 'admin@example.com', password: PASSWORD, remember: true }, '/remember'],
      [{ email: 'admin@example.com' }, '/password'],
      [{ email: 'admin@example.com', password: PASSWORD, cookie: 'yes' }, '/cookie'],
      [{ email: 'not an email', password: PASSWORD }, '/email'],
    ]
    for (const [body, path] of cases) {
      const response = await h().request('POST', '/v1/auth/sessions', { body })
      const problemBody = (await response.json()) as { code: string; errors: { path: string }[] }
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(problemBody.code).toBe('validation_failed')
      expect(problemBody.errors.map((e) => e.path)).toContain(path)
    }
  })

  it('unknown email, wrong password and disabled user are one answer, each after one argon2 verification', async () => {
    await h().user('timing@example.com')
    const verify = vi.spyOn(passwords, 'verify')
    try {
      const unknown = await login(h(), 'nobody@example.com')
      const wrong = await login(h(), 'timing@example.com', { password: 'not the password' })
      expect(verify).toHaveBeenCalledTimes(2)
      const a = await comparable(unknown.response)
      const b = await comparable(wrong.response)
      // The per-email rate-limit counters differ by design; everything else is identical.
      delete a.headers.ratelimit
      delete b.headers.ratelimit
      expect(a).toEqual(b)
      expect(a.status).toBe(401)
      expect(a.body).toContain('"code":"invalid_token"')
      expect(a.body).toContain('The email or password is not valid')
    } finally {
      verify.mockRestore()
    }
  })

  it('never logs a session token', async () => {
    const token = await sessionToken(h(), 'admin@example.com')
    await h().request('GET', '/v1/users/me', { token })
    await h().request('DELETE', '/v1/auth/sessions/current', { token })
    const [, payload, signature] = token.split('.')
    for (const line of h().logs) {
      expect(line).not.toContain(signature)
      expect(line).not.toContain(payload)
    }
  })
})

forEachBackend('sessions: role changes', (backend) => {
  // cache.ttlMs bounds how late a role change reaches a live session; 0 makes it immediate.
  const h = useHarness(
    backend,
    {
      roles: ['operator'],
      scopes: { 'runs:read': { roles: ['user'] } },
      cache: { ttlMs: 0, maxEntries: 0 },
    },
    {
      setup(server) {
        server.route({
          method: 'GET',
          url: '/v1/runs',
          config: needs('runs:read'),
          handler: () => ({ runs: [] }),
        })
      },
    },
  )

  it('a demotion narrows a live session; a promotion needs a new login', async () => {
    const user = await h().user('role@example.com', 'user')
    const admin = await sessionToken(h(), 'admin@example.com')
    const token = await sessionToken(h(), 'role@example.com')
    expect((await h().request('GET', '/v1/runs', { token })).status).toBe(200)
    const change = (role: string) =>
      h().request('PATCH', `/v1/users/${user.id}`, { token: admin, body: { role } })
    // operator may not hold runs:read: the live session loses it.
    expect((await change('operator')).status).toBe(200)
    await problem(await h().request('GET', '/v1/runs', { token }), 403, 'insufficient_scope')
    // Promoted to admin: runs:read is back, but never more than the session was issued with.
    expect((await change('admin')).status).toBe(200)
    expect((await h().request('GET', '/v1/runs', { token })).status).toBe(200)
    await problem(await h().request('GET', '/v1/users', { token }), 403, 'insufficient_scope')
    const fresh = await sessionToken(h(), 'role@example.com')
    expect((await h().request('GET', '/v1/users', { token: fresh })).status).toBe(200)
  })
})

forEachBackend('sessions: rate limits', (backend) => {
  const h = useHarness(backend, {
    rateLimits: {
      createToken: {
        perIp: { limit: 3, windowSeconds: 900 },
        perEmail: { limit: 2, windowSeconds: 900 },
      },
    },
  })

  it('share the budget of token creation: per email, then 429 with Retry-After, before any password check', async () => {
    await h().user('limited@example.com')
    expect((await login(h(), 'limited@example.com', { password: 'wrong password' })).status).toBe(
      401,
    )
    expect(
      (
        await h().request('POST', '/v1/auth/tokens', {
          body: { email: 'limited@example.com', password: 'wrong password', name: 'x' },
        })
      ).status,
    ).toBe(401)
    const verify = vi.spyOn(passwords, 'verify')
    try {
      const limited = await login(h(), 'limited@example.com')
      expect(limited.status).toBe(429)
      expect(limited.body).toMatchObject({ code: 'rate_limited' })
      expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(limited.response.headers.get('ratelimit-policy')).not.toBeNull()
      expect(verify).not.toHaveBeenCalled()
    } finally {
      verify.mockRestore()
    }
  })
})

forEachBackend('sessions: two instances on one database', (backend) => {
  it('share signing keys and sessions: one issues, the other verifies and sees the logout', async () => {
    const a = await startHarness(backend, { cache: { ttlMs: 0, maxEntries: 0 } })
    try {
      const { createServer } = await import('../src/index.js')
      const { reopen } = await import('./harness.js')
      const store = await reopen(a.database)
      const b = await createServer(
        {
          port: 0,
          logLevel: 'silent',
          cache: { ttlMs: 0, maxEntries: 0 },
          database: { url: a.database.url, schema: a.database.schema },
        },
        { store },
      )
      try {
        const urlB = await b.listen({ host: '127.0.0.1', port: 0 })
        const keysA = await (await fetch(`${a.url}/.well-known/jwks.json`)).text()
        const keysB = await (await fetch(`${urlB}/.well-known/jwks.json`)).text()
        expect(keysB).toBe(keysA)
        const token = await sessionToken(a, 'admin@example.com')
        const me = () =>
          fetch(`${urlB}/v1/users/me`, { headers: { authorization: `Bearer ${token}` } })
        expect((await me()).status).toBe(200)
        expect((await a.request('DELETE', '/v1/auth/sessions/current', { token })).status).toBe(204)
        expect((await me()).status).toBe(401)
      } finally {
        await b.close()
        await store.close()
      }
    } finally {
      await a.close()
    }
  })
})
