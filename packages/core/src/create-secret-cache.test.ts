import { afterEach, describe, expect, it, vi } from 'vitest'
import { headersFromRaw } from './auth-request.js'
import {
  createSecretCache,
  type SecretCacheOptions,
  type SecretRefreshEvent,
} from './create-secret-cache.js'
import { AuthUnavailableError, InvalidTokenError } from './errors.js'
import { serviceToken } from './service-token.js'
import { SecretSourceError, type Secret, type SecretSource } from './sources/secret-source.js'
import { UNSET } from './strategy.js'

/** A source the test drives: what `load` yields, whether it fails or hangs, and a call count. */
function controlledSource(initial: readonly string[] = ['secret-a']) {
  const listeners: (() => void)[] = []
  const state = {
    values: [...initial] as readonly string[],
    payload: undefined as unknown,
    failure: undefined as unknown,
    hang: false,
    calls: 0,
    signals: [] as AbortSignal[],
  }
  const source: SecretSource & { state: typeof state; change(): void } = {
    name: 'controlled',
    state,
    load({ signal }) {
      state.calls++
      state.signals.push(signal)
      if (state.hang) return new Promise<never>(() => {})
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- non-Errors are a case under test
      if (state.failure !== undefined) return Promise.reject(state.failure)
      if (state.payload !== undefined) return Promise.resolve(state.payload as Secret[])
      return Promise.resolve(state.values.map((value) => ({ value })))
    },
    subscribe(onChange) {
      listeners.push(onChange)
      return () => {}
    },
    change() {
      for (const listener of listeners) listener()
    },
  }
  return source
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t }
  return clock
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

const values = async (cache: ReturnType<typeof createSecretCache>) =>
  (await cache.get()).secrets.map((s) => s.value)

function bearer(token: string) {
  return {
    credential: { kind: 'bearer', header: 'authorization', token } as const,
    request: { method: 'GET', path: '/', header: headersFromRaw([]) },
  }
}

