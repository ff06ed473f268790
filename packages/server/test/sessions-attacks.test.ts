/**
 * The main JWT attacks, through the real server (the core tests every case at the strategy
 * level): each is `401 invalid_token` with a fixed detail that never quotes the token.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { importJWK, SignJWT, type JWTPayload } from 'jose'
import { expect, it } from 'vitest'
import { KEY_ENCRYPTION_SECRET_FILE } from '../src/sessions/key-encryption-secret.js'
import { openPrivateKey } from '../src/sessions/seal-private-key.js'
import { forEachBackend, useHarness, type Harness } from './harness.js'
import { COOKIE, problem, sessionToken } from './sessions-helpers.js'

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** Signs `claims` with the server's own current signing key, read from its database. */
async function signWithServerKey(
  h: Harness,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const [key] = await h.store.signingKeys.list()
  // On SQLite the key is sealed with the secret generated beside the database file.
  const secretFile = h.database.url.startsWith('sqlite:')
    ? join(dirname(h.database.url.slice('sqlite:'.length)), KEY_ENCRYPTION_SECRET_FILE)
    : undefined
  const secret = secretFile === undefined ? undefined : readFileSync(secretFile, 'utf8').trim()
  const jwk = openPrivateKey(key!.privateJwk, key!.kid, secret)
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: 'keygate',
    aud: 'keygate',
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: key!.alg, kid: key!.kid, typ: 'keygate-session+jwt', ...header })
    .sign(await importJWK(jwk, key!.alg))
}

forEachBackend('sessions: attacks through the server', (backend) => {
  const h = useHarness(backend)

  async function refused(token: string, detail: string): Promise<void> {
    const variants: Record<string, string>[] = [
      { authorization: `Bearer ${token}` },
      { cookie: `${COOKIE}=${token}` },
    ]
    for (const headers of variants) {
      const response = await h().request('GET', '/v1/users/me', { headers })
      const body = await problem(response, 401, 'invalid_token')
      expect(body.detail, JSON.stringify(Object.keys(headers))).toBe(detail)
      expect(response.headers.get('www-authenticate')).toBe(
        // RFC 6750 §3: the description keeps only %x20-21 / %x23-5B / %x5D-7E.
        `Bearer realm="keygate", error="invalid_token", error_description="${detail.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`,
      )
      expect(JSON.stringify(body)).not.toContain(token.split('.')[1])
    }
  }

  it('alg none', async () => {
    const [key] = await h().store.signingKeys.list()
    const now = Math.floor(Date.now() / 1000)
    const token = `${b64({ alg: 'none', kid: key!.kid, typ: 'keygate-session+jwt' })}.${b64({
      iss: 'keygate',
      aud: 'keygate',
      sub: h().admin.id,
      exp: now + 600,
      jti: randomUUID(),
    })}.`
    await refused(token, 'The token algorithm is not allowed')
  })

  it('HS256 keyed with the published public key (algorithm confusion)', async () => {
    const [key] = await h().store.signingKeys.list()
    const secret = new TextEncoder().encode(JSON.stringify(key!.publicJwk))
    const token = await new SignJWT({ sub: h().admin.id, jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', kid: key!.kid, typ: 'keygate-session+jwt' })
      .setIssuer('keygate')
      .setAudience('keygate')
      .setExpirationTime('10m')
      .sign(secret)
    await refused(token, 'The token algorithm is not allowed')
  })

  it('expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600
    const token = await signWithServerKey(h(), { sub: h().admin.id, iat: past, exp: past + 900 })
    await refused(token, 'The session has expired')
  })

  it('wrong audience, wrong issuer', async () => {
    await refused(
      await signWithServerKey(h(), { sub: h().admin.id, aud: 'https://other.example.com' }),
      'The session is meant for another audience',
    )
    await refused(
      await signWithServerKey(h(), { sub: h().admin.id, iss: 'https://evil.example.com' }),
      'The session was issued by another issuer',
    )
  })

  it('flipped signature of a real session', async () => {
    const token = await sessionToken(h(), 'admin@example.com')
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const bytes = Buffer.from(signature, 'base64url')
    bytes[0]! ^= 0x01
    await refused(
      `${header}.${payload}.${bytes.toString('base64url')}`,
      'The signature is not valid',
    )
    // The payload of a real session with a raised scope does not verify either.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >
    await refused(
      `${header}.${b64({ ...claims, scope: 'users:manage x:y' })}.${signature}`,
      'The signature is not valid',
    )
  })

  it('a service token where a session is expected: another typ, or a service subject', async () => {
    // A gateway assertion (or any other keygate JWT) signed by the same key is not a session.
    await refused(
      await signWithServerKey(h(), { sub: h().admin.id }, { typ: 'keygate-assertion+jwt' }),
      'The token is not a session',
    )
    await refused(
      await signWithServerKey(h(), { sub: 'gateway' }),
      'The session subject is not a user id',
    )
  })

  it('a key the server never published, or a key named by the token', async () => {
    await refused(
      await signWithServerKey(h(), { sub: h().admin.id }, { kid: 'someone-elses-key' }),
      'No key matches the token',
    )
    await refused(
      await signWithServerKey(
        h(),
        { sub: h().admin.id },
        { jku: 'https://evil.example/jwks.json' },
      ),
      'The token header must not carry "jku"',
    )
  })

  it('a well-signed session the server never issued (no record): refused', async () => {
    await refused(await signWithServerKey(h(), { sub: h().admin.id }), 'The session has ended')
  })
})
