/**
 * The real SQLite store of `@keygate/server` for the `apitokens-*` bench variants: a fresh
 * database file with one user and one API token (`tokens:read`, 1 day), and the verifier the
 * token service itself hands to `apiTokens()`. SIGTERM closes the store, deletes the file and
 * exits.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { digestAPIToken, generateAPIToken, type APITokenVerifier } from '@keygate/core'
// The store alone: the service's HTTP stack (Fastify, pino, prom-client) stays unloaded.
import { createAPITokenVerifier, openStore, type Store } from '@keygate/server/store'

/**
 * One user and one live API token of theirs (`tokens:read`, 1 day) in a migrated store: what
 * every bench that verifies against a real store starts from. Answers the plaintext and digest.
 */
export async function seedBenchToken(
  store: Store,
  label: string,
): Promise<{ token: string; digest: string }> {
  const user = await store.users.create({
    email: `${label}@example.com`,
    passwordHash: null,
    role: 'user',
  })
  const { token, hint } = generateAPIToken({ prefix: 'kg' })
  const digest = await digestAPIToken(token)
  await store.tokens.create({
    userId: user.id,
    name: label,
    scopes: ['tokens:read'],
    expiresAt: new Date(Date.now() + 86_400_000),
    digest,
    hint,
  })
  return { token, digest }
}

/** Opens the store and issues the bench's token; returns the verifier and the token's plaintext. */
export async function openBenchTokenStore(): Promise<{
  verifier: APITokenVerifier
  token: string
}> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-tokens-'))
  const store = await openStore({ url: `sqlite:${join(dir, 'keygate.db')}` })
  await store.migrate()
  const { token } = await seedBenchToken(store, 'bench')
  process.once('SIGTERM', () => {
    store
      .close()
      .finally(() => rmSync(dir, { recursive: true, force: true }))
      .then(
        () => process.exit(0),
        () => process.exit(1),
      )
  })
  return { verifier: createAPITokenVerifier({ store }), token }
}
