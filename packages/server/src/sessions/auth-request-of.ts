import { headersFromRaw, type AuthRequest } from '@keygate/core'
import type { FastifyRequest } from 'fastify'

/** The core's view of a Fastify request (every header value, duplicates kept). */
export function authRequestOf(request: FastifyRequest): AuthRequest {
  return {
    method: request.method,
    path: request.url,
    header: headersFromRaw(request.raw.rawHeaders),
    clientIp: request.ip,
  }
}
