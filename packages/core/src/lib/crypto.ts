/**
 * Hashing and constant-time comparison that use `node:crypto` when it is there (synchronous, no
 * thread-pool hop on the hot path) and Web Crypto elsewhere, so the core imports nothing from
 * Node and runs on any Web-standard runtime.
 */

type NodeCrypto = {
  /** One-shot digest (Node >= 20.12): about twice as fast as createHash for short inputs. */
  hash?(algorithm: string, data: string, encoding: 'buffer'): Uint8Array
  hash?(algorithm: string, data: string, encoding: 'latin1'): string
  createHash(algorithm: string): { update(data: string): { digest(): Uint8Array } }
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean
  randomBytes(size: number): Uint8Array
}

const nodeCrypto: NodeCrypto | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return typeof proc?.getBuiltinModule === 'function'
    ? (proc.getBuiltinModule('node:crypto') as NodeCrypto | undefined)
    : undefined
})()

const encoder = new TextEncoder()

/**
 * SHA-256 of a UTF-8 string computed synchronously on Node (no promise on the hot path), or
 * `undefined` where only Web Crypto exists; then use {@link sha256}.
 */
export const sha256Sync: ((value: string) => Uint8Array) | undefined =
  nodeCrypto === undefined
    ? undefined
    : typeof nodeCrypto.hash === 'function'
      ? (value) => nodeCrypto.hash!('sha256', value, 'buffer')
      : (value) => nodeCrypto.createHash('sha256').update(value).digest()

const scratch = new Uint8Array(32)

/**
 * SHA-256 of a UTF-8 string computed synchronously on Node into one buffer that every call
 * reuses: the digest is valid until the next call, so read it before anything else can hash
 * (the service-token check compares it at once). Node's one-shot hash answers a latin1 string
 * whose 32 code units are the digest's bytes; copying them costs a few nanoseconds, where a
 * `Buffer` result costs about twice the hash itself on Node 20 (a new backing store per call;
 * docs/decisions/0003-digest-without-a-buffer.md). `undefined` where only Web Crypto exists.
 */
export const sha256Reused: ((value: string) => Uint8Array) | undefined =
  nodeCrypto === undefined
    ? undefined
    : typeof nodeCrypto.hash === 'function'
      ? (value) => {
          const digest = nodeCrypto.hash!('sha256', value, 'latin1')
          for (let i = 0; i < 32; i++) scratch[i] = digest.charCodeAt(i)
          return scratch
        }
      : sha256Sync

/** SHA-256 of a UTF-8 string. */
export async function sha256(value: string): Promise<Uint8Array> {
  if (sha256Sync !== undefined) return sha256Sync(value)
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value)))
}

function jsEqual(a: Uint8Array, b: Uint8Array): boolean {
  // Both sides are digests of the same length; the loop never exits early.
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0)
  return diff === 0
}

/**
 * Compares two equal-length digests in constant time. Exposed as an object member so tests can
 * count the comparisons (`vi.spyOn(timing, 'equal')`) to prove there is no early exit.
 */
export const timing = {
  equal(a: Uint8Array, b: Uint8Array): boolean {
    if (nodeCrypto !== undefined && a.length === b.length) return nodeCrypto.timingSafeEqual(a, b)
    return jsEqual(a, b)
  },
}

/** Cryptographically random bytes. */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  crypto.getRandomValues(bytes)
  return bytes
}
