/**
 * One contract for every RevocationBus, run against the real Redis and the real PostgreSQL.
 * Every wait is for an event (a delivery, a reconnection), never for a fixed time.
 */
import { afterAll, expect, it } from 'vitest'
import type { Revocation, RevocationBus } from '../src/revocation/index.js'

export type BusFixture = {
  /** A bus on the suite's channel; `name` identifies its connection to `kill`. */
  bus: (name: string) => RevocationBus
  /** A bus on another channel (another prefix or schema) of the same server. */
  otherBus: (name: string) => RevocationBus
  /** Publishes `payload` as is on the suite's channel (or the other one) over one connection. */
  raw(payload: string, options?: { other?: boolean }): Promise<void>
  /** Makes the server drop the named bus's connection (CLIENT KILL, pg_terminate_backend). */
  kill(name: string): Promise<void>
  cleanup(): Promise<void>
}

type Recorder = { received: Revocation[]; next(): Promise<Revocation> }

/**
 * Records what a bus delivers; `next()` resolves with the delivery after the last one it returned
 * (a queue: two deliveries in one socket read are never lost between two `next()` calls).
 */
export function record(bus: RevocationBus): Recorder {
  const received: Revocation[] = []
  const waiting: ((r: Revocation) => void)[] = []
  let cursor = 0
  bus.subscribe({
    revoked(revocation) {
      received.push(revocation)
      const waiter = waiting.shift()
      if (waiter !== undefined) waiter(received[cursor++]!)
    },
  })
  return {
    received,
    next: () =>
      cursor < received.length
        ? Promise.resolve(received[cursor++]!)
        : new Promise((resolve) => waiting.push(resolve)),
  }
}

/** Resolves on the bus's next `connected` or `disconnected`. */
export function nextState(bus: RevocationBus, state: 'connected' | 'disconnected'): Promise<void> {
  return new Promise((resolve) => {
    const remove = bus.subscribe({
      [state]: () => {
        remove()
        resolve()
      },
    })
  })
}

let counter = 0
function uniqueName(): string {
  return `kgtest-bus-${process.pid}-${counter++}`
}

export function runRevocationBusContract(fixture: BusFixture): void {
  const buses: RevocationBus[] = []
  async function started(make: (name: string) => RevocationBus = fixture.bus) {
    const name = uniqueName()
    const bus = make(name)
    buses.push(bus)
    expect(await bus.start()).toBe(true)
    expect(bus.connected).toBe(true)
    return { bus, name }
  }
  afterAll(async () => {
    for (const bus of buses) await bus.close()
    await fixture.cleanup()
  })

  it('delivers a token revocation to the other instances, not back to the sender', async () => {
    const [a, b, c] = [await started(), await started(), await started()]
    const [atA, atB, atC] = [record(a.bus), record(b.bus), record(c.bus)]
    const [gotB, gotC] = [atB.next(), atC.next()]
    await a.bus.publish({ kind: 'token', tokenId: 'tok_abc123' })
    expect(await gotB).toEqual({ kind: 'token', tokenId: 'tok_abc123' })
    expect(await gotC).toEqual({ kind: 'token', tokenId: 'tok_abc123' })
    // A's own message would have arrived before B's next one, which A does hear.
    const gotA = atA.next()
    await b.bus.publish({ kind: 'all' })
    expect(await gotA).toEqual({ kind: 'all' })
    expect(atA.received).toEqual([{ kind: 'all' }])
  })

  it('delivers user and all revocations, in order', async () => {
    const [a, b] = [await started(), await started()]
    const atB = record(b.bus)
    await a.bus.publish({ kind: 'user', userId: '8a6e0804-2bd0-4567-8f2e-3b5a6a8b9c0d' })
    await a.bus.publish({ kind: 'all' })
    await atB.next()
    await atB.next()
    expect(atB.received).toEqual([
      { kind: 'user', userId: '8a6e0804-2bd0-4567-8f2e-3b5a6a8b9c0d' },
      { kind: 'all' },
    ])
  })

  it('refuses to send an id that is not a public id', async () => {
    const { bus } = await started()
    await expect(bus.publish({ kind: 'token', tokenId: 'kg_secret value' })).rejects.toThrow(
      'revocation: token id must be 1-128 of [A-Za-z0-9_-]',
    )
  })

  it('reads a message it does not understand as "drop everything"', async () => {
    const { bus } = await started()
    const at = record(bus)
    for (const payload of ['not json', '{"v":2,"kind":"token","id":"tok_x"}', '{"v":1}', 'null']) {
      const got = at.next()
      await fixture.raw(payload)
      expect(await got).toEqual({ kind: 'all' })
    }
  })

  it('hears nothing from another channel (prefix or schema)', async () => {
    const { bus } = await started()
    await started(fixture.otherBus)
    const at = record(bus)
    const got = at.next()
    // Same connection, in this order: the foreign message would be delivered first.
    await fixture.raw('{"v":1,"kind":"token","id":"tok_foreign"}', { other: true })
    await fixture.raw('{"v":1,"kind":"token","id":"tok_ours"}')
    expect(await got).toEqual({ kind: 'token', tokenId: 'tok_ours' })
    expect(at.received).toEqual([{ kind: 'token', tokenId: 'tok_ours' }])
  })

  it('reports a lost connection, reconnects, says so, and delivers again', async () => {
    const [a, b] = [await started(), await started()]
    const atB = record(b.bus)
    const down = nextState(b.bus, 'disconnected')
    const up = nextState(b.bus, 'connected')
    await fixture.kill(b.name)
    await down
    await up
    expect(b.bus.connected).toBe(true)
    const got = atB.next()
    await a.bus.publish({ kind: 'token', tokenId: 'tok_after' })
    expect(await got).toEqual({ kind: 'token', tokenId: 'tok_after' })
  })

  it('closes: no more deliveries and no reconnection', async () => {
    const { bus } = await started()
    const witness = record((await started()).bus)
    const events: string[] = []
    bus.subscribe({
      revoked: () => events.push('revoked'),
      connected: () => events.push('connected'),
      disconnected: () => events.push('disconnected'),
    })
    await bus.close()
    expect(bus.connected).toBe(false)
    for (let i = 0; i < 2; i++) {
      const got = witness.next()
      await fixture.raw('{"v":1,"kind":"all"}')
      await got
    }
    expect(events).toEqual([])
  })
}
