import type { RateLimitDecision } from './rate-limiter.js'

/**
 * The `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers-10
 * (structured-field Lists of quoted policy names with parameters): `q` quota and `w` window in
 * seconds for the policy, `r` remaining quota and `t` seconds until reset for the current state.
 * With several policies, each is listed; a refusal also gets `Retry-After` (RFC 9110 §10.2.3).
 *
 * @example
 * ```ts
 * rateLimitHeaders([ipDecision, emailDecision])
 * // { 'ratelimit-policy': '"ip";q=5;w=900, "email";q=5;w=900', ratelimit: '"ip";r=4;t=900, "email";r=4;t=900' }
 * ```
 */
export function rateLimitHeaders(decisions: readonly RateLimitDecision[]): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-policy': decisions
      .map((d) => `"${d.policy.name}";q=${d.policy.limit};w=${d.policy.windowSeconds}`)
      .join(', '),
    ratelimit: decisions
      .map((d) => `"${d.policy.name}";r=${d.remaining};t=${d.resetSeconds}`)
      .join(', '),
  }
  const refused = decisions.filter((d) => !d.allowed)
  if (refused.length > 0) {
    headers['retry-after'] = String(Math.max(...refused.map((d) => d.resetSeconds)))
  }
  return headers
}
