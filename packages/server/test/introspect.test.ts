/**
 * POST /v1/auth/introspect (RFC 7662) over real HTTP, on SQLite and PostgreSQL: the active answer
 * for API tokens and sessions, the one inactive answer for every other case (byte for byte), and
 * the service-token gate in front of it.
 */
import { digestAPIToken, generateAPIToken } from '@keygate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forEachBackend, useHarness, type Harness } from './harness.js'
import { sessionToken } from './sessions-helpers.js'

const SECRET = 'svc-introspect-current-0123456789abcdef'
const OLD_SECRET = 'svc-introspect-previous-0123456789abcdef'

let envCounter = 0
function serviceEnv(): string {
  return `KG_TEST_SERVICE_TOKEN_${process.pid}_${envCounter++}`
}

function introspect(
  h: Harness,
  body: unknown,
  options: { secret?: string | null; form?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers }
  const secret = options.secret === undefined ? SECRET : options.secret
  if (secret !== null) headers.authorization = `Bearer ${secret}`
  let payload: string
  if (options.form === true) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    payload =
      typeof body === 'string'
        ? body
        : new URLSearchParams(body as Record<string, string>).toString()
  } else {
    headers['content-type'] = 'application/json'
    payload = typeof body === 'string' ? body : JSON.stringify(body)
  }
  return fetch(`${h.url}/v1/auth/introspect`, { method: 'POST', headers, body: payload })
}

