import { createRequire } from 'node:module'
import { PROBLEM_TYPE_BASE } from '@keygate/core'
import { describeCode, PROBLEM_CODES, type ProblemCode } from '../lib/service-error-table.js'
import type { FastifySchema } from 'fastify'
import type { CollectedRoute } from './collect-routes.js'
import { isGated, routeErrors } from './route-errors.js'
import { API_TOKEN_GATE, SECURITY_SCHEMES, type GateDescription } from './security-schemes.js'

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenAPIDocument = {
  openapi: '3.1.0'
  info: { title: string; version: string; description: string; license: Record<string, string> }
  tags: { name: string; description: string }[]
  paths: Record<string, Record<string, Operation>>
  components: {
    schemas: Record<string, unknown>
    securitySchemes: Record<string, unknown>
  }
}

/** One operation of {@link OpenAPIDocument}. */
export type Operation = {
  operationId: string
  summary?: string
  description?: string
  tags: string[]
  parameters?: Parameter[]
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> }
  responses: Record<string, Response>
  security?: Record<string, string[]>[]
}

export type Parameter = {
  name: string
  in: 'query' | 'path' | 'header'
  required: boolean
  description?: string
  schema: unknown
}

export type Response = {
  description: string
  headers?: Record<string, { description: string; schema: unknown }>
  content?: Record<string, { schema: unknown }>
}

/** Options of {@link buildOpenAPIDocument}. */
export type OpenAPIOptions = {
  routes: readonly CollectedRoute[]
  /** The gate in front of protected routes (`describeGate`). Default: API tokens only. */
  gate?: GateDescription
}

const TAGS: Record<string, string> = {
  tokens: 'API tokens: create with a password, list, rotate, revoke.',
  sessions: 'Console sessions and the keys that sign them.',
  users: 'Users and roles.',
  audit: 'The audit log.',
  setup: 'First start.',
  operations: 'Health, readiness and metrics.',
  reference: 'This document, and a readable page of it.',
}

// Known tags in reading order (the console's and the docs page's); others after, alphabetically.
const TAG_ORDER = Object.keys(TAGS)

function byTagOrder(a: string, b: string): number {
  const i = TAG_ORDER.indexOf(a)
  const j = TAG_ORDER.indexOf(b)
  if (i !== -1 || j !== -1) return (i === -1 ? Infinity : i) - (j === -1 ? Infinity : j)
  return a.localeCompare(b)
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'An RFC 9457 problem (SPEC §7); `application/problem+json`.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: `\`${PROBLEM_TYPE_BASE}<code>\`: one anchor per code in docs/errors.md.`,
    },
    title: { type: 'string' },
    status: { type: 'integer', description: 'The HTTP status, repeated.' },
    detail: { type: 'string', description: 'Never quotes a credential or a secret.' },
    code: { type: 'string', enum: [...PROBLEM_CODES], description: 'Stable error code.' },
    request_id: { type: 'string', description: 'Also in the `X-Request-Id` header.' },
    errors: {
      type: 'array',
      description: '`validation_failed` only: one entry per invalid field.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'JSON Pointer (RFC 6901) to the field.' },
          message: { type: 'string' },
        },
      },
    },
  },
}

function packageVersion(): string {
  try {
    // src/openapi and dist/openapi are both two levels below the package root.
    const require = createRequire(import.meta.url)
    return (require('../../package.json') as { version: string }).version
  } catch {
    return '0.0.0'
  }
}

/** `/v1/auth/tokens/:id` → `/v1/auth/tokens/{id}` (a regex constraint, if any, dropped). */
export function openAPIPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}')
}

function defaultTag(url: string): string {
  const segments = url
    .split('/')
    .filter((s) => s !== '' && s !== 'v1' && s !== 'auth' && s !== 'internal')
  const first = segments[0] ?? ''
  if (['health', 'ready', 'metrics'].includes(first)) return 'operations'
  if (['openapi.json', 'docs'].includes(first)) return 'reference'
  if (first === '.well-known') return 'sessions'
  return first === '' ? 'other' : first
}

function operationId(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((s) => s !== '' && s !== 'v1')
    .flatMap((s) =>
      s.startsWith(':') ? ['by', s.slice(1).replace(/\(.*$/, '')] : s.split(/[^A-Za-z0-9]+/),
    )
    .filter((w) => w !== '')
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('')
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

type ObjectSchema = {
  properties?: Record<string, Record<string, unknown>>
  required?: readonly string[]
}

function parameters(schema: unknown, where: Parameter['in']): Parameter[] {
  if (schema === null || typeof schema !== 'object') return []
  const { properties = {}, required = [] } = schema as ObjectSchema
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = copy(property)
    const parameter: Parameter = {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      schema: rest,
    }
    if (typeof description === 'string') parameter.description = description
    return parameter
  })
}

function successResponses(schema: FastifySchema): Record<string, Response> {
  const out: Record<string, Response> = {}
  const declared = (schema.response ?? {}) as Record<string, Record<string, unknown>>
  for (const [key, value] of Object.entries(declared)) {
    const status = Number(key)
    if (!(status >= 200 && status < 300)) continue
    const description =
      typeof value.description === 'string' ? value.description : (STATUS_TEXT[status] ?? 'OK')
    if (status === 204) {
      out[key] = { description }
    } else if (value.content !== undefined) {
      out[key] = { description, content: copy(value.content) as Response['content'] }
    } else {
      const { description: _, ...body } = copy(value)
      out[key] = { description, content: { 'application/json': { schema: body } } }
    }
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'OK' }
  return out
}

