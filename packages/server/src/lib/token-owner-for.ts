import type { Principal } from '@keygate/core'
import { holds, insufficientScope } from '../auth/register-auth.js'

/**
 * Whose tokens the principal may change: anyone's with `tokens:manage` (`undefined`), its own
 * with `tokens:write` (its subject). The scope is checked before any lookup, so a `403` reveals
 * nothing about ids; the operation then answers a missing token and another user's alike (`404`).
 *
 * @throws InsufficientScopeError (403) without either scope.
 */
export function tokenOwnerFor(principal: Principal): string | undefined {
  if (holds(principal, 'tokens:manage')) return undefined
  if (!holds(principal, 'tokens:write')) throw insufficientScope('tokens:write')
  return principal.subject
}
