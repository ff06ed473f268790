/**
 * Property-based fuzzing (fast-check) of every parser that reads attacker input, through the real
 * server over raw sockets: the JSON body parser and its limits, query strings, path parameters,
 * cookies, `X-On-Behalf-Of` and `X-Forwarded-For`. Whatever arrives, the answer is a defined one —
 * a 2xx, or a 4xx that is problem+json — and never a 5xx. The seed is printed on failure
 * (fast-check's report) so a failing case can be replayed.
 */
import { rawRequest, type RawResponse } from '@keygate/testkit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './harness.js'

const INTERNAL = 'internal-token-0123456789abcdefghijklmnopqrstuv'
const RUNS = Number(process.env.KEYGATE_FUZZ_RUNS ?? 60)

let h: Harness
let admin = ''
let user = { id: '', email: '' }

beforeAll(async () => {
  h = await startHarness('sqlite', {
    externalAuth: { enabled: true, internalToken: INTERNAL, actor: 'fuzz' },
    trustProxy: ['127.0.0.1'],
  })
  admin = (
    await h.token(h.admin.email, {
      scopes: ['tokens:read', 'tokens:write', 'tokens:manage', 'users:manage', 'audit:read'],
    })
  ).token
  user = await h.user('fuzzed@example.com')
}, 60_000)
afterAll(() => h.close())

/** A defined answer: never a 5xx; an error is problem+json with its status and a request id. */
function expectDefined(response: RawResponse, what: string): void {
  const context = `${what} → ${response.status} ${response.body.slice(0, 200)}`
  expect(response.status, context).toBeGreaterThanOrEqual(200)
  expect(response.status, context).toBeLessThan(500)
  if (response.status >= 400) {
    expect(response.headers['content-type'], context).toMatch(/^application\/problem\+json/)
    const body = response.json() as { status: number; code: string; request_id: string }
    expect(body.status, context).toBe(response.status)
    expect(body.code, context).toMatch(/^[a-z_]+$/)
    expect(response.headers['x-request-id'], context).toBe(body.request_id)
  }
}

// Characters a header value or request target may carry on the wire (no CR/LF, which would end
// the line): printable ASCII, tab, and bytes above 0x7f (sent as latin1).
const wireChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0x09, 0x00, 0x7f) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
)
const wireString = (maxLength: number) =>
  fc.array(wireChar, { maxLength }).map((codes) => String.fromCharCode(...codes))
// Request-target characters: no space (that splits the request line; tested separately).
const targetString = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(..."abcXYZ019-._~%&=+?/[]{}:;@!$'()*,".split('')) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('%00', '%zz', '%E0%A4', '%2F', '%25', '..', '%u0041'),
        },
        {
          weight: 1,
          arbitrary: wireChar.filter((c) => c !== 0x20).map((c) => String.fromCharCode(c)),
        },
      ),
      { maxLength },
    )
    .map((parts) => parts.join(''))

const jsonBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
    .map((o) => JSON.stringify(o)),
  fc
    .record(
      {
        email: fc.oneof(fc.emailAddress(), fc.string(), fc.integer()),
        password: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
        name: fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.string())),
        scopes: fc.oneof(fc.array(fc.string({ maxLength: 20 })), fc.string()),
        expires_in_days: fc.oneof(fc.integer(), fc.double(), fc.string()),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.integer({ min: 1, max: 400 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 3 }).map((n) => JSON.stringify({ pad: 'x'.repeat(8000 * n) })),
  fc.constantFrom(
    '{"__proto__":{"a":1}}',
    '{"constructor":{"prototype":{}}}',
    '\ufeff{}',
    '{"a":1,"a":2}',
  ),
)

/** A POST with a JSON body of exactly these bytes. */
function postJSON(path: string, body: string, headers: string[] = []): Promise<RawResponse> {
  return send(
    'POST',
    path,
    ['Content-Type: application/json', ...headers],
    Buffer.from(body, 'utf8'),
  )
}

