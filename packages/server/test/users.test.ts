import { expect, it, vi } from 'vitest'
import { passwords } from '../src/lib/passwords.js'
import { forEachBackend, PASSWORD, useHarness } from './harness.js'

forEachBackend('/v1/users', (backend) => {
  const h = useHarness(backend, {
    roles: ['operator'],
    scopes: { 'runs:read': { roles: ['user'] } },
  })
  let adminToken = ''
  const admin = async () => {
    adminToken ||= (
      await h().token('admin@example.com', { scopes: ['users:manage', 'tokens:read'] })
    ).token
    return adminToken
  }

  it('POST /v1/users creates a user (users:manage): 201, email normalised, no hash in the answer', async () => {
    const response = await h().request('POST', '/v1/users', {
      token: await admin(),
      body: { email: ' New.User@Example.com ', password: 'a good password', role: 'operator' },
    })
    expect(response.status).toBe(201)
    const text = await response.text()
    expect(text).not.toMatch(/argon2|password/)
    const user = JSON.parse(text)
    expect(Object.keys(user).sort()).toEqual([
      'created_at',
      'disabled',
      'email',
      'id',
      'role',
      'updated_at',
    ])
    expect(user).toMatchObject({ email: 'new.user@example.com', role: 'operator', disabled: false })
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const stored = await h().store.users.findById(user.id)
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    // The new user can log in.
    expect(
      (
        await h().request('POST', '/v1/auth/tokens', {
          body: { email: 'new.user@example.com', password: 'a good password', name: 'x' },
        })
      ).status,
    ).toBe(201)
  })

  it('POST /v1/users validates: password 8–128, known role, email, duplicates, unknown fields', async () => {
    const token = await admin()
    const cases: [unknown, { path: string; message: string }[]][] = [
      [
        { email: 'a@example.com', password: 'short' },
        [{ path: '/password', message: 'must NOT have fewer than 8 characters' }],
      ],
      [
        { email: 'a@example.com', password: 'x'.repeat(129) },
        [{ path: '/password', message: 'must NOT have more than 128 characters' }],
      ],
      [
        { email: 'a@example.com', password: PASSWORD, role: 'god' },
        [{ path: '/role', message: 'must be one of the allowed values' }],
      ],
      [
        { email: 'not an email', password: PASSWORD },
        [{ path: '/email', message: 'must be an email address' }],
      ],
      [
        { email: 'ADMIN@example.com', password: PASSWORD },
        [{ path: '/email', message: 'already exists' }],
      ],
      [
        { email: 'a@example.com', password: PASSWORD, is_admin: true },
        [{ path: '/is_admin', message: 'unknown field' }],
      ],
      [{ password: PASSWORD }, [{ path: '/email', message: 'is required' }]],
    ]
    for (const [body, errors] of cases) {
      const response = await h().request('POST', '/v1/users', { token, body })
      expect(response.status, JSON.stringify(body)).toBe(400)
      const problem = await response.json()
      expect(problem.code).toBe('validation_failed')
      expect(problem.errors).toEqual(errors)
    }
  })

  it('a password of 128 multi-byte characters is accepted (characters, not bytes)', async () => {
    const response = await h().request('POST', '/v1/users', {
      token: await admin(),
      body: { email: 'emoji@example.com', password: '🔑'.repeat(128) },
    })
    expect(response.status).toBe(201)
  })

  it('without users:manage: 403 insufficient_scope; without a token: 401', async () => {
    await h().user('pleb@example.com')
    const { token } = await h().token('pleb@example.com', {
      scopes: ['tokens:read', 'tokens:write', 'runs:read'],
    })
    for (const [method, path] of [
      ['POST', '/v1/users'],
      ['GET', '/v1/users'],
      ['GET', `/v1/users/${h().admin.id}`],
      ['PATCH', `/v1/users/${h().admin.id}`],
    ] as const) {
      const body =
        method === 'POST'
          ? { email: 'x@example.com', password: PASSWORD }
          : method === 'PATCH'
            ? { role: 'user' }
            : undefined
      const refused = await h().request(method, path, { token, body })
      expect(refused.status, `${method} ${path}`).toBe(403)
      expect(refused.headers.get('www-authenticate')).toContain('scope="users:manage"')
      const anonymous = await h().request(method, path, { body })
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="keygate"')
    }
  })

  it('GET /v1/users lists users with cursor pagination', async () => {
    const token = await admin()
    const first = await (await h().request('GET', '/v1/users?limit=1', { token })).json()
    expect(first.items).toHaveLength(1)
    expect(typeof first.next_cursor).toBe('string')
    const everyone = await (await h().request('GET', '/v1/users?limit=100', { token })).json()
    expect(everyone.items.map((u: { email: string }) => u.email)).toContain('admin@example.com')
    expect(JSON.stringify(everyone)).not.toMatch(/argon2|password_hash/)
  })

  it('GET /v1/users/me answers the caller with any valid token, whatever its scopes', async () => {
    await h().user('me@example.com')
    const { token } = await h().token('me@example.com', { scopes: [] })
    const response = await h().request('GET', '/v1/users/me', { token })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      email: 'me@example.com',
      role: 'user',
      disabled: false,
    })
  })

  it('GET /v1/users/{id}: found, or a uniform 404 for a missing or malformed id', async () => {
    const token = await admin()
    expect((await h().request('GET', `/v1/users/${h().admin.id}`, { token })).status).toBe(200)
    const missing = await h().request('GET', '/v1/users/00000000-0000-4000-8000-000000000000', {
      token,
    })
    const malformed = await h().request('GET', '/v1/users/zzz', { token })
    expect(missing.status).toBe(404)
    expect(malformed.status).toBe(404)
  })

  it('PATCH disabled: the user’s tokens are revoked at once and login is refused', async () => {
    const user = await h().user('leaver@example.com')
    const { token } = await h().token('leaver@example.com', { scopes: ['tokens:read'] })
    expect((await h().request('GET', '/v1/auth/tokens', { token })).status).toBe(200)
    const response = await h().request('PATCH', `/v1/users/${user.id}`, {
      token: await admin(),
      body: { disabled: true },
    })
    expect(response.status).toBe(200)
    expect((await response.json()).disabled).toBe(true)
    expect((await h().request('GET', '/v1/auth/tokens', { token })).status).toBe(401)
    const login = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'leaver@example.com', password: PASSWORD, name: 'again' },
    })
    expect(login.status).toBe(401)
  })

  it('PATCH role: tokens carrying scopes the new role cannot grant are revoked; others keep working', async () => {
    const user = await h().user('demoted@example.com', 'admin')
    const mighty = await h().token('demoted@example.com', {
      scopes: ['tokens:read', 'users:manage'],
    })
    const modest = await h().token('demoted@example.com', { scopes: ['tokens:read'] })
    expect((await h().request('GET', '/v1/users', { token: mighty.token })).status).toBe(200)
    const response = await h().request('PATCH', `/v1/users/${user.id}`, {
      token: await admin(),
      body: { role: 'user' },
    })
    expect(response.status).toBe(200)
    expect((await response.json()).role).toBe('user')
    expect((await h().request('GET', '/v1/users', { token: mighty.token })).status).toBe(401)
    expect((await h().request('GET', '/v1/auth/tokens', { token: modest.token })).status).toBe(200)
  })

  it('PATCH refuses changes to one’s own user, empty bodies and unknown fields', async () => {
    const token = await admin()
    const self = await h().request('PATCH', `/v1/users/${h().admin.id}`, {
      token,
      body: { disabled: true },
    })
    expect(self.status).toBe(400)
    expect((await self.json()).errors).toEqual([
      { path: '/disabled', message: 'cannot be changed on your own user' },
    ])
    expect(
      (await h().request('PATCH', `/v1/users/${h().admin.id}`, { token, body: {} })).status,
    ).toBe(400)
    expect(
      (await h().request('PATCH', `/v1/users/${h().admin.id}`, { token, body: { email: 'x@y.z' } }))
        .status,
    ).toBe(400)
    expect(
      (
        await h().request('PATCH', '/v1/users/00000000-0000-4000-8000-000000000000', {
          token,
          body: { role: 'user' },
        })
      ).status,
    ).toBe(404)
  })

  it('PUT /v1/users/me/password: needs the current password; then only the new one logs in', async () => {
    await h().user('changer@example.com')
    const { token } = await h().token('changer@example.com', { scopes: [] })
    const verify = vi.spyOn(passwords, 'verify')
    try {
      const wrong = await h().request('PUT', '/v1/users/me/password', {
        token,
        body: { current_password: 'not it at all', new_password: 'brand new password' },
      })
      expect(wrong.status).toBe(400)
      expect((await wrong.json()).errors).toEqual([
        { path: '/current_password', message: 'is not correct' },
      ])
      expect(verify).toHaveBeenCalledTimes(1)
    } finally {
      verify.mockRestore()
    }
    const tooShort = await h().request('PUT', '/v1/users/me/password', {
      token,
      body: { current_password: PASSWORD, new_password: 'short' },
    })
    expect(tooShort.status).toBe(400)
    const ok = await h().request('PUT', '/v1/users/me/password', {
      token,
      body: { current_password: PASSWORD, new_password: 'brand new password' },
    })
    expect(ok.status).toBe(204)
    const old = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'changer@example.com', password: PASSWORD, name: 'old' },
    })
    expect(old.status).toBe(401)
    const fresh = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'changer@example.com', password: 'brand new password', name: 'new' },
    })
    expect(fresh.status).toBe(201)
    // Existing tokens are separate credentials: still valid.
    expect((await h().request('GET', '/v1/users/me', { token })).status).toBe(200)
  })
})
