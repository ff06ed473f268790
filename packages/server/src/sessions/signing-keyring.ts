import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { describeError, silentLogger, type Logger } from '@keygate/core'
import type { SigningKeyRecord, SigningKeyStore } from '../store/types.js'
import { openPrivateKey, sealPrivateKey } from './seal-private-key.js'

/** The algorithms the token service signs sessions with. */
export type SigningAlgorithm = 'EdDSA' | 'ES256'

/** A public JWK as published in `/.well-known/jwks.json`. */
export type PublicJWK = Readonly<Record<string, unknown>> & {
  readonly kid: string
  readonly alg: string
}

/** The key that signs now. The private JWK stays in memory; never log it. */
export type ActiveSigningKey = {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateJwk: Readonly<Record<string, unknown>>
}

/** Options of {@link createSigningKeyring}. */
export type SigningKeyringOptions = {
  store: SigningKeyStore
  /** Algorithm of new keys; existing keys keep theirs. */
  algorithm: SigningAlgorithm
  /** How long a key signs before its successor takes over, in seconds. */
  rotationSeconds: number
  /** How long a new key is published before it signs, in seconds (< rotationSeconds). */
  publishAheadSeconds: number
  /**
   * How long a key stays published after it stops signing, in seconds: the session lifetime plus
   * the verifiers' clock leeway, so that its last session verifies until it expires.
   */
  retainSeconds: number
  /** Seals private keys at rest (AES-256-GCM); without it they are stored as JSON. */
  encryptionSecret?: string | undefined
  /** How often keys written by other instances are picked up. Default 60 000 ms. */
  reloadIntervalMs?: number
  /** Clock, for tests. Default `() => new Date()`. */
  now?: () => Date
  logger?: Logger
}

/**
 * Session signing keys shared through the store, rotated by `kid` (docs/sessions.md):
 * one key signs at a time; its successor is created and published `publishAheadSeconds` before
 * it takes over; a key stays published until the last session it signed has expired.
 */
export type SigningKeyring = {
  /** Loads the keys and creates the first one when there is none. Call once, at start. */
  start(): Promise<void>
  /** The key that signs now; creates its successor first when that is due. */
  signingKey(): Promise<ActiveSigningKey>
  /**
   * The keys to publish and verify with: those that sign now, will sign, or still verify. The
   * same array is returned until the set changes. Starts a background reload when one is due.
   */
  publicKeys(): readonly PublicJWK[]
  /** Reloads from the store (and rotates when due) now, once for concurrent callers. */
  refresh(): Promise<void>
  /** Reloads only when due: the reload interval passed, or a successor is due. */
  refreshIfDue(): Promise<void>
  /** Stops the reload timer. */
  close(): void
}

type LoadedKey = {
  readonly record: SigningKeyRecord
  readonly publicJwk: PublicJWK
  readonly privateJwk: Readonly<Record<string, unknown>>
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`createSigningKeyring(): ${name} must be a positive integer`)
  }
  return value
}

function newKid(at: number): string {
  const day = new Date(at).toISOString().slice(0, 10).replaceAll('-', '')
  return `${day}-${randomBytes(6).toString('hex')}`
}

function generateKey(
  alg: SigningAlgorithm,
  kid: string,
): { publicJwk: PublicJWK; privateJwk: Record<string, unknown> } {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicJwk = pair.publicKey.export({ format: 'jwk' })
  const privateJwk = pair.privateKey.export({ format: 'jwk' })
  return {
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    privateJwk: { ...privateJwk, kid, alg },
  }
}

function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return value === 'EdDSA' || value === 'ES256'
}

/**
 * Creates the keyring. Nothing is read until {@link SigningKeyring.start}.
 *
 * @throws TypeError for a bad option; `start()` and `refresh()` throw a TypeError naming the key
 *   when a stored private key cannot be read (an encrypted key without, or with the wrong, secret).
 * @example
 * ```ts
 * const keyring = createSigningKeyring({ store: store.signingKeys, algorithm: 'EdDSA',
 *   rotationSeconds: 30 * 86400, publishAheadSeconds: 3600, retainSeconds: 960 })
 * await keyring.start()
 * const { kid, privateJwk } = await keyring.signingKey()
 * ```
 */
