/**
 * What the token service does for the web console (docs/console.md): serves its page and files
 * with a strict CSP, tells a signed-in user what they may ask for (`GET /v1/auth/policy`) and the
 * console whether the first admin is still to be created (`GET /v1/setup`), and ends the other
 * sessions of a user who changes their password.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createServer } from '../src/index.js'
import { issueSetupCode } from '../src/setup/issue-setup-code.js'
import { CONSOLE_CSP } from '../src/routes/get-console.js'
import { forEachBackend, PASSWORD, useHarness } from './harness.js'
import { login, ownOrigin, problem, sessionCookie, sessionToken } from './sessions-helpers.js'

forEachBackend('the console and its API', (backend) => {
  const h = useHarness(backend)

  it('GET / redirects to /console; the page and its files carry a strict CSP and deny framing', async () => {
    const root = await fetch(`${h().url}/`, { redirect: 'manual' })
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/console')
    for (const [path, type] of [
      ['/console', 'text/html; charset=utf-8'],
      ['/console/console.js', 'text/javascript; charset=utf-8'],
      ['/console/console.css', 'text/css; charset=utf-8'],
      ['/console/favicon.svg', 'image/svg+xml'],
    ] as const) {
      const response = await fetch(`${h().url}${path}`)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type'), path).toBe(type)
      expect(response.headers.get('content-security-policy'), path).toBe(CONSOLE_CSP)
      expect(response.headers.get('x-frame-options'), path).toBe('DENY')
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('referrer-policy'), path).toBe('same-origin')
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'")
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'")
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/)
    // A fixed list of files: anything else is the API's 404, never a file-system lookup.
    for (const path of ['/console/index.html', '/console/..%2Fpackage.json', '/console/nope.js']) {
      await problem(await fetch(`${h().url}${path}`), 404, 'not_found')
    }
  })

  it('GET /v1/auth/policy: the scopes the caller’s role may grant and the token bounds', async () => {
    await h().user('policy-user@example.com')
    const user = await sessionToken(h(), 'policy-user@example.com')
    const mine = await h().request('GET', '/v1/auth/policy', { token: user })
    expect(mine.status).toBe(200)
    expect(await mine.json()).toEqual({
      role: 'user',
      scopes: ['tokens:read', 'tokens:write'],
      default_scopes: [],
      roles: ['admin', 'user'],
      tokens: {
        min_days: 1,
        max_days: 30,
        default_days: 30,
        rotation_grace_seconds: 3600,
        max_rotation_grace_seconds: 604800,
      },
      audit_actions: expect.arrayContaining(['token.created', 'login.failed']),
    })
    const admin = await h().request('GET', '/v1/auth/policy', {
      token: await sessionToken(h(), 'admin@example.com'),
    })
    expect((await admin.json()).scopes).toEqual([
      'tokens:read',
      'tokens:write',
      'tokens:manage',
      'users:manage',
      'audit:read',
    ])
    await problem(await h().request('GET', '/v1/auth/policy'), 401, 'missing_credentials')
  })

  it('GET /v1/setup: pending is false once a user exists', async () => {
    const response = await h().request('GET', '/v1/setup')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ pending: false })
  })

  it('changing the password ends every other session; the cookie that asked gets a fresh one', async () => {
    await h().user('pw@example.com')
    const origin = ownOrigin(h())
    const cookie = await sessionCookie(h(), 'pw@example.com')
    const other = await sessionToken(h(), 'pw@example.com')
    const { token: apiToken } = await h().token('pw@example.com', { scopes: ['tokens:read'] })
    const changed = await h().request('PUT', '/v1/users/me/password', {
      headers: { cookie, origin },
      body: { current_password: PASSWORD, new_password: 'another good password' },
    })
    expect(changed.status).toBe(204)
    const fresh = changed.headers.getSetCookie()[0]
    expect(fresh).toMatch(
      /^__Host-keygate_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/,
    )
    const freshCookie = fresh!.split(';')[0]!
    expect(freshCookie).not.toBe(cookie)

    await problem(
      await h().request('GET', '/v1/users/me', { headers: { cookie } }),
      401,
      'invalid_token',
    )
    await problem(await h().request('GET', '/v1/users/me', { token: other }), 401, 'invalid_token')
    expect(
      (await h().request('GET', '/v1/users/me', { headers: { cookie: freshCookie } })).status,
    ).toBe(200)
    // API tokens are separate credentials: they stay.
    expect((await h().request('GET', '/v1/auth/tokens', { token: apiToken })).status).toBe(200)
    // The new password signs in; the old one does not.
    expect((await login(h(), 'pw@example.com', { password: 'another good password' })).status).toBe(
      201,
    )
    expect((await login(h(), 'pw@example.com')).status).toBe(401)
  })

  it('changing the password with a bearer session ends that session too, and sets no cookie', async () => {
    await h().user('pw-bearer@example.com')
    const bearer = await sessionToken(h(), 'pw-bearer@example.com')
    const changed = await h().request('PUT', '/v1/users/me/password', {
      token: bearer,
      body: { current_password: PASSWORD, new_password: 'another good password' },
    })
    expect(changed.status).toBe(204)
    expect(changed.headers.getSetCookie()).toEqual([])
    await problem(await h().request('GET', '/v1/users/me', { token: bearer }), 401, 'invalid_token')
  })
})

it('GET /v1/setup: pending while a setup code waits and no user exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-console-setup-'))
  const server = await createServer({
    port: 0,
    database: { url: `sqlite:${join(dir, 'k.db')}` },
    logLevel: 'silent',
  })
  try {
    const url = await server.listen({ host: '127.0.0.1', port: 0 })
    expect(await (await fetch(`${url}/v1/setup`)).json()).toEqual({ pending: false })
    await issueSetupCode({ store: server.tokenService.store, file: join(dir, 'setup-code') })
    expect(await (await fetch(`${url}/v1/setup`)).json()).toEqual({ pending: true })
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
