// RFC 6750 §3: `error="invalid_token"` in a Bearer challenge (quoted or as a bare token).
const INVALID_TOKEN_CHALLENGE =
  /(?:^|[\s,])error\s*=\s*(?:"invalid_token"|invalid_token)(?=$|[\s,])/i
const PROBLEM_JSON = /^application\/problem\+json\s*(?:;|$)/i
// A problem body is small; a larger body is not read to find its code.
const MAX_PROBLEM_BYTES = 16_384

/**
 * True when a `401` says the credential itself was refused (`invalid_token`), as opposed to
 * missing or malformed: the `WWW-Authenticate` challenge, or else the problem body's `code`.
 * The response itself is left unread (a clone is parsed).
 */
export async function isInvalidToken(response: Response): Promise<boolean> {
  if (response.status !== 401) return false
  const challenge = response.headers.get('www-authenticate')
  if (challenge !== null && INVALID_TOKEN_CHALLENGE.test(challenge)) return true
  if (!PROBLEM_JSON.test(response.headers.get('content-type') ?? '') || response.body === null)
    return false
  const length = Number(response.headers.get('content-length') ?? '0')
  if (length > MAX_PROBLEM_BYTES) return false
  try {
    const text = await response.clone().text()
    if (text.length > MAX_PROBLEM_BYTES) return false
    const body = JSON.parse(text) as { code?: unknown } | null
    return body !== null && typeof body === 'object' && body.code === 'invalid_token'
  } catch {
    return false
  }
}
