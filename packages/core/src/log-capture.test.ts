/**
 * No secret, configured or presented, may reach a log line, a decision, an error message (or any
 * message down its cause chain) or a response. This runs realistic traffic through the gate with a
 * real pino logger at the most verbose level and searches everything it produced.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { headersFromRaw, type AuthRequest } from './auth-request.js'
import {
  createAuthenticator,
  type AuthDecision,
  type AuthenticatorOptions,
} from './create-authenticator.js'
import { createProblem } from './create-problem.js'
import type { Logger } from './logger.js'
import { serviceToken } from './service-token.js'
import { env, staticSecrets } from './sources/env.js'
import type { Secret, SecretSource } from './sources/secret-source.js'
import type { Strategy } from './strategy.js'

const secret = () => randomBytes(32).toString('base64url')
const CONFIGURED_A = secret()
const CONFIGURED_B = secret()
const WRONG = secret()
const OTHER_WRONG = `${CONFIGURED_A.slice(0, -1)}x`

/** Everything that must never appear, in clear or as a digest. */
const FORBIDDEN = [CONFIGURED_A, CONFIGURED_B, WRONG, OTHER_WRONG].flatMap((value) => {
  const digest = createHash('sha256').update(value).digest()
  return [value, digest.toString('hex'), digest.toString('base64'), digest.toString('base64url')]
})

/** Every substring of `value` of length `size`. */
function windows(value: string, size: number): string[] {
  return Array.from({ length: value.length - size + 1 }, (_, i) => value.slice(i, i + size))
}

const logLines: string[] = []
const decisions: AuthDecision[] = []
const surfaced: string[] = []

const logger: Logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'))
      done()
    },
  }),
)

function req(lines: readonly string[], path = '/v1/things?token=ignored'): AuthRequest {
  const raw = lines.flatMap((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon), line.slice(colon + 1).trim()]
  })
  return { method: 'POST', path, header: headersFromRaw(raw), clientIp: '198.51.100.4' }
}

/** Every message down an error's cause chain. */
function messages(error: unknown): string[] {
  const out: string[] = []
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    out.push(
      e instanceof Error ? `${e.name}: ${e.message} ${JSON.stringify(e)}` : JSON.stringify(e),
    )
    e = (e as { cause?: unknown }).cause
  }
  return out
}

function start(options: Partial<AuthenticatorOptions> & Pick<AuthenticatorOptions, 'strategies'>) {
  const authenticator = createAuthenticator({
    env: {},
    logger,
    onDecision: (d) => decisions.push(d),
    ...options,
  })
  return async (lines: readonly string[], scopes?: readonly string[]) => {
    const request = req(lines)
    let result = await authenticator.authenticate(request)
    if (scopes !== undefined) result = authenticator.authorize(result, scopes, request)
    surfaced.push(JSON.stringify(result))
    if (!result.ok) {
      surfaced.push(...messages(result.error), result.error.detail)
      surfaced.push(JSON.stringify(authenticator.respond(result.error, { requestId: 'req-1' })))
      surfaced.push(JSON.stringify(createProblem(result.error)))
    }
    return result
  }
}

const failing = (name: string, load: SecretSource['load']): SecretSource => ({ name, load })

