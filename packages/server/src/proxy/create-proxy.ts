import { randomBytes } from 'node:crypto'
import {
  createServer as createHTTPServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { AuthError, describeError, headersFromRaw, type Logger } from '@keygate/core'
import { errors as undiciErrors, Pool } from 'undici'
import type { ServerConfig } from '../config.js'
import type { EdgeGate } from '../edge/create-edge-gate.js'
import { canonicalForwardedPath } from '../edge/original-request.js'
import type { PeerTrust } from '../edge/trusted-peers.js'
import { ServiceError } from '../lib/errors.js'
import { downstreamHeaders, upstreamHeaders } from './lib/forward-headers.js'
import type { ServiceProblem } from '../lib/service-problem.js'

/** Options of {@link createProxy}. */
export type ProxyOptions = {
  /** The `proxy` section, with `upstream` set. */
  config: ServerConfig['proxy']
  /** The token service's edge gate and `trustProxy` check (`server.tokenService.edge`). */
  edge: { readonly gate: EdgeGate; readonly trusted: PeerTrust }
  /** The token service's session cookie: removed from what the upstream sees. */
  sessionCookie: string
  logger: Logger
}

/** A running `keygate proxy`. */
export type KeygateProxy = {
  /** The node:http server (listening after {@link KeygateProxy.listen}). */
  readonly server: Server
  /** Listens; resolves to the proxy's URL. */
  listen(options: { host: string; port: number }): Promise<string>
  /** Stops accepting connections, lets requests under way finish, closes upstream connections. */
  close(): Promise<void>
}

function requestId(): string {
  return `req_${randomBytes(8).toString('hex')}`
}

/** The problem for an upstream failure: `504` when it was slow, `502` otherwise. */
function upstreamFailure(error: unknown): ServiceError {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new ServiceError('gateway_timeout', { detail: 'The upstream did not answer in time' })
  }
  return new ServiceError('bad_gateway', { detail: 'The upstream could not be reached' })
}

/**
 * `keygate proxy` (SPEC §8, docs/edge.md): a reverse proxy in front of any HTTP service, on
 * undici. Every request is decided like `/v1/auth/check` (API tokens and sessions, the
 * `forwardAuth.rules` on the canonical path); a refusal is the usual problem+json and
 * challenge, and never reaches the upstream. An allowed request is forwarded with every
 * client-sent identity header removed and the proxy's own set: `X-Keygate-*`, a
 * `Keygate-Assertion` for the upstream's origin (or `proxy.audience`), the service token.
 *
 * Bodies stream both ways with backpressure, never buffered; upstream connections are kept
 * alive (one undici `Pool`). An upstream that refuses the connection or breaks it is
 * `502 bad_gateway`; one that does not connect or send its headers in time is
 * `504 gateway_timeout`; after the headers, a failure cuts the response.
 *
 * @throws TypeError when `config.upstream` is not set.
 * @example
 * ```ts
 * const service = await createServer(config)
 * const proxy = createProxy({ config: service.tokenService.config.proxy, edge: service.tokenService.edge,
 *   sessionCookie: service.tokenService.config.sessions.cookieName, logger: service.log })
 * await proxy.listen({ host: '127.0.0.1', port: 4401 })
 * ```
 */
export function createProxy(options: ProxyOptions): KeygateProxy {
  const { config, edge, logger, sessionCookie } = options
  if (config.upstream === undefined) {
    throw new TypeError('createProxy(): proxy.upstream is required (--upstream <url>)')
  }
  const upstream = new URL(config.upstream)
  const basePath = upstream.pathname.replace(/\/+$/, '')
  const audience = config.audience ?? upstream.origin
  // The first of several comma-separated tokens is the one sent (a rotation overlap upstream).
  const serviceToken = config.serviceToken?.split(',')[0]?.trim()
  const pool = new Pool(upstream.origin, {
    connections: 256,
    pipelining: 1,
    connect: { timeout: config.connectTimeoutMs },
    headersTimeout: config.headersTimeoutMs,
    bodyTimeout: config.bodyTimeoutMs,
  })

  function answer(res: ServerResponse, problem: ServiceProblem, id: string): void {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const body = JSON.stringify(problem.body)
    res.writeHead(problem.status, {
      ...problem.headers,
      'x-request-id': id,
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = requestId()
    const raw = req.rawHeaders
    const header = headersFromRaw(raw)
    const peer = req.socket.remoteAddress ?? ''
    const trusted = edge.trusted(peer)
    const forwardedFor = trusted ? header('x-forwarded-for').join(', ') : ''
    const proto = trusted && header('x-forwarded-proto')[0] === 'https' ? 'https' : 'http'
    const host = (trusted ? header('x-forwarded-host')[0] : undefined) ?? header('host')[0]
    const target = req.url ?? '/'
    let path: string
    try {
      path = canonicalForwardedPath(target)
    } catch (error) {
      answer(res, edge.gate.respond(error, id), id)
      return
    }
    const decision = await edge.gate.decide({
      method: req.method ?? 'GET',
      path,
      header,
      clientIp: peer,
      requestId: id,
      audience,
    })
    if (!decision.ok) {
      // Nothing of a refused request reaches the upstream; its body is drained, not read.
      req.resume()
      answer(res, decision.problem, id)
      return
    }
    const headers = upstreamHeaders(raw, {
      serviceTokenHeader: config.serviceTokenHeader,
      // A public rule's request is anonymous: it must not reach the upstream as the trusted service.
      serviceToken: decision.principal === undefined ? undefined : serviceToken,
      passAuthorization: config.passAuthorization,
      sessionCookie,
      identity: decision.headers,
      clientIp: forwardedFor === '' ? peer : `${forwardedFor}, ${peer}`,
      proto,
      host,
      upstreamHost: upstream.host,
    })
    const hasBody =
      req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0'
        ? true
        : req.headers['transfer-encoding'] !== undefined
    const aborted = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort()
    })
    let upstreamResponse
    try {
      upstreamResponse = await pool.request({
        origin: upstream.origin,
        path: `${basePath}${target}`,
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasBody ? req : null,
        signal: aborted.signal,
      })
    } catch (error) {
      if (aborted.signal.aborted) return
      logger.warn({ requestId: id, ...describeError(error) }, 'keygate proxy: upstream failed')
      answer(res, edge.gate.respond(upstreamFailure(error), id), id)
      return
    }
    res.writeHead(upstreamResponse.statusCode, downstreamHeaders(upstreamResponse.headers))
    try {
      await pipeline(upstreamResponse.body, res)
    } catch (error) {
      // After the headers a failure cannot be answered: the response is cut (and logged).
      if (!aborted.signal.aborted) {
        logger.warn({ requestId: id, ...describeError(error) }, 'keygate proxy: response cut')
      }
      res.destroy()
    }
  }

  const server = createHTTPServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(describeError(error), 'keygate proxy: request failed')
      const id = requestId()
      const failure = error instanceof AuthError ? error : new ServiceError('internal_error')
      answer(res, edge.gate.respond(failure, id), id)
    })
  })
  // The default (5 s) is shorter than most load balancers' idle timeout: a kept-alive connection
  // would be closed under a request.
  server.keepAliveTimeout = 65_000

  return {
    server,
    async listen({ host, port }) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
      const address = server.address() as AddressInfo
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
      return `http://${shown}:${address.port}`
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await pool.close()
    },
  }
}
