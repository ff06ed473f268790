import {
  adapterAuthenticator,
  KeygateError,
  validateScopes,
  type Authenticator,
  type AuthenticatorOptions,
  type Principal,
  type Verdict,
} from '@keygate/core'
import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'
import { check, kGate, sendProblem, type Gate } from './lib/gate.js'

/**
 * Per-route settings, under `config.keygate` of a route:
 * - `{ scopes: ['things:read'] }`: the caller must hold every scope (`403 insufficient_scope`).
 * - `false`: the global hook does not authenticate this route at all (a public route, chosen by
 *   the router, so a look-alike path cannot borrow it).
 */
export type KeygateRouteConfig = false | { readonly scopes?: readonly string[] }

/** Options of the {@link keygate} plugin: the core's options, or a ready authenticator. */
export type KeygateFastifyOptions = (AuthenticatorOptions | { authenticator: Authenticator }) & {
  /**
   * Install the global `onRequest` hook (default `true`): every route, unknown routes and 404s
   * included, is authenticated. With `false`, protect routes yourself with `config.keygate`,
   * `requireScopes()` or `fastify.verifyKeygate`.
   */
  hook?: boolean
  /** `request_id` of problem bodies. Default: Fastify's `request.id`. */
  requestId?: (request: FastifyRequest) => string
  /** Client IP reported in decisions. Default: `request.ip` (honours Fastify's `trustProxy`). */
  clientIp?: (request: FastifyRequest) => string | undefined
}

/** The `(request, reply)` check `fastify.verifyKeygate` is; it throws {@link KeygateError}. */
export type VerifyKeygate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The principal keygate verified, or `undefined` on public routes and unauthenticated
     * pass-throughs (shadow mode, `whenUnset: 'open'`).
     */
    auth?: Principal | undefined
  }
  interface FastifyInstance {
    /**
     * Authenticates the request (and checks `config.keygate.scopes`), throwing a
     * {@link KeygateError} on refusal: for `@fastify/auth` and custom hook chains.
     */
    verifyKeygate: VerifyKeygate
  }
  interface FastifyContextConfig {
    /** keygate's per-route settings; see {@link KeygateRouteConfig}. */
    keygate?: KeygateRouteConfig
  }
}

const NO_SCOPES: readonly string[] = Object.freeze([])

// `request.routeOptions` builds a new object on every access (Fastify 5): read it once.
function routeConfig(request: FastifyRequest): KeygateRouteConfig | undefined {
  return request.routeOptions.config?.keygate
}

function scopesOf(config: KeygateRouteConfig | undefined): readonly string[] {
  return config === undefined || config === false ? NO_SCOPES : (config.scopes ?? NO_SCOPES)
}

function validateRouteConfig(config: unknown, url: string): void {
  if (config === undefined || config === false) return
  if (config === null || typeof config !== 'object') {
    throw new TypeError(
      `@keygate/fastify: config.keygate of route ${url} must be false or { scopes }`,
    )
  }
  const { scopes, ...rest } = config as { scopes?: unknown }
  const unknown = Object.keys(rest)
  if (unknown.length > 0) {
    throw new TypeError(
      `@keygate/fastify: config.keygate of route ${url} has unknown key ${unknown[0]}`,
    )
  }
  if (scopes !== undefined)
    validateScopes(scopes, `@keygate/fastify: config.keygate.scopes of route ${url}`)
}

function finish(verdict: Verdict, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  // A hook that answers does not call done() (Fastify's hook contract).
  if (verdict.ok) done()
  else sendProblem(reply, verdict)
}

function setup(fastify: FastifyInstance, options: KeygateFastifyOptions): void {
  const authenticator = adapterAuthenticator(options, {
    where: '@keygate/fastify',
    functions: ['requestId', 'clientIp'],
    others: ['hook'],
  })
  const hook = options.hook ?? true
  if (typeof hook !== 'boolean') throw new TypeError('@keygate/fastify: hook must be a boolean')
  const gate: Gate = {
    authenticator,
    requestId: options.requestId ?? ((request) => request.id),
    clientIp: options.clientIp ?? ((request) => request.ip),
  }

  // Callback style, not async: when the core answers synchronously (a fresh cache) the request
  // goes on in the same tick, without a promise per request.
  const onRequest: onRequestHookHandler = function keygateOnRequest(request, reply, done) {
    const config = routeConfig(request)
    // Public by route: the router chose this handler, so no look-alike path gets here.
    if (config === false) return done()
    let verdict: Verdict | Promise<Verdict>
    try {
      verdict = check(gate, request, scopesOf(config))
    } catch (error) {
      return done(error as Error)
    }
    // No closure on the synchronous path (a fresh cache).
    if (verdict instanceof Promise) verdict.then((settled) => finish(settled, reply, done), done)
    else finish(verdict, reply, done)
  }

  const verifyKeygate: VerifyKeygate = async (request, reply) => {
    const verdict = await check(gate, request, scopesOf(routeConfig(request)))
    if (verdict.ok) return
    const error = new KeygateError(verdict.problem)
    // @fastify/auth turns any failure into 401 unless a 4xx/5xx status is already set.
    reply.code(error.statusCode)
    throw error
  }

  fastify.decorate(kGate, gate)
  fastify.decorate('verifyKeygate', verifyKeygate)
  // Declared up front so every request has the same shape (Fastify's decorator etiquette). A
  // plugin registered again in an encapsulated scope (routes behind a gate of their own) finds
  // `auth` declared by the outer one.
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)
  fastify.decorateRequest(authenticator.memoKey, undefined)

  fastify.addHook('onRoute', (route) => {
    const config = (route.config as { keygate?: unknown } | undefined)?.keygate
    validateRouteConfig(config, route.url)
    // Without the global hook, a route that asks for keygate still gets it: never silently open.
    if (!hook && config !== undefined && config !== false) {
      const existing = route.onRequest === undefined ? [] : [route.onRequest].flat()
      route.onRequest = [onRequest, ...existing] as typeof route.onRequest
    }
  })
  if (hook) fastify.addHook('onRequest', onRequest)
}

const plugin: FastifyPluginCallback<KeygateFastifyOptions> = (fastify, options, done) => {
  try {
    setup(fastify, options)
  } catch (error) {
    done(error as Error)
    return
  }
  done()
}

/**
 * The keygate plugin for Fastify 5. By default it installs a global `onRequest` hook, so every
 * request (unknown routes and 404s included) is authenticated before its body is read; it
 * decorates `request.auth` with the {@link Principal} and `fastify.verifyKeygate` for
 * `@fastify/auth`. Options are validated once, at registration.
 *
 * @throws TypeError at registration for a bad option (including the core's), and for a bad
 *   `config.keygate` on a route.
 * @example
 * ```ts
 * await app.register(keygate, {
 *   strategies: [serviceToken({ source: env('KEYGATE_SERVICE_TOKEN'), header: 'x-service-token' })],
 * })
 * app.get('/v1/things', { config: { keygate: { scopes: ['things:read'] } } }, (request) => request.auth)
 * ```
 */
export const keygate = fp(plugin, { fastify: '5.x', name: '@keygate/fastify' })
