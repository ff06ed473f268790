import type { UserStore } from '../store/types.js'
import { digestSetupCode, generateSetupCode } from './setup-code.js'
import { removeSetupCodeFile, writeSetupCodeFile } from './setup-file.js'
import type { SetupStore } from '../store/setup-store.js'

/** How long a setup code is valid: one hour. */
export const SETUP_CODE_TTL_SECONDS = 3600

/** Options of {@link issueSetupCode}. */
export type IssueSetupCodeOptions = {
  store: { users: Pick<UserStore, 'count'>; setup: SetupStore }
  /** Where to write the code with mode 0600; see `setupCodePath()`. */
  file: string
  /** Default {@link SETUP_CODE_TTL_SECONDS}. */
  ttlSeconds?: number
  now?: Date
}

/** A code just issued: show `code` to the operator once; `file` holds it too (unless unwritable). */
export type IssuedSetupCode = {
  code: string
  expiresAt: Date
  /** The file the code was written to; undefined when it could not be written (`fileError`). */
  file: string | undefined
  fileError?: unknown
}

/**
 * First start: on a database with no users, issues a one-time setup code for `POST /v1/setup`
 * (single use, valid one hour) — its digest goes to the database, the code itself to the caller
 * and to `file` (mode 0600). On a database with users it removes any leftover code and file and
 * returns undefined. A new call replaces the previous code.
 *
 * Writing the file is best effort (a read-only file system must not stop the service): the
 * outcome says whether it worked.
 *
 * @example
 * ```ts
 * const issued = await issueSetupCode({ store, file: setupCodePath(config.database.url) })
 * if (issued) console.error(`setup code: ${issued.code}`)
 * ```
 */
export async function issueSetupCode(
  options: IssueSetupCodeOptions,
): Promise<IssuedSetupCode | undefined> {
  const { store, file } = options
  if ((await store.users.count()) > 0) {
    await store.setup.clear()
    await removeSetupCodeFile(file).catch(() => {})
    return undefined
  }
  const now = options.now ?? new Date()
  const code = generateSetupCode()
  const expiresAt = new Date(now.getTime() + (options.ttlSeconds ?? SETUP_CODE_TTL_SECONDS) * 1000)
  await store.setup.put({ digest: digestSetupCode(code), createdAt: now, expiresAt })
  try {
    await writeSetupCodeFile(file, code)
    return { code, expiresAt, file }
  } catch (error) {
    return { code, expiresAt, file: undefined, fileError: error }
  }
}
