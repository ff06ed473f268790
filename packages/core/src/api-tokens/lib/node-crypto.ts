/**
 * `node:crypto` when the runtime has it (synchronous hashing on the hot path), resolved at run
 * time so the core never imports from Node; callers fall back to Web Crypto when undefined.
 */
export type NodeCrypto = {
  /** One-shot digest (Node ≥ 20.12), faster than createHash for short inputs. */
  hash?(algorithm: string, data: string, encoding: 'hex'): string
  createHash(algorithm: string): { update(data: string): { digest(encoding: 'hex'): string } }
  createHmac(
    algorithm: string,
    key: string,
  ): { update(data: string): { digest(encoding: 'hex'): string } }
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
  if (nodeCrypto === undefined) return undefined
  if (pepper !== undefined)
    return nodeCrypto.createHmac('sha256', pepper).update(value).digest('hex')
  if (typeof nodeCrypto.hash === 'function') return nodeCrypto.hash('sha256', value, 'hex')
  return nodeCrypto.createHash('sha256').update(value).digest('hex')
}
