/**
 * The side gates — `GET /metrics` behind the scrape secret, the remote-verification routes
 * behind the service token, `PUT /v1/internal/users/{id}` behind the internal token — go through
 * `@keygate/fastify` like the API-token gate: every decision, allowed or refused, is one
 * `auth decision` log line (with the request's id) and counts in the decision counter and the
 * latency histogram.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { forEachBackend, useHarness, type Harness } from './harness.js'
import { samples } from './metrics-samples.js'

const SCRAPE = 'side-gates-scrape-secret-0123456789abcdef'
const SERVICE = 'side-gates-service-token-0123456789abcdef'
const INTERNAL = 'side-gates-internal-token-0123456789abcdef'
const SERVICE_ENV = `KG_TEST_SIDE_GATES_SERVICE_TOKEN_${process.pid}`

const dir = mkdtempSync(join(tmpdir(), 'keygate-side-gates-'))
const scrapeFile = join(dir, 'metrics-token')
writeFileSync(scrapeFile, `${SCRAPE}\n`)
beforeAll(() => {
  process.env[SERVICE_ENV] = SERVICE
})
afterAll(() => {
  delete process.env[SERVICE_ENV]
  rmSync(dir, { recursive: true, force: true })
})

type Decision = Record<string, unknown>

/** The `auth decision` lines logged for the request that answered `response`. */
function decisionsOf(h: Harness, response: Response): Decision[] {
  const id = response.headers.get('x-request-id')
  expect(id).not.toBeNull()
  return h.logs
    .map((line) => JSON.parse(line) as Decision)
    .filter((line) => line.msg === 'auth decision' && line.reqId === id)
    .map(({ outcome, code, strategy, subject, method, path }) => ({
      outcome,
      code,
      strategy,
      subject,
      method,
      path,
    }))
}

/** The decision counters and the histogram's count, read with the scrape secret. */
async function counters(h: Harness): Promise<Record<string, number>> {
  const response = await h.request('GET', '/metrics', { token: SCRAPE })
  expect(response.status).toBe(200)
  const all = samples(await response.text(), 'keygate_auth_')
  return Object.fromEntries(
    Object.entries(all).filter(
      ([k]) =>
        k.startsWith('keygate_auth_decisions_total') ||
        k === 'keygate_auth_verification_seconds_count',
    ),
  )
}

/** What grew between two reads of {@link counters}. */
function grown(before: Record<string, number>, after: Record<string, number>) {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  )
}

const decisions = (labels: string) => `keygate_auth_decisions_total{${labels}}`
const SCRAPE_ALLOWED = decisions('code="none",outcome="allow",strategy="service-token"')

