/**
 * The external auth backend over real HTTP (docs/external-auth.md): the internal token plus
 * `X-On-Behalf-Of` authenticates as that user; `PUT /v1/internal/users/{id}` provisions users;
 * API tokens and sessions keep working beside it. The mode is off by default.
 */
import { randomUUID } from 'node:crypto'
import { createServiceFetch } from '@keygate/client'
import { getPrincipal } from '@keygate/fastify'
import { expect, it } from 'vitest'
import type { KeygateServer } from '../src/index.js'
import { forEachBackend, useHarness, type Harness } from './harness.js'
import { problem, sessionToken } from './sessions-helpers.js'

export const INTERNAL = 'internal-token-0123456789abcdefghijklmnopqrstuv'

/** A route that shows the principal, to see `actor` and `via`. */
function whoami(server: KeygateServer) {
  server.route({
    method: 'GET',
    url: '/v1/whoami',
    handler: (request) => getPrincipal(request) ?? null,
  })
}

function asUser(
  h: Harness,
  userId: string | undefined,
  path = '/v1/users/me',
  method = 'GET',
  body?: unknown,
) {
  return h.request(method, path, {
    token: INTERNAL,
    headers: userId === undefined ? {} : { 'x-on-behalf-of': userId },
    ...(body === undefined ? {} : { body }),
  })
}

forEachBackend('external auth (on)', (backend) => {
  const h = useHarness(
    backend,
    {
      externalAuth: { enabled: true, internalToken: INTERNAL, actor: 'auth-backend' },
      roles: ['operator'],
    },
    { setup: whoami },
  )

  it('internal token + X-On-Behalf-Of authenticates as that user, with actor naming the service', async () => {
    const user = await h().user('acted-for@example.com')
    const me = await asUser(h(), user.id)
    expect(me.status).toBe(200)
    expect(((await me.json()) as { id: string }).id).toBe(user.id)
    const who = (await (await asUser(h(), user.id.toUpperCase(), '/v1/whoami')).json()) as Record<
      string,
      unknown
    >
    expect(who).toEqual({
      kind: 'user',
      subject: user.id,
      scopes: ['tokens:read', 'tokens:write'],
      via: 'internal-token',
      actor: { kind: 'service', subject: 'auth-backend' },
    })
  })

  it('the request can do only what the user’s role allows', async () => {
    const user = await h().user('bounded@example.com')
    const denied = await asUser(h(), user.id, '/v1/users')
    await problem(denied, 403, 'insufficient_scope')
    const admin = await asUser(h(), h().admin.id, '/v1/users')
    expect(admin.status).toBe(200)
  })

  it('missing X-On-Behalf-Of: 400 missing_on_behalf_of; malformed: 400; unknown: 404 user_not_found; disabled: 403 user_disabled', async () => {
    expect((await problem(await asUser(h(), undefined), 400, 'missing_on_behalf_of')).detail).toBe(
      'X-On-Behalf-Of is required with an internal token',
    )
    await problem(await asUser(h(), 'not-a-uuid'), 400, 'invalid_request')
    await problem(await asUser(h(), randomUUID()), 404, 'user_not_found')
    const user = await h().user('disabled-external@example.com')
    await h().store.users.update(user.id, { disabled: true })
    await problem(await asUser(h(), user.id), 403, 'user_disabled')
  })

  it('a wrong bearer is passed on and gets the ordinary 401 invalid_token (the mode cannot be probed)', async () => {
    const user = await h().user('wrong-internal@example.com')
    const response = await h().request('GET', '/v1/users/me', {
      token: `${INTERNAL.slice(0, -1)}x`,
      headers: { 'x-on-behalf-of': user.id },
    })
    expect((await problem(response, 401, 'invalid_token')).detail).toBe(
      'The credential is not valid',
    )
  })

  it('is additive: API tokens and sessions keep working beside it, each with its own error codes', async () => {
    const api = await h().token('admin@example.com', { scopes: ['tokens:read'] })
    const session = await sessionToken(h(), 'admin@example.com')
    expect((await h().request('GET', '/v1/users/me', { token: api.token })).status).toBe(200)
    expect((await h().request('GET', '/v1/users/me', { token: session })).status).toBe(200)
    // X-On-Behalf-Of is not theirs to use: refused, never ignored (test/identity-headers.test.ts).
    const other = await h().user('not-me@example.com')
    const withHeader = await h().request('GET', '/v1/users/me', {
      token: api.token,
      headers: { 'x-on-behalf-of': other.id },
    })
    await problem(withHeader, 400, 'invalid_request')
    const badToken = await h().request('GET', '/v1/users/me', {
      token: `${api.token.slice(0, -6)}AAAAAA`,
    })
    expect((await problem(badToken, 401, 'invalid_token')).detail).toBe('The token is malformed')
    const badSession = await h().request('GET', '/v1/users/me', { token: `${session}x` })
    expect((await problem(badSession, 401, 'invalid_token')).detail).toBe(
      'The signature is not valid',
    )
    await h().request('DELETE', '/v1/auth/sessions/current', { token: session })
    expect(
      (
        await problem(
          await h().request('GET', '/v1/users/me', { token: session }),
          401,
          'invalid_token',
        )
      ).detail,
    ).toBe('The session has ended')
  })

  it('@keygate/client sends X-On-Behalf-Of per call', async () => {
    const user = await h().user('client-side@example.com')
    const api = createServiceFetch({ secret: INTERNAL, origins: [h().url] })
    const me = await api(`${h().url}/v1/users/me`, { onBehalfOf: user.id })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { id: string }).id).toBe(user.id)
    const admin = await api(`${h().url}/v1/users/me`, { onBehalfOf: h().admin.id })
    expect(((await admin.json()) as { id: string }).id).toBe(h().admin.id)
    await problem(await api(`${h().url}/v1/users/me`), 400, 'missing_on_behalf_of')
  })

  it('provisioning is audited with the configured actor', async () => {
    const id = randomUUID()
    const put = await h().request('PUT', `/v1/internal/users/${id}`, {
      token: INTERNAL,
      body: { email: 'audited@example.com', slug: 'audited' },
    })
    expect(put.status).toBe(201)
    const audit = await h().request('GET', `/v1/audit?action=user.created&user_id=${id}`, {
      token: await sessionToken(h(), 'admin@example.com'),
    })
    const { items } = (await audit.json()) as { items: { actor: unknown }[] }
    expect(items.map((item) => item.actor)).toEqual([{ kind: 'service', id: 'auth-backend' }])
  })

  it('never logs the internal token', async () => {
    await asUser(h(), h().admin.id)
    await h().request('PUT', `/v1/internal/users/${randomUUID()}`, {
      token: INTERNAL,
      body: { email: 'log-check@example.com', slug: 'log-check' },
    })
    for (const line of h().logs) expect(line).not.toContain(INTERNAL)
  })
})

