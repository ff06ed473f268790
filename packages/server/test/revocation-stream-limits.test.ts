/**
 * GET /v1/auth/revocations under pressure, over real HTTP: a client that leaves while its backlog
 * is read leaves nothing behind; the number of open streams is capped (503 auth_unavailable with
 * Retry-After); a client that does not read is disconnected once too much waits for it, while a
 * client that reads keeps its stream. Observed through the answers and GET /metrics.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../src/store/index.js'
import type { Store } from '../src/store/types.js'
import { createDatabase, startHarness, type Harness, type TestDatabase } from './harness.js'
import { openSSE, type SSEFrame } from './sse.js'

const SECRET = 'svc-stream-limits-0123456789abcdefghij'
const ENV = `KG_TEST_STREAM_LIMITS_${process.pid}`
const BUFFER = 131_072

const isReady = (frame: SSEFrame) => frame.event === 'ready'

/** Holds `revocationEvents.bounds()` (the first read of every new stream) while armed. */
function gatedStore(real: Store) {
  const gate = { armed: false, calls: 0, release: () => {} }
  let held = Promise.resolve()
  const store: Store = {
    ...real,
    revocationEvents: {
      ...real.revocationEvents,
      async bounds() {
        gate.calls++
        if (gate.armed) await held
        return real.revocationEvents.bounds()
      },
    },
  }
  const arm = () => {
    gate.armed = true
    held = new Promise<void>((resolve) => {
      gate.release = () => {
        gate.armed = false
        resolve()
      }
    })
  }
  return { store, gate, arm }
}

async function metric(h: Harness, name: string): Promise<number> {
  const text = await (await h.request('GET', '/metrics')).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? 0 : Number(line.split(' ')[1])
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const stream = (h: Harness) =>
  openSSE(`${h.url}/v1/auth/revocations`, { authorization: `Bearer ${SECRET}` })

describe('GET /v1/auth/revocations: limits [sqlite]', () => {
  let database: TestDatabase
  let gated: ReturnType<typeof gatedStore>
  let h: Harness
  beforeAll(async () => {
    process.env[ENV] = SECRET
    database = await createDatabase('sqlite')
    const real = await openStore({ url: database.url })
    await real.migrate()
    gated = gatedStore(real)
    h = await startHarness(
      'sqlite',
      {
        metrics: { processMetrics: false },
        introspection: {
          serviceToken: { env: ENV },
          maxStreams: 2,
          streamBufferBytes: BUFFER,
          backlog: 100_000,
        },
      },
      { store: gated.store },
    )
  })
  afterAll(async () => {
    await h.close()
    await database.drop()
    delete process.env[ENV]
  })

  it('a client that leaves while its backlog is read frees its slot and its subscription', async () => {
    for (let i = 0; i < 3; i++) {
      gated.arm()
      const calls = gated.gate.calls
      const controller = new AbortController()
      const pending = fetch(`${h.url}/v1/auth/revocations`, {
        headers: { authorization: `Bearer ${SECRET}` },
        signal: controller.signal,
      }).catch(() => undefined)
      await until(() => Promise.resolve(gated.gate.calls > calls))
      controller.abort()
      await pending
      // The server sees the connection close before the backlog read returns.
      await new Promise((resolve) => setTimeout(resolve, 100))
      gated.gate.release()
    }
    await until(async () => (await metric(h, 'keygate_revocation_streams')) === 0)
    // Three clients left, the cap is two: a new stream still gets its slot.
    const s = await stream(h)
    try {
      expect(s.status).toBe(200)
      await s.next(isReady)
    } finally {
      s.close()
    }
  })

  it('caps open streams: one more is 503 auth_unavailable with Retry-After; a freed slot is reused', async () => {
    await until(async () => (await metric(h, 'keygate_revocation_streams')) === 0)
    const a = await stream(h)
    const b = await stream(h)
    try {
      await a.next(isReady)
      await b.next(isReady)
      expect(await metric(h, 'keygate_revocation_streams')).toBe(2)
      const refused = await fetch(`${h.url}/v1/auth/revocations`, {
        headers: { authorization: `Bearer ${SECRET}` },
      })
      expect(refused.status).toBe(503)
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(await refused.json()).toMatchObject({
        status: 503,
        code: 'auth_unavailable',
        detail: 'Too many revocation streams are open; retry later',
      })
      expect(
        await metric(h, 'keygate_revocation_streams_dropped_total{reason="full"}'),
      ).toBeGreaterThanOrEqual(1)
      a.close()
      await until(async () => (await metric(h, 'keygate_revocation_streams')) === 1)
      const c = await stream(h)
      expect(c.status).toBe(200)
      await c.next(isReady)
      c.close()
    } finally {
      a.close()
      b.close()
    }
  })

  it('closes a stream whose client does not read, past the bound; a reading client keeps its own', async () => {
    await until(async () => (await metric(h, 'keygate_revocation_streams')) === 0)
    const reader = await stream(h)
    await reader.next(isReady)
    // A client that sends its request and then never reads what it is sent.
    const stalled: Socket = connect(Number(new URL(h.url).port), '127.0.0.1')
    let ended = false
    stalled.on('close', () => (ended = true))
    stalled.on('error', () => {})
    await new Promise<void>((resolve) => stalled.once('connect', resolve))
    stalled.write(
      `GET /v1/auth/revocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\n\r\n`,
    )
    stalled.pause()
    await until(async () => (await metric(h, 'keygate_revocation_streams')) === 2)
    try {
      // Long ids, to get past the few MB the loopback kernel buffers take first sooner. The feed
      // writes them in bursts larger than the bound: the reading client must survive those.
      const subject = `tok_${'x'.repeat(400)}`
      let appended = 0
      while ((await metric(h, 'keygate_revocation_streams_dropped_total{reason="buffer"}')) < 1) {
        expect(appended, 'the stalled stream was never closed').toBeLessThan(40_000)
        for (let i = 0; i < 1000; i++) {
          // The writer is another process in real life: let the server's event loop run.
          if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
          await h.store.revocationEvents.append(
            { at: new Date(), type: 'token.revoked', subjectId: subject, graceUntil: null },
            { keep: 100_000 },
          )
        }
        appended += 1000
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      await until(async () => (await metric(h, 'keygate_revocation_streams')) === 1)
      stalled.resume()
      await until(() => Promise.resolve(ended))
      // The reading client got every event and is still connected.
      const newest = (await h.store.revocationEvents.bounds()).newest
      await reader.next((f) => f.event === 'revocation' && f.id === String(newest), 10_000)
      expect(h.logs.join('\n')).toContain('revocation stream closed: the client does not keep up')
    } finally {
      stalled.destroy()
      reader.close()
    }
  }, 60_000)
})
