/**
 * The logging surface keygate uses; a pino logger fits as is (`logger: pino()`).
 * keygate never passes a secret, a token or a hash to it.
 */
export type Logger = {
  warn(object: Record<string, unknown>, message: string): void
  error(object: Record<string, unknown>, message: string): void
  info?(object: Record<string, unknown>, message: string): void
  debug?(object: Record<string, unknown>, message: string): void
}

/** A logger that drops everything. */
export const silentLogger: Logger = { warn() {}, error() {} }

/**
 * The parts of a thrown value that are safe to log: its class name and `code`, and its message
 * only when the error is keygate's own (whose messages are written never to hold a secret).
 * Third-party messages can quote their input — a JSON parser quoting a secret payload, say.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: typeof error }
  const code = (error as { code?: unknown }).code
  const out: Record<string, unknown> = { error: error.name }
  if (typeof code === 'string' || typeof code === 'number') out.errorCode = code
  if ((error as { safeMessage?: unknown }).safeMessage === true) out.errorMessage = error.message
  return out
}
