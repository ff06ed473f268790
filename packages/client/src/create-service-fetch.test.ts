import { randomBytes, randomUUID } from 'node:crypto'
import { createSecretCache, staticSecrets } from '@keygate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startProtectedServer,
  startRecordingServer,
  type ProtectedServer,
  type TestServer,
} from '../test/protected-server.js'
import { createServiceFetch } from './index.js'

const secret = () => randomBytes(32).toString('base64url')
const A = secret()

let api: ProtectedServer
let custom: ProtectedServer
let other: TestServer

beforeAll(async () => {
  api = await startProtectedServer({ source: staticSecrets([A]) })
  custom = await startProtectedServer({ source: staticSecrets([A]), header: 'x-service-token' })
  other = await startRecordingServer()
})
afterAll(async () => {
  await Promise.all([api.close(), custom.close(), other.close()])
})

async function json(
  res: Response,
): Promise<{ subject: string | null; seen: { onBehalfOf?: string; authorization?: string } }> {
  return (await res.json()) as never
}

describe('createServiceFetch(): attaching the token', () => {
  it('sends Authorization: Bearer <secret> by default', async () => {
    const call = createServiceFetch({ secret: A, origins: [api.origin] })
    const res = await call(`${api.url}/echo`)
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body.subject).toBe('gateway')
    expect(body.seen.authorization).toBe(`Bearer ${A}`)
  })

  it('sends the raw secret in a custom header, and no Authorization', async () => {
    const call = createServiceFetch({
      secret: A,
      header: 'X-Service-Token',
      origins: [custom.origin],
    })
    const res = await call(`${custom.url}/echo`, { method: 'POST', body: 'hi' })
    expect(res.status).toBe(200)
    const seen = custom.seen.at(-1)!
    expect(seen.serviceToken).toBe(A)
    expect(seen.authorization).toBeUndefined()
    expect(seen.body).toBe('hi')
  })

  it('sends the secret labelled current, else the first', async () => {
    const B = secret()
    const seenBy = async (secrets: { value: string; label?: string }[]) => {
      const call = createServiceFetch({
        source: { name: 'list', load: () => Promise.resolve(secrets) },
        origins: [other.origin],
      })
      await call(other.url)
      return other.seen.at(-1)!.authorization
    }
    expect(
      await seenBy([
        { value: B, label: 'pending' },
        { value: A, label: 'current' },
      ]),
    ).toBe(`Bearer ${A}`)
    expect(await seenBy([{ value: B }, { value: A }])).toBe(`Bearer ${B}`)
  })

  it('accepts a SecretCache and exposes it', async () => {
    const cache = createSecretCache({ source: staticSecrets([A]) })
    const call = createServiceFetch({ source: cache, baseUrl: api.url })
    expect(call.cache).toBe(cache)
    expect((await call('/echo')).status).toBe(200)
  })

  it('keeps the request method, headers, query and a Request input', async () => {
    const call = createServiceFetch({ secret: A, origins: [api.origin] })
    const request = new Request(`${api.url}/echo?x=1`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'payload',
    })
    const res = await call(request)
    expect(res.status).toBe(200)
    expect(api.seen.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/echo?x=1',
      contentType: 'text/plain',
      body: 'payload',
    })
  })
})

describe('createServiceFetch(): on behalf of a user', () => {
  let backend: ProtectedServer
  beforeAll(async () => {
    backend = await startProtectedServer({ source: staticSecrets([A]), actFor: true })
  })
  afterAll(() => backend.close())
  const call = () => createServiceFetch({ secret: A, baseUrl: `${backend.url}/` })

  it('sends X-On-Behalf-Of: <uuid>', async () => {
    const user = randomUUID()
    const res = await call()('echo', { onBehalfOf: user })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body.seen.onBehalfOf).toBe(user)
    expect(body.subject).toBe(user)
  })

  it('a server gated by serviceToken alone refuses the header (400), never acting as the service', async () => {
    const res = await createServiceFetch({ secret: A, baseUrl: `${api.url}/` })('echo', {
      onBehalfOf: randomUUID(),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { code: string }).code).toBe('invalid_request')
  })

  it('refuses a value that is not a UUID, before sending anything', async () => {
    const before = backend.seen.length
    for (const bad of [
      'alice',
      `${randomUUID()}x`,
      `${randomUUID()}\r\nx-admin: 1`,
      '',
      42 as never,
    ]) {
      await expect(call()('echo', { onBehalfOf: bad })).rejects.toThrow(
        new TypeError('createServiceFetch(): onBehalfOf must be a UUID'),
      )
    }
    expect(backend.seen.length).toBe(before)
  })

  it('refuses onBehalfOf together with a caller-set X-On-Behalf-Of header', async () => {
    await expect(
      call()('echo', { onBehalfOf: randomUUID(), headers: { 'X-On-Behalf-Of': randomUUID() } }),
    ).rejects.toThrow(
      new TypeError(
        'createServiceFetch(): pass either onBehalfOf or an X-On-Behalf-Of header, not both',
      ),
    )
  })
})

