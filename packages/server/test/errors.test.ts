/**
 * Every error row of SPEC §7 and the strict-validation rules, over real HTTP: each answer is
 * RFC 9457 problem+json with `status` equal to the HTTP status, a stable `code`, a `request_id`,
 * `Cache-Control: no-store`, and never a stack or a credential.
 */
import { generateAPIToken } from '@keygate/core'
import { rawRequest } from '@keygate/testkit'
import { afterEach, expect, it, vi } from 'vitest'
import { PUBLIC } from '../src/auth/register-auth.js'
import { openStore } from '../src/store/index.js'
import { createDatabase, forEachBackend, PASSWORD, startHarness, useHarness } from './harness.js'

const SECRET_IN_MESSAGE = 'kg_leakedSecretThatMustNeverBeShown0123'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON body, asserted field by field
async function expectProblem(response: Response, status: number, code: string): Promise<any> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const text = await response.text()
  expect(text).not.toMatch(/\bat .+:\d+:\d+/) // no stack frame
  const body = JSON.parse(text)
  expect(body).toMatchObject({ type: `https://keygate.dev/errors#${code}`, status, code })
  expect(typeof body.title).toBe('string')
  expect(typeof body.detail).toBe('string')
  expect(body.request_id).toMatch(/^req_[0-9a-f]{16}$/)
  expect(response.headers.get('x-request-id')).toBe(body.request_id)
  return body
}

afterEach(() => {
  vi.useRealTimers()
})

