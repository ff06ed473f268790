import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createSecretCache,
  internalToken,
  serviceToken,
  type Logger,
  type SecretCache,
  type SecretSource,
} from '@keygate/core'
import { createNodeAuth, getPrincipal } from '@keygate/node'

/** What a test server saw of one request, before keygate looked at it. */
export type SeenRequest = {
  method: string
  path: string
  authorization: string | undefined
  serviceToken: string | undefined
  onBehalfOf: string | undefined
  contentType: string | undefined
  body: string
}

export type TestServer = {
  url: string
  origin: string
  seen: SeenRequest[]
  close(): Promise<void>
}

export type ProtectedServer = TestServer & { cache: SecretCache }

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
}

async function record(req: IncomingMessage, seen: SeenRequest[]): Promise<SeenRequest> {
  const entry: SeenRequest = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    authorization: req.headers.authorization,
    serviceToken: req.headers['x-service-token'] as string | undefined,
    onBehalfOf: req.headers['x-on-behalf-of'] as string | undefined,
    contentType: req.headers['content-type'],
    body: await readBody(req),
  }
  seen.push(entry)
  return entry
}

/**
 * A node:http server behind keygate's `serviceToken` gate (through `@keygate/node`), on
 * 127.0.0.1 port 0. Every route is protected:
 * - `/echo` → `200 {"subject", "seen"}` (what the server saw of this request)
 * - `/redirect?to=<url>&status=<3xx>` → a redirect
 *
 * The cache is created here with `ttlMs: 0` unless one is given, so a change of the source is
 * seen by the next request without waiting. With `actFor`, the secret is an internal token too:
 * `X-On-Behalf-Of: <any uuid>` makes the request that user's (keygate refuses the header beside
 * a plain service token).
 */
export async function startProtectedServer(options: {
  source: SecretSource | SecretCache
  header?: string
  logger?: Logger
  actFor?: boolean
}): Promise<ProtectedServer> {
  const cache =
    'get' in options.source
      ? options.source
      : createSecretCache({ source: options.source, ttlMs: 0, logger: options.logger })
  const auth = createNodeAuth({
    strategies: [
      ...(options.actFor === true
        ? [
            internalToken({
              source: cache,
              header: options.header,
              actor: 'gateway',
              users: { findById: (id) => Promise.resolve({ id, disabled: false, scopes: [] }) },
            }),
          ]
        : []),
      serviceToken({ source: cache, header: options.header, subject: 'gateway' }),
    ],
    logger: options.logger,
    env: {},
  })
  const seen: SeenRequest[] = []
  const protectedHandler = auth.protect((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const entry = (req as IncomingMessage & { seen?: SeenRequest }).seen
    if (url.pathname === '/redirect') {
      res
        .writeHead(Number(url.searchParams.get('status') ?? 302), {
          location: url.searchParams.get('to') ?? '/',
        })
        .end()
      return
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ subject: getPrincipal(req)?.subject ?? null, seen: entry }))
  })
  const server = createServer((req, res) => {
    void (async () => {
      ;(req as IncomingMessage & { seen?: SeenRequest }).seen = await record(req, seen)
      protectedHandler(req, res)
    })()
  })
  const url = await listen(server)
  return { url, origin: url, seen, cache, close: closer(server) }
}

/** A plain server on another origin that records what reaches it and answers `200`. */
export async function startRecordingServer(
  answer?: (req: IncomingMessage) => {
    status: number
    headers?: Record<string, string>
    body?: string
  },
): Promise<TestServer> {
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    void record(req, seen).then(() => {
      const out = answer?.(req) ?? { status: 200, body: 'ok' }
      res.writeHead(out.status, out.headers).end(out.body)
    })
  })
  const url = await listen(server)
  return { url, origin: url, seen, close: closer(server) }
}

/** A source whose set a test changes; counts its loads. */
export function mutableSource(values: string[], name = 'mutable') {
  const state = { values, loads: 0 }
  const source: SecretSource = {
    name,
    load() {
      state.loads++
      return Promise.resolve(
        state.values.map((value, i) => ({ value, label: i === 0 ? 'current' : 'additional' })),
      )
    },
  }
  return {
    source,
    get loads() {
      return state.loads
    },
    set(next: string[]) {
      state.values = next
    },
  }
}
