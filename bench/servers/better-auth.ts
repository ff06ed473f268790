/**
 * The peer of the `apitokens-off` variant: better-auth's API-key plugin (`@better-auth/api-key`)
 * over SQLite (better-sqlite3, the same driver as keygate's store), one user and one key, every
 * request verified with `auth.api.verifyApiKey` — which reads the database on every call (it has
 * no verification cache). The plugin's per-key rate limit (on by default, 10 a day) is switched
 * off, or nearly every request would be refused. SIGTERM deletes the file and exits.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiKey } from '@better-auth/api-key'
import Database from 'better-sqlite3'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'

/** Creates the database, the user and the key; returns a verifier and the key's plaintext. */
export async function openBetterAuth(): Promise<{
  verify(key: string): Promise<boolean>
  key: string
}> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-better-auth-'))
  const db = new Database(join(dir, 'auth.db'))
  const options = {
    database: db,
    secret: 'bench-better-auth-secret-0123456789abcdef',
    baseURL: 'http://127.0.0.1',
    emailAndPassword: { enabled: true },
    logger: { disabled: true },
    telemetry: { enabled: false },
    plugins: [apiKey({ rateLimit: { enabled: false } })],
  }
  const { runMigrations } = await getMigrations(options)
  await runMigrations()
  const auth = betterAuth(options)
  const { user } = await auth.api.signUpEmail({
    body: { email: 'bench@example.com', password: 'bench password 0123456789', name: 'bench' },
  })
  const created = await auth.api.createApiKey({ body: { userId: user.id, name: 'bench' } })
  process.once('SIGTERM', () => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  })
  return {
    async verify(key) {
      const result = await auth.api.verifyApiKey({ body: { key } })
      return result.valid
    },
    key: created.key,
  }
}