forEachBackend('errors (SPEC §7)', (backend) => {
  const h = useHarness(
    backend,
    {},
    {
      setup(server) {
        server.route({
          method: 'GET',
          url: '/v1/boom',
          config: PUBLIC,
          handler: () => {
            throw new Error(`database said: ${SECRET_IN_MESSAGE}`)
          },
        })
        server.route({
          method: 'GET',
          url: '/v1/boom-protected',
          handler: () => {
            throw new TypeError(SECRET_IN_MESSAGE)
          },
        })
      },
    },
  )
  let token = ''
  const userToken = async () => {
    if (token === '') {
      await h().user('errors@example.com')
      token = (await h().token('errors@example.com', { scopes: ['tokens:read'] })).token
    }
    return token
  }

  it('no credential: 401 missing_credentials, challenge without error', async () => {
    const response = await h().request('GET', '/v1/auth/tokens')
    await expectProblem(response, 401, 'missing_credentials')
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="keygate"')
  })

  it('another scheme: 401 missing_credentials (RFC 6750 §3.1)', async () => {
    const response = await h().request('GET', '/v1/auth/tokens', {
      headers: { authorization: 'Basic YTpi' },
    })
    await expectProblem(response, 401, 'missing_credentials')
  })

  it('malformed, duplicate or oversized credential: 400 invalid_request', async () => {
    const malformed = await h().request('GET', '/v1/auth/tokens', {
      headers: { authorization: 'Bearer a b' },
    })
    await expectProblem(malformed, 400, 'invalid_request')
    expect(malformed.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="keygate", error="invalid_request"/,
    )

    const t = await userToken()
    const duplicate = await rawRequest(h().url, 'GET', '/v1/auth/tokens', [
      `Authorization: Bearer ${t}`,
      `Authorization: Bearer ${t}`,
    ])
    expect(duplicate.status).toBe(400)
    expect((duplicate.json() as { code: string }).code).toBe('invalid_request')

    const oversized = await h().request('GET', '/v1/auth/tokens', {
      headers: { authorization: `Bearer ${'a'.repeat(5000)}` },
    })
    await expectProblem(oversized, 400, 'invalid_request')
  })

  it('wrong token: 401 invalid_token — unknown, bad checksum, malformed, or another prefix', async () => {
    const t = await userToken()
    const cases: [string, string][] = [
      [generateAPIToken({ prefix: 'kg' }).token, 'The credential is not valid'],
      [`${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, 'The token is malformed'],
      [`kg_${'A'.repeat(30)}`, 'The token is malformed'],
      ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'The credential is not valid'],
    ]
    for (const [presented, detail] of cases) {
      const response = await h().request('GET', '/v1/auth/tokens', { token: presented })
      const body = await expectProblem(response, 401, 'invalid_token')
      expect(body.detail).toBe(detail)
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="keygate", error="invalid_token", error_description="${detail}"`,
      )
      expect(JSON.stringify(body)).not.toContain(presented)
    }
  })

  it('revoked token: 401 invalid_token', async () => {
    await h().user('ghost@example.com')
    const ghost = await h().token('ghost@example.com', { scopes: ['tokens:read'] })
    await h().store.tokens.revoke(ghost.id, new Date())
    // Revoked directly in the store: this instance never cached it, the store answers.
    const response = await h().request('GET', '/v1/auth/tokens', { token: ghost.token })
    expect((await expectProblem(response, 401, 'invalid_token')).detail).toBe(
      'The token has been revoked',
    )
  })

  it('expired token: 401 invalid_token', async () => {
    await h().user('expiring@example.com')
    const { token: t } = await h().token('expiring@example.com', {
      scopes: ['tokens:read'],
      expires_in_days: 1,
    })
    expect((await h().request('GET', '/v1/auth/tokens', { token: t })).status).toBe(200)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 24 * 3600 * 1000 + 1000 })
    const response = await h().request('GET', '/v1/auth/tokens', { token: t })
    expect((await expectProblem(response, 401, 'invalid_token')).detail).toBe(
      'The token has expired',
    )
  })

  it('authenticated, scope missing: 403 insufficient_scope with scope="…"', async () => {
    const response = await h().request('GET', '/v1/users', { token: await userToken() })
    await expectProblem(response, 403, 'insufficient_scope')
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="keygate", error="insufficient_scope", error_description="Required scope: users:manage", scope="users:manage"',
    )
  })

  it('store unavailable: 503 auth_unavailable with Retry-After, never 401 or 200', async () => {
    const database = await createDatabase(backend)
    const store = await openStore({ url: database.url, schema: database.schema })
    await store.migrate()
    const harness = await startHarness(backend, {}, { store })
    try {
      await harness.user('down@example.com')
      const { token: t } = await harness.token('down@example.com', { scopes: ['tokens:read'] })
      await store.close()
      const response = await harness.request('GET', '/v1/auth/tokens', { token: t })
      await expectProblem(response, 503, 'auth_unavailable')
      expect(response.headers.get('retry-after')).toBe('5')
      expect(response.headers.get('www-authenticate')).toBeNull()
      // Routes fail closed alike: the database's failure is a 503, never a 201, 401 or 500.
      const login = await harness.request('POST', '/v1/auth/tokens', {
        body: { email: 'down@example.com', password: PASSWORD, name: 'x' },
      })
      expect((await expectProblem(login, 503, 'auth_unavailable')).detail).toBe(
        'The database is not available',
      )
      expect(login.headers.get('retry-after')).toBe('5')
    } finally {
      await harness.close()
      await database.drop()
    }
  })

  it('anything unexpected: 500 internal_error, without its message, logged by class only', async () => {
    for (const path of ['/v1/boom', '/v1/boom-protected']) {
      const response = await h().request('GET', path, { token: await userToken() })
      const body = await expectProblem(response, 500, 'internal_error')
      expect(JSON.stringify(body)).not.toContain(SECRET_IN_MESSAGE)
      expect(body.detail).toBe('Internal error')
    }
    const logs = h().logs.join('\n')
    expect(logs).toContain('unexpected error')
    expect(logs).not.toContain(SECRET_IN_MESSAGE)
  })

  it('unknown fields: 400 validation_failed listing every one in errors[]', async () => {
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 'a@example.com', password: PASSWORD, name: 'x', expires: 3, admin: true },
    })
    const body = await expectProblem(response, 400, 'validation_failed')
    expect(body.errors).toEqual([
      { path: '/expires', message: 'unknown field' },
      { path: '/admin', message: 'unknown field' },
    ])
  })

  it('every schema error is reported at once, with JSON Pointer paths', async () => {
    const response = await h().request('POST', '/v1/auth/tokens', {
      body: { email: 7, name: '', scopes: 'tokens:read' },
    })
    const body = await expectProblem(response, 400, 'validation_failed')
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: '/password', message: 'is required' },
        { path: '/email', message: 'must be string' },
        { path: '/name', message: 'must NOT have fewer than 1 characters' },
        { path: '/scopes', message: 'must be array' },
      ]),
    )
  })

  it('a body that is not an object, or none at all: 400', async () => {
    for (const text of ['[]', '"x"', '42', 'null']) {
      const response = await h().request('POST', '/v1/auth/tokens', { body: text })
      const body = await expectProblem(response, 400, 'validation_failed')
      expect(body.errors).toEqual([{ path: '', message: 'must be a JSON object' }])
    }
    const empty = await fetch(`${h().url}/v1/auth/tokens`, { method: 'POST' })
    await expectProblem(empty, 400, 'validation_failed')
  })

  it('malformed JSON: 400 validation_failed', async () => {
    for (const text of ['{', '{"email":', "{'a':1}", '{"a":1}x']) {
      const response = await h().request('POST', '/v1/auth/tokens', { body: text })
      const body = await expectProblem(response, 400, 'validation_failed')
      expect(body.errors).toEqual([{ path: '', message: 'malformed JSON' }])
    }
  })

  it('__proto__ and constructor keys: 400, at any depth', async () => {
    const bodies = [
      '{"__proto__":{"isAdmin":true},"email":"a@example.com","password":"xxxxxxxx","name":"x"}',
      '{"constructor":{"prototype":{"isAdmin":true}},"email":"a@example.com","password":"xxxxxxxx","name":"x"}',
      '{"email":"a@example.com","password":"xxxxxxxx","name":"x","scopes":[{"__proto__":{}}]}',
      '{"constructor":1}',
    ]
    for (const text of bodies) {
      const response = await h().request('POST', '/v1/auth/tokens', { body: text })
      const body = await expectProblem(response, 400, 'validation_failed')
      expect(body.errors[0].message).toBe('forbidden key')
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })

  it('wrong content type: 415 unsupported_media_type (also with a body and no Content-Type)', async () => {
    const json = JSON.stringify({ email: 'a@example.com', password: PASSWORD, name: 'x' })
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      const response = await h().request('POST', '/v1/auth/tokens', {
        body: json,
        headers: { 'content-type': type },
      })
      await expectProblem(response, 415, 'unsupported_media_type')
    }
    const untyped = await rawRequest(h().url, 'POST', '/v1/auth/tokens', [
      `Content-Length: ${json.length}`,
    ])
    expect(untyped.status).toBe(415)
    const ok = await h().request('POST', '/v1/auth/tokens', {
      body: json,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(ok.status).toBe(401) // parsed: the (unknown) credentials were checked
  })

  it('body over the limit: 413 payload_too_large, before any parsing or hashing', async () => {
    const big = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(20_000), name: 'x' })
    const response = await h().request('POST', '/v1/auth/tokens', { body: big })
    await expectProblem(response, 413, 'payload_too_large')
  })

  it('unknown route: 404 not_found when authenticated, 401 before (the gate runs first)', async () => {
    await expectProblem(
      await h().request('GET', '/v1/nope', { token: await userToken() }),
      404,
      'not_found',
    )
    await expectProblem(
      await h().request('GET', '/v1/auth/tokens/x/y/z', { token: await userToken() }),
      404,
      'not_found',
    )
    await expectProblem(await h().request('GET', '/v1/nope'), 401, 'missing_credentials')
  })

  it('known path, wrong method: 405 method_not_allowed with Allow', async () => {
    const response = await h().request('PUT', '/v1/auth/tokens', {
      token: await userToken(),
      body: {},
    })
    await expectProblem(response, 405, 'method_not_allowed')
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST')
    const patch = await h().request('PATCH', '/v1/auth/tokens/tok_x', {
      token: await userToken(),
      body: {},
    })
    expect(patch.headers.get('allow')).toBe('DELETE')
  })
})
