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
import Database from 'better-sqlite3'

/** The slice of better-auth's API the bench uses (typed here: see `load`). */
type Auth = {
  api: {
    signUpEmail(input: {
      body: { email: string; password: string; name: string }
    }): Promise<{ user: { id: string } }>
    createApiKey(input: { body: { userId: string; name: string } }): Promise<{ key: string }>
    verifyApiKey(input: { body: { key: string } }): Promise<{ valid: boolean }>
  }
}
type BetterAuthModules = {
  apiKey(options: { rateLimit: { enabled: boolean } }): unknown
  betterAuth(options: object): Auth
  getMigrations(options: object): Promise<{ runMigrations(): Promise<void> }>
}

/**
 * better-auth is an optional root devDependency: loaded through computed specifiers, so that
 * a checkout whose node_modules predates it still typechecks (the middleware bench skips this
 * variant when it is not installed).
 */
async function load(): Promise<BetterAuthModules> {
  const [plugin, core, migration] = (await Promise.all(
    ['@better-auth/api-key', 'better-auth', 'better-auth/db/migration'].map(
      (specifier) => import(specifier),
    ),
  )) as [
    Pick<BetterAuthModules, 'apiKey'>,
    Pick<BetterAuthModules, 'betterAuth'>,
    Pick<BetterAuthModules, 'getMigrations'>,
  ]
  return {
    apiKey: plugin.apiKey,
    betterAuth: core.betterAuth,
    getMigrations: migration.getMigrations,
  }
}

/** Creates the database, the user and the key; returns a verifier and the key's plaintext. */
export async function openBetterAuth(): Promise<{
  verify(key: string): Promise<boolean>
  key: string
}> {
  const { apiKey, betterAuth, getMigrations } = await load()
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
