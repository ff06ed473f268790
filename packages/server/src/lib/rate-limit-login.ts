import type { ServerContext } from '../context.js'
import { clientKey } from '../rate-limit/client-key.js'
import { rateLimitHeaders } from '../rate-limit/rate-limit-headers.js'
import type { RateLimitDecision } from '../rate-limit/rate-limiter.js'
import { ServiceError } from './errors.js'

/**
 * Consumes one login attempt for the client IP, then for the email (SPEC §6: token creation is
 * limited per client IP and per email). Runs before the password check, so that no more than the
 * limit ever reaches it. Returns the rate-limit headers to send with the answer.
 *
 * @throws ServiceError `rate_limited` (429) with `Retry-After`, `RateLimit-Policy` and `RateLimit`.
 */
export async function rateLimitLogin(
  ctx: ServerContext,
  ip: string,
  email: string,
): Promise<Record<string, string>> {
  const limits = ctx.config.rateLimits.createToken
  const decisions: RateLimitDecision[] = []
  const byIp = await ctx.rateLimiter.consume(clientKey(ip), { name: 'ip', ...limits.perIp })
  decisions.push(byIp)
  if (byIp.allowed) {
    decisions.push(await ctx.rateLimiter.consume(email, { name: 'email', ...limits.perEmail }))
  }
  const headers = rateLimitHeaders(decisions)
  const refused = decisions.find((d) => !d.allowed)
  if (refused !== undefined) {
    throw new ServiceError('rate_limited', {
      detail: `Too many attempts; retry after ${headers['retry-after']} seconds`,
      headers,
      retryAfterSeconds: Number(headers['retry-after']),
    })
  }
  return headers
}
