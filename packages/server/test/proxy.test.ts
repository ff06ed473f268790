/**
 * `keygate proxy` (createProxy) between a real client and real upstreams, over real HTTP on
 * loopback: identity headers stripped and set, the upstream verifying the assertion with
 * gatewayAssertion against the token service's JWKS, bodies streamed in bounded memory, and an
 * upstream that dies or stalls.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  createAuthenticator,
  gatewayAssertion,
  headersFromRaw,
  silentLogger,
  type Authenticator,
} from '@keygate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createProxy, type KeygateProxy } from '../src/index.js'
import { startHarness, type Harness } from './harness.js'

const ISSUER = 'https://keygate.example.test'
const SERVICE_TOKEN = 'svc_0123456789abcdefghijklmnopqrstuvwxyz'
const MB = 1024 * 1024

type Seen = { method: string; url: string; headers: IncomingHttpHeaders; principal: unknown }

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )
}

/** Bytes in flight through the proxy, seen from both ends (the test runs them all). */
const flow = { sent: 0, received: 0, produced: 0, consumed: 0, maxUp: 0, maxDown: 0 }

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const decode = (part: string) =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>

describe('keygate proxy', () => {
  let h: Harness
  let upstream: Server
  let upstreamURL: string
  let proxy: KeygateProxy
  let proxyURL: string
  let verifier: Authenticator
  const seen: Seen[] = []
  const sockets = new Set<unknown>()

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      sockets.add(req.socket)
      void (async () => {
        const result = await verifier.authenticate({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          header: headersFromRaw(req.rawHeaders),
        })
        if (req.url === '/upload') {
          // Consumed as it arrives: the hash and the count, never the whole body.
          const hash = createHash('sha256')
          let bytes = 0
          for await (const chunk of req) {
            hash.update(chunk as Buffer)
            bytes += (chunk as Buffer).length
            flow.received += (chunk as Buffer).length
          }
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }))
          return
        }
        if (req.url === '/download') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' })
          Readable.from(chunks(50 * MB, (n) => (flow.produced += n))).pipe(res)
          return
        }
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          principal: result.ok ? result.principal : { refused: result.error.code },
        })
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] })
        res.end(JSON.stringify({ ok: true }))
      })()
    })
    upstreamURL = await listen(upstream)
    h = await startHarness('sqlite', {
      trustProxy: ['10.255.255.255'],
      sessions: { issuer: ISSUER },
      scopes: { 'things:read': { roles: ['user'] }, 'things:write': { roles: ['user'] } },
      forwardAuth: {
        rules: [
          { path: '/public/*', public: true },
          { path: '/things/*', methods: ['POST'], scopes: ['things:write'] },
        ],
      },
      proxy: { upstream: upstreamURL, serviceToken: SERVICE_TOKEN },
    })
    verifier = createAuthenticator({
      strategies: [
        gatewayAssertion({
          jwks: { url: `${h.url}/.well-known/jwks.json` },
          issuer: ISSUER,
          audience: upstreamURL,
          clockToleranceSec: 0,
        }),
      ],
      env: {},
    })
    proxy = createProxy({
      config: h.server.tokenService.config.proxy,
      edge: h.server.tokenService.edge,
      sessionCookie: h.server.tokenService.config.sessions.cookieName,
      logger: silentLogger,
    })
    proxyURL = await proxy.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await proxy?.close()
    await new Promise<void>((resolve) => upstream?.close(() => resolve()))
    await h?.close()
  })

  async function user(scopes: string[] = []) {
    const email = `p${Math.random().toString(36).slice(2)}@example.com`
    const created = await h.user(email)
    const { id, token } = await h.token(email, { scopes })
    return { id: created.id, tokenId: id, token }
  }
  const last = () => seen[seen.length - 1]!

  it('forwards an authenticated request with the identity, the service token and an assertion the upstream verifies', async () => {
    const { id, tokenId, token } = await user(['things:read'])
    const res = await fetch(`${proxyURL}/things/1?x=1`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    // Several Set-Cookie lines come back as several lines.
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    const { headers, url, principal } = last()
    expect(url).toBe('/things/1?x=1')
    expect(principal).toMatchObject({
      kind: 'user',
      subject: id,
      via: 'gateway-assertion',
      tokenId,
      scopes: ['things:read'],
    })
    expect(headers['x-keygate-subject']).toBe(id)
    expect(headers['x-keygate-via']).toBe('api-token')
    expect(headers['x-service-token']).toBe(SERVICE_TOKEN)
    expect(headers.authorization).toBeUndefined()
    expect(headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(headers['x-forwarded-proto']).toBe('http')
    expect(headers['x-forwarded-host']).toBe(new URL(proxyURL).host)
    expect(headers.host).toBe(new URL(upstreamURL).host)
  })

  it('strips every client-sent identity header', async () => {
    const { id, token } = await user()
    await fetch(`${proxyURL}/x`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-keygate-subject': '00000000-0000-4000-8000-000000000000',
        'x-keygate-scopes': 'things:write',
        'x-keygate-anything': 'x',
        x_keygate_subject: '00000000-0000-4000-8000-000000000000',
        keygate_assertion: 'forged.forged.forged',
        x_service_token: 'spoofed',
        'keygate-assertion': 'forged.forged.forged',
        'x-service-token': 'spoofed-service-token-spoofed-service-token',
        'x-forwarded-for': '198.51.100.1',
        'x-forwarded-host': 'evil.example',
        cookie: `other=1; ${h.server.tokenService.config.sessions.cookieName}=stolen`,
      },
    })
    const { headers, principal } = last()
    expect(principal).toMatchObject({ subject: id, scopes: [] })
    expect(headers['x-keygate-subject']).toBe(id)
    expect(headers['x-keygate-scopes']).toBe('')
    expect(headers['x-keygate-anything']).toBeUndefined()
    // Underscore spellings, which CGI-style upstreams read as the same variable.
    expect(headers.x_keygate_subject).toBeUndefined()
    expect(headers.keygate_assertion).toBeUndefined()
    expect(headers.x_service_token).toBeUndefined()
    expect(headers['keygate-assertion']).not.toBe('forged.forged.forged')
    expect(headers['x-service-token']).toBe(SERVICE_TOKEN)
    expect(headers['x-on-behalf-of']).toBeUndefined()
    // Not a trusted proxy: its X-Forwarded-* are replaced, not extended.
    expect(headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(headers['x-forwarded-host']).toBe(new URL(proxyURL).host)
    expect(headers.cookie).toBe('other=1')

    // X-On-Behalf-Of beside an API token is refused at the proxy, never dropped and forwarded
    // as the token's owner (docs/errors.md#invalid_request); the upstream never sees it.
    const before = seen.length
    const delegated = await fetch(`${proxyURL}/x`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-on-behalf-of': '00000000-0000-4000-8000-000000000000',
      },
    })
    expect(delegated.status).toBe(400)
    expect(await delegated.json()).toMatchObject({ code: 'invalid_request' })
    expect(seen.length).toBe(before)
  })

  it('answers refusals itself, with problem+json and the challenge; the upstream never sees them', async () => {
    const before = seen.length
    const missing = await fetch(`${proxyURL}/things/1`)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="keygate"')
    expect(await missing.json()).toMatchObject({ code: 'missing_credentials' })
    const { token } = await user(['things:read'])
    const scoped = await fetch(`${proxyURL}/things/1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(scoped.status).toBe(403)
    expect(scoped.headers.get('www-authenticate')).toContain('scope="things:write"')
    const trick = await fetch(`${proxyURL}/public/%2e%2e%2fthings/1`)
    expect(trick.status).toBe(400)
    expect(seen.length).toBe(before)
    // A public rule is forwarded without credentials, and without identity.
    expect((await fetch(`${proxyURL}/public/a.css`)).status).toBe(200)
    expect(last().headers['x-keygate-subject']).toBeUndefined()
    expect(last().headers['keygate-assertion']).toBeUndefined()
    expect(last().headers['x-service-token']).toBeUndefined()
  })

  it('the upstream refuses a wrong-audience, alg none, re-signed or expired assertion', async () => {
    const { token } = await user()
    await fetch(`${proxyURL}/x`, { headers: { authorization: `Bearer ${token}` } })
    const real = last().headers['keygate-assertion'] as string
    const [head, body] = real.split('.') as [string, string, string]
    const replay = async (assertion: string, audience = upstreamURL) => {
      const gate = createAuthenticator({
        strategies: [
          gatewayAssertion({
            jwks: { url: `${h.url}/.well-known/jwks.json` },
            issuer: ISSUER,
            audience,
            clockToleranceSec: 0,
          }),
        ],
        env: {},
      })
      const result = await gate.authenticate({
        method: 'GET',
        path: '/',
        header: headersFromRaw(['Keygate-Assertion', assertion]),
      })
      return result.ok ? 'accepted' : `${result.error.code}: ${result.error.detail}`
    }
    expect(await replay(real)).toBe('accepted')
    expect(await replay(real, 'http://another-upstream.test')).toBe(
      'invalid_token: The assertion is meant for another audience',
    )
    expect(await replay(`${b64({ ...decode(head), alg: 'none' })}.${body}.`)).toBe(
      'invalid_token: The token algorithm is not allowed',
    )
    const attacker = generateKeyPairSync('ed25519').privateKey
    const input = `${head}.${b64({ ...decode(body), scope: 'things:write' })}`
    const resigned = `${input}.${nodeSign(null, Buffer.from(input), attacker).toString('base64url')}`
    expect(await replay(resigned)).toBe('invalid_token: The signature is not valid')

    // Expired: a proxy whose assertions live 1 s, replayed once that second has passed.
    const shortLived = await startHarness('sqlite', {
      sessions: { issuer: ISSUER },
      forwardAuth: { assertionTtlSeconds: 1 },
      proxy: { upstream: upstreamURL },
    })
    const quick = createProxy({
      config: shortLived.server.tokenService.config.proxy,
      edge: shortLived.server.tokenService.edge,
      sessionCookie: 'none',
      logger: silentLogger,
    })
    try {
      const url = await quick.listen({ host: '127.0.0.1', port: 0 })
      await shortLived.user('quick@example.com')
      const { token: quickToken } = await shortLived.token('quick@example.com')
      await fetch(`${url}/x`, { headers: { authorization: `Bearer ${quickToken}` } })
      const assertion = last().headers['keygate-assertion'] as string
      const keys = `${shortLived.url}/.well-known/jwks.json`
      const check = createAuthenticator({
        strategies: [
          gatewayAssertion({
            jwks: { url: keys },
            issuer: ISSUER,
            audience: upstreamURL,
            clockToleranceSec: 0,
          }),
        ],
        env: {},
      })
      const header = headersFromRaw(['Keygate-Assertion', assertion])
      const { exp } = decode(assertion.split('.')[1]!) as { exp: number }
      await sleep(Math.max(0, exp * 1000 - Date.now()) + 1100)
      const result = await check.authenticate({ method: 'GET', path: '/', header })
      expect(result.ok ? 'accepted' : result.error.detail).toBe('The assertion has expired')
    } finally {
      await quick.close()
      await shortLived.close()
    }
  })

  it('keeps upstream connections alive', async () => {
    const { token } = await user()
    const before = sockets.size
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${proxyURL}/x`, { headers: { authorization: `Bearer ${token}` } })
      await res.arrayBuffer()
    }
    expect(sockets.size - before).toBeLessThanOrEqual(1)
  })

  it('streams a 50 MB body each way in bounded memory', async () => {
    const { token } = await user()
    const expected = createHash('sha256')
    for (const chunk of chunks(50 * MB)) expected.update(chunk)
    const sha256 = expected.digest('hex')
    const base = process.memoryUsage().arrayBuffers
    let peak = 0
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)
    }, 5)
    try {
      // Up: what the client has handed over minus what the upstream has received, at each chunk.
      const upload = chunks(50 * MB, (n) => {
        flow.sent += n
        flow.maxUp = Math.max(flow.maxUp, flow.sent - flow.received)
      })
      const res = await fetch(`${proxyURL}/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(Readable.from(upload)) as ReadableStream,
        duplex: 'half',
      } as RequestInit)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ bytes: 50 * MB, sha256 })

      // Down: what the upstream has produced minus what the client has consumed.
      const down = await fetch(`${proxyURL}/download`, {
        headers: { authorization: `Bearer ${token}` },
      })
      const hash = createHash('sha256')
      for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk)
        flow.consumed += chunk.length
        flow.maxDown = Math.max(flow.maxDown, flow.produced - flow.consumed)
      }
      expect(flow.consumed).toBe(50 * MB)
      expect(hash.digest('hex')).toBe(sha256)
    } finally {
      clearInterval(sampler)
    }
    console.log(
      `proxy, 50 MB each way: most bytes in flight up ${(flow.maxUp / MB).toFixed(1)} MB, ` +
        `down ${(flow.maxDown / MB).toFixed(1)} MB; peak arrayBuffers +${(peak / MB).toFixed(1)} MB (includes garbage not yet collected)`,
    )
    // Buffering a body would hold all 50 MB in flight; streaming holds only socket buffers (the
    // kernel's, on two loopback hops) and stream high-water marks, whatever the body size.
    expect(flow.maxUp).toBeLessThan(25 * MB)
    expect(flow.maxDown).toBeLessThan(25 * MB)
  })
})

describe('keygate proxy in front of an upstream that dies or stalls', () => {
  let h: Harness
  let child: ChildProcess
  let childURL: string
  let stalled: Server
  let stalledURL: string
  const proxies: KeygateProxy[] = []

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:http').createServer((q, r) => r.end('alive'));
         s.listen(0, '127.0.0.1', () => console.log(s.address().port))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    childURL = await new Promise<string>((resolve) =>
      child.stdout!.once('data', (d: Buffer) => resolve(`http://127.0.0.1:${String(d).trim()}`)),
    )
    stalled = createServer(() => {
      // Never answers.
    })
    stalledURL = await listen(stalled)
    h = await startHarness('sqlite', { proxy: { upstream: childURL } })
    await h.user('dies@example.com')
  })
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    child?.kill('SIGKILL')
    stalled?.closeAllConnections()
    await new Promise<void>((resolve) => stalled?.close(() => resolve()))
    await h?.close()
  })

  async function start(overrides: Partial<Harness['server']['tokenService']['config']['proxy']>) {
    const proxy = createProxy({
      config: { ...h.server.tokenService.config.proxy, ...overrides },
      edge: h.server.tokenService.edge,
      sessionCookie: 'none',
      logger: silentLogger,
    })
    proxies.push(proxy)
    return proxy.listen({ host: '127.0.0.1', port: 0 })
  }

  it('answers 502 bad_gateway as problem+json once the upstream process is killed', async () => {
    const url = await start({})
    const { token } = await h.token('dies@example.com')
    const alive = await fetch(`${url}/`, { headers: { authorization: `Bearer ${token}` } })
    expect(await alive.text()).toBe('alive')
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    const res = await fetch(`${url}/`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(502)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 502, code: 'bad_gateway' })
  })

  it('answers 504 gateway_timeout when the upstream sends no headers in time', async () => {
    const url = await start({ upstream: stalledURL, headersTimeoutMs: 300 })
    const { token } = await h.token('dies@example.com')
    const res = await fetch(`${url}/`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(504)
    expect(await res.json()).toMatchObject({ status: 504, code: 'gateway_timeout' })
  })
})

/** `total` bytes in 64 KiB chunks (each numbered by its offset), produced lazily. */
function* chunks(total: number, onChunk?: (bytes: number) => void): Generator<Buffer> {
  const size = 64 * 1024
  for (let sent = 0; sent < total; sent += size) {
    const chunk = Buffer.alloc(Math.min(size, total - sent))
    for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32BE((sent + i) >>> 0, i)
    onChunk?.(chunk.length)
    yield chunk
  }
}
