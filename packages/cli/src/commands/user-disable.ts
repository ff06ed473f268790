import { updateUser, userView } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { findUser } from '../lib/find-user.js'
import { withDatabase } from '../lib/open-database.js'
import { cliOperations, orCommandError } from '../lib/operation-deps.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { printJSON } from '../lib/output.js'

/** `keygate user disable`: the user can no longer sign in; their tokens are revoked. */
export const userDisableCommand: Command = {
  name: 'user disable',
  usage: '<id|email> [--database <url>] [--config <file>]',
  description: `
Disables a user, by id or email: they can no longer create tokens or sign in, and every live
token and session of theirs is revoked. Running keygate serve instances are told over the
deployment's bus (Redis, or PostgreSQL NOTIFY); without one (SQLite without Redis) they stop
accepting the tokens within cache.ttlMs (default 5 s).

Disabling a user who is already disabled changes nothing and succeeds.

JSON: {"user": {…}, "revoked_tokens": <count>}.`,
  options: { ...CONFIG_OPTIONS },
  positionals: ['id|email'],
  examples: ['keygate user disable ada@example.com', 'keygate user disable 0b6f…-…-… --json'],
  async run(input) {
    const ref = input.positionals[0]!
    const { user, revoked, already } = await withDatabase(input, async (store, config) => {
      const found = await findUser(store, ref)
      if (found.disabled) return { user: found, revoked: 0, already: true }
      const { deps, publish } = cliOperations(store, config, input.io)
      const { user, revokedTokens } = await orCommandError(
        () => updateUser(deps, { userId: found.id, disabled: true }),
        {
          last_admin: () =>
            `${found.email} is the last active admin; make another user an admin first (nobody could manage users otherwise)`,
        },
      )
      await publish({ quiet: input.values.json === true })
      return { user, revoked: revokedTokens, already: false }
    })
    if (input.values.json === true) {
      printJSON(input.io, { user: userView(user), revoked_tokens: revoked })
    } else if (already) {
      input.io.stdout.write(`User ${user.email} is already disabled.\n`)
    } else {
      input.io.stdout.write(
        `Disabled user ${user.email}; revoked ${revoked} token${revoked === 1 ? '' : 's'}.\n`,
      )
    }
    return 0
  },
}