forEachBackend('side gates report every decision', (backend) => {
  const h = useHarness(backend, {
    metrics: {
      protect: 'service-token',
      serviceToken: { file: scrapeFile },
      processMetrics: false,
    },
    introspection: { serviceToken: { env: SERVICE_ENV } },
    externalAuth: { enabled: true, internalToken: INTERNAL, actor: 'auth-backend' },
  })

  it('GET /metrics: a refused scrape is logged and counted', async () => {
    const before = await counters(h())
    const wrong = await h().request('GET', '/metrics', { token: 'not-the-scrape-secret' })
    expect(wrong.status).toBe(401)
    const none = await h().request('GET', '/metrics')
    expect(none.status).toBe(401)
    const after = await counters(h())

    const at = { method: 'GET', path: '/metrics', subject: undefined }
    expect(decisionsOf(h(), wrong)).toEqual([
      { ...at, outcome: 'deny', code: 'invalid_token', strategy: 'service-token' },
    ])
    expect(decisionsOf(h(), none)).toEqual([
      { ...at, outcome: 'deny', code: 'missing_credentials', strategy: undefined },
    ])
    expect(grown(before, after)).toEqual({
      [decisions('code="invalid_token",outcome="deny",strategy="service-token"')]: 1,
      [decisions('code="missing_credentials",outcome="deny",strategy="none"')]: 1,
      // The second scrape itself: allowed, and timed like the two refusals.
      [SCRAPE_ALLOWED]: 1,
      keygate_auth_verification_seconds_count: 3,
    })
  })

  it('the remote-verification routes: allowed and refused callers are logged and counted', async () => {
    const before = await counters(h())
    const introspect = (secret: string) =>
      h().request('POST', '/v1/auth/introspect', { token: secret, body: { token: 'kg_nothing' } })
    const allowed = await introspect(SERVICE)
    expect(allowed.status).toBe(200)
    expect(await allowed.json()).toEqual({ active: false })
    const refused = await introspect(SCRAPE)
    expect(refused.status).toBe(401)
    const stream = await h().request('GET', '/v1/auth/revocations')
    expect(stream.status).toBe(401)
    const after = await counters(h())

    expect(decisionsOf(h(), allowed)).toEqual([
      {
        outcome: 'allow',
        code: undefined,
        strategy: 'service-token',
        subject: 'service',
        method: 'POST',
        path: '/v1/auth/introspect',
      },
    ])
    expect(decisionsOf(h(), refused)).toMatchObject([
      { outcome: 'deny', code: 'invalid_token', path: '/v1/auth/introspect' },
    ])
    expect(decisionsOf(h(), stream)).toMatchObject([
      { outcome: 'deny', code: 'missing_credentials', method: 'GET', path: '/v1/auth/revocations' },
    ])
    expect(grown(before, after)).toEqual({
      [SCRAPE_ALLOWED]: 2,
      [decisions('code="invalid_token",outcome="deny",strategy="service-token"')]: 1,
      [decisions('code="missing_credentials",outcome="deny",strategy="none"')]: 1,
      keygate_auth_verification_seconds_count: 4,
    })
  })

  it('PUT /v1/internal/users/{id}: the internal caller check is logged and counted', async () => {
    const before = await counters(h())
    const path = `/v1/internal/users/${randomUUID()}`
    const body = { email: 'side-gates@example.com', slug: 'side-gates' }
    const none = await h().request('PUT', path, { body })
    expect(none.status).toBe(401)
    const wrong = await h().request('PUT', path, { token: SERVICE, body })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ code: 'invalid_internal_token' })
    const created = await h().request('PUT', path, { token: INTERNAL, body })
    expect(created.status).toBe(201)
    // The auth backend's client may name a user on every call: beside the internal token,
    // X-On-Behalf-Of is its to send here too.
    const again = await h().request('PUT', path, {
      token: INTERNAL,
      body,
      headers: { 'x-on-behalf-of': randomUUID() },
    })
    expect(again.status).toBe(200)
    const after = await counters(h())

    const at = { method: 'PUT', path }
    expect(decisionsOf(h(), none)).toEqual([
      {
        ...at,
        outcome: 'deny',
        code: 'missing_credentials',
        strategy: undefined,
        subject: undefined,
      },
    ])
    expect(decisionsOf(h(), wrong)).toEqual([
      {
        ...at,
        outcome: 'deny',
        code: 'invalid_internal_token',
        strategy: 'internal-token',
        subject: undefined,
      },
    ])
    expect(decisionsOf(h(), created)).toEqual([
      {
        ...at,
        outcome: 'allow',
        code: undefined,
        strategy: 'internal-token',
        subject: 'auth-backend',
      },
    ])
    expect(grown(before, after)).toEqual({
      [decisions('code="missing_credentials",outcome="deny",strategy="none"')]: 1,
      [decisions('code="invalid_internal_token",outcome="deny",strategy="internal-token"')]: 1,
      [decisions('code="none",outcome="allow",strategy="internal-token"')]: 2,
      [SCRAPE_ALLOWED]: 1,
      keygate_auth_verification_seconds_count: 5,
    })
    // None of the three secrets is ever logged.
    const text = h().logs.join('\n')
    for (const secret of [SCRAPE, SERVICE, INTERNAL]) expect(text).not.toContain(secret)
  })
})