forEachBackend('PUT /v1/internal/users/{id}', (backend) => {
  const h = useHarness(backend, {
    externalAuth: { enabled: true, internalToken: INTERNAL },
    roles: ['operator'],
    scopes: { 'runs:read': { roles: ['user'] } },
  })
  const put = (id: string, body: unknown, token: string | null = INTERNAL) =>
    h().request('PUT', `/v1/internal/users/${id}`, {
      body,
      ...(token === null ? {} : { token }),
    })

  it('creates (201), then is idempotent (200), keyed by the UUID', async () => {
    const id = randomUUID()
    const created = await put(id, { email: 'Ext.User@Example.com', slug: 'ext-user' })
    expect(created.status).toBe(201)
    const body = (await created.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      id,
      email: 'ext.user@example.com',
      slug: 'ext-user',
      role: 'user',
      disabled: false,
    })
    expect(Object.keys(body).sort()).toEqual([
      'created_at',
      'disabled',
      'email',
      'id',
      'role',
      'slug',
      'updated_at',
    ])
    const again = await put(id.toUpperCase(), { email: 'ext.user@example.com', slug: 'ext-user' })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual(body)
    const stored = await h().store.users.findById(id)
    expect(stored?.passwordHash).toBeNull()
    // It can be acted for at once.
    expect((await asUser(h(), id)).status).toBe(200)
  })

  it('fields not sent are not overwritten; sent ones are', async () => {
    const id = randomUUID()
    expect(
      (await put(id, { email: 'keep@example.com', slug: 'keep', role: 'operator' })).status,
    ).toBe(201)
    const updated = await put(id, { email: 'kept@example.com', slug: 'kept' })
    expect(updated.status).toBe(200)
    expect(await updated.json()).toMatchObject({
      email: 'kept@example.com',
      slug: 'kept',
      role: 'operator',
    })
    // Disabled stays disabled: the upsert never re-enables.
    await h().store.users.update(id, { disabled: true })
    expect(await (await put(id, { email: 'kept@example.com', slug: 'kept' })).json()).toMatchObject(
      { disabled: true },
    )
  })

  it('a new role revokes the API tokens that carry a scope it may not grant', async () => {
    const id = randomUUID()
    await put(id, { email: 'role-change@example.com', slug: 'role-change' })
    // Give the user a password so it can create a token over HTTP.
    const { passwords } = await import('../src/lib/passwords.js')
    await h().store.users.update(id, {
      passwordHash: await passwords.hash('correct horse battery staple'),
    })
    const token = await h().token('role-change@example.com', { scopes: ['runs:read'] })
    expect((await h().request('GET', '/v1/users/me', { token: token.token })).status).toBe(200)
    expect(
      (await put(id, { email: 'role-change@example.com', slug: 'role-change', role: 'operator' }))
        .status,
    ).toBe(200)
    await problem(
      await h().request('GET', '/v1/users/me', { token: token.token }),
      401,
      'invalid_token',
    )
  })

  it('wrong token: 401 invalid_internal_token; none: 401 missing_credentials; an API token or a session is not the internal token', async () => {
    const id = randomUUID()
    const body = { email: 'nope@example.com', slug: 'nope' }
    const wrong = await put(id, body, `${INTERNAL.slice(0, -1)}x`)
    expect((await problem(wrong, 401, 'invalid_internal_token')).detail).toBe(
      'The internal token is not valid',
    )
    expect(wrong.headers.get('www-authenticate')).toBe(
      'Bearer realm="keygate", error="invalid_token", error_description="The internal token is not valid"',
    )
    const none = await put(id, body, null)
    await problem(none, 401, 'missing_credentials')
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="keygate"')
    const api = await h().token('admin@example.com', { scopes: ['users:manage'] })
    await problem(await put(id, body, api.token), 401, 'invalid_internal_token')
    await problem(
      await put(id, body, await sessionToken(h(), 'admin@example.com')),
      401,
      'invalid_internal_token',
    )
    expect(await h().store.users.findById(id)).toBeUndefined()
  })

  it('the token is checked before the body: a wrong token with garbage is 401, not 400', async () => {
    const response = await h().request('PUT', `/v1/internal/users/${randomUUID()}`, {
      token: 'x'.repeat(40),
      body: '{not json',
    })
    await problem(response, 401, 'invalid_internal_token')
  })

  it('validation: email and slug required, unknown fields and roles refused, the id must be a UUID, conflicts named', async () => {
    const cases: [string, unknown, string][] = [
      [randomUUID(), { email: 'a@example.com' }, '/slug'],
      [randomUUID(), { slug: 'a' }, '/email'],
      [randomUUID(), { email: 'a@example.com', slug: 'a', limits: {} }, '/limits'],
      [randomUUID(), { email: 'a@example.com', slug: 'a', role: 'god' }, '/role'],
      [randomUUID(), { email: 'a@example.com', slug: 'has space' }, '/slug'],
      [randomUUID(), { email: 'not an email', slug: 'a' }, '/email'],
      ['not-a-uuid', { email: 'a@example.com', slug: 'a' }, '/id'],
      [randomUUID(), { email: 'ADMIN@example.com', slug: 'a' }, '/email'],
    ]
    for (const [id, body, path] of cases) {
      const response = await put(id, body)
      const problemBody = (await response.json()) as {
        code: string
        errors?: { path: string; message: string }[]
      }
      expect(response.status, JSON.stringify({ id, body })).toBe(400)
      expect(problemBody.code).toBe('validation_failed')
      expect(problemBody.errors?.map((e) => e.path)).toContain(path)
    }
    const taken = randomUUID()
    await put(taken, { email: 'slug-owner@example.com', slug: 'taken' })
    const conflict = await put(randomUUID(), { email: 'other@example.com', slug: 'taken' })
    expect(await conflict.json()).toMatchObject({
      errors: [{ path: '/slug', message: 'already exists' }],
    })
  })
})

forEachBackend('external auth (off, the default)', (backend) => {
  const h = useHarness(backend)

  it('the internal route does not exist (404), and the internal token is an ordinary unknown bearer (401)', async () => {
    const api = await h().token('admin@example.com', { scopes: ['users:manage'] })
    const path = `/v1/internal/users/${randomUUID()}`
    const body = { email: 'off@example.com', slug: 'off' }
    await problem(await h().request('PUT', path, { token: api.token, body }), 404, 'not_found')
    const internal = await h().request('PUT', path, { token: INTERNAL, body })
    expect((await problem(internal, 401, 'invalid_token')).detail).toBe(
      'The credential is not valid',
    )
    const actingFor = await h().request('GET', '/v1/users/me', {
      token: INTERNAL,
      headers: { 'x-on-behalf-of': h().admin.id },
    })
    await problem(actingFor, 401, 'invalid_token')
    await problem(await h().request('PUT', path, { body }), 401, 'missing_credentials')
  })
})
