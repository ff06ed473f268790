/**
 * The policy of connectRevocations, on a bus driven by hand and a fake clock. The real buses are
 * held to their contract against the real Redis and PostgreSQL in their own suites, and the whole
 * path (revoke on A, refused on B) is tested black-box in test/multi-instance-*.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createListeners } from './lib/listeners.js'
import { connectRevocations } from './connect-revocations.js'
import type { Revocation, RevocationBus } from './revocation-bus.js'

function manualBus() {
  const listeners = createListeners({ warn() {}, error() {} })
  const published: Revocation[] = []
  const state = { connected: false, failPublish: false, closed: false }
  let resolveStart: ((ok: boolean) => void) | undefined
  const bus: RevocationBus = {
    kind: 'manual',
    get connected() {
      return state.connected
    },
    subscribe: (listener) => listeners.add(listener),
    start: () => new Promise((resolve) => (resolveStart = resolve)),
    publish(revocation) {
      if (state.failPublish) return Promise.reject(new Error('down'))
      published.push(revocation)
      return Promise.resolve()
    },
    close() {
      state.closed = true
      return Promise.resolve()
    },
  }
  return {
    bus,
    published,
    state,
    connect() {
      state.connected = true
      listeners.connected()
      resolveStart?.(true)
    },
    disconnect() {
      state.connected = false
      listeners.disconnected()
    },
    deliver: (revocation: Revocation) => listeners.revoked(revocation),
  }
}

function recordingTarget() {
  const calls: string[] = []
  return {
    calls,
    target: {
      invalidate: (tokenId: string) => calls.push(`invalidate ${tokenId}`),
      invalidateAll: () => calls.push('invalidateAll'),
    },
  }
}

function capture() {
  const lines: string[] = []
  const push = (_: Record<string, unknown>, message: string) => lines.push(message)
  return { lines, logger: { warn: push, error: push, info: push } }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('connectRevocations()', () => {
  it('drops one token for a token revocation, everything for a user or unknown one', async () => {
    const m = manualBus()
    const { calls, target } = recordingTarget()
    const link = connectRevocations({ bus: m.bus, target })
    m.connect()
    expect(await link.started).toBe(true)
    calls.length = 0
    m.deliver({ kind: 'token', tokenId: 'tok_a' })
    m.deliver({ kind: 'user', userId: 'u1' })
    m.deliver({ kind: 'all' })
    expect(calls).toEqual(['invalidate tok_a', 'invalidateAll', 'invalidateAll'])
    await link.close()
    expect(m.state.closed).toBe(true)
  })

  it('until the bus first connects, drops the cache every degradedFlushMs; then stops', async () => {
    const m = manualBus()
    const { calls, target } = recordingTarget()
    const link = connectRevocations({ bus: m.bus, target, degradedFlushMs: 500 })
    await vi.advanceTimersByTimeAsync(1500)
    expect(calls).toEqual(['invalidateAll', 'invalidateAll', 'invalidateAll'])
    m.connect()
    expect(calls).toHaveLength(4) // the connection itself drops the cache once more
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toHaveLength(4)
    await link.close()
  })

  it('a lost bus drops the cache at once and every degradedFlushMs; a reconnection drops it and stops', async () => {
    const m = manualBus()
    const { calls, target } = recordingTarget()
    const link = connectRevocations({ bus: m.bus, target, degradedFlushMs: 500 })
    m.connect()
    calls.length = 0
    m.disconnect()
    expect(calls).toEqual(['invalidateAll'])
    await vi.advanceTimersByTimeAsync(499)
    expect(calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toHaveLength(4)
    m.connect()
    expect(calls).toHaveLength(5)
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toHaveLength(5)
    await link.close()
  })

  it('an already connected bus starts without flushing', async () => {
    const m = manualBus()
    m.state.connected = true
    const { calls, target } = recordingTarget()
    const link = connectRevocations({ bus: m.bus, target, degradedFlushMs: 500 })
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toEqual([])
    await link.close()
  })

  it('broadcasts, and retries what could not be sent, warning once and noting recovery', async () => {
    const m = manualBus()
    const { target } = recordingTarget()
    const { lines, logger } = capture()
    const link = connectRevocations({ bus: m.bus, target, degradedFlushMs: 500, logger })
    m.connect()
    link.broadcast({ kind: 'token', tokenId: 'tok_1' })
    await vi.advanceTimersByTimeAsync(0)
    expect(m.published).toEqual([{ kind: 'token', tokenId: 'tok_1' }])

    m.state.failPublish = true
    link.broadcast({ kind: 'token', tokenId: 'tok_2' })
    link.broadcast({ kind: 'user', userId: 'u1' })
    await vi.advanceTimersByTimeAsync(500) // one retry, still failing
    m.state.failPublish = false
    await vi.advanceTimersByTimeAsync(500)
    expect(m.published).toEqual([
      { kind: 'token', tokenId: 'tok_1' },
      { kind: 'token', tokenId: 'tok_2' },
      { kind: 'user', userId: 'u1' },
    ])
    expect(lines).toEqual([
      'keygate: revocation bus connected',
      'keygate: a revocation could not be broadcast; retrying',
      'keygate: revocations are broadcast again',
    ])
    await link.close()
  })

  it('keeps at most maxPending unsent revocations, dropping the oldest', async () => {
    const m = manualBus()
    const { target } = recordingTarget()
    const link = connectRevocations({ bus: m.bus, target, degradedFlushMs: 500, maxPending: 2 })
    m.connect()
    m.state.failPublish = true
    for (const id of ['tok_1', 'tok_2', 'tok_3']) link.broadcast({ kind: 'token', tokenId: id })
    await vi.advanceTimersByTimeAsync(0)
    m.state.failPublish = false
    await vi.advanceTimersByTimeAsync(500)
    expect(m.published).toEqual([
      { kind: 'token', tokenId: 'tok_2' },
      { kind: 'token', tokenId: 'tok_3' },
    ])
    await link.close()
  })

  it('after close, neither flushes nor broadcasts', async () => {
    const m = manualBus()
    const { calls, target } = recordingTarget()
    const link = connectRevocations({ bus: m.bus, target, degradedFlushMs: 500 })
    await link.close()
    link.broadcast({ kind: 'all' })
    m.deliver({ kind: 'all' })
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toEqual([])
    expect(m.published).toEqual([])
  })

  it('validates its options', () => {
    const m = manualBus()
    const { target } = recordingTarget()
    expect(() => connectRevocations({ bus: m.bus, target, degradedFlushMs: 0 })).toThrow(
      'connectRevocations(): degradedFlushMs must be a positive integer',
    )
    expect(() =>
      connectRevocations({ bus: m.bus, target: {} as typeof target, degradedFlushMs: 10 }),
    ).toThrow('connectRevocations(): target must have invalidate and invalidateAll')
  })
})
