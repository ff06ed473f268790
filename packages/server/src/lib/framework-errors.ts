import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ServiceError } from './errors.js'
import type { ServiceErrorCode } from './service-error-table.js'
import { serviceProblem } from './service-problem.js'
import { requestId } from './request-id.js'
import { toProblem } from './to-problem.js'

/** Seconds a client is told to wait before retrying on another instance while this one closes. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 1

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a path that does not percent-decode,
 * a path parameter over `maxParamLength`) answered through the one problem builder, with the
 * headers every answer carries. These run before any hook, so the headers are set here.
 */
export function createFrameworkErrors(options: { realm: string }) {
  return (error: Error, request: FastifyRequest, reply: FastifyReply): void => {
    const problem = toProblem(error, {
      realm: options.realm,
      requestId: request.id,
      log: request.log,
    })
    void reply
      .code(problem.status)
      .headers({ ...problem.headers, 'x-request-id': request.id })
      .send(JSON.stringify(problem.body))
  }
}

/** A Node client error, as Node's HTTP parser and its request deadline raise them. */
type ClientError = Error & { code?: string }

function codeOf(error: ClientError): ServiceErrorCode {
  // Node's own names: ERR_HTTP_REQUEST_TIMEOUT is its requestTimeout/headersTimeout deadline,
  // HPE_* come from llhttp (the header block over maxHeaderSize, or bytes that are not HTTP).
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout'
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large'
  return 'malformed_request'
}

const DETAILS: Partial<Record<ServiceErrorCode, string>> = {
  request_timeout: 'The request did not arrive in time',
  headers_too_large: 'The request header fields are too large',
  malformed_request: 'The request is not valid HTTP/1.1',
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before a request exists
 * (a malformed request line or header, a header block over the limit, a request that does not
 * arrive within `requestTimeout`) is written to the socket as problem+json, with a fresh request
 * id, and the connection closed (RFC 9112 §9.6: the framing can no longer be trusted).
 */
export function createClientErrorHandler(options: { realm: string }) {
  // Fastify calls it with `this` bound to the instance.
  return function clientErrorHandler(
    this: FastifyInstance,
    error: ClientError,
    socket: Socket,
  ): void {
    // A reset connection, or one already gone: there is no one to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const id = requestId()
    const code = codeOf(error)
    this.log.debug({ code, reason: error.code, request_id: id }, 'client error')
    // Like Node's default: never write an answer into the middle of one already under way.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (socket.writable && inFlight?.headersSent !== true) {
      const problem = serviceProblem(new ServiceError(code, { detail: DETAILS[code] }), {
        realm: options.realm,
        requestId: id,
      })
      const body = JSON.stringify(problem.body)
      const headers = {
        ...problem.headers,
        'x-request-id': id,
        'content-length': String(Buffer.byteLength(body)),
        connection: 'close',
      }
      const head = [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ]
      socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy())
    } else {
      socket.destroy()
    }
  }
}

/**
 * The `503 shutting_down` answer of a request that arrives once `close()` has begun (on a
 * keep-alive connection, or pipelined): the client should go to another instance. Replaces
 * Fastify's `return503OnClosing`, which answers with its own JSON and no request id.
 */
export function shuttingDown(): ServiceError {
  return new ServiceError('shutting_down', {
    detail: 'The server is shutting down; retry on another instance',
    retryAfterSeconds: SHUTDOWN_RETRY_AFTER_SECONDS,
    headers: { connection: 'close' },
  })
}
