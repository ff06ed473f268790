/** What a version's payload holds: a secret, or nothing at all (an empty version). */
export type ParsedPayload =
  { readonly kind: 'secret'; readonly value: string } | { readonly kind: 'empty' }

/**
 * Thrown for a payload that cannot be a secret. Its message is written to be safe to log: it
 * names what is wrong with the payload, never any part of it.
 */
export class MalformedPayloadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MalformedPayloadError'
  }
}

// Without `field`, a payload that reads as a JSON object, array, null or boolean is almost
// certainly a JSON secret read without its field: as a raw secret ("{}", "null") it would be
// trivially guessable, so it is refused rather than served.
const LOOKS_LIKE_JSON = /^(?:[[{]|null$|true$|false$)/

/**
 * Turns a `SecretString` into the secret it carries: the whole string (trimmed), or one string
 * field of its JSON object.
 *
 * @returns `{ kind: 'empty' }` for an empty string or an empty field value.
 * @throws MalformedPayloadError when the payload is not a usable secret. No `cause` is attached:
 *   a JSON parser's message quotes its input.
 */
export function parseSecretPayload(
  payload: string | undefined,
  field: string | undefined,
): ParsedPayload {
  if (typeof payload !== 'string') {
    throw new MalformedPayloadError(
      'the version has no SecretString (binary secrets are not supported)',
    )
  }
  const trimmed = payload.trim()
  if (trimmed === '') return { kind: 'empty' }
  if (field === undefined) {
    if (LOOKS_LIKE_JSON.test(trimmed)) {
      throw new MalformedPayloadError(
        'the SecretString looks like JSON: set the `field` option to read one of its fields',
      )
    }
    return { kind: 'secret', value: trimmed }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(trimmed)
  } catch {
    throw new MalformedPayloadError('the SecretString is not valid JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MalformedPayloadError('the SecretString is not a JSON object')
  }
  if (!Object.prototype.hasOwnProperty.call(parsed, field)) {
    throw new MalformedPayloadError(`the SecretString has no field ${JSON.stringify(field)}`)
  }
  const value = (parsed as Record<string, unknown>)[field]
  if (typeof value !== 'string') {
    throw new MalformedPayloadError(
      `field ${JSON.stringify(field)} of the SecretString is not a string`,
    )
  }
  const secret = value.trim()
  return secret === '' ? { kind: 'empty' } : { kind: 'secret', value: secret }
}
