import type { ProblemCode } from '../lib/service-error-table.js'

/**
 * Documentation members a route schema may carry beside `summary`, `description` and `tags`
 * (lib/schema-docs.ts). Fastify ignores them; the OpenAPI generator reads them.
 */
declare module 'fastify' {
  interface FastifySchema {
    /** OpenAPI `operationId`. Default: made from the method and the path. */
    operationId?: string
    /**
     * OpenAPI security requirements, when the route is not behind the API-token gate but has a
     * gate of its own (`/metrics`). Default: the gate's schemes with the route's scopes, or none
     * for a public route.
     */
    security?: readonly Readonly<Record<string, readonly string[]>>[]
    /** Error codes the route answers beyond those inferred from its gate and its schemas. */
    errors?: readonly ProblemCode[]
    /** Leave the route out of the document. */
    hide?: boolean
  }
}

export {}
