import { describeError } from '@keygate/core'
import Fastify from 'fastify'
import type { GateOptions } from './auth/create-gate.js'
import { registerAuth } from './auth/register-auth.js'
import { registerRoutes } from './auth/side-gate.js'
import { createTokenStrategy, tokenStrategyChain } from './auth/create-token-strategy.js'
import { resolveConfig, type ServerConfigInput } from './config.js'
import type { ServerContext } from './context.js'
import { createAssertionIssuer } from './edge/create-assertion-issuer.js'
import { createEdgeGate } from './edge/create-edge-gate.js'
import { createPeerTrust } from './edge/trusted-peers.js'
import { createExternalAuth, type ExternalAuth } from './external-auth/create-external-auth.js'
import { ajvOptions } from './lib/ajv-options.js'
import { coerceQuery } from './lib/coerce-query.js'
import { methodsFor } from './lib/methods-for.js'
import {
  createClientErrorHandler,
  createFrameworkErrors,
  shuttingDown,
} from './lib/framework-errors.js'
import { ServiceError } from './lib/errors.js'
import { parseJSONBody } from './lib/parse-json-body.js'
import { passwords } from './lib/passwords.js'
import { createScopePolicy } from './lib/scope-policy.js'
import { requestId } from './lib/request-id.js'
import { toProblem } from './lib/to-problem.js'
import { formatValidationErrors } from './lib/validation-errors.js'
import { guardStore } from './lib/guard-store.js'
import { createMemoryRateLimiter } from './rate-limit/memory-rate-limiter.js'
import { connectRedis, createRedisClient } from './rate-limit/redis-client.js'
import { createRedisRateLimiter } from './rate-limit/redis-rate-limiter.js'
import { connectRevocations } from './revocation/connect-revocations.js'
import { openRevocationBus } from './revocation/open-revocation-bus.js'
import { allRoutes } from './routes/index.js'
import { addFormParser, introspectTokenRoute } from './routes/introspect-token.js'
import { streamRevocationsRoute } from './routes/stream-revocations.js'
import { createRevocationFeed } from './revocation/create-revocation-feed.js'
import { createServiceGate } from './introspection/create-service-gate.js'
import { createAuditRecorder } from './audit/create-audit-recorder.js'
import { createLoggerOptions } from './logging/create-logger-options.js'
import { logDecision } from './logging/log-decision.js'
import { countRateLimits, createMetrics, disabledMetrics } from './metrics/index.js'
import {
  buildOpenAPIDocument,
  collectRoutes,
  describeGate,
  type OpenAPIDocument,
} from './openapi/index.js'
import { createSessionService, type SessionService } from './sessions/create-session-service.js'
import { resolveKeyEncryptionSecret } from './sessions/key-encryption-secret.js'
import { openStore } from './store/open-store.js'
import { createLastUsedRecorder } from './store/last-used-recorder.js'
import type { CreateServerOptions, KeygateServer } from './create-server-options.js'

export type { CreateServerOptions, KeygateServer } from './create-server-options.js'

/**
 * Builds the token service (SPEC §6) on Fastify 5: opens the store (and migrates it unless
 * `database.migrate` is false), wires the server's own `apiTokens` strategy through
 * `@keygate/fastify`, and registers every route. `close()` stops accepting requests, flushes the
 * batched last-used times, and closes the store it opened.
 *
 * @throws TypeError naming the bad configuration key.
 * @example
 * ```ts
 * const server = await createServer({ port: 0, database: { url: 'sqlite:./data/keygate.db' } })
 * await server.listen({ host: server.tokenService.config.host, port: server.tokenService.config.port })
 * ```
 */
