import { createServer, request as httpRequest, type Agent } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createSecretCache,
  serviceToken,
  type AuthDecision,
  type Logger,
  type SecretCache,
  type SecretCacheOptions,
  type SecretSource,
} from '@keygate/core'
import { createNodeAuth } from '@keygate/node'

/** A keygate-protected node:http app answering `GET /v1/things` with `200`. */
export type KeygateApp = {
  url: string
  cache: SecretCache
  decisions: AuthDecision[]
  close(): Promise<void>
}

/** Starts the app on 127.0.0.1, port 0, with `source` behind a cache built from `cache`. */
export async function startKeygateApp(options: {
  source: SecretSource
  cache?: Omit<SecretCacheOptions, 'source'>
  logger?: Logger
}): Promise<KeygateApp> {
  const cache = createSecretCache({
    jitter: 0,
    logger: options.logger,
    ...options.cache,
    source: options.source,
  })
  const decisions: AuthDecision[] = []
  const auth = createNodeAuth({
    strategies: [serviceToken({ source: cache })],
    logger: options.logger,
    onDecision: (d) => decisions.push(d),
    env: {},
  })
  const server = createServer(
    auth.protect((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"things":[]}')
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cache,
    decisions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** One answer, as a test looks at it. */
export type Answer = {
  status: number
  code?: string
  retryAfter?: string
  wwwAuthenticate?: string
}

/** `GET <url>/v1/things` with `Authorization: Bearer <token>` (or none). */
export async function callThings(
  url: string,
  token: string | undefined,
  agent?: Agent,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/things`,
      { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const answer: Answer = { status: res.statusCode ?? 0 }
          if (res.headers['content-type'] === 'application/problem+json') {
            answer.code = (JSON.parse(text) as { code: string }).code
          }
          if (res.headers['retry-after'] !== undefined)
            answer.retryAfter = res.headers['retry-after']
          if (res.headers['www-authenticate'] !== undefined)
            answer.wwwAuthenticate = res.headers['www-authenticate']
          resolve(answer)
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** Collects every log line as text, to search for secrets and reasons. */
export function captureLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const push = (level: string) => (object: Record<string, unknown>, message: string) => {
    lines.push(`${level} ${message} ${JSON.stringify(object)}`)
  }
  return {
    logger: { warn: push('warn'), error: push('error'), info: push('info'), debug: push('debug') },
    lines,
  }
}

/** A clock the test moves by hand, for the cache's `now`. */
export function manualClock(start = 1_000_000) {
  let now = start
  return {
    now: () => now,
    advance(ms: number) {
      now += ms
    },
  }
}