async function unavailable(pending: unknown): Promise<AuthUnavailableError> {
  const error = await Promise.resolve(pending).then(
    () => {
      throw new Error('expected auth_unavailable')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AuthUnavailableError)
  const typed = error as AuthUnavailableError
  expect([typed.code, typed.status, typed.message]).toEqual([
    'auth_unavailable',
    503,
    'Authentication is temporarily unavailable',
  ])
  return typed
}

afterEach(() => {
  vi.useRealTimers()
})

describe('createSecretCache', () => {
  it('loads once and serves from memory until the TTL', async () => {
    const source = controlledSource(['a', 'b'])
    const clock = manualClock()
    const cache = createSecretCache({ source, ttlMs: 1000, jitter: 0, now: clock.now })
    expect(await cache.get()).toMatchObject({ stale: false })
    expect(await values(cache)).toEqual(['a', 'b'])
    clock.t += 999
    await cache.get()
    expect(source.state.calls).toBe(1)
    clock.t += 1
    await cache.get()
    expect(source.state.calls).toBe(2)
  })

  it('holds a SHA-256 digest of each secret, with its label and subject', async () => {
    const source = controlledSource()
    source.state.payload = [{ value: 'abc', label: 'current', subject: 'gateway' }]
    const { secrets } = await createSecretCache({ source }).get()
    expect(secrets).toHaveLength(1)
    expect(secrets[0]).toMatchObject({ value: 'abc', label: 'current', subject: 'gateway' })
    expect(Buffer.from(secrets[0]!.digest).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  describe('rotation through serviceToken', () => {
    it('accepts old and new during the overlap, the old one until the TTL, then refuses it', async () => {
      const source = controlledSource(['old-secret', 'new-secret'])
      const clock = manualClock()
      const cache = createSecretCache({ source, ttlMs: 10_000, jitter: 0, now: clock.now })
      const gate = serviceToken({ source: cache, subject: 'gateway' })

      expect(await gate.authenticate(bearer('old-secret'))).toMatchObject({ subject: 'gateway' })
      expect(await gate.authenticate(bearer('new-secret'))).toMatchObject({ subject: 'gateway' })

      source.state.values = ['new-secret']
      clock.t += 9_999
      // Still within the TTL of the set that held it.
      expect(await gate.authenticate(bearer('old-secret'))).toMatchObject({ subject: 'gateway' })
      expect(source.state.calls).toBe(1)

      clock.t += 1
      await expect(gate.authenticate(bearer('old-secret'))).rejects.toThrow(InvalidTokenError)
      await expect(gate.authenticate(bearer('old-secret'))).rejects.toMatchObject({
        code: 'invalid_token',
        message: 'The credential is not valid',
      })
      expect(await gate.authenticate(bearer('new-secret'))).toMatchObject({ subject: 'gateway' })
      expect(source.state.calls).toBe(2)
    })

    it('works the same under fake timers with the default clock', async () => {
      vi.useFakeTimers()
      const source = controlledSource(['old-secret', 'new-secret'])
      const gate = serviceToken({ source, cache: { ttlMs: 60_000, jitter: 0 } })
      expect(await gate.authenticate(bearer('old-secret'))).toMatchObject({ kind: 'service' })
      source.state.values = ['new-secret']
      vi.advanceTimersByTime(59_999)
      expect(await gate.authenticate(bearer('old-secret'))).toMatchObject({ kind: 'service' })
      vi.advanceTimersByTime(1)
      await expect(gate.authenticate(bearer('old-secret'))).rejects.toMatchObject({
        code: 'invalid_token',
      })
    })
  })

  describe('jitter', () => {
    it.each([0, 0.25, 0.5, 0.75, 0.999999])(
      'expires within [ttl*(1-jitter), ttl] (random() = %d)',
      async (r) => {
        const ttlMs = 10_000
        const jitter = 0.2
        const source = controlledSource()
        const clock = manualClock()
        const cache = createSecretCache({ source, ttlMs, jitter, now: clock.now, random: () => r })
        const start = clock.t
        await cache.get()
        // Never before ttl*(1-jitter)…
        clock.t = start + ttlMs * (1 - jitter) - 1
        await cache.get()
        expect(source.state.calls).toBe(1)
        // …and always by the full ttl.
        clock.t = start + ttlMs
        await cache.get()
        expect(source.state.calls).toBe(2)
      },
    )

    it('spreads expiries when random() varies', async () => {
      const expiries: number[] = []
      for (const r of [0, 0.5, 0.9]) {
        const source = controlledSource()
        const clock = manualClock(0)
        const cache = createSecretCache({
          source,
          ttlMs: 1000,
          jitter: 0.5,
          now: clock.now,
          random: () => r,
        })
        await cache.get()
        while (source.state.calls === 1) {
          clock.t += 1
          await cache.get()
        }
        expiries.push(clock.t)
      }
      expect(expiries).toEqual([1000, 750, 550])
    })
  })

  describe('outage', () => {
    it('serves stale values up to maxStaleMs past expiry, then fails closed', async () => {
      const source = controlledSource(['a'])
      const clock = manualClock()
      const cache = createSecretCache({
        source,
        ttlMs: 1000,
        jitter: 0,
        maxStaleMs: 5000,
        retryMs: 0,
        now: clock.now,
      })
      await cache.get()
      const expiry = clock.t + 1000
      source.state.failure = new Error('vault is down')

      clock.t = expiry
      expect(await cache.get()).toMatchObject({ stale: true, secrets: [{ value: 'a' }] })
      clock.t = expiry + 5000
      expect(await cache.get()).toMatchObject({ stale: true, secrets: [{ value: 'a' }] })
      clock.t = expiry + 5001
      const error = await unavailable(cache.get())
      expect(error.retryAfterSeconds).toBe(1)

      // Recovery: the source answers again, fresh values are served.
      source.state.failure = undefined
      source.state.values = ['b']
      expect(await cache.get()).toMatchObject({ stale: false, secrets: [{ value: 'b' }] })
    })

    it('answers auth_unavailable through serviceToken, never invalid_token, once stale is over', async () => {
      const source = controlledSource(['a'])
      const clock = manualClock()
      const gate = serviceToken({
        source,
        cache: { ttlMs: 1000, jitter: 0, maxStaleMs: 1000, retryMs: 0, now: clock.now },
      })
      expect(await gate.authenticate(bearer('a'))).toBeDefined()
      source.state.failure = new Error('down')
      clock.t += 1500
      expect(await gate.authenticate(bearer('a'))).toBeDefined()
      await expect(gate.authenticate(bearer('wrong'))).rejects.toMatchObject({
        code: 'invalid_token',
      })
      clock.t += 1000
      await unavailable(gate.authenticate(bearer('a')))
      await unavailable(gate.authenticate(bearer('wrong')))
      await unavailable(gate.authenticate({ ...bearer('a'), credential: undefined }))
    })

    it('answers auth_unavailable for a cold source that fails', async () => {
      const source = controlledSource()
      source.state.failure = new SecretSourceError('ENOENT', 'cannot read secret file /x (ENOENT)')
      const cache = createSecretCache({ source })
      const error = await unavailable(cache.get())
      expect(error.cause).toBeInstanceOf(SecretSourceError)
      expect((error.cause as SecretSourceError).code).toBe('ENOENT')
    })

    it('treats a source that rejects with a non-Error as a failure too', async () => {
      const source = controlledSource()
      source.state.failure = 'a string'
      await unavailable(createSecretCache({ source }).get())
    })

    it('treats an empty set as "unset", not as a failure', async () => {
      const source = controlledSource([])
      const events: SecretRefreshEvent[] = []
      const cache = createSecretCache({ source, onRefresh: (e) => events.push(e) })
      expect(await cache.get()).toEqual({ secrets: [], stale: false })
      expect(events).toMatchObject([{ source: 'controlled', ok: true, count: 0 }])
      expect(await serviceToken({ source: cache }).authenticate(bearer('x'))).toBe(UNSET)
    })

    it('does not call a failing source more than once per retryMs', async () => {
      const source = controlledSource(['a'])
      const clock = manualClock()
      const cache = createSecretCache({
        source,
        ttlMs: 1000,
        jitter: 0,
        retryMs: 500,
        maxStaleMs: 60_000,
        now: clock.now,
      })
      await cache.get()
      source.state.failure = new Error('down')
      clock.t += 1000
      await cache.get()
      expect(source.state.calls).toBe(2)
      for (let i = 0; i < 499; i++) {
        clock.t += 1
        expect(await cache.get()).toMatchObject({ stale: true })
      }
      expect(source.state.calls).toBe(2)
      clock.t += 1
      await cache.get()
      expect(source.state.calls).toBe(3)
    })

    it('does not call a failing cold source more than once per retryMs either', async () => {
      const source = controlledSource()
      source.state.failure = new Error('down')
      const clock = manualClock()
      const cache = createSecretCache({ source, retryMs: 2000, now: clock.now })
      await Promise.all(Array.from({ length: 10 }, () => unavailable(cache.get())))
      clock.t += 1999
      await unavailable(cache.get())
      expect(source.state.calls).toBe(1)
      clock.t += 1
      await unavailable(cache.get())
      expect(source.state.calls).toBe(2)
    })

    it('sets Retry-After from retryMs', async () => {
      const source = controlledSource()
      source.state.failure = new Error('down')
      const error = await unavailable(createSecretCache({ source, retryMs: 4500 }).get())
      expect(error.retryAfterSeconds).toBe(5)
    })
  })

  describe('timeout', () => {
    it('bounds a cold load that never resolves by timeoutMs: auth_unavailable', async () => {
      vi.useFakeTimers()
      const source = controlledSource()
      source.state.hang = true
      const cache = createSecretCache({ source, timeoutMs: 2000 })
      let settled = false
      const pending = cache.get().finally(() => (settled = true))
      const checked = unavailable(pending)
      await vi.advanceTimersByTimeAsync(1999)
      expect(settled).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      const error = await checked
      expect((error.cause as SecretSourceError).code).toBe('timeout')
      expect(source.state.signals[0]!.aborted).toBe(true)
    })

    it('serves stale values when a warm source hangs', async () => {
      vi.useFakeTimers()
      const source = controlledSource(['a'])
      const cache = createSecretCache({ source, ttlMs: 1000, jitter: 0, timeoutMs: 300 })
      await cache.get()
      source.state.hang = true
      vi.advanceTimersByTime(1000)
      const pending = cache.get()
      await vi.advanceTimersByTimeAsync(300)
      expect(await pending).toMatchObject({ stale: true, secrets: [{ value: 'a' }] })
    })
  })

  describe('single flight', () => {
    it('makes one load for 500 concurrent get() calls at expiry', async () => {
      const source = controlledSource(['a'])
      const clock = manualClock()
      const cache = createSecretCache({ source, ttlMs: 1000, jitter: 0, now: clock.now })
      await cache.get()
      expect(source.state.calls).toBe(1)
      clock.t += 1000
      const gate = deferred<void>()
      const load = source.load.bind(source)
      source.load = async (options) => {
        await gate.promise
        return load(options)
      }
      const all = Array.from({ length: 500 }, () => cache.get())
      gate.resolve()
      const snapshots = await Promise.all(all)
      expect(source.state.calls).toBe(2)
      expect(new Set(snapshots).size).toBe(1)
    })

    it('makes one load for 500 concurrent verifications through serviceToken at expiry', async () => {
      const source = controlledSource(['right'])
      const clock = manualClock()
      let loads = 0
      const slow: SecretSource = {
        name: 'slow',
        async load(options) {
          loads++
          await new Promise((resolve) => setTimeout(resolve, 5))
          return source.load(options)
        },
      }
      const gate = serviceToken({ source: slow, cache: { ttlMs: 1000, jitter: 0, now: clock.now } })
      await gate.authenticate(bearer('right'))
      expect(loads).toBe(1)
      clock.t += 1000
      const results = await Promise.allSettled(
        Array.from({ length: 500 }, (_, i) =>
          Promise.resolve(gate.authenticate(bearer(i % 2 === 0 ? 'right' : 'wrong'))),
        ),
      )
      expect(loads).toBe(2)
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(250)
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'invalid_token' })
      }
    })

    it('shares one failing load among concurrent callers', async () => {
      const source = controlledSource()
      source.state.failure = new Error('down')
      const cache = createSecretCache({ source })
      await Promise.all(Array.from({ length: 50 }, () => unavailable(cache.get())))
      expect(source.state.calls).toBe(1)
    })
  })

  describe('invalidate, refresh and subscribe', () => {
    it('reloads after invalidate()', async () => {
      const source = controlledSource(['a'])
      const cache = createSecretCache({ source, ttlMs: 60_000 })
      expect(await values(cache)).toEqual(['a'])
      source.state.values = ['b']
      expect(await values(cache)).toEqual(['a'])
      cache.invalidate()
      expect(await values(cache)).toEqual(['b'])
      expect(source.state.calls).toBe(2)
    })

    it('reloads at once on refresh(), single flight', async () => {
      const source = controlledSource(['a'])
      const cache = createSecretCache({ source, ttlMs: 60_000 })
      await cache.get()
      source.state.values = ['b']
      const [x, y] = await Promise.all([cache.refresh(), cache.refresh()])
      expect(x).toBe(y)
      expect(x.secrets.map((s) => s.value)).toEqual(['b'])
      expect(source.state.calls).toBe(2)
      expect(await values(cache)).toEqual(['b'])
      expect(source.state.calls).toBe(2)
    })

    it('subscribes to the source and reloads after a change notification', async () => {
      const source = controlledSource(['a'])
      const cache = createSecretCache({ source, ttlMs: 60_000 })
      expect(await values(cache)).toEqual(['a'])
      source.state.values = ['b']
      source.change()
      expect(await values(cache)).toEqual(['b'])
      expect(source.state.calls).toBe(2)
    })

    it('does not trust a load that was under way when the change was notified', async () => {
      const source = controlledSource(['a'])
      const cache = createSecretCache({ source, ttlMs: 60_000 })
      const gate = deferred<void>()
      const load = source.load.bind(source)
      source.load = async (options) => {
        const result = await load(options) // reads 'a'
        await gate.promise
        return result
      }
      const first = cache.get()
      await Promise.resolve()
      source.state.values = ['b']
      source.change()
      gate.resolve()
      expect((await first).secrets.map((s) => s.value)).toEqual(['a'])
      expect(await values(cache)).toEqual(['b'])
    })

    it('still works when subscribe throws', async () => {
      const source = controlledSource(['a'])
      source.subscribe = () => {
        throw new Error('no watch support')
      }
      expect(await values(createSecretCache({ source }))).toEqual(['a'])
    })
  })

  describe('malformed payloads', () => {
    it.each([
      ['not a list', { value: 'a' }],
      ['null', null],
      ['a list of strings', ['a']],
      ['a non-string value', [{ value: 42 }]],
      ['a missing value', [{ label: 'current' }]],
      ['a null entry', [null]],
      ['an empty subject', [{ value: 'a', subject: '' }]],
      ['a non-string subject', [{ value: 'a', subject: 7 }]],
    ])('fails on %s', async (_name, payload) => {
      const source = controlledSource()
      source.state.payload = payload
      const error = await unavailable(createSecretCache({ source }).get())
      expect((error.cause as SecretSourceError).code).toBe('malformed')
    })

    it('serves stale values when a warm source turns malformed', async () => {
      const source = controlledSource(['a'])
      const clock = manualClock()
      const cache = createSecretCache({ source, ttlMs: 10, jitter: 0, now: clock.now })
      await cache.get()
      source.state.payload = 'garbage'
      clock.t += 10
      expect(await cache.get()).toMatchObject({ stale: true, secrets: [{ value: 'a' }] })
    })

    it('drops empty strings', async () => {
      const source = controlledSource()
      source.state.payload = [{ value: '' }, { value: 'a' }, { value: '' }]
      expect(await values(createSecretCache({ source }))).toEqual(['a'])
      source.state.payload = [{ value: '' }]
      expect(await createSecretCache({ source }).get()).toEqual({ secrets: [], stale: false })
    })
  })

  describe('hooks and options', () => {
    it('reports refreshes to onRefresh without any secret', async () => {
      const events: SecretRefreshEvent[] = []
      const source = controlledSource(['super-secret-value'])
      const clock = manualClock()
      const cache = createSecretCache({
        source,
        ttlMs: 1,
        jitter: 0,
        retryMs: 0,
        now: clock.now,
        onRefresh: (e) => events.push(e),
      })
      await cache.get()
      source.state.failure = new Error('down')
      clock.t += 1
      await cache.get()
      expect(events).toEqual([
        { source: 'controlled', ok: true, durationMs: 0, count: 1 },
        { source: 'controlled', ok: false, durationMs: 0 },
      ])
      expect(JSON.stringify(events)).not.toContain('super-secret-value')
    })

    it('does not turn a throwing onRefresh hook into a failure', async () => {
      const source = controlledSource(['a'])
      const cache = createSecretCache({
        source,
        onRefresh: () => {
          throw new Error('metrics are down')
        },
      })
      expect(await cache.get()).toMatchObject({ stale: false, secrets: [{ value: 'a' }] })
    })

    it.each<[string, Partial<SecretCacheOptions>, RegExp]>([
      ['ttlMs', { ttlMs: -1 }, /ttlMs must be a finite number >= 0/],
      ['ttlMs', { ttlMs: Number.NaN }, /ttlMs must be a finite number >= 0/],
      ['jitter', { jitter: 1.5 }, /jitter must be between 0 and 1/],
      ['maxStaleMs', { maxStaleMs: Infinity }, /maxStaleMs must be a finite number >= 0/],
      ['timeoutMs', { timeoutMs: -5 }, /timeoutMs must be a finite number >= 0/],
      ['retryMs', { retryMs: '1' as unknown as number }, /retryMs must be a finite number >= 0/],
    ])('throws a TypeError naming %s', (_name, options, message) => {
      expect(() => createSecretCache({ source: controlledSource(), ...options })).toThrow(TypeError)
      expect(() => createSecretCache({ source: controlledSource(), ...options })).toThrow(message)
    })

    it('throws a TypeError without a source', () => {
      expect(() => createSecretCache({} as SecretCacheOptions)).toThrow(
        new TypeError('createSecretCache(): source must be a SecretSource'),
      )
    })
  })
})
