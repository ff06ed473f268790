/** Fixtures shared by the create-authenticator.*.test.ts and check-request.test.ts files. */
import { expect } from 'vitest'
import { headersFromRaw, type AuthRequest } from '../src/auth-request.js'
import {
  createAuthenticator,
  type AuthDecision,
  type AuthenticatorOptions,
  type AuthResult,
} from '../src/create-authenticator.js'
import type { Logger } from '../src/logger.js'
import type { Principal } from '../src/principal.js'
import type { Strategy, UNSET } from '../src/strategy.js'

export const SECRET = 'kg-test-secret-0123456789abcdef'

export function req(path: string, lines: readonly string[] = [], method = 'GET'): AuthRequest {
  const raw = lines.flatMap((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon), line.slice(colon + 1).trim()]
  })
  return { method, path, header: headersFromRaw(raw), clientIp: '203.0.113.7' }
}

export const principal = (subject: string, extra: Partial<Principal> = {}): Principal => ({
  kind: 'user',
  subject,
  scopes: [],
  via: 'api-token',
  ...extra,
})

/** A strategy with a fixed answer and a call count. */
export function fixed(
  name: string,
  answer: () => Principal | undefined | typeof UNSET,
  async = true,
) {
  const strategy = {
    name,
    calls: 0,
    authenticate() {
      strategy.calls++
      return async ? Promise.resolve().then(answer) : answer()
    },
  } satisfies Strategy & { calls: number }
  return strategy
}

export function capturingLogger() {
  const lines: { level: string; object: Record<string, unknown>; message: string }[] = []
  const at =
    (level: string) =>
    (object: Record<string, unknown>, message: string): void => {
      lines.push({ level, object, message })
    }
  const logger: Logger = {
    warn: at('warn'),
    error: at('error'),
    info: at('info'),
    debug: at('debug'),
  }
  return { logger, lines }
}

export function gate(
  options: Partial<AuthenticatorOptions> & Pick<AuthenticatorOptions, 'strategies'>,
) {
  const decisions: AuthDecision[] = []
  const { logger, lines } = capturingLogger()
  const authenticator = createAuthenticator({
    env: {},
    logger,
    onDecision: (d) => decisions.push(d),
    ...options,
  })
  return { authenticator, decisions, lines }
}

export function expectDenied(result: AuthResult, code: string, status: number): void {
  expect(result.ok).toBe(false)
  if (!result.ok) expect([result.error.code, result.error.status]).toEqual([code, status])
}
