import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import type { OpenAPIDocument } from '../src/openapi/index.js'
import { buildOpenAPIDocument, openAPIPath, renderDocsPage } from '../src/openapi/index.js'
import { useHarness, type Harness } from './harness.js'

async function fetchDocument(h: Harness): Promise<OpenAPIDocument> {
  const response = await h.request('GET', '/openapi.json')
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  return (await response.json()) as OpenAPIDocument
}

/** Every operation as `METHOD /path` (OpenAPI syntax). */
function operations(document: OpenAPIDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  )
}

describe('GET /openapi.json', () => {
  const h = useHarness('sqlite', {
    scopes: { 'runs:read': { roles: ['user'], description: 'Read runs' } },
    metrics: { processMetrics: false },
  })

  it('is a valid OpenAPI 3.1 document (checked by a real validator)', async () => {
    const document = await fetchDocument(h())
    expect(document.openapi).toBe('3.1.0')
    const validator = new Validator()
    const result = await validator.validate(document)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    // The validator does check: a broken copy is refused.
    const broken = structuredClone(document) as unknown as { paths: Record<string, unknown> }
    broken.paths['/health'] = { get: { responses: { '200': {} } } }
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })

  it('describes every route the server registered, and nothing else', async () => {
    const document = await fetchDocument(h())
    const registered = h().server.tokenService.routes
    const gets = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url))
    const expected = registered
      .filter((r) => !(r.method === 'HEAD' && gets.has(r.url)))
      .filter((r) => r.schema?.hide !== true)
      .map((r) => `${r.method} ${openAPIPath(r.url)}`)
      .sort()
    expect(operations(document).sort()).toEqual(expected)
    // And every documented operation is routable (not merely collected).
    for (const operation of operations(document)) {
      const [method, path] = operation.split(' ') as [string, string]
      const url = path.replace(/\{([^}]+)\}/g, ':$1')
      expect(h().server.hasRoute({ method: method, url }), operation).toBe(true)
    }
    // The routes of SPEC §6 that this server has are all there.
    for (const operation of [
      'GET /health',
      'GET /ready',
      'GET /metrics',
      'POST /v1/auth/tokens',
      'GET /v1/auth/tokens',
      'DELETE /v1/auth/tokens/current',
      'DELETE /v1/auth/tokens/{id}',
      'POST /v1/auth/tokens/{id}/rotate',
      'GET /v1/users',
      'POST /v1/users',
      'GET /v1/users/me',
      'GET /v1/audit',
      'GET /openapi.json',
      'GET /docs',
    ]) {
      expect(operations(document)).toContain(operation)
    }
    expect(
      new Set(
        Object.values(document.paths).flatMap((m) => Object.values(m).map((o) => o.operationId)),
      ).size,
    ).toBe(operations(document).length)
  })

  it('is generated from the schemas that validate requests', async () => {
    const document = await fetchDocument(h())
    const route = h().server.tokenService.routes.find(
      (r) => r.method === 'POST' && r.url === '/v1/auth/tokens',
    )!
    const create = document.paths['/v1/auth/tokens']!.post!
    expect(create.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: route.schema!.body } },
    })
    // The configured application scope is part of the enum the server validates against.
    const body = create.requestBody!.content['application/json']!.schema as {
      properties: { scopes: { items: { enum: string[] } } }
    }
    expect(body.properties.scopes.items.enum).toContain('runs:read')
    const list = document.paths['/v1/audit']!.get!
    expect(list.parameters!.map((p) => [p.name, p.in, p.required])).toEqual([
      ['cursor', 'query', false],
      ['limit', 'query', false],
      ['user_id', 'query', false],
      ['actor_id', 'query', false],
      ['action', 'query', false],
      ['since', 'query', false],
      ['until', 'query', false],
    ])
    const rotate = document.paths['/v1/auth/tokens/{id}/rotate']!.post!
    expect(rotate.parameters).toEqual([
      {
        name: 'id',
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 64 },
      },
    ])
    expect(rotate.requestBody?.required).toBe(false)
  })

  it('names the security of every operation, and every error as problem+json', async () => {
    const document = await fetchDocument(h())
    expect(Object.keys(document.components.securitySchemes)).toEqual([
      'apiToken',
      'serviceToken',
      'session',
      'sessionCookie',
    ])
    expect(document.components.securitySchemes.apiToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    const audit = document.paths['/v1/audit']!.get!
    // Any one of the gate's schemes, each with the scopes the route needs.
    expect(audit.security).toEqual([
      { apiToken: ['audit:read'] },
      { session: ['audit:read'] },
      { sessionCookie: ['audit:read'] },
    ])
    expect(document.components.securitySchemes.sessionCookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: '__Host-keygate_session',
    })
    // A write with the session cookie may be refused by the origin check.
    expect(document.paths['/v1/users']!.post!.responses['403']!.description).toBe(
      '`csrf_failed`: Cross-site request refused; `insufficient_scope`: Insufficient scope',
    )
    expect(Object.keys(audit.responses)).toEqual(['200', '400', '401', '403', '500', '503'])
    expect(audit.responses['401']!.description).toBe(
      '`invalid_token`: Invalid token; `missing_credentials`: Missing credentials',
    )
    expect(audit.responses['401']!.headers).toHaveProperty('WWW-Authenticate')
    const create = document.paths['/v1/auth/tokens']!.post!
    expect(create.security).toBeUndefined()
    expect(Object.keys(create.responses)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '500',
      '503',
    ])
    expect(create.responses['429']!.headers).toHaveProperty('Retry-After')
    expect(document.paths['/v1/auth/tokens/{id}']!.delete!.responses['204']).toEqual({
      description: 'Revoked (or already revoked).',
    })
    expect(document.paths['/health']!.get!.responses).toMatchObject({
      '200': expect.any(Object),
      '500': expect.any(Object),
    })
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue
          const schema = response.content!['application/problem+json']!.schema as {
            allOf: [{ $ref: string }, { properties: { status: { const: number } } }]
          }
          expect(schema.allOf[0].$ref).toBe('#/components/schemas/Problem')
          expect(schema.allOf[1].properties.status.const).toBe(Number(status))
        }
      }
    }
    expect(document.paths['/metrics']!.get!.security).toBeUndefined()
    expect(document.paths['/metrics']!.get!.responses['200']!.content).toHaveProperty('text/plain')
  })

  it('is public', async () => {
    const response = await h().request('GET', '/openapi.json', { token: 'kg_garbage' })
    expect(response.status).toBe(200)
  })
})

