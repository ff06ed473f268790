import type { Store, User } from '@keygate/server'
import { CommandError } from './errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The user named by id (a UUID) or email.
 *
 * @throws CommandError `no user <ref>`.
 */
export async function findUser(store: Store, ref: string): Promise<User> {
  const user = UUID.test(ref)
    ? await store.users.findById(ref.toLowerCase())
    : await store.users.findByEmail(ref.trim().toLowerCase())
  if (user === undefined) throw new CommandError(`no user ${ref}`)
  return user
}

/** Every item of a paged list, page by page. */
export async function allPages<T>(
  list: (options: {
    cursor?: string
    limit: number
  }) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  do {
    const page = await list({ ...(cursor === undefined ? {} : { cursor }), limit: 100 })
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return out
}
