import { apiTokenRegex, parseAPIToken } from '@keygate/core'
import { expect, it, vi } from 'vitest'
import { passwords } from '../src/lib/passwords.js'
import { comparable, forEachBackend, PASSWORD, useHarness } from './harness.js'

const DAY = 24 * 3600 * 1000

forEachBackend('POST /v1/auth/tokens', (backend) => {
  const h = useHarness(backend, {
    scopes: {
      'runs:read': { roles: ['user', 'operator'] },
      'billing:admin': { roles: [] },
    },
    roles: ['operator'],
    tokens: { maxDays: 90, defaultDays: 30 },
    // Compared answers come from distinct client IPs, so that the rate-limit counters they report
    // are in the same state: only the email's existence differs between them.
    trustProxy: ['127.0.0.1'],
  })

  it('creates a token: 201, the secret once, Cache-Control: no-store, snake_case body', async () => {
    await h().user('ada@example.com')
    const before = Date.now()
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: {
        email: 'ada@example.com',
        password: PASSWORD,
        name: 'laptop',
        scopes: ['tokens:read', 'runs:read'],
      },
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json()
    expect(Object.keys(body).sort()).toEqual([
      'created_at',
      'expires_at',
      'id',
      'name',
      'scopes',
      'token',
    ])
    expect(body).toMatchObject({ name: 'laptop', scopes: ['tokens:read', 'runs:read'] })
    expect(body.id).toMatch(/^tok_[0-9A-Za-z]+$/)
    // SPEC §5: the published regex matches, the checksum verifies offline.
    expect(apiTokenRegex('kg').test(body.token)).toBe(true)
    expect(parseAPIToken(body.token, { prefix: 'kg' }).ok).toBe(true)
    const expires = Date.parse(body.expires_at)
    expect(expires - Date.parse(body.created_at)).toBeGreaterThanOrEqual(30 * DAY - 1000)
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY)
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY - 1000)

    // The token works, and the store holds only its digest and hint.
    const me = await h().request('GET', '/v1/users/me', { token: body.token })
    expect(me.status).toBe(200)
    const stored = await h().store.tokens.findById(body.id)
    expect(stored?.hint).toBe(`kg_…${body.token.slice(-4)}`)
    expect(JSON.stringify(stored)).not.toContain(body.token)
  })

  it('normalises the email (trimmed, lower-cased)', async () => {
    await h().user('grace@example.com')
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: { email: '  Grace@Example.COM ', password: PASSWORD, name: 'n1' },
    })
    expect(response.status).toBe(201)
    expect((await response.json()).scopes).toEqual([])
  })

  it('honours expires_in_days within the policy, and refuses one outside it with 400 validation_failed', async () => {
    await h().user('exp@example.com')
    const ok = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'exp@example.com', password: PASSWORD, name: 'ninety', expires_in_days: 90 },
    })
    expect(ok.status).toBe(201)
    const body = await ok.json()
    // The store stamps created_at itself, a moment after the server computed the expiry.
    expect(
      Math.abs(Date.parse(body.expires_at) - Date.parse(body.created_at) - 90 * DAY),
    ).toBeLessThan(1000)

    for (const days of [0, 91, 366, 1.5, '30']) {
      const response = await h().request('POST', '/v1/auth/tokens', {
        body: {
          email: 'exp@example.com',
          password: PASSWORD,
          name: `d${String(days)}`,
          expires_in_days: days,
        },
      })
      expect(response.status).toBe(400)
      const problem = await response.json()
      expect(problem.code).toBe('validation_failed')
      expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['/expires_in_days'])
    }
  })

  it('unknown scopes are 400 validation_failed naming each one', async () => {
    await h().user('scopes@example.com')
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: {
        email: 'scopes@example.com',
        password: PASSWORD,
        name: 'x',
        scopes: ['tokens:read', 'nope:x', 'TOKENS:READ'],
      },
    })
    expect(response.status).toBe(400)
    const problem = await response.json()
    expect(problem.code).toBe('validation_failed')
    expect(problem.errors).toEqual([
      { path: '/scopes/1', message: 'unknown scope' },
      { path: '/scopes/2', message: 'unknown scope' },
    ])
  })

  it('a non-admin cannot get tokens:manage or any admin-only scope: 403 scope_not_allowed', async () => {
    await h().user('mallory@example.com')
    const verify = vi.spyOn(passwords, 'verify')
    try {
      for (const scope of ['tokens:manage', 'users:manage', 'audit:read', 'billing:admin']) {
        const response = await h().request('POST', '/v1/auth/tokens', {
          body: {
            email: 'mallory@example.com',
            password: PASSWORD,
            name: `x-${scope}`,
            scopes: ['tokens:read', scope],
          },
        })
        expect(response.status).toBe(403)
        expect(response.headers.get('www-authenticate')).toBeNull()
        const problem = await response.json()
        expect(problem).toMatchObject({
          code: 'scope_not_allowed',
          status: 403,
          detail: `Your role does not allow scope: ${scope}`,
        })
      }
      // The password was checked first: the role is never revealed to a wrong password.
      expect(verify).toHaveBeenCalledTimes(4)
    } finally {
      verify.mockRestore()
    }
    const list = await h().store.users.findByEmail('mallory@example.com')
    expect((await h().store.tokens.listByUser(list!.id)).items).toEqual([])
  })

  it('roles grant what config says: a configured role gets its application scope, not admin-only ones', async () => {
    await h().user('op@example.com', 'operator')
    const ok = await h().request('POST', '/v1/auth/tokens', {
      body: {
        email: 'op@example.com',
        password: PASSWORD,
        name: 'ops',
        scopes: ['runs:read', 'tokens:write'],
      },
    })
    expect(ok.status).toBe(201)
    const refused = await h().request('POST', '/v1/auth/tokens', {
      body: {
        email: 'op@example.com',
        password: PASSWORD,
        name: 'ops2',
        scopes: ['billing:admin'],
      },
    })
    expect(refused.status).toBe(403)
  })

  it('an admin may grant every scope, built-in and application', async () => {
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: {
        email: 'admin@example.com',
        password: PASSWORD,
        name: 'everything',
        scopes: [
          'tokens:read',
          'tokens:write',
          'tokens:manage',
          'users:manage',
          'audit:read',
          'runs:read',
          'billing:admin',
        ],
      },
    })
    expect(response.status).toBe(201)
  })

  it('a second token with the same name for the same user is 400 on /name', async () => {
    await h().user('dup@example.com')
    await h().token('dup@example.com', { name: 'ci' })
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'dup@example.com', password: PASSWORD, name: 'ci' },
    })
    expect(response.status).toBe(400)
    expect((await response.json()).errors).toEqual([
      { path: '/name', message: 'a token with this name already exists' },
    ])
  })

  it('unknown email and wrong password are byte-identical answers (request_id aside)', async () => {
    await h().user('victim@example.com')
    const verify = vi.spyOn(passwords, 'verify')
    try {
      const unknown = await h().request('POST', '/v1/auth/tokens', {
        body: { email: 'nobody@example.com', password: 'wrong password', name: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.1' },
      })
      const wrong = await h().request('POST', '/v1/auth/tokens', {
        body: { email: 'victim@example.com', password: 'wrong password', name: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.2' },
      })
      const a = await comparable(unknown)
      const b = await comparable(wrong)
      expect(a.status).toBe(401)
      expect(a.body).toContain('"request_id":"<id>"')
      expect(a).toEqual(b)
      expect(a.headers.ratelimit).toBe('"ip";r=9999;t=900, "email";r=9999;t=900')
      expect(JSON.parse(a.body)).toMatchObject({
        code: 'invalid_token',
        detail: 'The email or password is not valid',
      })
      // Same time: both ran exactly one argon2 verification (the unknown email against a dummy
      // hash with the same parameters).
      expect(verify).toHaveBeenCalledTimes(2)
      const [dummy, real] = verify.mock.calls.map((call) => call[0])
      expect(dummy).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect(real).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect(dummy).not.toBe(real)
    } finally {
      verify.mockRestore()
    }
  })

  it('a disabled user gets the same answer as a wrong password', async () => {
    const user = await h().user('gone@example.com')
    await h().store.users.update(user.id, { disabled: true })
    const disabled = await comparable(
      await h().request('POST', '/v1/auth/tokens', {
        body: { email: 'gone@example.com', password: PASSWORD, name: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.3' },
      }),
    )
    const unknown = await comparable(
      await h().request('POST', '/v1/auth/tokens', {
        body: { email: 'nobody2@example.com', password: PASSWORD, name: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.4' },
      }),
    )
    expect(disabled).toEqual(unknown)
  })

  it('passwords over 128 characters are refused before any hashing', async () => {
    const verify = vi.spyOn(passwords, 'verify')
    try {
      const response = await h().request('POST', '/v1/auth/tokens', {
        body: { email: 'admin@example.com', password: 'x'.repeat(129), name: 'long' },
      })
      expect(response.status).toBe(400)
      expect((await response.json()).errors).toEqual([
        { path: '/password', message: 'must NOT have more than 128 characters' },
      ])
      expect(verify).not.toHaveBeenCalled()
    } finally {
      verify.mockRestore()
    }
  })

  it('never logs the password, the token or its digest', async () => {
    await h().user('logs@example.com')
    const { token } = await h().token('logs@example.com', { name: 'logged' })
    await h().request('GET', '/v1/users/me', { token })
    await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'logs@example.com', password: 'Wrong-Pass-123', name: 'x' },
    })
    const text = h().logs.join('\n')
    expect(text).toContain('token created')
    for (const secret of [token, PASSWORD, 'Wrong-Pass-123', token.slice(3, 20)])
      expect(text).not.toContain(secret)
    expect(text).not.toMatch(/\$argon2id\$/)
  })
})
