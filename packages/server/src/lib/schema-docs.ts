/**
 * Route schemas carry OpenAPI documentation members (`summary`, `description`, `tags`) beside
 * the validation parts; Fastify ignores them, the OpenAPI generator reads them.
 */
declare module 'fastify' {
  interface FastifySchema {
    summary?: string
    description?: string
    tags?: readonly string[]
  }
}

export {}
