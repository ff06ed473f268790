import { broadcast } from '../lib/broadcast.js'
import { cliAudit } from '../lib/audit.js'
import type { Command } from '../lib/command.js'
import { CommandError } from '../lib/errors.js'
import { integerFlag } from '../lib/flags.js'
import { newTokenSecret } from '../lib/new-token-secret.js'
import { withDatabase } from '../lib/open-database.js'
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
uses it can be updated. A revoked or expired token cannot be rotated.

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
    const now = new Date()
    const { token, secret, graceUntil } = await withDatabase(input, async (store, config) => {
      const { tokens } = config
      const seconds = grace ?? tokens.rotationGraceSeconds
      if (seconds > tokens.maxRotationGraceSeconds) {
        throw new CommandError(
          `--grace-seconds must be at most ${tokens.maxRotationGraceSeconds} (tokens.maxRotationGraceSeconds)`,
        )
      }
      const existing = await store.tokens.findById(id)
      if (existing === undefined) throw new CommandError(`no token ${id}`)
      if (existing.revokedAt !== null) throw new CommandError(`token ${id} is revoked`)
      if (existing.expiresAt.getTime() <= now.getTime())
        throw new CommandError(`token ${id} has expired`)
      const graceUntil = new Date(
        Math.min(now.getTime() + seconds * 1000, existing.expiresAt.getTime()),
      )
      const secret = await newTokenSecret(tokens)
      const token = await store.tokens.rotate(id, {
        digest: secret.digest,
        hint: secret.hint,
        graceUntil,
      })
      if (token === undefined) throw new CommandError(`token ${id} is revoked`)
      await cliAudit(
        store,
        input.io,
      )({
        action: 'token.rotated',
        userId: token.userId,
        tokenId: id,
        details: { previous_token_expires_at: graceUntil.toISOString() },
      })
      // Instances that cached the old secret forget it: from now on the store decides (grace).
      await broadcast(config, [{ kind: 'token', tokenId: id }], input.io, true)
      return { token, secret: secret.token, graceUntil }
    })
    if (input.values.json === true) {
      printJSON(input.io, {
        id: token.id,
        name: token.name,
        token: secret,
        scopes: token.scopes,
        created_at: token.createdAt.toISOString(),
        expires_at: token.expiresAt.toISOString(),
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
    return 0
  },
}
