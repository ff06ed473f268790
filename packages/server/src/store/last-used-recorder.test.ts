import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLastUsedRecorder } from './last-used-recorder.js'
import { openStore } from './open-store.js'
import type { Store, TokenStore } from './types.js'

const USER = 'a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d'
const T = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s))

let store: Store
let ids: string[]
/** The real store's touchLastUsed, counting its calls; `fail` makes the next calls throw. */
let calls: { id: string; at: Date }[][]
let fail: boolean
let target: Pick<TokenStore, 'touchLastUsed'>

beforeEach(async () => {
  store = await openStore({ url: 'sqlite::memory:' })
  await store.migrate()
  await store.users.create({ id: USER, email: 'rec@example.com', passwordHash: null, role: 'user' })
  ids = []
  for (let i = 0; i < 5; i++) {
    const token = await store.tokens.create({
      userId: USER,
      name: `t${i}`,
      scopes: [],
      expiresAt: T(999_999),
      digest: `digest-${i}`,
      hint: 'kg_…0000',
    })
    ids.push(token.id)
  }
  calls = []
  fail = false
  target = {
    async touchLastUsed(entries) {
      calls.push([...entries])
      if (fail) throw new Error('database is locked')
      await store.tokens.touchLastUsed(entries)
    },
  }
})

afterEach(async () => {
  vi.useRealTimers()
  await store.close()
})

const lastUsed = async (id: string) => (await store.tokens.findById(id))?.lastUsedAt

describe('createLastUsedRecorder', () => {
  it('never writes per use: one deduplicated batch per flush, latest time wins', async () => {
    const recorder = createLastUsedRecorder({ store: target })
    for (let i = 0; i < 100; i++) recorder.record(ids[i % 2]!, T(i))
    recorder.record(ids[0]!, T(1)) // older than what is pending: ignored
    expect(calls).toHaveLength(0)
    expect(recorder.pending).toBe(2)
    await recorder.flush()
    expect(calls).toEqual([
      [
        { id: ids[0], at: T(98) },
        { id: ids[1], at: T(99) },
      ],
    ])
    expect(await lastUsed(ids[0]!)).toEqual(T(98))
    expect(await lastUsed(ids[1]!)).toEqual(T(99))
    await recorder.flush() // nothing pending: no write
    expect(calls).toHaveLength(1)
    await recorder.close()
  })

  it('flushes every flushIntervalMs', async () => {
    vi.useFakeTimers()
    const recorder = createLastUsedRecorder({ store: target, flushIntervalMs: 5000 })
    recorder.record(ids[0]!, T(1))
    await vi.advanceTimersByTimeAsync(4999)
    expect(calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toHaveLength(1)
    recorder.record(ids[1]!, T(2))
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toHaveLength(2)
    expect(await lastUsed(ids[1]!)).toEqual(T(2))
    await recorder.close()
  })

  it('writes at most maxBatch per statement, and starts early when maxBatch are pending', async () => {
    vi.useFakeTimers()
    const recorder = createLastUsedRecorder({ store: target, maxBatch: 2, flushIntervalMs: 60_000 })
    recorder.record(ids[0]!, T(1))
    expect(calls).toHaveLength(0)
    recorder.record(ids[1]!, T(1)) // reaches maxBatch
    await vi.advanceTimersByTimeAsync(0)
    expect(calls.map((c) => c.length)).toEqual([2])
    for (const id of ids.slice(2)) recorder.record(id, T(2))
    await recorder.flush()
    expect(calls.map((c) => c.length)).toEqual([2, 2, 1])
    for (const id of ids.slice(2)) expect(await lastUsed(id)).toEqual(T(2))
    await recorder.close()
  })

  it('keeps the uses of a failed write for the next flush, newer ones winning', async () => {
    const onError = vi.fn()
    const recorder = createLastUsedRecorder({ store: target, onError })
    recorder.record(ids[0]!, T(1))
    recorder.record(ids[1]!, T(1))
    fail = true
    await expect(recorder.flush()).rejects.toThrow('database is locked')
    expect(recorder.pending).toBe(2)
    recorder.record(ids[0]!, T(5))
    fail = false
    await recorder.flush()
    expect(await lastUsed(ids[0]!)).toEqual(T(5))
    expect(await lastUsed(ids[1]!)).toEqual(T(1))
    await recorder.close()
  })

  it('reports a failed background flush to onError and retries on the next tick', async () => {
    vi.useFakeTimers()
    const onError = vi.fn()
    const recorder = createLastUsedRecorder({ store: target, onError, flushIntervalMs: 1000 })
    recorder.record(ids[0]!, T(1))
    fail = true
    await vi.advanceTimersByTimeAsync(1000)
    expect(onError).toHaveBeenCalledWith(new Error('database is locked'))
    fail = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(await lastUsed(ids[0]!)).toEqual(T(1))
    await recorder.close()
  })

  it('bounds what it keeps while the store is down', async () => {
    const recorder = createLastUsedRecorder({ store: target, maxBatch: 2, onError: () => {} })
    fail = true
    for (let i = 0; i < 50; i++) recorder.record(`tok_${i}`, T(i))
    await recorder.flush().catch(() => {})
    expect(recorder.pending).toBeLessThanOrEqual(20)
    fail = false
    await recorder.close()
  })

  it('close() writes the tail and ignores later uses', async () => {
    const recorder = createLastUsedRecorder({ store })
    recorder.record(ids[3]!, T(3))
    await recorder.close()
    expect(await lastUsed(ids[3]!)).toEqual(T(3))
    recorder.record(ids[4]!, T(4))
    expect(recorder.pending).toBe(0)
    await recorder.close()
  })

  it('does not keep the process alive (unref’d timer)', async () => {
    const spy = vi.spyOn(globalThis, 'setInterval')
    const recorder = createLastUsedRecorder({ store: target })
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(false)
    spy.mockRestore()
    await recorder.close()
  })

  it.each([
    [{}, 'createLastUsedRecorder(): store is required'],
    [{ store: {} }, 'createLastUsedRecorder(): store must have touchLastUsed()'],
    [
      { store: { touchLastUsed: () => Promise.resolve() }, flushIntervalMs: 0 },
      'createLastUsedRecorder(): flushIntervalMs must be a positive integer',
    ],
    [
      { store: { touchLastUsed: () => Promise.resolve() }, maxBatch: 1.5 },
      'createLastUsedRecorder(): maxBatch must be a positive integer',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => createLastUsedRecorder(options as never)).toThrow(new TypeError(message))
  })
})
