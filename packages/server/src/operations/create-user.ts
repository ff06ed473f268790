import type { AuditActor } from '../store/types.js'
import { ServiceError } from '../lib/errors.js'
import { normalizeEmail } from '../lib/emails.js'
import { passwords, PASSWORD_MAX, PASSWORD_MIN } from '../lib/passwords.js'
import { ConflictError, type User, type UserStore } from '../store/types.js'
import type { OperationAudit, OperationLog } from './operation-deps.js'

/** Options of {@link createUser}. */
export type CreateUserOptions = {
  users: Pick<UserStore, 'create'>
  /** Trimmed and lower-cased before it is stored. */
  email: string
  /** 8–128 characters; hashed with argon2id (OWASP parameters). */
  password: string
  /** Default `user`. */
  role?: string
  /** Roles that exist; default `admin` and `user`. */
  roles?: readonly string[]
  /** Records `user.created` (routes and the CLI pass theirs; a program may leave it out). */
  audit?: OperationAudit | undefined
  /** Who is recorded as creating the user. Default: whoever the audit callback names. */
  actor?: AuditActor | undefined
  /** Extra audit details (`via`). */
  details?: Record<string, unknown> | undefined
  log?: OperationLog | undefined
}

/**
 * Creates a user with a password: `POST /v1/users`, `keygate user create`, the setup code's
 * first admin, and programs (tests, a seed script). Audited as `user.created` when `audit` is given.
 *
 * @throws ServiceError `validation_failed` with `errors` naming `/email`, `/password` or `/role`
 *   (an invalid value, or an email already taken).
 * @example
 * ```ts
 * const admin = await createUser({ users: store.users, email: 'ops@example.com', password, role: 'admin' })
 * ```
 */
export async function createUser(options: CreateUserOptions): Promise<User> {
  const email = normalizeEmail(options.email)
  if (email === undefined) {
    throw new ServiceError('validation_failed', {
      errors: [{ path: '/email', message: 'must be an email address' }],
    })
  }
  const length = [...options.password].length
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new ServiceError('validation_failed', {
      errors: [
        { path: '/password', message: `must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters` },
      ],
    })
  }
  const role = options.role ?? 'user'
  if (!(options.roles ?? ['admin', 'user']).includes(role)) {
    throw new ServiceError('validation_failed', {
      errors: [{ path: '/role', message: 'unknown role' }],
    })
  }
  const passwordHash = await passwords.hash(options.password)
  let user: User
  try {
    user = await options.users.create({ email, passwordHash, role })
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new ServiceError('validation_failed', {
        errors: [{ path: '/email', message: 'already exists' }],
      })
    }
    throw error
  }
  options.log?.info({ userId: user.id, role: user.role }, 'user created')
  await options.audit?.({
    action: 'user.created',
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    userId: user.id,
    details: { role: user.role, ...options.details },
  })
  return user
}
