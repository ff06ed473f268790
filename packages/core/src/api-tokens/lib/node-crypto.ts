/**
 * `node:crypto` when the runtime has it (synchronous hashing on the hot path), resolved at run
 * time so the core never imports from Node; callers fall back to Web Crypto when undefined.
 */
export type NodeCrypto = {
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