function errorResponses(codes: readonly ProblemCode[]): Record<string, Response> {
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of codes) {
    const { status } = describeCode(code)
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const out: Record<string, Response> = {}
  for (const [status, list] of byStatus) {
    const response: Response = {
      description: list.map((code) => `\`${code}\`: ${describeCode(code).title}`).join('; '),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Problem' },
              { properties: { status: { const: status }, code: { enum: list } } },
            ],
          },
        },
      },
    }
    const headers: NonNullable<Response['headers']> = {}
    if (list.some((code) => describeCode(code).challenge)) {
      headers['WWW-Authenticate'] = {
        description:
          'RFC 6750 challenge: `Bearer realm="…"`, with `error=` and `scope=` when they apply.',
        schema: { type: 'string' },
      }
    }
    if (list.includes('rate_limited') || list.includes('auth_unavailable')) {
      headers['Retry-After'] = { description: 'Seconds to wait.', schema: { type: 'integer' } }
    }
    if (list.includes('rate_limited')) {
      headers['RateLimit-Policy'] = {
        description: 'IETF draft: the limits that apply.',
        schema: { type: 'string' },
      }
      headers.RateLimit = { description: 'IETF draft: what is left.', schema: { type: 'string' } }
    }
    if (list.includes('method_not_allowed')) {
      headers.Allow = { description: 'Methods allowed on the path.', schema: { type: 'string' } }
    }
    if (Object.keys(headers).length > 0) response.headers = headers
    out[String(status)] = response
  }
  return out
}

function security(
  route: CollectedRoute,
  gateSchemes: readonly string[],
): Record<string, string[]>[] | undefined {
  const declared = route.schema?.security
  if (declared !== undefined) return declared.map((r) => copy(r) as Record<string, string[]>)
  if (!isGated(route)) return undefined
  const keygate = route.config?.keygate
  const scopes = keygate === undefined || keygate === false ? [] : [...(keygate.scopes ?? [])]
  return gateSchemes.map((name) => ({ [name]: scopes }))
}

/**
 * Builds the OpenAPI 3.1 document of the routes given, from the schemas that validate their
 * requests: paths (`:id` as `{id}`), parameters, request bodies, success responses, every error
 * response as `application/problem+json` (one shared `Problem` schema, the codes per status) and
 * the security each operation requires. `HEAD` routes Fastify adds beside `GET` are left out, as
 * are routes whose schema says `hide`.
 *
 * @example
 * ```ts
 * const routes = collectRoutes(app)
 * // … register routes …
 * const document = buildOpenAPIDocument({ routes })
 * ```
 */
export function buildOpenAPIDocument(options: OpenAPIOptions): OpenAPIDocument {
  const gate = options.gate ?? API_TOKEN_GATE
  const schemes = { ...SECURITY_SCHEMES, ...gate.securitySchemes }
  const gets = new Set(options.routes.filter((r) => r.method === 'GET').map((r) => r.url))
  const paths: OpenAPIDocument['paths'] = {}
  const used = new Set<string>()
  const tags = new Set<string>()
  for (const route of options.routes) {
    const schema = route.schema ?? {}
    if (schema.hide === true) continue
    if (route.method === 'HEAD' && gets.has(route.url)) continue
    const operation: Operation = {
      operationId: schema.operationId ?? operationId(route.method, route.url),
      tags: schema.tags !== undefined ? [...schema.tags] : [defaultTag(route.url)],
      responses: {},
    }
    if (schema.summary !== undefined) operation.summary = schema.summary
    if (schema.description !== undefined) operation.description = schema.description
    const params = [
      ...parameters(schema.params, 'path'),
      ...parameters(schema.querystring, 'query'),
      ...parameters(schema.headers, 'header'),
    ]
    if (params.length > 0) operation.parameters = params
    if (schema.body !== undefined) {
      const body = copy(schema.body) as ObjectSchema
      operation.requestBody = {
        // A body without required members may be left out (`POST …/rotate`).
        required: (body.required ?? []).length > 0,
        content: { 'application/json': { schema: body } },
      }
    }
    operation.responses = {
      ...successResponses(schema),
      ...errorResponses(routeErrors(route, gate)),
    }
    const requirements = security(route, gate.schemes)
    if (requirements !== undefined) {
      operation.security = requirements
      for (const requirement of requirements)
        for (const name of Object.keys(requirement)) used.add(name)
    }
    for (const tag of operation.tags) tags.add(tag)
    const path = openAPIPath(route.url)
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = operation
  }
  const securitySchemes: Record<string, unknown> = {}
  for (const name of [...used].sort()) {
    const scheme = schemes[name]
    if (scheme === undefined) throw new Error(`OpenAPI: no security scheme named ${name}`)
    securitySchemes[name] = copy(scheme)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'keygate token service',
      version: packageVersion(),
      description:
        'Users, API tokens and the audit log of a keygate deployment. Every error is an RFC 9457 ' +
        '`application/problem+json` answer with a stable `code`; unknown request fields are refused.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [...tags].sort(byTagOrder).map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: { schemas: { Problem: PROBLEM_SCHEMA }, securitySchemes },
  }
}
