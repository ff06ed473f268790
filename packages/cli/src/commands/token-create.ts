import { createScopePolicy, ConflictError } from '@keygate/server'
import { cliAudit } from '../lib/audit.js'
import type { Command } from '../lib/command.js'
import { CommandError } from '../lib/errors.js'
import { findUser } from '../lib/find-user.js'
import { integerFlag, requiredFlag } from '../lib/flags.js'
import { newTokenSecret } from '../lib/new-token-secret.js'
import { withDatabase } from '../lib/open-database.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatFields, printJSON } from '../lib/output.js'
import { tokenFields } from '../lib/views.js'

const DAY_MS = 24 * 3600 * 1000
const NAME = /^[^\u0000-\u001f\u007f]{1,100}$/

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
    if (!NAME.test(name))
      throw new CommandError('--name must be 1-100 characters without control characters')

    const created = await withDatabase(input, async (store, config) => {
      const { tokens } = config
      const expiresInDays = days ?? tokens.defaultDays
      if (expiresInDays < tokens.minDays || expiresInDays > tokens.maxDays) {
        throw new CommandError(
          `--expires-in-days must be between ${tokens.minDays} and ${tokens.maxDays} (tokens.minDays, tokens.maxDays)`,
        )
      }
      const user = await findUser(store, ref)
      if (user.disabled) throw new CommandError(`user ${user.email} is disabled`)
      const policy = createScopePolicy(config)
      const scopes =
        rawScopes === undefined
          ? [...tokens.defaultScopes]
          : [
              ...new Set(
                rawScopes
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s) => s !== ''),
              ),
            ]
      const unknown = scopes.filter((s) => !policy.isKnown(s))
      if (unknown.length > 0) {
        throw new CommandError(
          `unknown scope ${unknown.join(', ')} (known: ${policy.scopes.join(', ')})`,
        )
      }
      const denied = scopes.filter((s) => !policy.canGrant(user.role, s))
      if (denied.length > 0) {
        throw new CommandError(`role ${user.role} may not grant scope ${denied.join(', ')}`)
      }
      const secret = await newTokenSecret(tokens)
      const now = new Date()
      try {
        const token = await store.tokens.create({
          userId: user.id,
          name,
          scopes,
          createdAt: now,
          expiresAt: new Date(now.getTime() + expiresInDays * DAY_MS),
          digest: secret.digest,
          hint: secret.hint,
        })
        await cliAudit(
          store,
          input.io,
        )({
          action: 'token.created',
          userId: user.id,
          tokenId: token.id,
          details: { name, scopes, expires_at: token.expiresAt.toISOString() },
        })
        return { token, secret: secret.token, email: user.email }
      } catch (error) {
        if (error instanceof ConflictError) {
          throw new CommandError(
            `${user.email} already has a live token named ${JSON.stringify(name)}`,
          )
        }
        throw error
      }
    })

    const { token, secret, email } = created
    if (input.values.json === true) {
      printJSON(input.io, {
        id: token.id,
        name: token.name,
        token: secret,
        scopes: token.scopes,
        created_at: token.createdAt.toISOString(),
        expires_at: token.expiresAt.toISOString(),
        user_id: token.userId,
      })
      return 0
    }
    input.io.stdout.write(
      `Created token ${token.id} for ${email}. Copy the secret now: it is not shown again.\n\n    ${secret}\n\n`,
    )
    input.io.stdout.write(formatFields(tokenFields(token, email)))
    return 0
  },
}
