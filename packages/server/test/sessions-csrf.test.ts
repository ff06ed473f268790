/**
 * CSRF defence of cookie sessions over real HTTP: a cookie-authenticated write must name an
 * allowed origin (`Origin`, else `Referer`): `403 csrf_failed` otherwise. Bearer sessions, API
 * tokens and safe methods are not concerned.
 */
import { rawRequest } from '@keygate/testkit'
import { expect, it } from 'vitest'
import { forEachBackend, useHarness } from './harness.js'
import {
  login,
  ownOrigin,
  problem,
  requestWithRawHeaders,
  sessionCookie,
  sessionToken,
} from './sessions-helpers.js'

forEachBackend('sessions: CSRF', (backend) => {
  const h = useHarness(backend, {
    sessions: { allowedOrigins: ['https://console.example.com'] },
  })
  const otherUser = async (admin: string, email: string) =>
    h().request('POST', '/v1/users', {
      headers: admin.includes('=') ? { cookie: admin } : { authorization: `Bearer ${admin}` },
      body: { email, password: 'a good password' },
    })

  it('a cookie write without Origin or Referer: 403 csrf_failed, and nothing is written', async () => {
    const cookie = await sessionCookie(h(), 'admin@example.com')
    const response = await otherUser(cookie, 'csrf-none@example.com')
    const body = await problem(response, 403, 'csrf_failed')
    expect(body.detail).toBe('A request made with a session cookie must send Origin or Referer')
    expect(response.headers.get('www-authenticate')).toBeNull()
    expect(await h().store.users.findByEmail('csrf-none@example.com')).toBeUndefined()
  })

  it('a cookie write from another origin, another port, or Origin: null: 403 csrf_failed', async () => {
    const cookie = await sessionCookie(h(), 'admin@example.com')
    const host = new URL(h().url).host
    for (const origin of [
      'https://evil.example',
      `http://${new URL(h().url).hostname}:1`,
      'http://localhost:1',
      'null',
      `https://${host}.evil.example`,
    ]) {
      const response = await h().request('POST', '/v1/users', {
        headers: { cookie, origin },
        body: { email: 'csrf-cross@example.com', password: 'a good password' },
      })
      await problem(response, 403, 'csrf_failed')
    }
    const viaReferer = await h().request('POST', '/v1/users', {
      headers: { cookie, referer: 'https://evil.example/page' },
      body: { email: 'csrf-cross@example.com', password: 'a good password' },
    })
    await problem(viaReferer, 403, 'csrf_failed')
    expect(await h().store.users.findByEmail('csrf-cross@example.com')).toBeUndefined()
  })

  it('a cookie write from the server’s own origin, an allowed origin, or with a same-origin Referer passes', async () => {
    const cookie = await sessionCookie(h(), 'admin@example.com')
    const cases: Record<string, string>[] = [
      { origin: ownOrigin(h()) },
      { origin: 'https://console.example.com' },
      { referer: `${ownOrigin(h())}/console/users` },
    ]
    for (const [i, headers] of cases.entries()) {
      const response = await h().request('POST', '/v1/users', {
        headers: { cookie, ...headers },
        body: { email: `csrf-ok-${i}@example.com`, password: 'a good password' },
      })
      expect(response.status, JSON.stringify(headers)).toBe(201)
    }
  })

  it('reads with a cookie need no Origin; bearer sessions and API tokens are exempt from the check', async () => {
    const cookie = await sessionCookie(h(), 'admin@example.com')
    expect((await h().request('GET', '/v1/users', { headers: { cookie } })).status).toBe(200)
    const bearer = await sessionToken(h(), 'admin@example.com')
    expect((await otherUser(bearer, 'csrf-bearer@example.com')).status).toBe(201)
    const api = await h().token('admin@example.com', { scopes: ['users:manage'] })
    const response = await h().request('POST', '/v1/users', {
      token: api.token,
      headers: { origin: 'https://evil.example' },
      body: { email: 'csrf-api@example.com', password: 'a good password' },
    })
    expect(response.status).toBe(201)
  })

  it('logout with the cookie is a write too', async () => {
    const cookie = await sessionCookie(h(), 'admin@example.com')
    const refused = await h().request('DELETE', '/v1/auth/sessions/current', {
      headers: { cookie, origin: 'https://evil.example' },
    })
    await problem(refused, 403, 'csrf_failed')
    expect((await h().request('GET', '/v1/users/me', { headers: { cookie } })).status).toBe(200)
  })

  it('login: a cookie needs an allowed Origin; a cross-site Origin is refused for either kind', async () => {
    const noOrigin = await login(h(), 'admin@example.com', { cookie: true })
    expect(noOrigin.status).toBe(403)
    expect(noOrigin.body).toMatchObject({ code: 'csrf_failed' })
    expect(noOrigin.setCookie).toBeUndefined()
    const cross = await login(h(), 'admin@example.com', {
      headers: { origin: 'https://evil.example' },
    })
    expect(cross.status).toBe(403)
    expect(cross.body.token).toBeUndefined()
    // A script sends no Origin and gets a bearer session.
    expect((await login(h(), 'admin@example.com')).status).toBe(201)
    const allowed = await login(h(), 'admin@example.com', {
      cookie: true,
      headers: { origin: 'https://console.example.com' },
    })
    expect(allowed.status).toBe(201)
  })

  it('a duplicated session cookie is 400 invalid_request (cookie tossing), a duplicated Origin is refused', async () => {
    const cookie = await sessionCookie(h(), 'admin@example.com')
    const tossed = await rawRequest(h().url, 'GET', '/v1/users/me', [
      `Cookie: ${cookie}; ${cookie}`,
    ])
    expect(tossed.status).toBe(400)
    expect((tossed.json() as { code: string }).code).toBe('invalid_request')
    const twoOrigins = await requestWithRawHeaders(h().url, 'DELETE', '/v1/auth/sessions/current', [
      'Cookie',
      cookie,
      'Origin',
      ownOrigin(h()),
      'Origin',
      'https://evil.example',
    ])
    expect(twoOrigins).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'csrf_failed' }),
    })
  })
})

