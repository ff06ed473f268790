import type { CachedSecret } from '@keygate/core'

/**
 * The secret a client sends when several are valid (a rotation overlap): the one labelled
 * `current`, else the first.
 */
export function selectSecret(secrets: readonly CachedSecret[]): CachedSecret | undefined {
  return secrets.find((s) => s.label === 'current') ?? secrets[0]
}
