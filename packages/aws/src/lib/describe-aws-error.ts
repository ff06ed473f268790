/** A failure of `GetSecretValue`, reduced to what is safe to log: a stable code and a reason. */
export type AWSFailure = { readonly code: string; readonly reason: string }

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
])
const CREDENTIALS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'SignatureDoesNotMatch',
])
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])
// Exception names are identifiers; anything else is not echoed into a log line.
const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/

/**
 * Classifies an error of the AWS SDK into a stable code and a reason that is safe to log: built
 * from the exception's name, HTTP status and network code only, never from its message.
 *
 * @example
 * ```ts
 * describeAWSError(err) // { code: 'throttled', reason: 'throttled (ThrottlingException)' }
 * ```
 */
export function describeAWSError(error: unknown): AWSFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown
    code?: unknown
    message?: unknown
    $fault?: unknown
    $metadata?: { httpStatusCode?: unknown }
  }
  const name = typeof e.name === 'string' && SAFE_NAME.test(e.name) ? e.name : 'UnknownError'
  const status =
    typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined
  const code = typeof e.code === 'string' ? e.code : undefined

  if (name === 'ResourceNotFoundException') {
    return {
      code: 'not_found',
      reason: 'the secret or this version stage does not exist (ResourceNotFoundException)',
    }
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return {
      code: 'access_denied',
      reason: `access denied (${name}): the caller's IAM policy must allow secretsmanager:GetSecretValue on this secret, and kms:Decrypt on its key when it uses a customer managed KMS key`,
    }
  }
  if (name === 'DecryptionFailure') {
    return {
      code: 'decryption_failed',
      reason: 'the secret could not be decrypted with its KMS key (DecryptionFailure)',
    }
  }
  if (name === 'InvalidRequestException') {
    return {
      code: 'invalid_request',
      reason:
        'the secret cannot be read now, for example it is scheduled for deletion (InvalidRequestException)',
    }
  }
  if (THROTTLING.has(name)) return { code: 'throttled', reason: `throttled (${name})` }
  if (CREDENTIALS.has(name)) {
    return { code: 'credentials', reason: `no valid AWS credentials (${name})` }
  }
  if (e.message === 'Region is missing') {
    return {
      code: 'no_region',
      reason: 'no region: pass `region`, use the secret ARN as `secretId`, or set AWS_REGION',
    }
  }
  if (name === 'AbortError' || name === 'TimeoutError')
    return { code: 'aborted', reason: `the request was aborted (${name})` }
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return {
      code: 'unavailable',
      reason: `server error (${name}${status === undefined ? '' : `, HTTP ${status}`})`,
    }
  }
  if (code !== undefined && NETWORK.has(code))
    return { code: 'unavailable', reason: `network error (${code})` }
  return {
    code: 'request_failed',
    reason: `${name}${status === undefined ? '' : ` (HTTP ${status})`}`,
  }
}
