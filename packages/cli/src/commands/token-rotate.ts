import { rotateToken, tokenSecretView } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { integerFlag } from '../lib/flags.js'
import { withDatabase } from '../lib/open-database.js'
import { cliOperations, orCommandError } from '../lib/operation-deps.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatFields, formatTime, printJSON } from '../lib/output.js'

/** `keygate token rotate`: a new secret for the same token, printed once. */
export const tokenRotateCommand: Command = {
  name: 'token rotate',
  usage: '<id> [--grace-seconds <n>]',
  description: `
Gives an API token a new secret and prints it once; id, name, scopes and expiry stay the
same. The old secret keeps working for a grace period (default tokens.rotationGraceSeconds,
at most tokens.maxRotationGraceSeconds, never past the token's expiry) so that whatever
uses it can be updated. A revoked or expired token cannot be rotated. Rotating again while
an earlier old secret is still in its grace period ends that one now (said on stderr); over
HTTP the same request is refused with 409.

JSON: {"id", "name", "token", "scopes", "created_at", "expires_at", "previous_token_expires_at"}.`,
  options: {
    'grace-seconds': {
      type: 'string',
      value: 'n',
      description: 'how long the old secret keeps working (default tokens.rotationGraceSeconds)',
    },
    ...CONFIG_OPTIONS,
  },
  positionals: ['id'],
  examples: [
    'keygate token rotate tok_3kTq9zWb1xYd',
    'keygate token rotate tok_3kTq9zWb1xYd --grace-seconds 0 --json | jq -r .token',
  ],
  async run(input) {
    const id = input.positionals[0]!
    const grace = integerFlag(input, 'grace-seconds')
    const { token, secret, graceUntil, endedGraceUntil } = await withDatabase(
      input,
      async (store, config) => {
        const { deps, publish } = cliOperations(store, config, input.io)
        const rotated = await orCommandError(
          () => rotateToken(deps, { tokenId: id, graceSeconds: grace, endPendingGrace: true }),
          {
            grace_too_long: () =>
              `--grace-seconds must be at most ${config.tokens.maxRotationGraceSeconds} (tokens.maxRotationGraceSeconds)`,
            missing: () => `no token ${id}`,
            revoked: () => `token ${id} is revoked`,
            expired: () => `token ${id} has expired`,
          },
        )
        // Instances that cached the old secret forget it: from now on the store decides (grace).
        await publish({ quiet: true })
        return rotated
      },
    )
    if (input.values.json === true) {
      printJSON(input.io, {
        ...tokenSecretView(token, secret),
        previous_token_expires_at: graceUntil.toISOString(),
      })
      return 0
    }
    input.io.stdout.write(
      `Rotated token ${token.id}. Copy the new secret now: it is not shown again.\n\n    ${secret}\n\n`,
    )
    input.io.stdout.write(
      formatFields([
        ['id', token.id],
        ['name', token.name],
        ['hint', token.hint],
        ['old secret works until', formatTime(graceUntil)],
        ['expires', formatTime(token.expiresAt)],
      ]),
    )
    // Over HTTP a second rotation in the grace period is refused; here it is the operator's call,
    // and said out loud.
    if (endedGraceUntil !== undefined) {
      input.io.stderr.write(
        `keygate: the secret before the old one (valid until ${formatTime(endedGraceUntil)}) stopped working now\n`,
      )
    }
    return 0
  },
}
