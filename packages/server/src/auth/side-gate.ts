import type { Authenticator, Strategy } from '@keygate/core'
import { keygate, requireScopes } from '@keygate/fastify'
import type {
  FastifyContextConfig,
  FastifyInstance,
  onRequestAsyncHookHandler,
  RouteOptions,
} from 'fastify'
import { createGate, type GateOptions } from './create-gate.js'

/**
 * A gate of its own for a few routes that the API-token gate does not judge — `GET /metrics`
 * behind the scrape secret, the remote-verification routes behind the service token, the
 * provisioning route behind the internal token. Its one strategy grants `scope` to every caller
 * it accepts; the routes are registered behind it by {@link registerRoutes}.
 */
export type SideGate = {
  readonly authenticator: Authenticator
  /** Held by every principal the gate's strategy yields; required by the routes' hook. */
  readonly scope: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The side gate of a route (see {@link behind}); the API-token gate passes it by. */
    sideGate?: SideGate
  }
}

/**
 * A side gate over `strategy`, built like the API-token gate ({@link createGate}): its decisions
 * reach the same `onDecision` (log line and counters) and the same latency histogram.
 *
 * @example
 * ```ts
 * const gate = createSideGate({ ...ctx.gateOptions, strategy, scope: 'metrics:read' })
 * ```
 */
export function createSideGate(
  options: GateOptions & { strategy: Strategy; scope: string },
): SideGate {
  const { strategy, scope, ...gate } = options
  return { authenticator: createGate({ ...gate, strategies: [strategy] }), scope }
}

/** Route config of a route behind `gate` instead of the API-token gate. */
export function behind(gate: SideGate): FastifyContextConfig {
  return { keygate: false, sideGate: gate }
}

/**
 * Registers `routes` on `app`: those whose config names a side gate ({@link behind}) in an
 * encapsulated scope per gate, where `@keygate/fastify` runs that gate (`hook: false`) and
 * `requireScopes(gate.scope)` comes first in each route's `onRequest`; the others as they are.
 * So a side gate answers exactly as the plugin does, and its decisions are reported like any
 * other.
 *
 * @example
 * ```ts
 * await registerRoutes(app, allRoutes(ctx))
 * ```
 */
export async function registerRoutes(
  app: FastifyInstance,
  routes: readonly RouteOptions[],
): Promise<void> {
  const gated = new Map<SideGate, RouteOptions[]>()
  for (const route of routes) {
    const gate = route.config?.sideGate
    if (gate === undefined) app.route(route)
    else gated.set(gate, [...(gated.get(gate) ?? []), route])
  }
  for (const [gate, group] of gated) {
    await app.register(async (scope) => {
      await scope.register(keygate, { authenticator: gate.authenticator, hook: false })
      const guard: onRequestAsyncHookHandler = requireScopes(gate.scope)
      for (const route of group) {
        const own = route.onRequest === undefined ? [] : [route.onRequest].flat()
        scope.route({ ...route, onRequest: [guard, ...own] })
      }
    })
  }
}
