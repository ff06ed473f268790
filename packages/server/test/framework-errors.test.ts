/**
 * Answers that Fastify or Node's HTTP parser give before a route runs — a URL that does not
 * decode, a path parameter over the length limit, a header block over the limit, a request that
 * is not HTTP, a request that never finishes, a request that arrives while the server closes —
 * are problem+json like every other answer (SPEC §7), with `X-Request-Id` and
 * `Cache-Control: no-store`, and never echo what the client sent. Spoken over raw sockets:
 * `fetch` refuses to send most of these.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PUBLIC } from '../src/auth/register-auth.js'
import { startHarness, type Harness } from './harness.js'

type RawAnswer = { status: number; headers: Record<string, string>; body: string }

/**
 * Writes `chunks` as they are, one after the other (a function is awaited in between); resolves
 * with everything received once the server closes the connection or `waitMs` passes.
 */
function exchange(
  url: string,
  chunks: readonly (string | (() => Promise<unknown>))[],
  waitMs = 5000,
): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const received: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), waitMs)
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received).toString('latin1'))
    })
    void (async () => {
      for (const chunk of chunks) {
        if (typeof chunk === 'string') socket.write(chunk, 'latin1')
        else await chunk()
      }
    })()
  })
}

function parseAnswers(text: string): RawAnswer[] {
  const answers: RawAnswer[] = []
  let rest = text
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) throw new Error(`incomplete answer: ${JSON.stringify(rest.slice(0, 200))}`)
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    const start = end + 4
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(start, start + length),
    })
    rest = rest.slice(start + length)
  }
  return answers
}

function expectProblem(answer: RawAnswer | undefined, status: number, code: string): void {
  expect(answer, 'an answer').toBeDefined()
  if (answer === undefined) return
  expect(answer.status).toBe(status)
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(answer.headers['cache-control']).toBe('no-store')
  const id = answer.headers['x-request-id']
  expect(id).toMatch(/^req_[0-9a-f]{16}$/)
  const body = JSON.parse(answer.body) as Record<string, unknown>
  expect(body).toMatchObject({ type: `https://keygate.dev/errors#${code}`, status, code })
  expect(body.request_id).toBe(id)
  expect(typeof body.detail).toBe('string')
  expect(answer.body).not.toMatch(/FST_ERR|statusCode/)
}

describe('errors raised before a route runs are problem+json', () => {
  let h: Harness
  let release: () => void = () => {}
  beforeAll(async () => {
    h = await startHarness(
      'sqlite',
      {},
      {
        setup(server) {
          // Node checks request deadlines on an interval; the test shortens the deadline itself.
          server.server.requestTimeout = 500
          server.server.headersTimeout = 500
          server.route({
            method: 'GET',
            url: '/v1/test/slow',
            config: PUBLIC,
            handler: async () => {
              await new Promise<void>((resolve) => (release = resolve))
              return { slow: true }
            },
          })
        },
      },
    )
  })
  afterAll(async () => {
    release()
    await h.close().catch(() => {})
  })

  const get = (path: string, extra = '') =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`

  it('a path that does not percent-decode: 400 malformed_request, the path not echoed', async () => {
    for (const path of ['/%zz', '/v1/auth/tokens/%E0%A4%A', '/v1/users/%']) {
      const [answer] = parseAnswers(await exchange(h.url, [get(path)]))
      expectProblem(answer, 400, 'malformed_request')
      expect(answer?.body).not.toContain(path)
    }
  })

  it('a path parameter over the length limit: 414 uri_too_long', async () => {
    const id = `tok_${'a'.repeat(300)}`
    const [answer] = parseAnswers(
      await exchange(h.url, [
        `DELETE /v1/auth/tokens/${id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ]),
    )
    expectProblem(answer, 414, 'uri_too_long')
    expect(answer?.body).not.toContain(id)
  })

  it('a header block over the limit: 431 headers_too_large', async () => {
    const [answer] = parseAnswers(
      await exchange(h.url, [get('/health', `X-Big: ${'a'.repeat(20_000)}\r\n`)]),
    )
    expectProblem(answer, 431, 'headers_too_large')
  })

  it('a request line or header that is not HTTP: 400 malformed_request', async () => {
    const requests = [
      'GARBAGE\r\n\r\n',
      'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'POST /v1/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /v1/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ]
    for (const request of requests) {
      const [answer] = parseAnswers(await exchange(h.url, [request]))
      expectProblem(answer, 400, 'malformed_request')
    }
  })

  it('a request that never finishes: 408 request_timeout', async () => {
    const started = Date.now()
    const [answer] = parseAnswers(
      await exchange(h.url, ['GET /health HTTP/1.1\r\nHost: x\r\n'], 10_000),
    )
    console.log(`request timeout answered after ${Date.now() - started} ms`)
    expectProblem(answer, 408, 'request_timeout')
  })

  it('a request that arrives while the server closes: 503 shutting_down with Connection: close', async () => {
    // Two requests on one keep-alive connection: the first is held until close() has begun,
    // and the second is sent after that (the connection is busy, so close() keeps it open).
    const keepAlive = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`
    const pause = (ms: number) => () => new Promise((resolve) => setTimeout(resolve, ms))
    let closed: Promise<unknown> = Promise.resolve()
    const answers = exchange(
      h.url,
      [
        keepAlive('/v1/test/slow'),
        pause(200),
        () => {
          closed = h.server.close() // not awaited: it waits for the held request
          return Promise.resolve()
        },
        pause(100),
        keepAlive('/health'),
        pause(100),
        () => Promise.resolve(release()),
      ],
      10_000,
    )
    const [first, second] = parseAnswers(await answers)
    await closed
    expect(first?.status).toBe(200)
    expectProblem(second, 503, 'shutting_down')
    expect(second?.headers.connection).toBe('close')
    expect(second?.headers['retry-after']).toMatch(/^\d+$/)
  })
})