describe('no secret reaches a log line, a decision, an error or a response', () => {
  afterAll(() => {
    // Sanity: the scenario did produce output to search.
    expect(logLines.length).toBeGreaterThan(3)
    expect(decisions.length).toBeGreaterThan(10)
  })

  it('enforce mode: success, wrong, malformed, duplicate, oversize, scope', async () => {
    const run = start({
      strategies: [
        serviceToken({
          source: staticSecrets([CONFIGURED_A]),
          subject: 'gateway',
          scopes: ['a:read'],
        }),
        serviceToken({
          source: env('SVC', { env: { SVC: CONFIGURED_B } }),
          header: 'x-service-token',
        }),
      ],
    })
    expect((await run([`Authorization: Bearer ${CONFIGURED_A}`])).ok).toBe(true)
    expect((await run([`X-Service-Token: ${CONFIGURED_B}`])).ok).toBe(true)
    expect((await run([`Authorization: Bearer ${WRONG}`])).ok).toBe(false)
    expect((await run([`Authorization: Bearer ${OTHER_WRONG}`])).ok).toBe(false)
    expect((await run([`X-Service-Token: ${WRONG}`])).ok).toBe(false)
    expect((await run([`Authorization: Bearer ${CONFIGURED_A} ${CONFIGURED_B}`])).ok).toBe(false)
    expect((await run([`Authorization: Bearer\t${CONFIGURED_A}`])).ok).toBe(false)
    expect((await run([`Authorization: ${CONFIGURED_A}`])).ok).toBe(false)
    expect((await run([`X-Service-Token: ${CONFIGURED_B}, ${CONFIGURED_A}`])).ok).toBe(false)
    expect(
      (await run([`Authorization: Bearer ${CONFIGURED_A}`, `Authorization: Bearer ${WRONG}`])).ok,
    ).toBe(false)
    expect(
      (await run([`Authorization: Bearer ${CONFIGURED_A}`, `X-Service-Token: ${CONFIGURED_B}`])).ok,
    ).toBe(false)
    expect((await run([`Authorization: Bearer ${WRONG.repeat(100)}`])).ok).toBe(false)
    expect((await run([`X-Service-Token: ${CONFIGURED_B}`], ['a:read'])).ok).toBe(false)
  })

  it('a source whose error message contains the secret', async () => {
    const run = start({
      strategies: [
        serviceToken({
          source: failing('vault', () =>
            Promise.reject(new Error(`vault refused: token ${CONFIGURED_A} is sealed`)),
          ),
        }),
      ],
    })
    const result = await run([`Authorization: Bearer ${CONFIGURED_A}`])
    expect(result).toMatchObject({ ok: false, error: { code: 'auth_unavailable' } })
    await run([])
  })

  it('a source whose payload fails to parse (the parser quotes its input)', async () => {
    // A hand-edited secret file with single quotes: V8's SyntaxError quotes the text around the
    // position it could not parse, here the start of the secret.
    const payload = `{"current":'${CONFIGURED_A}',"previous":"${CONFIGURED_B}"}`
    let parseMessage = ''
    try {
      JSON.parse(payload)
    } catch (error) {
      parseMessage = (error as Error).message
    }
    expect(windows(CONFIGURED_A, 8).some((w) => parseMessage.includes(w))).toBe(true)
    const source = failing('json', () => {
      const parsed = JSON.parse(payload) as { current: string }
      return Promise.resolve([{ value: parsed.current }])
    })
    const result = await start({ strategies: [serviceToken({ source })] })([
      `Authorization: Bearer ${CONFIGURED_A}`,
    ])
    expect(result).toMatchObject({ ok: false, error: { code: 'auth_unavailable' } })
  })

  it('a warm source that turns malformed, and one that throws synchronously', async () => {
    let turn = 0
    const flaky = failing('flaky', () => {
      turn++
      if (turn === 1) return Promise.resolve([{ value: CONFIGURED_A }])
      if (turn === 2)
        return Promise.resolve([{ value: { nested: CONFIGURED_B } }] as unknown as Secret[])
      throw new Error(`sync failure quoting ${CONFIGURED_B}`)
    })
    const run = start({
      strategies: [serviceToken({ source: flaky, cache: { ttlMs: 0, retryMs: 0 } })],
    })
    expect((await run([`Authorization: Bearer ${CONFIGURED_A}`])).ok).toBe(true)
    // Stale values are served while the source is broken.
    expect((await run([`Authorization: Bearer ${CONFIGURED_A}`])).ok).toBe(true)
    expect((await run([`Authorization: Bearer ${WRONG}`])).ok).toBe(false)
  })

  it('a strategy that throws an unexpected error quoting the credential', async () => {
    const leaky: Strategy = {
      name: 'leaky',
      authenticate: ({ credential }) =>
        Promise.reject(
          new TypeError(`cannot handle ${JSON.stringify(credential)} with ${CONFIGURED_B}`),
        ),
    }
    const result = await start({ strategies: [leaky] })([`Authorization: Bearer ${WRONG}`])
    expect(result).toMatchObject({ ok: false, error: { code: 'internal_error' } })
  })

  it('shadow mode', async () => {
    const run = start({
      mode: 'shadow',
      strategies: [serviceToken({ source: staticSecrets([CONFIGURED_A]) })],
    })
    expect((await run([`Authorization: Bearer ${WRONG}`])).ok).toBe(true)
    expect((await run([`Authorization: Bearer ${CONFIGURED_A}`])).ok).toBe(true)
    expect((await run([`Authorization: Bearer ${CONFIGURED_A} junk`])).ok).toBe(true)
    expect((await run([`Authorization: Bearer ${CONFIGURED_A}`], ['never:granted'])).ok).toBe(true)
  })

  it('open mode and dev mode', async () => {
    const unset = () => serviceToken({ source: staticSecrets([]) })
    const open = start({ whenUnset: 'open', strategies: [unset()] })
    expect((await open([`Authorization: Bearer ${WRONG}`])).ok).toBe(true)
    const dev = start({ devMode: true, strategies: [unset()] })
    expect((await dev([`Authorization: Bearer ${WRONG}`])).ok).toBe(true)
  })

  it('an onDecision hook that throws with the decision in its message', async () => {
    const authenticator = createAuthenticator({
      env: {},
      logger,
      strategies: [serviceToken({ source: staticSecrets([CONFIGURED_A]) })],
      onDecision: (d) => {
        throw new Error(`cannot record ${JSON.stringify(d)} ${CONFIGURED_A}`)
      },
    })
    expect(
      (await authenticator.authenticate(req([`Authorization: Bearer ${CONFIGURED_A}`]))).ok,
    ).toBe(true)
  })

  it('found none of them anywhere', () => {
    const haystacks = {
      logs: logLines.join('\n'),
      decisions: JSON.stringify(decisions),
      errors: surfaced.join('\n'),
    }
    for (const [where, text] of Object.entries(haystacks)) {
      for (const value of FORBIDDEN) {
        const at = text.indexOf(value)
        expect(at, `a secret or its digest leaked into ${where}: ${text.slice(at - 80, at)}…`).toBe(
          -1,
        )
      }
      // Nor a recognisable fragment of one (a parser quotes a few characters around its error).
      for (const value of [CONFIGURED_A, CONFIGURED_B, WRONG]) {
        for (const fragment of windows(value, 8)) {
          const at = text.indexOf(fragment)
          expect(at, `a secret fragment leaked into ${where}: ${text.slice(at - 80, at)}…`).toBe(-1)
        }
      }
    }
  })
})
