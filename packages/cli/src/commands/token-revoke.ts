import { revokeToken, tokenView } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { withDatabase } from '../lib/open-database.js'
import { cliOperations, orCommandError } from '../lib/operation-deps.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { printJSON } from '../lib/output.js'

/** `keygate token revoke`: the token stops working. */
export const tokenRevokeCommand: Command = {
  name: 'token revoke',
  usage: '<id> [--database <url>] [--config <file>]',
  description: `
Revokes an API token by its public id (tok_…). The database refuses it at once, and running
keygate serve instances are told over the deployment's bus (Redis, or PostgreSQL NOTIFY) to
drop it from their caches; without a bus (SQLite without Redis) they stop accepting it within
cache.ttlMs (default 5 s). Revoking a revoked token changes nothing and succeeds.

JSON: the token's metadata after the revocation (as keygate token list --json shows it).`,
  options: { ...CONFIG_OPTIONS },
  positionals: ['id'],
  examples: [
    'keygate token revoke tok_3kTq9zWb1xYd',
    'keygate token revoke tok_3kTq9zWb1xYd --json',
  ],
  async run(input) {
    const id = input.positionals[0]!
    const now = new Date()
    const { token, revoked } = await withDatabase(input, async (store, config) => {
      const { deps, publish } = cliOperations(store, config, input.io)
      const result = await orCommandError(() => revokeToken(deps, { tokenId: id }), {
        missing: () => `no token ${id}`,
      })
      if (result.revoked) await publish({ quiet: input.values.json === true })
      return result
    })
    if (input.values.json === true) printJSON(input.io, tokenView(token, now))
    else if (revoked) input.io.stdout.write(`Revoked token ${token.id} (${token.name}).\n`)
    else input.io.stdout.write(`Token ${token.id} (${token.name}) was already revoked.\n`)
    return 0
  },
}
