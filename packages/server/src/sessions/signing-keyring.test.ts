import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/types.js'
import { createSigningKeyring, type SigningKeyringOptions } from './signing-keyring.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const T0 = Date.parse('2030-01-01T00:00:00Z')

const stores: Store[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

async function memoryStore(): Promise<Store> {
  const store = await openStore({ url: 'sqlite::memory:' })
  await store.migrate()
  stores.push(store)
  return store
}

/** A clock the test moves by hand. */
function clock(start = T0) {
  let now = start
  return {
    now: () => new Date(now),
    set: (at: number) => {
      now = at
    },
  }
}

function keyring(
  store: Store,
  time: ReturnType<typeof clock>,
  extra: Partial<SigningKeyringOptions> = {},
) {
  const ring = createSigningKeyring({
    store: store.signingKeys,
    algorithm: 'EdDSA',
    rotationSeconds: 86_400,
    publishAheadSeconds: 3600,
    retainSeconds: 990,
    now: time.now,
    ...extra,
  })
  return ring
}

const kids = (keys: readonly { kid: string }[]) => keys.map((key) => key.kid)

describe('createSigningKeyring', () => {
  it('creates the first key at start; it signs at once and is published', async () => {
    const store = await memoryStore()
    const time = clock()
    const ring = keyring(store, time)
    await ring.start()
    ring.close()
    const [record] = await store.signingKeys.list()
    expect(record).toMatchObject({ generation: 1, alg: 'EdDSA' })
    expect(record!.activatesAt.getTime()).toBe(T0)
    expect(record!.expiresAt.getTime()).toBe(T0 + DAY)
    expect(record!.kid).toMatch(/^20300101-[0-9a-f]{12}$/)
    const signing = await ring.signingKey()
    expect(signing.kid).toBe(record!.kid)
    expect(signing.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: record!.kid })
    expect(typeof signing.privateJwk.d).toBe('string')
    const [published] = ring.publicKeys()
    expect(published).toEqual({ ...record!.publicJwk, kid: record!.kid, alg: 'EdDSA' })
    expect(published).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig' })
    expect(published).not.toHaveProperty('d')
  })

  it('rotates by kid: publishes the successor ahead, switches at the boundary, keeps the old key until its sessions expire', async () => {
    const store = await memoryStore()
    const time = clock()
    const ring = keyring(store, time)
    await ring.start()
    ring.close()
    const first = (await ring.signingKey()).kid

    // Not yet within publishAhead of the first key's end: nothing new.
    time.set(T0 + DAY - HOUR - 1000)
    await ring.refreshIfDue()
    expect(kids(ring.publicKeys())).toEqual([first])

    // Within publishAhead: the successor is created and published, but does not sign yet.
    time.set(T0 + DAY - HOUR)
    await ring.refreshIfDue()
    const records = await store.signingKeys.list()
    expect(records.map((r) => r.generation)).toEqual([1, 2])
    const second = records[1]!
    expect(second.activatesAt.getTime()).toBe(T0 + DAY)
    expect(second.expiresAt.getTime()).toBe(T0 + 2 * DAY)
    expect(kids(ring.publicKeys())).toEqual([first, second.kid])
    expect((await ring.signingKey()).kid).toBe(first)

    // At the boundary the successor signs; the old key still verifies its last sessions.
    time.set(T0 + DAY)
    expect((await ring.signingKey()).kid).toBe(second.kid)
    expect(kids(ring.publicKeys())).toEqual([first, second.kid])
    time.set(T0 + DAY + 990_000 - 1)
    expect(kids(ring.publicKeys())).toEqual([first, second.kid])

    // Once its last session (ttl + leeway) is over, it is no longer published, then deleted.
    time.set(T0 + DAY + 990_000)
    expect(kids(ring.publicKeys())).toEqual([second.kid])
    time.set(T0 + DAY + 990_000 + 1)
    await ring.refresh()
    expect((await store.signingKeys.list()).map((r) => r.kid)).toEqual([second.kid])
  })

  it('after a whole rotation with the service off, a new key signs at once', async () => {
    const store = await memoryStore()
    const time = clock()
    const ring = keyring(store, time)
    await ring.start()
    ring.close()
    time.set(T0 + 3 * DAY)
    const signing = await ring.signingKey()
    const records = await store.signingKeys.list()
    expect(records.map((r) => r.generation)).toEqual([2])
    expect(records[0]!.activatesAt.getTime()).toBe(T0 + 3 * DAY)
    expect(signing.kid).toBe(records[0]!.kid)
  })

  it('two instances rotating at once keep one key per generation and sign with the same one', async () => {
    const store = await memoryStore()
    const time = clock()
    const a = keyring(store, time)
    const b = keyring(store, time)
    await Promise.all([a.start(), b.start()])
    a.close()
    b.close()
    expect((await store.signingKeys.list()).length).toBe(1)
    expect((await a.signingKey()).kid).toBe((await b.signingKey()).kid)
    time.set(T0 + DAY - 60_000)
    await Promise.all([a.refresh(), b.refresh()])
    expect((await store.signingKeys.list()).map((r) => r.generation)).toEqual([1, 2])
    expect(kids(a.publicKeys())).toEqual(kids(b.publicKeys()))
    time.set(T0 + DAY)
    expect((await a.signingKey()).kid).toBe((await b.signingKey()).kid)
  })

  it('picks up a key another instance created within the reload interval', async () => {
    const store = await memoryStore()
    const time = clock()
    const a = keyring(store, time, { reloadIntervalMs: 60_000 })
    const b = keyring(store, time, { reloadIntervalMs: 60_000 })
    await a.start()
    await b.start()
    a.close()
    b.close()
    time.set(T0 + DAY - HOUR)
    await a.refreshIfDue() // a creates the successor
    // b's view is fresh (just loaded), but the successor being due makes b reload too.
    await b.refreshIfDue()
    expect(kids(b.publicKeys())).toEqual(kids(a.publicKeys()))
    expect(b.publicKeys()).toHaveLength(2)
  })

  it('ES256 keys for new keys; existing keys keep their algorithm', async () => {
    const store = await memoryStore()
    const time = clock()
    const ring = keyring(store, time, { algorithm: 'ES256' })
    await ring.start()
    ring.close()
    const [published] = ring.publicKeys()
    expect(published).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(typeof published!.y).toBe('string')
  })

  it('seals private keys at rest with keyEncryptionSecret; without it, or with another, start fails naming the key', async () => {
    const store = await memoryStore()
    const time = clock()
    const secret = 'k'.repeat(40)
    const ring = keyring(store, time, { encryptionSecret: secret })
    await ring.start()
    ring.close()
    const signing = await ring.signingKey()
    const [record] = await store.signingKeys.list()
    expect(record!.privateJwk).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    expect(record!.privateJwk).not.toContain(signing.privateJwk.d as string)

    await expect(keyring(store, time).start()).rejects.toThrow(
      `keygate sessions: signing key ${record!.kid} is encrypted; set sessions.keyEncryptionSecret`,
    )
    await expect(
      keyring(store, time, { encryptionSecret: 'x'.repeat(40) }).start(),
    ).rejects.toThrow(
      `keygate sessions: signing key ${record!.kid} cannot be decrypted with sessions.keyEncryptionSecret`,
    )
    const again = keyring(store, time, { encryptionSecret: secret })
    await again.start()
    again.close()
    expect((await again.signingKey()).privateJwk).toEqual(signing.privateJwk)
  })

  it('validates its options', () => {
    const base = {
      store: {} as never,
      algorithm: 'EdDSA' as const,
      rotationSeconds: 100,
      publishAheadSeconds: 10,
      retainSeconds: 10,
    }
    expect(() => createSigningKeyring({ ...base, algorithm: 'HS256' as never })).toThrow(
      "algorithm must be 'EdDSA' or 'ES256'",
    )
    expect(() => createSigningKeyring({ ...base, publishAheadSeconds: 100 })).toThrow(
      'publishAheadSeconds must be below rotationSeconds',
    )
    expect(() => createSigningKeyring({ ...base, retainSeconds: 0 })).toThrow(
      'retainSeconds must be a positive integer',
    )
  })
})
