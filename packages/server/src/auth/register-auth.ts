import { InsufficientScopeError, type Principal, type Strategy } from '@keygate/core'
import { keygate, requirePrincipal } from '@keygate/fastify'
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify'
import { createGate, type GateOptions } from './create-gate.js'

/**
 * The one place the token service plugs keygate into Fastify: it protects its own routes with
 * its own adapter, `@keygate/fastify`, and its own `apiTokens` strategy.
 *
 * The plugin's global `onRequest` hook authenticates every request — unknown paths included —
 * before the body is read; a route opts out with {@link PUBLIC} and names the scopes it needs
 * with {@link needs}. A route added without either is protected: the default fails closed.
 */
export type RegisterAuthOptions = GateOptions & {
  /** The chain, in order (see `tokenStrategyChain`). */
  strategies: readonly Strategy[]
}

/** Route config of a public route (`/health`, `/ready`, `POST /v1/auth/tokens`). */
export const PUBLIC: FastifyContextConfig = Object.freeze({ keygate: false })

/** Route config of a protected route that needs every one of `scopes` (none: any valid token). */
export function needs(...scopes: string[]): FastifyContextConfig {
  return { keygate: { scopes } }
}

/** Registers the gate. Call before adding routes. */
export async function registerAuth(
  app: FastifyInstance,
  options: RegisterAuthOptions,
): Promise<void> {
  await app.register(keygate, { authenticator: createGate(options) })
}

/** The verified principal of a protected route; throws (401) when there is none, failing closed. */
export function principalOf(request: FastifyRequest): Principal {
  return requirePrincipal(request)
}

/** True when the principal holds `scope`. */
export function holds(principal: Principal, scope: string): boolean {
  return principal.scopes.includes(scope)
}

/** `403 insufficient_scope` naming the scopes the operation needs. */
export function insufficientScope(...scopes: string[]): InsufficientScopeError {
  return new InsufficientScopeError({ scopes })
}
