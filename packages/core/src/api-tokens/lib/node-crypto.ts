type Encoding = 'hex' | 'latin1'

/**
 * `node:crypto` when the runtime has it (synchronous hashing on the hot path), resolved at run
 * time so the core never imports from Node; callers fall back to Web Crypto when undefined.
 */
export type NodeCrypto = {
  /** One-shot digest (Node ≥ 20.12), faster than createHash for short inputs. */
  hash?(algorithm: string, data: string, encoding: Encoding): string
  createHash(algorithm: string): { update(data: string): { digest(encoding: Encoding): string } }
  createHmac(
    algorithm: string,
    key: string,
  ): { update(data: string): { digest(encoding: Encoding): string } }
}

export const nodeCrypto: NodeCrypto | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return typeof proc?.getBuiltinModule === 'function'
    ? (proc.getBuiltinModule('node:crypto') as NodeCrypto | undefined)
    : undefined
})()

export function toHex(bytes: ArrayBuffer): string {
  let out = ''
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, '0')
  return out
}

/**
 * The hex SHA-256 (or HMAC-SHA256 keyed with `pepper`) of `value`, computed synchronously, or
 * `undefined` where only Web Crypto (asynchronous) exists.
 */
export function hexDigestSync(value: string, pepper: string | undefined): string | undefined {
  return digestSync(value, pepper, 'hex')
}

/**
 * The same digest as 32 one-byte characters (`latin1`), or `undefined` where only Web Crypto
 * exists: half the characters of the hex form for the verification cache to hash and compare,
 * and cheaper to make (docs/benchmarks.md). {@link latin1ToHex} gives the stored form.
 */
export function latin1DigestSync(value: string, pepper: string | undefined): string | undefined {
  return digestSync(value, pepper, 'latin1')
}

function digestSync(value: string, pepper: string | undefined, encoding: Encoding) {
  if (nodeCrypto === undefined) return undefined
  if (pepper !== undefined)
    return nodeCrypto.createHmac('sha256', pepper).update(value).digest(encoding)
  if (typeof nodeCrypto.hash === 'function') return nodeCrypto.hash('sha256', value, encoding)
  return nodeCrypto.createHash('sha256').update(value).digest(encoding)
}

type NodeBuffer = { from(data: string, encoding: 'latin1'): { toString(encoding: 'hex'): string } }

const nodeBuffer: NodeBuffer | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  if (typeof proc?.getBuiltinModule !== 'function') return undefined
  return (proc.getBuiltinModule('node:buffer') as { Buffer?: NodeBuffer } | undefined)?.Buffer
})()

/**
 * The lower-case hex of a string of one-byte characters (a `latin1` digest), through Node's
 * Buffer (0.37 µs and 184 bytes for a digest); `undefined` where there is none.
 */
export const latin1ToHex: ((bytes: string) => string) | undefined =
  nodeBuffer === undefined ? undefined : (bytes) => nodeBuffer.from(bytes, 'latin1').toString('hex')