forEachBackend('POST /v1/auth/introspect', (backend) => {
  const name = serviceEnv()
  beforeAll(() => {
    process.env[name] = `${SECRET},${OLD_SECRET}`
  })
  afterAll(() => {
    delete process.env[name]
  })
  const h = useHarness(backend, {
    introspection: { serviceToken: { env: name } },
    scopes: { 'runs:read': { roles: ['user'] }, 'runs:admin': { roles: ['admin'] } },
  })

  it('answers an API token: RFC 7662 fields, space-separated scopes, no-store', async () => {
    const user = await h().user('active@example.com')
    const created = await h().token(user.email, { scopes: ['runs:read', 'tokens:read'] })
    for (const form of [false, true]) {
      const response = await introspect(
        h(),
        { token: created.token, token_type_hint: 'access_token' },
        { form },
      )
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const body = (await response.json()) as Record<string, unknown>
      expect(body).toEqual({
        active: true,
        sub: user.id,
        scope: 'runs:read tokens:read',
        exp: expect.any(Number) as number,
        iat: expect.any(Number) as number,
        token_id: created.id,
        token_type: 'api_token',
        username: 'active@example.com',
        role: 'user',
      })
      const token = await h().store.tokens.findById(created.id)
      expect(body.exp).toBe(Math.floor(token!.expiresAt.getTime() / 1000))
      expect(body.iat).toBe(Math.floor(token!.createdAt.getTime() / 1000))
    }
  })

  it('narrows scopes to what the owner’s role grants now', async () => {
    const user = await h().user('demoted@example.com', 'admin')
    const created = await h().token(user.email, { scopes: ['runs:admin', 'tokens:read'] })
    await h().store.users.update(user.id, { role: 'user' })
    const body = (await (await introspect(h(), { token: created.token })).json()) as {
      scope: string
      role: string
    }
    expect(body).toMatchObject({ scope: 'tokens:read', role: 'user' })
  })

  it('answers a session, and a logged-out session is inactive', async () => {
    const user = await h().user('session@example.com')
    const jwt = await sessionToken(h(), user.email)
    const response = await introspect(h(), { token: jwt })
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      active: true,
      sub: user.id,
      token_type: 'session',
      username: 'session@example.com',
      role: 'user',
    })
    expect(typeof body.token_id).toBe('string')
    expect(body.exp as number).toBeGreaterThan(body.iat as number)
    const logout = await h().request('DELETE', '/v1/auth/sessions/current', { token: jwt })
    expect(logout.status).toBe(204)
    expect(await (await introspect(h(), { token: jwt })).text()).toBe('{"active":false}')
  })

  it('answers every inactive case with the same bytes and headers', async () => {
    const owner = await h().user('inactive@example.com')
    const revoked = await h().token(owner.email)
    const revocation = await h().request('DELETE', '/v1/auth/tokens/current', {
      token: revoked.token,
    })
    expect(revocation.status).toBe(204)
    const rotated = await h().token(owner.email, { scopes: ['tokens:write'] })
    const rotation = await h().request('POST', `/v1/auth/tokens/${rotated.id}/rotate`, {
      token: rotated.token,
      body: { grace_period_seconds: 0 },
    })
    expect(rotation.status).toBe(200)
    const expired = generateAPIToken()
    await h().store.tokens.create({
      userId: owner.id,
      name: 'expired',
      scopes: [],
      createdAt: new Date(Date.now() - 2 * 86_400_000),
      expiresAt: new Date(Date.now() - 86_400_000),
      digest: await digestAPIToken(expired.token),
      hint: expired.hint,
    })
    const disabledUser = await h().user('disabled@example.com')
    const ofDisabled = await h().token(disabledUser.email)
    await h().store.users.update(disabledUser.id, { disabled: true })
    const loggedOutUser = await h().user('loggedout@example.com')
    const jwt = await sessionToken(h(), loggedOutUser.email)
    await h().request('DELETE', '/v1/auth/sessions/current', { token: jwt })
    const good = await h().token(owner.email)
    const badChecksum = good.token.slice(0, -1) + (good.token.endsWith('A') ? 'B' : 'A')

    const cases: Record<string, string> = {
      garbage: 'not a token at all',
      'other prefix': 'zz_0123456789abcdefghijklmnopqrstuvwxyzAB',
      'bad checksum': badChecksum,
      unknown: generateAPIToken().token,
      expired: expired.token,
      revoked: revoked.token,
      'rotated past its grace': rotated.token,
      'disabled owner': ofDisabled.token,
      'logged-out session': jwt,
      'forged jwt': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'a service secret': SECRET,
    }
    const answers = new Map<string, string>()
    for (const [label, token] of Object.entries(cases)) {
      for (const form of [false, true]) {
        const response = await introspect(h(), { token }, { form })
        const headers = [...response.headers].filter(
          ([name]) => name !== 'date' && name !== 'x-request-id',
        )
        answers.set(
          `${label}${form ? ' (form)' : ''}`,
          JSON.stringify([response.status, headers, await response.text()]),
        )
      }
    }
    const distinct = new Set(answers.values())
    expect([...distinct]).toHaveLength(1)
    const [status, , text] = JSON.parse([...distinct][0]!) as [number, unknown, string]
    expect(status).toBe(200)
    expect(text).toBe('{"active":false}')
    // The good token still answers: the cases above did not break anything.
    expect(
      ((await (await introspect(h(), { token: good.token })).json()) as { active: boolean }).active,
    ).toBe(true)
  })

  it('refuses callers without the service token: none, wrong, a user token, a session', async () => {
    const user = await h().user('caller@example.com', 'admin')
    const created = await h().token(user.email, { scopes: ['tokens:manage'] })
    const jwt = await sessionToken(h(), user.email)
    const none = await introspect(h(), { token: created.token }, { secret: null })
    expect(none.status).toBe(401)
    expect(((await none.json()) as { code: string }).code).toBe('missing_credentials')
    for (const secret of ['wrong-secret-0123456789', created.token, jwt]) {
      const response = await introspect(h(), { token: created.token }, { secret })
      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      const body = (await response.json()) as { code: string; active?: unknown }
      expect(body.code).toBe('invalid_token')
      expect(body.active).toBeUndefined()
    }
    const cookie = await introspect(
      h(),
      { token: created.token },
      { secret: null, headers: { cookie: `__Host-keygate_session=${jwt}` } },
    )
    expect(cookie.status).toBe(401)
  })

  it('accepts every secret of a rotation overlap', async () => {
    const user = await h().user('overlap@example.com')
    const created = await h().token(user.email)
    for (const secret of [SECRET, OLD_SECRET]) {
      const response = await introspect(h(), { token: created.token }, { secret })
      expect(((await response.json()) as { active: boolean }).active).toBe(true)
    }
  })

  it('refuses bad bodies with 400 validation_failed', async () => {
    const bodies: [unknown, boolean][] = [
      [{}, false],
      [{ token: '' }, false],
      [{ token: 'x', extra: 1 }, false],
      [{ token: 42 }, false],
      ['token=a&token=b', true],
      ['token_type_hint=access_token', true],
      ['{not json', false],
    ]
    for (const [body, form] of bodies) {
      const response = await introspect(h(), body, { form })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { code: string }).code).toBe('validation_failed')
    }
  })

  it('is the only route that takes a form body', async () => {
    const response = await fetch(`${h().url}/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40example.com&password=x&name=n',
    })
    expect(response.status).toBe(415)
  })

  it('never logs a token or the service secret', async () => {
    const user = await h().user('logs@example.com')
    const created = await h().token(user.email)
    await introspect(h(), { token: created.token })
    await introspect(h(), { token: created.token }, { secret: 'wrong-secret-0123456789' })
    const logs = h().logs.join('\n')
    expect(logs).not.toContain(created.token)
    expect(logs).not.toContain(SECRET)
  })
})

describe('POST /v1/auth/introspect with no service token configured', () => {
  const h = useHarness('sqlite', {
    introspection: { serviceToken: { env: 'KG_TEST_SERVICE_TOKEN_NEVER_SET' } },
  })
  it('answers 503 auth_not_configured, failing closed', async () => {
    const response = await introspect(h(), { token: 'kg_x' }, { secret: 'anything-at-all' })
    expect(response.status).toBe(503)
    expect(((await response.json()) as { code: string }).code).toBe('auth_not_configured')
  })
})
