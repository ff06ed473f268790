/**
 * Black-box harness: a real server on 127.0.0.1 port 0 over a real SQLite file or a fresh
 * PostgreSQL schema, spoken to over real HTTP. Every suite runs against both backends; with
 * `CI=true` an unreachable PostgreSQL fails the run instead of skipping.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  backendSuites,
  postgresReachable,
  postgresSchema,
  TEST_PG_URL,
} from '@keygate/testkit/postgres'
import { afterAll, beforeAll } from 'vitest'
import {
  createServer,
  createUser,
  type KeygateServer,
  type ServerConfigInput,
} from '../src/index.js'
import { openStore } from '../src/store/index.js'
import type { RateLimiter } from '../src/rate-limit/rate-limiter.js'
import type { Store } from '../src/store/types.js'

export const PG_URL = TEST_PG_URL
export const PASSWORD = 'correct horse battery staple'

export type Backend = 'sqlite' | 'postgres'

/** Probed once per test file, before any test is registered (vitest registers synchronously). */
const postgresUp = await postgresReachable()

/** A database of its own: a temp SQLite file, or a fresh PostgreSQL schema (dropped by `drop`). */
export type TestDatabase = { url: string; schema?: string; drop(): Promise<void> }

export async function createDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-server-'))
    const drop = () => {
      rmSync(dir, { recursive: true, force: true })
      return Promise.resolve()
    }
    return Promise.resolve({ url: `sqlite:${join(dir, 'keygate.db')}`, drop })
  }
  if (!postgresUp) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL} (set KEYGATE_TEST_PG_URL)`)
  }
  const { schema, drop } = postgresSchema('kg_server')
  return { url: PG_URL, schema, drop }
}

/** Registers `body` once per backend; PostgreSQL is skipped locally (never in CI) when unreachable. */
export const forEachBackend = backendSuites(postgresUp)

/** A running server and what the tests need to talk to it. */
export type Harness = {
  readonly url: string
  readonly server: KeygateServer
  readonly store: Store
  readonly database: TestDatabase
  readonly logs: string[]
  readonly admin: { id: string; email: string }
  /** JSON request; `token` becomes `Authorization: Bearer`. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>
  /** Creates a user (argon2id, real hashing) and returns it. */
  user(email: string, role?: string): Promise<{ id: string; email: string }>
  /** Creates a token over HTTP and returns the secret and its id. */
  token(
    email: string,
    options?: { scopes?: string[]; name?: string; expires_in_days?: number },
  ): Promise<{ id: string; token: string }>
  close(): Promise<void>
}

let counter = 0
function uniqueName(): string {
  return `t${Date.now().toString(36)}${(counter++).toString(36)}`
}

/**
 * Starts a server for one suite. Rate limits are raised out of the way unless the suite sets
 * them; logs are captured so that suites can assert no secret was ever written.
 */
export async function startHarness(
  backend: Backend,
  config: ServerConfigInput = {},
  options: {
    store?: Store
    rateLimiter?: RateLimiter
    setup?: (server: KeygateServer) => void
  } = {},
): Promise<Harness> {
  const database = await createDatabase(backend)
  const logs: string[] = []
  const server = await createServer(
    {
      port: 0,
      logLevel: 'info',
      ...config,
      database: { url: database.url, schema: database.schema, ...config.database },
      rateLimits: {
        createToken: {
          perIp: { limit: 10_000, windowSeconds: 900 },
          perEmail: { limit: 10_000, windowSeconds: 900 },
          ...config.rateLimits?.createToken,
        },
      },
    },
    {
      logStream: { write: (line) => logs.push(line) },
      ...(options.store ? { store: options.store } : {}),
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    },
  )
  options.setup?.(server)
  const url = await server.listen({ host: '127.0.0.1', port: 0 })
  const store = server.tokenService.store
  const adminUser = await createUser({
    users: store.users,
    email: 'admin@example.com',
    password: PASSWORD,
    role: 'admin',
  })

  const harness: Harness = {
    url,
    server,
    store,
    database,
    logs,
    admin: { id: adminUser.id, email: adminUser.email },
    async request(method, path, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers }
      if (requestOptions.token !== undefined)
        headers.authorization = `Bearer ${requestOptions.token}`
      let body: string | undefined
      if (requestOptions.body !== undefined) {
        body =
          typeof requestOptions.body === 'string'
            ? requestOptions.body
            : JSON.stringify(requestOptions.body)
        headers['content-type'] ??= 'application/json'
      }
      return fetch(`${url}${path}`, { method, headers, body })
    },
    async user(email, role = 'user') {
      const created = await createUser({
        users: store.users,
        email,
        password: PASSWORD,
        role,
        roles: ['admin', 'user', ...(config.roles ?? [])],
      })
      return { id: created.id, email: created.email }
    },
    async token(email, tokenOptions = {}) {
      const response = await harness.request('POST', '/v1/auth/tokens', {
        body: {
          email,
          password: PASSWORD,
          name: tokenOptions.name ?? uniqueName(),
          ...tokenOptions,
        },
      })
      const body = (await response.json()) as { id: string; token: string }
      if (response.status !== 201)
        throw new Error(`token creation failed: ${response.status} ${JSON.stringify(body)}`)
      return { id: body.id, token: body.token }
    },
    async close() {
      await server.close()
      if (options.store !== undefined) await options.store.close()
      await database.drop()
    },
  }
  return harness
}

/** One harness per `describe`, started before its tests and closed after them. */
export function useHarness(
  backend: Backend,
  config: ServerConfigInput = {},
  options: { setup?: (server: KeygateServer) => void } = {},
): () => Harness {
  let harness: Harness | undefined
  beforeAll(async () => {
    harness = await startHarness(backend, config, options)
  })
  afterAll(async () => {
    await harness?.close()
  })
  return () => {
    if (harness === undefined) throw new Error('harness not started')
    return harness
  }
}

/** Opens a second handle on a harness's database (to inspect what the server wrote). */
export async function reopen(database: TestDatabase): Promise<Store> {
  return openStore({ url: database.url, schema: database.schema })
}

/** The answer with the fields that legitimately differ per request removed, for byte comparison. */
export async function comparable(
  response: Response,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const text = await response.text()
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'x-request-id') headers[name] = value
  })
  // request_id is the one member that differs: replaced in place, so the rest is compared byte for byte.
  return {
    status: response.status,
    headers,
    body: text.replace(/"request_id":"req_[0-9a-f]{16}"/, '"request_id":"<id>"'),
  }
}
