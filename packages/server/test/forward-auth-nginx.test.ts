/**
 * Real nginx (Debian's, a child process on a loopback port) in front of an upstream, with
 * `auth_request` to `/v1/auth/check` on a real token service: the configuration of
 * docs/edge.md, checked end to end.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EDGE_CONFIG, rawGet, verifyAssertion } from './edge-helpers.js'
import { startHarness, type Harness } from './harness.js'
import { nginxAvailable, NGINX, nginxForwardAuth, startNginx, type RunningNginx } from './nginx.js'

type Seen = { method: string; url: string; headers: IncomingHttpHeaders }

describe.skipIf(!nginxAvailable)(`nginx auth_request → /v1/auth/check (${NGINX})`, () => {
  let h: Harness
  let nginx: RunningNginx
  let upstream: Server
  const seen: Seen[] = []

  beforeAll(async () => {
    h = await startHarness('sqlite', EDGE_CONFIG)
    upstream = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ upstream: true }))
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const upstreamAddress = `127.0.0.1:${(upstream.address() as AddressInfo).port}`
    nginx = await startNginx((port) =>
      nginxForwardAuth({ keygate: new URL(h.url).host, upstream: upstreamAddress, port }),
    )
  })
  afterAll(async () => {
    await nginx?.close()
    await new Promise<void>((resolve) => upstream?.close(() => resolve()))
    await h?.close()
  })

  const last = () => seen[seen.length - 1]!

  async function userToken(scopes: string[]) {
    const email = `n${Math.random().toString(36).slice(2)}@example.com`
    const user = await h.user(email)
    const { id, token } = await h.token(email, { scopes })
    return { user, id, token }
  }

  it('a valid token reaches the upstream with the identity headers and a verifiable assertion', async () => {
    const { user, id, token } = await userToken(['things:read'])
    const before = seen.length
    const res = await fetch(`${nginx.url}/things/42?full=1`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ upstream: true })
    expect(seen.length).toBe(before + 1)
    const { headers, url } = last()
    expect(url).toBe('/things/42?full=1')
    expect(headers['x-keygate-subject']).toBe(user.id)
    expect(headers['x-keygate-scopes']).toBe('things:read')
    expect(headers['x-keygate-token-id']).toBe(id)
    expect(headers['x-keygate-via']).toBe('api-token')
    // The audience is the configured one, never the Host the client used.
    const assertion = headers['keygate-assertion'] as string
    const verified = await verifyAssertion(h, assertion, 'https://app.example.test')
    expect(verified).toMatchObject({ ok: true, principal: { subject: user.id, tokenId: id } })
    expect(await verifyAssertion(h, assertion, nginx.url)).toMatchObject({ ok: false })
  })

  it('a client-sent X-Keygate-Subject or Keygate-Assertion never reaches the upstream', async () => {
    const { user, token } = await userToken([])
    const spoof = {
      'x-keygate-subject': '00000000-0000-4000-8000-000000000000',
      'x-keygate-scopes': 'admin:all',
      'x-keygate-via': 'session',
      'keygate-assertion': 'forged.forged.forged',
    }
    await fetch(`${nginx.url}/x`, { headers: { ...spoof, authorization: `Bearer ${token}` } })
    expect(last().headers['x-keygate-subject']).toBe(user.id)
    // No scopes: nothing to send, and the spoofed value is gone.
    expect(last().headers['x-keygate-scopes']).toBeUndefined()
    expect(last().headers['x-keygate-via']).toBe('api-token')
    expect(last().headers['keygate-assertion']).not.toBe('forged.forged.forged')

    // A public route: no identity at all, and none of the spoofed headers.
    const before = seen.length
    expect((await fetch(`${nginx.url}/public/logo.png`, { headers: spoof })).status).toBe(200)
    expect(seen.length).toBe(before + 1)
    for (const name of Object.keys(spoof)) expect(last().headers[name], name).toBeUndefined()
  })

  it('a client-sent X-On-Behalf-Of or X-Service-Token never reaches the upstream', async () => {
    const { user, token } = await userToken([])
    const smuggled = {
      'x-on-behalf-of': '00000000-0000-4000-8000-000000000000',
      'x-service-token': 'client-chosen-service-token-0123456789',
    }
    // Through a public rule (credentials not looked at) and beside a valid API token with the
    // service-token header alone (the check does not read it).
    const before = seen.length
    expect((await fetch(`${nginx.url}/public/logo.png`, { headers: smuggled })).status).toBe(200)
    for (const name of Object.keys(smuggled)) expect(last().headers[name], name).toBeUndefined()
    const res = await fetch(`${nginx.url}/x`, {
      headers: { authorization: `Bearer ${token}`, 'x-service-token': smuggled['x-service-token'] },
    })
    expect(res.status).toBe(200)
    expect(last().headers['x-keygate-subject']).toBe(user.id)
    expect(last().headers['x-service-token']).toBeUndefined()
    expect(seen.length).toBe(before + 2)
    // Beside the API token, X-On-Behalf-Of is refused by the check itself (never forwarded).
    const delegated = await fetch(`${nginx.url}/x`, {
      headers: { authorization: `Bearer ${token}`, 'x-on-behalf-of': smuggled['x-on-behalf-of'] },
    })
    expect(delegated.status).toBe(400)
    expect(seen.length).toBe(before + 2)
  })

  it('401 comes back to the client with its problem+json and challenge; the upstream is not reached', async () => {
    const before = seen.length
    const missing = await fetch(`${nginx.url}/things/1`)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="keygate"')
    expect(await missing.json()).toMatchObject({ status: 401, code: 'missing_credentials' })

    const wrong = await fetch(`${nginx.url}/things/1`, {
      headers: { authorization: 'Bearer kg_wrongwrongwrongwrongwrongwrongwrong1' },
    })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await wrong.json()).toMatchObject({ status: 401, code: 'invalid_token' })
    expect(seen.length).toBe(before)
  })

  it('403 comes back with insufficient_scope and scope= in the challenge', async () => {
    const { token } = await userToken(['things:read'])
    const before = seen.length
    const res = await fetch(`${nginx.url}/things/1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('scope="things:write"')
    expect(await res.json()).toMatchObject({ status: 403, code: 'insufficient_scope' })
    expect(seen.length).toBe(before)
  })

  it('400 for a path trick comes back as 400 problem+json, not as a pass', async () => {
    const { token } = await userToken(['things:read'])
    const before = seen.length
    for (const path of ['/public/%2e%2e/admin/users', '/public/../admin/users', '/admin%2Fusers']) {
      const res = await rawGet(nginx.url, path, { authorization: `Bearer ${token}` })
      expect(res.status, path).toBe(400)
      expect(res.headers['content-type']).toBe('application/problem+json')
      expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'invalid_request' })
    }
    expect(seen.length).toBe(before)
  })
})