export function createSigningKeyring(options: SigningKeyringOptions): SigningKeyring {
  const { store, encryptionSecret } = options
  if (!isSigningAlgorithm(options.algorithm)) {
    throw new TypeError("createSigningKeyring(): algorithm must be 'EdDSA' or 'ES256'")
  }
  const algorithm = options.algorithm
  const rotationMs = positiveInt(options.rotationSeconds, 'rotationSeconds') * 1000
  const publishAheadMs = positiveInt(options.publishAheadSeconds, 'publishAheadSeconds') * 1000
  if (publishAheadMs >= rotationMs) {
    throw new TypeError('createSigningKeyring(): publishAheadSeconds must be below rotationSeconds')
  }
  const retainMs = positiveInt(options.retainSeconds, 'retainSeconds') * 1000
  const reloadIntervalMs = positiveInt(options.reloadIntervalMs ?? 60_000, 'reloadIntervalMs')
  const now = options.now ?? (() => new Date())
  const logger = options.logger ?? silentLogger
  const clock = () => now().getTime()

  let keys: readonly LoadedKey[] = []
  let loadedAt = Number.NEGATIVE_INFINITY
  let inflight: Promise<void> | undefined
  let published: { ids: string; list: readonly PublicJWK[] } = { ids: '', list: [] }
  let timer: ReturnType<typeof setInterval> | undefined

  function decode(record: SigningKeyRecord): LoadedKey {
    const privateJwk = Object.freeze(
      openPrivateKey(record.privateJwk, record.kid, encryptionSecret),
    )
    const publicJwk = Object.freeze({
      ...record.publicJwk,
      kid: record.kid,
      alg: record.alg,
    }) as PublicJWK
    return { record, publicJwk, privateJwk }
  }

  /** The newest key that has started signing at `at`. */
  function signingAt(at: number): LoadedKey | undefined {
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      if (key.record.activatesAt.getTime() <= at) return key
    }
    return undefined
  }

  /** What to create next at `at`, if anything. */
  function successorDue(at: number): { activatesAt: number; expiresAt: number } | undefined {
    const latest = keys[keys.length - 1]
    // No key, or every key has stopped signing (the service was off for a whole rotation): a new
    // key signs at once. Verifiers holding a cached JWKS refetch it on the unknown kid.
    if (latest === undefined || latest.record.expiresAt.getTime() <= at) {
      return { activatesAt: at, expiresAt: at + rotationMs }
    }
    // The latest key signs now and stops within publishAhead: publish its successor now.
    if (signingAt(at) === latest && at >= latest.record.expiresAt.getTime() - publishAheadMs) {
      const activatesAt = latest.record.expiresAt.getTime()
      return { activatesAt, expiresAt: activatesAt + rotationMs }
    }
    return undefined
  }

  function due(at: number): boolean {
    return at - loadedAt >= reloadIntervalMs || successorDue(at) !== undefined
  }

  async function load(): Promise<void> {
    const records = await store.list()
    keys = Object.freeze(records.map(decode))
    loadedAt = clock()
  }

  async function rotate(): Promise<void> {
    await load()
    const at = clock()
    const next = successorDue(at)
    if (next !== undefined) {
      const generation = (keys[keys.length - 1]?.record.generation ?? 0) + 1
      const kid = newKid(next.activatesAt)
      const { publicJwk, privateJwk } = generateKey(algorithm, kid)
      // False when another instance created this generation first: its key is the one to use.
      const inserted = await store.insert({
        kid,
        generation,
        alg: algorithm,
        publicJwk,
        privateJwk: sealPrivateKey(privateJwk, kid, encryptionSecret),
        createdAt: new Date(at),
        activatesAt: new Date(next.activatesAt),
        expiresAt: new Date(next.expiresAt),
      })
      if (inserted)
        logger.info?.({ kid, generation, alg: algorithm }, 'session signing key created')
      await load()
    }
    // Keys whose last session has expired are no longer published: remove them.
    await store.deleteExpired(new Date(at - retainMs))
  }

  function refresh(): Promise<void> {
    inflight ??= rotate().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  let lastBackground = Number.NEGATIVE_INFINITY
  function backgroundRefresh(): void {
    // At most one background reload per second: during a database outage, requests do not each
    // start one.
    const at = clock()
    if (inflight !== undefined || at - lastBackground < 1000) return
    lastBackground = at
    refresh().catch((error: unknown) => {
      logger.warn(describeError(error), 'session signing keys could not be reloaded')
    })
  }

  return {
    async start() {
      await refresh()
      timer ??= setInterval(backgroundRefresh, reloadIntervalMs)
      timer.unref?.()
    },

    async signingKey() {
      if (due(clock())) await refresh()
      const key = signingAt(clock())
      if (key === undefined || !isSigningAlgorithm(key.record.alg)) {
        throw new Error('keygate sessions: no usable signing key')
      }
      return { kid: key.record.kid, alg: key.record.alg, privateJwk: key.privateJwk }
    },

    publicKeys() {
      const at = clock()
      const list = keys.filter((key) => at < key.record.expiresAt.getTime() + retainMs)
      const ids = list.map((key) => key.record.kid).join(',')
      if (ids !== published.ids) {
        published = { ids, list: Object.freeze(list.map((key) => key.publicJwk)) }
      }
      if (due(at)) backgroundRefresh()
      return published.list
    },

    refresh,

    async refreshIfDue() {
      if (due(clock())) await refresh()
    },

    close() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
  }
}