export async function createServer(
  input: ServerConfigInput = {},
  options: CreateServerOptions = {},
): Promise<KeygateServer> {
  const config = resolveConfig(input)
  const policy = createScopePolicy(config)
  const store =
    options.store ?? (await openStore({ url: config.database.url, schema: config.database.schema }))
  const ownsStore = options.store === undefined
  try {
    if (config.database.migrate) await store.migrate()
    // Computed once, up front, so the first unknown-email login costs what every other does.
    await passwords.dummyHash()
  } catch (error) {
    if (ownsStore) await store.close()
    throw error
  }

  const logging = await createLoggerOptions({ config, stream: options.logStream })
  const app = Fastify({
    logger: logging.logger,
    genReqId: requestId,
    trustProxy: config.trustProxy === false ? false : [...config.trustProxy],
    bodyLimit: config.bodyLimit,
    ajv: ajvOptions(),
    schemaErrorFormatter: formatValidationErrors,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Replaced by the onRequest hook below, which answers problem+json (shutting_down).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // A request's head and body must arrive within 30 s (RFC 9110 §15.5.9 408); Node checks
    // the deadline every second rather than its default 30.
    requestTimeout: 30_000,
    http: { connectionsCheckingInterval: 1000 },
    frameworkErrors: createFrameworkErrors({ realm: config.realm }),
    clientErrorHandler: createClientErrorHandler({ realm: config.realm }),
  })
  if (logging.warning !== undefined) app.log.warn({}, logging.warning)
  // Metrics, and one log line per authentication decision (docs/observability.md).
  const metrics = config.metrics.enabled
    ? createMetrics({ processMetrics: config.metrics.processMetrics })
    : disabledMetrics()
  const gateOptions: GateOptions = {
    realm: config.realm,
    logger: app.log,
    onDecision: (decision) => {
      metrics.decision(decision)
      logDecision(app.log, decision)
    },
    observe: (seconds) => metrics.verification(seconds),
  }
  // The audit log (docs/audit-log.md).
  const audit = createAuditRecorder({
    store: store.audit,
    now: () => new Date(),
    log: app.log,
    onFailure: () => metrics.auditWriteFailed(),
  })
  // Every route as registered, for the OpenAPI document (built on first use).
  const described = collectRoutes(app)
  let apiDocument: OpenAPIDocument | undefined

  // Both fail the start with a clear message: a missing or short internal token, a signing key
  // that cannot be decrypted.
  let sessions: SessionService
  let externalAuth: ExternalAuth | undefined
  try {
    const guarded = guardStore(store)
    externalAuth = await createExternalAuth({
      config,
      users: guarded.users,
      policy,
      source: options.internalTokenSource,
      logger: app.log,
    })
    const keyEncryptionSecret = await resolveKeyEncryptionSecret({
      configured: config.sessions.keyEncryptionSecret,
      databaseURL: config.database.url,
      log: app.log,
    })
    sessions = await createSessionService({
      config: { ...config, sessions: { ...config.sessions, keyEncryptionSecret } },
      store: guarded,
      policy,
      logger: app.log,
    })
  } catch (error) {
    if (ownsStore) await store.close()
    throw error
  }

  const redis =
    config.redis.url === undefined ? undefined : createRedisClient({ url: config.redis.url })
  if (redis !== undefined && !(await connectRedis(redis))) {
    app.log.warn(
      {},
      'keygate: Redis unreachable at start; rate limits are per instance until it is',
    )
  }
  const rateLimiter =
    options.rateLimiter ??
    (redis === undefined
      ? createMemoryRateLimiter()
      : createRedisRateLimiter({
          client: redis,
          keyPrefix: config.redis.keyPrefix,
          logger: app.log,
        }))

  const recorder = createLastUsedRecorder({
    store,
    flushIntervalMs: config.lastUsedFlushMs,
    onError: (error) => app.log.warn(describeError(error), 'last-used flush failed; will retry'),
  })
  const strategy = createTokenStrategy({
    config,
    store,
    policy,
    onUse: (tokenId, at) => recorder.record(tokenId, at),
    onCacheEvent: (event) => metrics.cache(event),
    logger: app.log,
  })
  const bus = options.revocationBus ?? openRevocationBus({ config, redis, logger: app.log })
  const revocations =
    bus === undefined
      ? undefined
      : connectRevocations({
          bus,
          // Sessions travel with API tokens: a logout (its jti), a disabled user or a role change
          // on another instance drops what this one remembers of them.
          target: {
            invalidate: (id) => {
              strategy.invalidate(id)
              sessions.registry.forget(id)
            },
            invalidateAll: () => {
              strategy.invalidateAll()
              sessions.registry.forgetAll()
            },
          },
          logger: app.log,
        })
  if (revocations !== undefined && !(await revocations.started)) {
    app.log.warn({ bus: bus?.kind }, 'keygate: revocation bus unreachable at start; retrying')
  }
  // Forward-auth decides with the same API-token and session strategies as the API (docs/edge.md).
  const edgeGate = createEdgeGate({
    ...gateOptions,
    strategies: [strategy, sessions.strategy],
    rules: config.forwardAuth.rules,
    assertions: createAssertionIssuer({
      keyring: sessions.keyring,
      issuer: config.sessions.issuer,
      ttlSeconds: config.forwardAuth.assertionTtlSeconds,
    }),
  })
  // The revocation stream of remote verifiers (GET /v1/auth/revocations): a backlog in the
  // database, read again whenever another instance says it revoked something.
  const feed = createRevocationFeed({
    store,
    backlog: config.introspection.backlog,
    logger: app.log,
  })
  bus?.subscribe({ revoked: () => feed.poke(), connected: () => feed.poke() })
  const ctx: ServerContext = {
    config,
    store: guardStore(store),
    policy,
    rateLimiter: countRateLimits(rateLimiter, (limit) => metrics.rateLimited(limit)),
    invalidate: (tokenId, details) => {
      strategy.invalidate(tokenId)
      // The backlog row first, then the bus: the other instances read it when they hear.
      const revocation = { kind: 'token', tokenId } as const
      feed.record(revocation, details, () => revocations?.broadcast(revocation))
    },
    tokenStrategy: strategy,
    invalidateUser: (userId) => {
      strategy.invalidateAll()
      sessions.registry.forgetUser(userId)
      const revocation = { kind: 'user', userId } as const
      feed.record(revocation, undefined, () => revocations?.broadcast(revocation))
    },
    redis,
    sessions,
    externalAuth,
    edge: { gate: edgeGate, trusted: createPeerTrust(config.trustProxy) },
    metrics,
    audit,
    gateOptions,
    log: app.log,
    apiDocument: () =>
      (apiDocument ??= buildOpenAPIDocument({
        routes: described,
        gate: describeGate({
          sessionCookie: config.sessions.cookieName,
          internalToken: externalAuth !== undefined,
        }),
      })),
    now: () => new Date(),
  }

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJSONBody(body as string))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
  // Before the gate: a request read once close() has begun is refused without authenticating it.
  let closing = false
  app.addHook('preClose', (done) => {
    // Open event streams would hold close() forever.
    feed.close()
    closing = true
    done()
  })
  app.addHook('onRequest', (_request, _reply, done) => {
    done(closing ? shuttingDown() : undefined)
  })
  app.addHook('preValidation', (request, _reply, done) => {
    coerceQuery(request.query, request.routeOptions.schema?.querystring)
    done()
  })
  // Nothing this service answers may be cached: tokens, and metadata about credentials.
  // Callback style, not async: an async hook defers every response by a microtask, and a
  // response written after one goes out in two writes instead of one (docs/decisions/0002).
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    reply.header('x-request-id', request.id)
    done(null, payload)
  })

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, {
      realm: config.realm,
      requestId: request.id,
      log: request.log,
    })
    if (problem.status >= 500) request.log.warn({ code: problem.body.code }, 'request failed')
    return reply.code(problem.status).headers(problem.headers).send(JSON.stringify(problem.body))
  })

  const routes = allRoutes(ctx)
  // Behind the service-token gate rather than the API-token one.
  const serviceGate = createServiceGate({
    ...gateOptions,
    config,
    source: options.serviceTokenSource,
  })
  const remoteRoutes = [
    introspectTokenRoute(ctx, serviceGate),
    streamRevocationsRoute({
      feed,
      gate: serviceGate,
      heartbeatSeconds: config.introspection.heartbeatSeconds,
      maxStreams: config.introspection.maxStreams,
      streamBufferBytes: config.introspection.streamBufferBytes,
      metrics,
    }),
  ]
  app.setNotFoundHandler((request) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = methodsFor([...routes, ...remoteRoutes], path)
    if (allowed.length > 0) {
      throw new ServiceError('method_not_allowed', {
        detail: `${request.method} is not allowed on this path`,
        headers: { allow: allowed.join(', ') },
      })
    }
    throw new ServiceError('not_found', { detail: 'Not found' })
  })

  await registerAuth(app, {
    ...gateOptions,
    strategies: tokenStrategyChain({
      apiTokens: strategy,
      sessions: sessions.strategy,
      internalToken: externalAuth?.strategy,
    }),
  })
  // The API-token gate's routes, and those behind a side gate of their own (docs/architecture.md).
  await registerRoutes(app, routes)
  // Remote verification (docs/remote-verification.md), in a scope of its own: the only routes
  // that accept a form body (RFC 7662 §2.1).
  await app.register(async (scope) => {
    addFormParser(scope)
    await registerRoutes(scope, remoteRoutes)
  })

  app.addHook('onClose', async () => {
    sessions.close()
    await recorder.close()
    await revocations?.close()
    await rateLimiter.close()
    if (redis !== undefined) await redis.quit().catch(() => redis.disconnect())
    if (ownsStore) await store.close()
  })

  app.decorate(
    'tokenService',
    Object.freeze({ config, store, routes: described, revocations: bus, edge: ctx.edge }),
  )
  return app as unknown as KeygateServer
}
