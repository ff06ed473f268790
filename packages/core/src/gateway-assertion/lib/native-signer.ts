import type { CryptoKey, JWK, KeyObject } from 'jose'
import type { SessionAlgorithm } from '../../sessions/session-algorithms.js'

type NodeKeyObject = { readonly type: string }
type NodeSign = {
  createPrivateKey(options: { key: JWK; format: 'jwk' }): NodeKeyObject
  sign(
    algorithm: string | null,
    data: Uint8Array,
    key: NodeKeyObject | { key: NodeKeyObject; dsaEncoding: 'ieee-p1363' },
  ): Uint8Array & { toString(encoding: 'base64url'): string }
}

// Resolved at run time, so the core never imports from Node (as api-tokens/lib/node-crypto.ts).
const node: NodeSign | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return typeof proc?.getBuiltinModule === 'function'
    ? (proc.getBuiltinModule('node:crypto') as NodeSign | undefined)
    : undefined
})()

// RFC 7518 §3.4: ECDSA signatures are R || S (IEEE P1363), not DER.
const ECDSA_HASH: Partial<Record<SessionAlgorithm, string>> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
}

/**
 * A synchronous JWS signer over node:crypto for EdDSA and ECDSA keys given as a private JWK or a
 * `KeyObject`, or `undefined` (no node:crypto, a CryptoKey, RSA): then jose signs, with Web
 * Crypto. Returns the base64url signature of the JWS signing input.
 */
export function nativeSigner(
  key: CryptoKey | KeyObject | JWK,
  alg: SessionAlgorithm,
): ((signingInput: string) => string) | undefined {
  if (node === undefined) return undefined
  const edwards = alg === 'EdDSA' || alg === 'Ed25519'
  const hash = ECDSA_HASH[alg]
  if (!edwards && hash === undefined) return undefined
  let keyObject: NodeKeyObject
  if (typeof (key as JWK).kty === 'string') {
    try {
      keyObject = node.createPrivateKey({ key: key as JWK, format: 'jwk' })
    } catch {
      return undefined
    }
  } else if ((key as { asymmetricKeyType?: unknown }).asymmetricKeyType !== undefined) {
    keyObject = key as unknown as NodeKeyObject
  } else {
    return undefined
  }
  const encoder = new TextEncoder()
  return edwards
    ? (input) => node.sign(null, encoder.encode(input), keyObject).toString('base64url')
    : (input) =>
        node
          .sign(hash!, encoder.encode(input), { key: keyObject, dsaEncoding: 'ieee-p1363' })
          .toString('base64url')
}
