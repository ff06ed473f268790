// `--json` prints the HTTP API's own views (`tokenView`, `userView` from @keygate/server);
// these are the CLI's tables and fields for people.
import type { APIToken } from '@keygate/server'
import { formatTime } from './output.js'

/** `active`, `revoked` or `expired`, for tables. */
export function tokenStatus(token: APIToken, now: Date): string {
  if (token.revokedAt !== null) return 'revoked'
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active'
}

/** A token's fields for people, the secret excluded. */
export function tokenFields(token: APIToken, email: string): [string, string][] {
  return [
    ['id', token.id],
    ['name', token.name],
    ['user', email],
    ['scopes', token.scopes.join(' ')],
    ['hint', token.hint],
    ['expires', formatTime(token.expiresAt)],
  ]
}
