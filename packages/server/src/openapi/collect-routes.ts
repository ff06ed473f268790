import type { FastifyContextConfig, FastifyInstance, FastifySchema } from 'fastify'

/** One registered route, as the OpenAPI generator sees it. */
export type CollectedRoute = {
  readonly method: string
  /** Fastify's path syntax (`/v1/auth/tokens/:id`). */
  readonly url: string
  readonly schema: FastifySchema | undefined
  readonly config: FastifyContextConfig | undefined
}

/**
 * Collects every route registered on `app` from now on (an `onRoute` hook), one entry per
 * method, so that the OpenAPI document is built from the very schemas that validate requests.
 * Register it before the routes.
 *
 * @example
 * ```ts
 * const routes = collectRoutes(app)
 * app.get('/health', handler)
 * routes // [{ method: 'GET', url: '/health', … }, { method: 'HEAD', … }]
 * ```
 */
export function collectRoutes(app: FastifyInstance): readonly CollectedRoute[] {
  const routes: CollectedRoute[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({
        method: method.toUpperCase(),
        url: route.url,
        schema: route.schema,
        config: route.config,
      })
    }
  })
  return routes
}
