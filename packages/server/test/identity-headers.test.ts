/**
 * A security-relevant header is honoured or refused, never silently ignored (SPEC §2, §3):
 * `X-On-Behalf-Of` with any credential but the internal token — an API token, a session as a
 * bearer or as the cookie — is `400 invalid_request`, not a request run as the token's owner (a
 * confused deputy for a gateway that believes it delegated). A credential in the query string
 * (`?access_token=`, RFC 6750 §2.3) is `400 invalid_request` too, never accepted and never a
 * `validation_failed`. Black-box over HTTP.
 */
import { randomUUID } from 'node:crypto'
import { getPrincipal } from '@keygate/fastify'
import { expect, it } from 'vitest'
import type { KeygateServer } from '../src/index.js'
import { forEachBackend, useHarness } from './harness.js'
import { ownOrigin, sessionCookie, sessionToken } from './sessions-helpers.js'

const INTERNAL = 'internal-token-0123456789abcdefghijklmnopqrstuv'

function whoami(server: KeygateServer): void {
  server.route({
    method: 'GET',
    url: '/v1/test/whoami',
    handler: (request) => getPrincipal(request) ?? null,
  })
}

async function expectInvalidRequest(response: Response, detail: RegExp): Promise<void> {
  expect(response.status).toBe(400)
  const text = await response.text()
  expect(text).not.toMatch(/kg_[A-Za-z0-9]{20,}/) // never the credential back
  const body = JSON.parse(text) as { code: string; detail: string }
  expect(body.code).toBe('invalid_request')
  expect(body.detail).toMatch(detail)
  expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_request"/)
}

forEachBackend('identity headers and query-string credentials', (backend) => {
  const h = useHarness(
    backend,
    { externalAuth: { enabled: true, internalToken: INTERNAL, actor: 'gateway' } },
    { setup: whoami },
  )

  it('X-On-Behalf-Of with an API token: 400 invalid_request, not the owner’s request', async () => {
    const victim = await h().user('obo-victim@example.com')
    const { token } = await h().token(h().admin.email, { scopes: ['tokens:read'] })
    for (const value of [victim.id, randomUUID(), 'not-a-uuid']) {
      const response = await h().request('GET', '/v1/test/whoami', {
        token,
        headers: { 'x-on-behalf-of': value },
      })
      await expectInvalidRequest(response, /X-On-Behalf-Of/)
    }
    // Without the header the token works as usual.
    expect((await h().request('GET', '/v1/test/whoami', { token })).status).toBe(200)
  })

  it('X-On-Behalf-Of with a session, as a bearer or as the cookie: 400 invalid_request', async () => {
    const user = await h().user('obo-session@example.com')
    const bearer = await sessionToken(h(), h().admin.email)
    await expectInvalidRequest(
      await h().request('GET', '/v1/test/whoami', {
        token: bearer,
        headers: { 'x-on-behalf-of': user.id },
      }),
      /X-On-Behalf-Of/,
    )
    const cookie = await sessionCookie(h(), h().admin.email)
    await expectInvalidRequest(
      await h().request('GET', '/v1/test/whoami', {
        headers: { cookie, origin: ownOrigin(h()), 'x-on-behalf-of': user.id },
      }),
      /X-On-Behalf-Of/,
    )
  })

  it('the internal token still acts for the user named in X-On-Behalf-Of', async () => {
    const user = await h().user('obo-ok@example.com')
    const response = await h().request('GET', '/v1/test/whoami', {
      token: INTERNAL,
      headers: { 'x-on-behalf-of': user.id },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      subject: user.id,
      via: 'internal-token',
      actor: { kind: 'service', subject: 'gateway' },
    })
  })

  it('?access_token= in the query string: 400 invalid_request, with or without a header credential', async () => {
    const { token } = await h().token(h().admin.email, { scopes: ['tokens:read'] })
    for (const path of [
      `/v1/auth/tokens?access_token=${token}`,
      `/v1/users/me?access_token=${token}`,
      `/v1/test/whoami?x=1&access%5Ftoken=${token}`,
    ]) {
      const alone = await h().request('GET', path)
      await expectInvalidRequest(alone, /query string/)
      const withHeader = await h().request('GET', path, { token })
      await expectInvalidRequest(withHeader, /query string/)
    }
  })
})