describe('createServiceFetch(): never overwrites a credential the caller set', () => {
  it('Authorization set by the caller is a TypeError (init or Request)', async () => {
    const call = createServiceFetch({ secret: A, origins: [other.origin] })
    const before = other.seen.length
    const message =
      'createServiceFetch(): the request already has a authorization header; the service token will not overwrite it'
    await expect(
      call(other.url, { headers: { Authorization: 'Bearer user-token' } }),
    ).rejects.toThrow(new TypeError(message))
    await expect(
      call(new Request(other.url, { headers: { authorization: 'Basic eDp5' } })),
    ).rejects.toThrow(new TypeError(message))
    expect(other.seen.length).toBe(before)
  })

  it('the custom header set by the caller is a TypeError', async () => {
    const call = createServiceFetch({
      secret: A,
      header: 'x-service-token',
      origins: [other.origin],
    })
    await expect(call(other.url, { headers: [['X-Service-Token', 'mine']] })).rejects.toThrow(
      new TypeError(
        'createServiceFetch(): the request already has a x-service-token header; the service token will not overwrite it',
      ),
    )
  })
})

describe('createServiceFetch(): origins', () => {
  it('refuses to send the token to an origin outside origins', async () => {
    const call = createServiceFetch({ secret: A, origins: [api.origin] })
    const before = other.seen.length
    await expect(call(`${other.url}/steal`)).rejects.toThrow(
      new TypeError(
        `createServiceFetch(): refusing to send the service token to ${other.origin}: it is not in origins`,
      ),
    )
    await expect(call(new URL('/x', other.url))).rejects.toThrow(TypeError)
    expect(other.seen.length).toBe(before)
  })

  it('resolves relative URLs against baseUrl and allows its origin only', async () => {
    const call = createServiceFetch({ secret: A, baseUrl: api.url })
    expect((await call('/echo')).status).toBe(200)
    await expect(call(`${other.url}/echo`)).rejects.toThrow(TypeError)
  })

  it('follows a redirect within the allowed origins, with the token on each hop', async () => {
    const call = createServiceFetch({ secret: A, origins: [api.origin] })
    const before = api.seen.length
    const res = await call(`${api.url}/redirect?status=307&to=/echo`, {
      method: 'POST',
      body: 'again',
    })
    expect(res.status).toBe(200)
    const hops = api.seen.slice(before)
    expect(hops.map((h) => [h.method, h.path, h.body, h.authorization])).toEqual([
      ['POST', '/redirect?status=307&to=/echo', 'again', `Bearer ${A}`],
      ['POST', '/echo', 'again', `Bearer ${A}`],
    ])
  })

  it('turns a POST into a body-less GET on 303, as fetch does', async () => {
    const call = createServiceFetch({ secret: A, origins: [api.origin] })
    const before = api.seen.length
    await call(`${api.url}/redirect?status=303&to=/echo`, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    })
    expect(api.seen.slice(before).map((h) => [h.method, h.body, h.contentType])).toEqual([
      ['POST', 'x', 'text/plain'],
      ['GET', '', undefined],
    ])
  })

  it('refuses a redirect to another origin (configured or not)', async () => {
    const before = other.seen.length
    const to = encodeURIComponent(`${other.url}/steal`)
    for (const call of [
      createServiceFetch({ secret: A, origins: [api.origin] }),
      createServiceFetch({ secret: A }),
    ]) {
      await expect(call(`${api.url}/redirect?status=302&to=${to}`)).rejects.toThrow(
        new TypeError(
          `createServiceFetch(): refusing to follow a redirect to ${other.origin}: the service token may not go there`,
        ),
      )
    }
    expect(other.seen.length).toBe(before)
  })

  it("leaves redirect: 'manual' to the caller", async () => {
    const call = createServiceFetch({ secret: A, origins: [api.origin] })
    const res = await call(`${api.url}/redirect?status=302&to=${encodeURIComponent(other.url)}`, {
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
  })
})

describe('createServiceFetch(): options are validated once', () => {
  it('throws a TypeError naming the bad option', () => {
    const bad: [unknown, string][] = [
      [{}, 'pass exactly one of source and secret'],
      [{ secret: A, source: staticSecrets([A]) }, 'pass exactly one of source and secret'],
      [{ secret: '' }, 'secret must be a non-empty string'],
      [{ source: {} }, 'source must be a SecretSource or a SecretCache'],
      [{ secret: A, header: 'x service' }, 'header must be a valid header name'],
      [{ secret: A, origins: [] }, 'origins must be a non-empty list of origins'],
      [{ secret: A, origins: ['api.internal'] }, 'origins entry must be an absolute http(s) URL'],
      [{ secret: A, origins: ['ftp://api.internal'] }, 'origins entry must be an http(s) URL'],
      [
        { secret: A, origins: ['https://u:p@api.internal'] },
        'origins entry must not contain credentials',
      ],
      [{ secret: A, baseUrl: '/v1' }, 'baseUrl must be an absolute http(s) URL'],
      [{ secret: A, fetch: 'nope' }, 'fetch must be a function'],
    ]
    for (const [options, message] of bad) {
      expect(() => createServiceFetch(options as never)).toThrow(
        new TypeError(`createServiceFetch(): ${message}`),
      )
    }
  })

  it('normalises origins (trailing slash, default port, case)', async () => {
    const call = createServiceFetch({
      secret: A,
      origins: [`${api.origin.toUpperCase().replace('HTTP', 'http')}/`],
    })
    expect((await call(`${api.url}/echo`)).status).toBe(200)
  })
})
