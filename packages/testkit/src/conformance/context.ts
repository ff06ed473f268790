import { randomBytes } from 'node:crypto'
import {
  type AuthDecision,
  type AuthenticatorOptions,
  type Logger,
  type SecretSource,
} from '@keygate/core'
import { expect } from 'vitest'
import { rawRequest, type RawResponse } from '../raw-request.js'
import type { AdapterConformanceOptions, ConformanceApp } from './types.js'

export const REALM = 'conformance'
export const PATH_BYPASSES = [
  '/health/../x',
  '/HEALTH',
  '/health%2F..%2Fx',
  '//health/../x',
  '/health/',
  '/%68ealth',
  '/health/.',
]

export function secret(): string {
  return randomBytes(32).toString('base64url')
}

/** The secrets, the app starter and the assertions the conformance cases share. */
export function conformanceContext(options: AdapterConformanceOptions) {
  const A = secret()
  const B = secret()
  const WRONG = [secret(), 'x', 'y'.repeat(1000), A.slice(0, -1), `${A}x`]
  const forbidden = [A, B, ...WRONG.filter((w) => w.length > 8)]
  const seen: string[] = []
  const logger: Logger = {
    warn: (o, m) => seen.push(JSON.stringify(o) + m),
    error: (o, m) => seen.push(JSON.stringify(o) + m),
    info: (o, m) => seen.push(JSON.stringify(o) + m),
    debug: (o, m) => seen.push(JSON.stringify(o) + m),
  }
  const apps: ConformanceApp[] = []

  async function start(
    auth: Partial<AuthenticatorOptions> & Pick<AuthenticatorOptions, 'strategies'>,
    decisions?: AuthDecision[],
  ) {
    const errors: unknown[] = []
    // Queued at each decision, run at the first promise hop after it.
    let probe: { ran: boolean } = { ran: false }
    const app = await options.start({
      auth: {
        realm: REALM,
        logger,
        env: {},
        onDecision: (d) => {
          const queued: { ran: boolean } = (probe = { ran: false })
          queueMicrotask(() => (queued.ran = true))
          decisions?.push(d)
          seen.push(JSON.stringify(d))
        },
        ...auth,
      },
      onAppError: (error) => errors.push(error),
      hopped: () => probe.ran,
    })
    apps.push(app)
    const request = async (
      method: string,
      path: string,
      lines: readonly string[] = [],
    ): Promise<RawResponse> => {
      const res = await rawRequest(app.url, method, path, lines)
      seen.push(JSON.stringify(res.headers) + res.body)
      return res
    }
    return {
      app,
      errors,
      get: (path: string, lines: readonly string[] = []) => request('GET', path, lines),
    }
  }

  function mutableSource(initial: string[]): SecretSource & { values: string[] } {
    const source = {
      name: 'conformance',
      values: initial,
      load: () => Promise.resolve(source.values.map((value) => ({ value }))),
    }
    return source
  }

  function expectProblem(res: RawResponse, status: number, code: string): Record<string, unknown> {
    expect(res.status, `${code}: ${res.body}`).toBe(status)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({
      status,
      code,
      type: expect.stringMatching(new RegExp(`#${code}$`)),
    })
    expect(typeof body.title).toBe('string')
    expect(typeof body.detail).toBe('string')
    expect(typeof body.request_id).toBe('string')
    expect(body.request_id).not.toBe('')
    expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/) // no stack trace
    return body
  }

  const principalOf = (res: RawResponse) =>
    (res.json() as { principal: Record<string, unknown> | null }).principal

  return { A, B, WRONG, forbidden, seen, apps, start, mutableSource, expectProblem, principalOf }
}

export type ConformanceContext = ReturnType<typeof conformanceContext>
