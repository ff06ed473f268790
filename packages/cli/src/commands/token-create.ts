import { issueToken, tokenSecretView } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { findUser } from '../lib/find-user.js'
import { integerFlag, requiredFlag } from '../lib/flags.js'
import { withDatabase } from '../lib/open-database.js'
import { cliOperations, orCommandError } from '../lib/operation-deps.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatFields, printJSON } from '../lib/output.js'
import { tokenFields } from '../lib/views.js'

/** `keygate token create`: an API token for a user, printed once. */
export const tokenCreateCommand: Command = {
  name: 'token create',
  usage: '--user <email|id> --name <name> [--scopes <a,b>] [--expires-in-days <n>]',
  description: `
Creates an API token for a user, directly in the database, and prints its secret once, on
stdout: it is stored only as a digest and cannot be shown again. It is never written to a
log. The same rules as POST /v1/auth/tokens apply: scopes must be known and grantable by
the user's role, the expiry must be within tokens.minDays–tokens.maxDays, and a user's live
tokens have unique names.

JSON: {"id", "name", "token", "scopes", "created_at", "expires_at", "user_id"}.`,
  options: {
    user: { type: 'string', value: 'email|id', description: 'owner of the token (required)' },
    name: {
      type: 'string',
      value: 'name',
      description: 'a name, unique among the user’s live tokens (required)',
    },
    scopes: {
      type: 'string',
      value: 'a,b',
      description: 'comma-separated scopes (default: tokens.defaultScopes)',
    },
    'expires-in-days': {
      type: 'string',
      value: 'n',
      description: 'days until it expires (default: tokens.defaultDays)',
    },
    ...CONFIG_OPTIONS,
  },
  examples: [
    'keygate token create --user ops@example.com --name laptop --scopes tokens:read,users:manage',
    'keygate token create --user ci@example.com --name deploy --scopes runs:write --expires-in-days 7 --json | jq -r .token',
  ],
  async run(input) {
    const ref = requiredFlag(input, 'user')
    const name = requiredFlag(input, 'name')
    const days = integerFlag(input, 'expires-in-days')
    const rawScopes = input.values.scopes as string | undefined
    const scopes =
      rawScopes === undefined
        ? undefined
        : [
            ...new Set(
              rawScopes
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== ''),
            ),
          ]

    const { token, secret, email } = await withDatabase(input, async (store, config) => {
      const user = await findUser(store, ref)
      const { deps } = cliOperations(store, config, input.io)
      const { tokens, policy } = deps
      const issued = await orCommandError(
        () => issueToken(deps, { user, name, scopes, expiresInDays: days }),
        {
          invalid_name: () => '--name must be 1-100 characters without control characters',
          expiry_out_of_range: () =>
            `--expires-in-days must be between ${tokens.minDays} and ${tokens.maxDays} (tokens.minDays, tokens.maxDays)`,
          user_disabled: () => `user ${user.email} is disabled`,
          unknown_scope: (e) =>
            `unknown scope ${(e.facts.unknown as string[]).join(', ')} (known: ${policy.scopes.join(', ')})`,
          scope_not_allowed: (e) =>
            `role ${user.role} may not grant scope ${(e.facts.denied as string[]).join(', ')}`,
          name_taken: () => `${user.email} already has a live token named ${JSON.stringify(name)}`,
        },
      )
      return { ...issued, email: user.email }
    })

    if (input.values.json === true) {
      printJSON(input.io, { ...tokenSecretView(token, secret), user_id: token.userId })
      return 0
    }
    input.io.stdout.write(
      `Created token ${token.id} for ${email}. Copy the secret now: it is not shown again.\n\n    ${secret}\n\n`,
    )
    input.io.stdout.write(formatFields(tokenFields(token, email)))
    return 0
  },
}