describe('GET /openapi.json with a protected /metrics', () => {
  const h = useHarness('sqlite', {
    metrics: { protect: 'service-token', processMetrics: false },
  })

  it('names the metrics token scheme, and the gate’s errors', async () => {
    const document = await fetchDocument(h())
    const metrics = document.paths['/metrics']!.get!
    expect(metrics.security).toEqual([{ metricsToken: [] }])
    expect(Object.keys(metrics.responses)).toEqual(['200', '400', '401', '500', '503'])
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      'apiToken',
      'metricsToken',
      'serviceToken',
      'session',
      'sessionCookie',
    ])
    const result = await new Validator().validate(document)
    expect(result.valid).toBe(true)
  })
})

describe('GET /openapi.json with external auth on', () => {
  const h = useHarness('sqlite', {
    externalAuth: {
      enabled: true,
      internalToken: 'internal-token-for-the-openapi-test-0123456789',
    },
    metrics: { processMetrics: false },
  })

  it('adds the internal token to the gate, and documents the provisioning route', async () => {
    const document = await fetchDocument(h())
    expect((await new Validator().validate(document as never)).valid).toBe(true)
    const provision = document.paths['/v1/internal/users/{id}']!.put!
    expect(provision.security).toEqual([{ internalToken: [] }])
    expect(provision.responses['401']!.description).toContain('`invalid_internal_token`')
    const me = document.paths['/v1/users/me']!.get!
    expect(me.security).toContainEqual({ internalToken: [] })
    expect(me.responses['400']!.description).toContain('`missing_on_behalf_of`')
    expect(me.responses['404']!.description).toContain('`user_not_found`')
    // The internal token itself is never in the document.
    expect(JSON.stringify(document)).not.toContain('internal-token-for-the-openapi-test')
  })
})

describe('apiDocs: false', () => {
  const h = useHarness('sqlite', { apiDocs: false, metrics: { processMetrics: false } })

  it('serves neither the document nor the page', async () => {
    await h().user('nodocs@example.com')
    const { token } = await h().token('nodocs@example.com')
    expect((await h().request('GET', '/openapi.json', { token })).status).toBe(404)
    expect((await h().request('GET', '/docs', { token })).status).toBe(404)
  })
})

describe('GET /docs', () => {
  const h = useHarness('sqlite', { metrics: { processMetrics: false } })

  it('is one self-contained HTML page: no script, nothing loaded from elsewhere', async () => {
    const response = await h().request('GET', '/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = response.headers.get('content-security-policy')!
    expect(csp).toMatch(/^default-src 'none'; style-src 'unsafe-inline'(;|$)/)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await response.text()
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=/i)
    expect(html.match(/href="([^"]*)"/g)!.every((h) => /^href="(#|\/openapi\.json")/.test(h))).toBe(
      true,
    )
    const document = await fetchDocument(h())
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) {
        expect(html).toContain(`id="${operation.operationId}"`)
        expect(html).toContain(path.replace(/&/g, '&amp;'))
      }
    }
    expect(html).toContain('audit:read')
  })

  it('escapes everything it prints', () => {
    const evil = '<img src=x onerror=alert(1)>"\''
    const document = buildOpenAPIDocument({
      routes: [
        {
          method: 'GET',
          url: '/x/:id',
          config: { keygate: { scopes: [evil] } },
          schema: {
            summary: evil,
            description: evil,
            params: { type: 'object', properties: { id: { type: 'string', description: evil } } },
            response: {
              200: { type: 'object', properties: { [evil]: { type: 'string', enum: [evil] } } },
            },
          },
        },
      ],
    })
    const html = renderDocsPage(document)
    expect(html).not.toContain('<img')
    expect(html).not.toContain('"\'')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;')
  })
})
