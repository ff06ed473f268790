import { describe, expect, it } from 'vitest'
import { buildOpenAPIDocument, openAPIPath } from './build-openapi-document.js'
import type { CollectedRoute } from './collect-routes.js'
import { routeErrors } from './route-errors.js'
import { describeGate } from './security-schemes.js'

const route = (fields: Partial<CollectedRoute> & Pick<CollectedRoute, 'method' | 'url'>) => ({
  schema: undefined,
  config: undefined,
  ...fields,
})

describe('buildOpenAPIDocument', () => {
  it('turns Fastify paths into OpenAPI paths', () => {
    expect(openAPIPath('/v1/auth/tokens/:id/rotate')).toBe('/v1/auth/tokens/{id}/rotate')
    expect(openAPIPath('/a/:x(^\\d+)/b/:y')).toBe('/a/{x}/b/{y}')
  })

  it('leaves out the HEAD routes Fastify adds, and hidden routes; keeps a HEAD of its own', () => {
    const document = buildOpenAPIDocument({
      routes: [
        route({ method: 'GET', url: '/a', config: { keygate: false } }),
        route({ method: 'HEAD', url: '/a', config: { keygate: false } }),
        route({ method: 'HEAD', url: '/b', config: { keygate: false } }),
        route({ method: 'GET', url: '/c', schema: { hide: true } }),
      ],
    })
    expect(Object.keys(document.paths)).toEqual(['/a', '/b'])
    expect(Object.keys(document.paths['/a']!)).toEqual(['get'])
    expect(document.paths['/a']!.get!.operationId).toBe('getA')
    expect(document.paths['/b']!.head!.operationId).toBe('headB')
    expect(document.components.securitySchemes).toEqual({})
  })

  it('refuses a security requirement naming no known scheme', () => {
    expect(() =>
      buildOpenAPIDocument({
        routes: [route({ method: 'GET', url: '/x', schema: { security: [{ nope: [] }] } })],
      }),
    ).toThrow('OpenAPI: no security scheme named nope')
  })
})

describe('routeErrors', () => {
  it('infers the gate’s errors, the schemas’ and what the route declares', () => {
    expect(
      routeErrors(route({ method: 'GET', url: '/health', config: { keygate: false } })),
    ).toEqual(['internal_error'])
    expect(
      routeErrors(
        route({
          method: 'PATCH',
          url: '/v1/users/:id',
          config: { keygate: { scopes: ['users:manage'] } },
          schema: { params: {}, body: {}, errors: ['rate_limited'] },
        }),
        describeGate({ sessionCookie: 'sid', internalToken: false }),
      ),
    ).toEqual([
      'invalid_request',
      'validation_failed',
      'invalid_token',
      'missing_credentials',
      'csrf_failed',
      'insufficient_scope',
      'not_found',
      'payload_too_large',
      'unsupported_media_type',
      'rate_limited',
      'internal_error',
      'auth_not_configured',
      'auth_unavailable',
    ])
    // A read is never refused by the origin check.
    expect(
      routeErrors(
        route({ method: 'GET', url: '/v1/users' }),
        describeGate({ sessionCookie: 'sid', internalToken: false }),
      ),
    ).not.toContain('csrf_failed')
  })
})
