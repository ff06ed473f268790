import {
  adapterKit,
  headersFromRaw,
  headersFromWeb,
  type AuthRequest,
  type HeaderValues,
  type ProblemResponse,
} from '@keygate/core'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The request-dependent options of `keygate()`. */
export type RequestOptions = {
  readonly requestId: (c: Context) => string
  readonly clientIp: ((c: Context) => string | undefined) | undefined
}

/** The adapter glue of the core, over the request's Context. */
export const kit = adapterKit<Context>((c) => c)

/**
 * The parts of a Node `IncomingMessage` keygate reads, typed structurally: this package imports
 * nothing from Node so it runs on every Web-standard runtime.
 */
type NodeIncoming = {
  rawHeaders?: unknown
  url?: unknown
  socket?: { remoteAddress?: unknown } | null
}

/** `c.env.incoming` when the app runs on `@hono/node-server`, else `undefined`. */
function nodeIncoming(c: Context): NodeIncoming | undefined {
  const env: unknown = c.env
  if (env === null || typeof env !== 'object') return undefined
  const incoming = (env as { incoming?: unknown }).incoming
  return incoming !== null && typeof incoming === 'object' ? incoming : undefined
}

/** Path and query of a serialised URL, without parsing it again. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3)
  return start === -1 ? '/' : url.slice(start)
}

/**
 * The core's request for one Context. `problemRequestId` is a method of the class, not a closure
 * made per request: it is read only when an answer is a problem.
 */
class ContextRequest implements AuthRequest {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly header: HeaderValues,
    readonly clientIp: string | undefined,
    private readonly c: Context,
    private readonly requestIdOf: (c: Context) => string,
  ) {}

  problemRequestId(): string {
    return this.requestIdOf(this.c)
  }
}

export function toAuthRequest(c: Context, options: RequestOptions): AuthRequest {
  const incoming = nodeIncoming(c)
  const rawHeaders = incoming?.rawHeaders
  const rawUrl = incoming?.url
  const remoteAddress = incoming?.socket?.remoteAddress
  return new ContextRequest(
    c.req.method,
    // On Node, the request-target as received: `/health/../admin` stays non-canonical and so is
    // never public. Elsewhere only the Request URL exists, and the WHATWG URL parser has already
    // removed dot segments (`/health/../admin` is `/admin`). That is safe: Hono routes on the
    // same normalised URL, so the path checked is the path served; percent-encodings such as
    // `/%68ealth` are kept by the parser and still make the path non-public.
    typeof rawUrl === 'string' ? rawUrl : pathOf(c.req.url),
    // Node's rawHeaders keeps every line, so two Authorization headers are seen as two. A Web
    // `Headers` joins them with ", ", which the core rejects as malformed (400) all the same.
    Array.isArray(rawHeaders)
      ? headersFromRaw(rawHeaders as string[])
      : headersFromWeb(c.req.raw.headers),

    options.clientIp !== undefined
      ? options.clientIp(c)
      : typeof remoteAddress === 'string'
        ? remoteAddress
        : undefined,
    c,
    options.requestId,
  )
}

/** The finished problem answer as a Response, keeping headers set by earlier middleware. */
export function problemResponse(c: Context, problem: ProblemResponse): Response {
  return c.body(
    JSON.stringify(problem.body),
    problem.status as ContentfulStatusCode,
    problem.headers,
  )
}
