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
import { nginxAvailable, NGINX, startNginx, type RunningNginx } from './nginx.js'

/** The `http {}` body of docs/edge.md's nginx example, with the test's addresses. */
export function nginxForwardAuth(options: { keygate: string; upstream: string; port: number }) {
  return `
  # 401: nginx passes the sub-request's WWW-Authenticate itself; 403: it does not, so we add it.
  map $keygate_status $keygate_403_challenge { 403 $keygate_challenge; default ""; }
  upstream keygate { server ${options.keygate}; keepalive 16; }
  upstream app { server ${options.upstream}; keepalive 16; }

  server {
    listen 127.0.0.1:${options.port};

    location = /_keygate/check {
      internal;
      proxy_pass http://keygate/v1/auth/check;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }

    # nginx drops the body of a refused sub-request: answer the problem keygate put in a header.
    location @keygate_refused {
      internal;
      default_type application/problem+json;
      add_header WWW-Authenticate $keygate_403_challenge always;
      add_header Cache-Control no-store always;
      if ($keygate_status = 401) { return 401 $keygate_problem; }
      if ($keygate_status = 403) { return 403 $keygate_problem; }
      if ($keygate_status = 400) { return 400 $keygate_problem; }
      if ($keygate_status = 503) { return 503 $keygate_problem; }
      return 500;
    }

    location / {
      auth_request /_keygate/check;
      auth_request_set $keygate_status $upstream_status;
      auth_request_set $keygate_problem $upstream_http_x_keygate_problem;
      auth_request_set $keygate_challenge $upstream_http_www_authenticate;
      auth_request_set $keygate_subject $upstream_http_x_keygate_subject;
      auth_request_set $keygate_scopes $upstream_http_x_keygate_scopes;
      auth_request_set $keygate_token_id $upstream_http_x_keygate_token_id;
      auth_request_set $keygate_via $upstream_http_x_keygate_via;
      auth_request_set $keygate_assertion $upstream_http_keygate_assertion;
      error_page 401 403 500 = @keygate_refused;

      # Set from the check, or removed (an empty value is not sent): a client never sets them.
      proxy_set_header X-Keygate-Subject $keygate_subject;
      proxy_set_header X-Keygate-Scopes $keygate_scopes;
      proxy_set_header X-Keygate-Token-Id $keygate_token_id;
      proxy_set_header X-Keygate-Via $keygate_via;
      proxy_set_header Keygate-Assertion $keygate_assertion;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://app;
    }
  }
`
}

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
    // The audience is the origin the client used (X-Forwarded-Proto + X-Forwarded-Host).
    const verified = await verifyAssertion(h, headers['keygate-assertion'] as string, nginx.url)
    expect(verified).toMatchObject({ ok: true, principal: { subject: user.id, tokenId: id } })
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
