import type { VerifiedAPIToken } from '../../api-tokens/api-token-verifier.js'
import type { SecretCache } from '../../create-secret-cache.js'

/** Reads an RFC 7662 answer; anything that is not one is an infrastructure failure. */
export function readAnswer(body: unknown, now: number): VerifiedAPIToken | undefined {
  if (body === null || typeof body !== 'object') throw new Error('introspection: not a JSON object')
  const answer = body as Record<string, unknown>
  if (answer.active === false) return undefined
  if (answer.active !== true) throw new Error('introspection: "active" is not a boolean')
  // Only API tokens are verified through apiTokens; a session presented with a token prefix
  // cannot happen, but is not accepted either.
  if (answer.token_type !== 'api_token') return undefined
  const { sub, scope, exp, token_id: tokenId } = answer
  if (
    typeof sub !== 'string' ||
    typeof tokenId !== 'string' ||
    typeof exp !== 'number' ||
    (scope !== undefined && typeof scope !== 'string')
  ) {
    throw new Error('introspection: an active answer lacks sub, token_id or exp')
  }
  const expiresAt = new Date(exp * 1000)
  return Object.freeze({
    id: tokenId,
    userId: sub,
    scopes: Object.freeze((scope ?? '').split(' ').filter((s) => s !== '')),
    expiresAt,
    revokedAt: expiresAt.getTime() <= now ? expiresAt : null,
    userDisabled: false,
    graceUntil: null,
  })
}

/** The service token to present: the source's first secret. */
export async function serviceSecretOf(secrets: SecretCache): Promise<string> {
  const { secrets: held } = await secrets.get()
  const secret = held[0]?.value
  if (secret === undefined) throw new Error('introspection: the service token is not set')
  return secret
}

/**
 * One call to `POST /v1/auth/introspect`, bounded by `timeoutMs`: the verified token, or
 * `undefined` for an inactive one. Throws for anything else — unreachable, too slow, a status
 * other than 200, an answer that is not RFC 7662 —, which the caller treats as an outage.
 */
export async function introspectToken(options: {
  endpoint: string
  secrets: SecretCache
  fetch: typeof globalThis.fetch
  timeoutMs: number
  token: string
  now: number
  /** Called once the call is about to be made (the `calls` counter). */
  onCall: () => void
}): Promise<VerifiedAPIToken | undefined> {
  const secret = await serviceSecretOf(options.secrets)
  options.onCall()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs)
  try {
    const response = await options.fetch(options.endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ token: options.token }),
      signal: controller.signal,
    })
    if (response.status !== 200) {
      await response.body?.cancel()
      // A 401 here is *our* service token being refused: a configuration failure of this
      // service, never the user's credential being wrong.
      throw new Error(`introspection: the token service answered ${response.status}`)
    }
    return readAnswer(await response.json(), options.now)
  } catch (error) {
    if (controller.signal.aborted) {
      throw new Error(`introspection: no answer within ${options.timeoutMs} ms`, { cause: error })
    }
    throw error
  } finally {
    clearTimeout(timer)
  }
}