describe('fuzzing the parsers that read attacker input (fast-check)', () => {
  it('JSON bodies, within and over the limit, on every route that parses one', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonBody,
        fc.constantFrom(
          '/v1/auth/tokens',
          '/v1/setup',
          '/v1/users',
          `/v1/auth/tokens/tok_x/rotate`,
          '/v1/auth/sessions',
        ),
        async (body, path) => {
          const response = await postJSON(path, body, [`Authorization: Bearer ${admin}`])
          expectDefined(response, `POST ${path} ${JSON.stringify(body.slice(0, 80))}`)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('query strings on every list route', async () => {
    await fc.assert(
      fc.asyncProperty(
        targetString(120),
        fc.constantFrom('/v1/auth/tokens', '/v1/users', '/v1/audit', '/v1/auth/tokens/x'),
        async (query, path) => {
          const response = await rawRequest(h.url, 'GET', `${path}?${query}`, [
            `Authorization: Bearer ${admin}`,
          ])
          expectDefined(response, `GET ${path}?${JSON.stringify(query)}`)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('path parameters of every route that has one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          targetString(60),
          fc.string({ minLength: 90, maxLength: 400 }).map(encodeURIComponent),
        ),
        fc.constantFrom(
          ['DELETE', '/v1/auth/tokens/:id'],
          ['POST', '/v1/auth/tokens/:id/rotate'],
          ['GET', '/v1/users/:id'],
          ['PATCH', '/v1/users/:id'],
          ['PUT', '/v1/internal/users/:id'],
        ),
        async (segment, [method, route]) => {
          const path = route.replace(':id', segment)
          const headers = [`Authorization: Bearer ${admin}`]
          const withBody = method !== 'DELETE' && method !== 'GET'
          if (withBody) headers.push('Content-Type: application/json')
          const response = await send(
            method,
            path,
            headers,
            withBody ? Buffer.from('{}') : undefined,
          )
          expectDefined(response, `${method} ${JSON.stringify(path)}`)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('cookies, the session cookie among them', async () => {
    await fc.assert(
      fc.asyncProperty(
        wireString(300),
        fc.constantFrom(
          '',
          '__Host-keygate_session=',
          'keygate_session=',
          'a=b; __Host-keygate_session=',
        ),
        fc.constantFrom('GET', 'POST'),
        async (value, prefix, method) => {
          const headers = [`Cookie: ${prefix}${value}`, 'Origin: http://127.0.0.1']
          const response = await send(
            method,
            '/v1/users/me',
            headers,
            method === 'POST' ? Buffer.alloc(0) : undefined,
          )
          expectDefined(response, `${method} Cookie: ${JSON.stringify(prefix + value)}`)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('X-On-Behalf-Of with the internal token, an API token, or none — repeated or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          wireString(80),
          fc.uuid(),
          fc.constant(user.id),
          fc.constant(user.id.toUpperCase()),
        ),
        fc.constantFrom(INTERNAL, 'api', 'none'),
        fc.integer({ min: 1, max: 2 }),
        async (value, credential, times) => {
          const headers: string[] = []
          if (credential === INTERNAL) headers.push(`Authorization: Bearer ${INTERNAL}`)
          if (credential === 'api') headers.push(`Authorization: Bearer ${admin}`)
          for (let i = 0; i < times; i++) headers.push(`X-On-Behalf-Of: ${value}`)
          const response = await rawRequest(h.url, 'GET', '/v1/users/me', headers)
          expectDefined(
            response,
            `X-On-Behalf-Of ×${times}: ${JSON.stringify(value)} (${credential === INTERNAL ? 'internal' : credential})`,
          )
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('X-Forwarded-For from a trusted proxy, on the rate-limited login', async () => {
    const ipish = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc
        .array(fc.oneof(fc.ipV4(), fc.ipV6(), wireString(20)), { maxLength: 6 })
        .map((a) => a.join(', ')),
      wireString(200),
    )
    await fc.assert(
      fc.asyncProperty(ipish, async (forwarded) => {
        const body = JSON.stringify({
          email: 'nobody@example.com',
          password: 'x'.repeat(12),
          name: 'n',
        })
        const response = await postJSON('/v1/auth/tokens', body, [`X-Forwarded-For: ${forwarded}`])
        expectDefined(response, `X-Forwarded-For: ${JSON.stringify(forwarded)}`)
      }),
      { numRuns: RUNS },
    )
  })
})

/**
 * One request written by hand over a raw socket (`Connection: close`): header lines as given and,
 * with a body, its `Content-Length`. The answer is parsed once the server closes the connection.
 */
async function send(
  method: string,
  path: string,
  headers: string[],
  body?: Buffer,
): Promise<RawResponse> {
  if (body === undefined) return rawRequest(h.url, method, path, headers)
  const { connect } = await import('node:net')
  const url = new URL(h.url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => resolve(parseRaw(Buffer.concat(chunks))))
    const head = [
      `${method} ${path} HTTP/1.1`,
      `Host: ${url.host}`,
      'Connection: close',
      `Content-Length: ${body.length}`,
      ...headers,
    ]
    socket.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]))
  })
}

function parseRaw(raw: Buffer): RawResponse {
  const text = raw.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) throw new Error(`incomplete answer: ${JSON.stringify(text.slice(0, 200))}`)
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = Buffer.from(text.slice(end + 4), 'latin1').toString('utf8')
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body,
    json: () => JSON.parse(body) as unknown,
  }
}
