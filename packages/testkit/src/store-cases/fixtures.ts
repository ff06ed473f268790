import { randomBytes } from 'node:crypto'
import type { APIToken, Store, User } from '@keygate/server'

export const DAY = 86_400_000

/** A fresh random SHA-256-sized hex digest. */
export function digest(): string {
  return randomBytes(32).toString('hex')
}

/** A fresh unique email. */
export function email(): string {
  return `user-${randomBytes(6).toString('hex')}@example.com`
}

/** The error a promise rejects with (the test fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** Makers of users and tokens in the store under test. */
export function fixtures(store: () => Store) {
  async function user(fields: { role?: string; slug?: string | null } = {}): Promise<User> {
    return store().users.create({
      email: email(),
      passwordHash: '$argon2id$stand-in',
      role: fields.role ?? 'user',
      slug: fields.slug ?? null,
    })
  }

  async function token(
    userId: string,
    fields: { name?: string; scopes?: string[]; expiresAt?: Date; digest?: string } = {},
  ): Promise<APIToken & { digest: string }> {
    const d = fields.digest ?? digest()
    const created = await store().tokens.create({
      userId,
      name: fields.name ?? `token-${randomBytes(4).toString('hex')}`,
      scopes: fields.scopes ?? ['tokens:read'],
      expiresAt: fields.expiresAt ?? new Date(Date.now() + 30 * DAY),
      digest: d,
      hint: `kg_…${d.slice(-4)}`,
    })
    return { ...created, digest: d }
  }

  return { user, token }
}
