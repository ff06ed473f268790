/**
 * An internal API reachable only with `X-Service-Token` (the secret from the environment),
 * `/health` open: the backend that only its gateway may call, on Fastify 5.
 */
import { pathToFileURL } from 'node:url'
import { env, serviceToken, type Logger } from '@keygate/core'
import { keygate, requirePrincipal } from '@keygate/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

const THINGS = [
  { id: 1, name: 'anvil' },
  { id: 2, name: 'rocket skates' },
]

/** Options of {@link createApp}. */
export type AppOptions = {
  /** Where the secret is read from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  logger?: Logger
}

/** Builds the Fastify app (not listening). */
export async function createApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  // At the root and before the routes: its onRequest hook gates every request, unknown routes
  // included (a 404 never tells an anonymous caller which routes exist).
  await app.register(keygate, {
    strategies: [
      serviceToken({
        source: env('KEYGATE_SERVICE_TOKEN', options.env ? { env: options.env } : {}),
        header: 'x-service-token',
        subject: 'gateway',
      }),
    ],
    logger: options.logger,
  })
  app.get('/health', () => ({ status: 'ok' }))
  app.get('/v1/whoami', (request) => requirePrincipal(request))
  app.get('/v1/things', () => ({ items: THINGS }))
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }))
  // keygate answers its own failures; what reaches here is the app's own error.
  app.setErrorHandler((_error, _request, reply) =>
    reply.code(500).send({ error: 'internal error' }),
  )
  return app
}

/** Starts the server; resolves with the app and its URL. */
export async function start(
  options: AppOptions & { port?: number; host?: string } = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createApp(options)
  const url = await app.listen({ port: options.port ?? 3000, host: options.host ?? '127.0.0.1' })
  return { app, url }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`fastify-service listening on ${url}`)
}
