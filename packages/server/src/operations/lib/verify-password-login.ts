import { passwords } from '../../lib/passwords.js'
import type { User, UserStore } from '../../store/types.js'

/**
 * Checks an email and password the way every login does: exactly one argon2 verification
 * whatever happens — against the user's hash, or against a dummy hash with the same parameters
 * when the email is unknown or the user has no password — so that an unknown email and a wrong
 * password take the same time. A disabled user is refused after the verification, for the same
 * reason. Returns the user, or `undefined` for every kind of refusal alike.
 */
export async function verifyPasswordLogin(options: {
  users: Pick<UserStore, 'findByEmail'>
  /** Already normalised. */
  email: string
  password: string
}): Promise<User | undefined> {
  const user = await options.users.findByEmail(options.email)
  const phc = user?.passwordHash ?? (await passwords.dummyHash())
  const ok = await passwords.verify(phc, options.password)
  if (!ok || user === undefined || user.passwordHash === null || user.disabled) return undefined
  return user
}
