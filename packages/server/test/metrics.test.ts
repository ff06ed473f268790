import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateAPIToken } from '@keygate/core'
import { afterAll, describe, expect, it } from 'vitest'
import { forEachBackend, PASSWORD, useHarness, type Harness } from './harness.js'
import { samples } from './metrics-samples.js'

async function scrape(h: Harness, headers: Record<string, string> = {}): Promise<string> {
  const response = await h.request('GET', '/metrics', { headers })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return response.text()
}

forEachBackend('GET /metrics', (backend) => {
  describe('open (default)', () => {
    const h = useHarness(backend, {
      // No expiry during the test: the cache counts must not depend on the clock.
      cache: { ttlMs: 3_600_000 },
      metrics: { processMetrics: false },
      rateLimits: { createToken: { perEmail: { limit: 2, windowSeconds: 900 } } },
    })

    it('counts a mix of accepted and refused requests exactly', async () => {
      await h().user('metrics@example.com')
      await h().user('limited@example.com')
      const { token } = await h().token('metrics@example.com', { scopes: ['tokens:read'] })
      // Before any request: every series at zero, and no decision series yet.
      const before = samples(await scrape(h()), 'keygate_')
      expect(Object.entries(before).filter(([, v]) => v !== 0)).toEqual([])
      expect(Object.keys(before).filter((k) => k.startsWith('keygate_auth_decisions'))).toEqual([])
      expect(before.keygate_token_cache_hits_total).toBe(0)

      for (let i = 0; i < 3; i++) {
        expect((await h().request('GET', '/v1/auth/tokens', { token })).status).toBe(200)
      }
      for (let i = 0; i < 2; i++)
        expect((await h().request('GET', '/v1/auth/tokens')).status).toBe(401)
      const unknown = generateAPIToken({ prefix: 'kg' }).token
      expect((await h().request('GET', '/v1/auth/tokens', { token: unknown })).status).toBe(401)
      expect((await h().request('GET', '/v1/auth/tokens', { token: 'kg_short' })).status).toBe(401)
      expect((await h().request('GET', '/v1/users', { token })).status).toBe(403)
      const attempts = []
      for (let i = 0; i < 3; i++) {
        const response = await h().request('POST', '/v1/auth/tokens', {
          body: { email: 'limited@example.com', password: `${PASSWORD}!`, name: `n${i}` },
        })
        attempts.push(response.status)
      }
      expect(attempts).toEqual([401, 401, 429])

      const after = samples(await scrape(h()), 'keygate_')
      const counters = Object.fromEntries(
        Object.entries(after).filter(([k]) => !k.startsWith('keygate_auth_verification_seconds')),
      )
      expect(counters).toEqual({
        'keygate_auth_decisions_total{code="none",outcome="allow",strategy="api-token"}': 4,
        'keygate_auth_decisions_total{code="missing_credentials",outcome="deny",strategy="none"}': 2,
        'keygate_auth_decisions_total{code="invalid_token",outcome="deny",strategy="api-token"}': 2,
        'keygate_auth_decisions_total{code="insufficient_scope",outcome="deny",strategy="none"}': 1,
        keygate_token_cache_hits_total: 3,
        keygate_token_cache_misses_total: 2,
        'keygate_rate_limit_rejections_total{limit="email"}': 1,
        // A gauge: present from the start.
        keygate_revocation_streams: 0,
        keygate_audit_write_failures_total: 0,
      })
      // One observation per authentication (the scope check is not one).
      expect(after.keygate_auth_verification_seconds_count).toBe(8)
      expect(after['keygate_auth_verification_seconds_bucket{le="+Inf"}']).toBe(8)
      expect(after.keygate_auth_verification_seconds_sum).toBeGreaterThan(0)
    })

    it('is public: no credential needed, none evaluated, and no process metrics when off', async () => {
      const text = await scrape(h(), { authorization: 'Bearer kg_short' })
      expect(text).toContain('# TYPE keygate_auth_decisions_total counter')
      expect(text).not.toContain('process_cpu_user_seconds_total')
    })
  })

  describe('process metrics', () => {
    const h = useHarness(backend, { metrics: { processMetrics: true } })

    it('adds the Node.js process metrics', async () => {
      const text = await scrape(h())
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter')
      expect(text).toContain('nodejs_eventloop_lag_seconds')
      expect(text).toContain('# TYPE keygate_auth_decisions_total counter')
    })
  })

  describe('disabled', () => {
    const h = useHarness(backend, { metrics: { enabled: false } })

    it('is not served', async () => {
      await h().user('off@example.com')
      const { token } = await h().token('off@example.com', { scopes: ['tokens:read'] })
      expect((await h().request('GET', '/metrics', { token })).status).toBe(404)
    })
  })
})

const dir = mkdtempSync(join(tmpdir(), 'keygate-metrics-'))
const secretFile = join(dir, 'metrics-token')
const SECRET = 'metrics-scrape-secret-0123456789abcdef'
writeFileSync(secretFile, `${SECRET}\n`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

forEachBackend('GET /metrics protected by a service token', (backend) => {
  describe('from a file', () => {
    const h = useHarness(backend, {
      metrics: {
        protect: 'service-token',
        serviceToken: { file: secretFile },
        processMetrics: false,
      },
    })

    it('answers the right secret, and refuses others with problem+json', async () => {
      const ok = await scrape(h(), { authorization: `Bearer ${SECRET}` })
      const wrong = await h().request('GET', '/metrics', { token: 'not-the-secret' })
      expect(wrong.status).toBe(401)
      expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(wrong.headers.get('www-authenticate')).toBe(
        'Bearer realm="keygate", error="invalid_token", error_description="The credential is not valid"',
      )
      const body = await wrong.json()
      expect(body).toMatchObject({
        status: 401,
        code: 'invalid_token',
        request_id: wrong.headers.get('x-request-id'),
      })
      const none = await h().request('GET', '/metrics')
      expect(none.status).toBe(401)
      expect(await none.json()).toMatchObject({ code: 'missing_credentials' })
      expect(
        (await h().request('GET', '/metrics', { token: `${SECRET}`, headers: { 'x-extra': '1' } }))
          .status,
      ).toBe(200)
      expect(ok).toContain('keygate_auth_decisions_total')

      const after = samples(await scrape(h(), { authorization: `Bearer ${SECRET}` }), 'keygate_')
      expect(after).toMatchObject({
        'keygate_auth_decisions_total{code="none",outcome="allow",strategy="service-token"}': 3,
        'keygate_auth_decisions_total{code="invalid_token",outcome="deny",strategy="service-token"}': 1,
        'keygate_auth_decisions_total{code="missing_credentials",outcome="deny",strategy="none"}': 1,
        [`keygate_secret_source_refreshes_total{result="ok",source="file:${secretFile}"}`]: 1,
      })
      // The scrape secret never appears in what is logged.
      expect(h().logs.join('\n')).not.toContain(SECRET)
    })
  })

  describe('from an unset environment variable', () => {
    const h = useHarness(backend, {
      metrics: {
        protect: 'service-token',
        serviceToken: { env: 'KEYGATE_TEST_METRICS_TOKEN_NEVER_SET' },
        processMetrics: false,
      },
    })

    it('fails closed: 503 auth_not_configured', async () => {
      const response = await h().request('GET', '/metrics', { token: 'anything' })
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ code: 'auth_not_configured' })
    })
  })
})