forEachBackend('sessions: the default Secure cookie on a loopback http: origin', (backend) => {
  const h = useHarness(backend)

  it('logs in and writes from http://127.0.0.1:<port> (what `npm start` serves), keeping Secure', async () => {
    const origin = `http://${new URL(h().url).host}`
    expect(new URL(origin).hostname).toBe('127.0.0.1')
    const { status, setCookie } = await login(h(), 'admin@example.com', {
      cookie: true,
      headers: { origin },
    })
    expect(status).toBe(201)
    expect(setCookie).toMatch(
      /^__Host-keygate_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/,
    )
    const cookie = setCookie!.split(';')[0]!
    const created = await h().request('POST', '/v1/users', {
      headers: { cookie, origin },
      body: { email: 'loopback-dev@example.com', password: 'a good password' },
    })
    expect(created.status).toBe(201)
    const out = await h().request('DELETE', '/v1/auth/sessions/current', {
      headers: { cookie, origin },
    })
    expect(out.status).toBe(204)
  })
})

forEachBackend('sessions: plain-http development (cookieSecure false)', (backend) => {
  const h = useHarness(backend, { sessions: { cookieSecure: false } })

  it('names the cookie keygate_session without Secure, and accepts the http: origin of the server', async () => {
    const origin = `http://${new URL(h().url).host}`
    const { status, setCookie } = await login(h(), 'admin@example.com', {
      cookie: true,
      headers: { origin },
    })
    expect(status).toBe(201)
    expect(setCookie).toMatch(
      /^keygate_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    )
    const cookie = setCookie!.split(';')[0]!
    const out = await h().request('DELETE', '/v1/auth/sessions/current', {
      headers: { cookie, origin },
    })
    expect(out.status).toBe(204)
  })
})
