import { tokenView, type APIToken } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { allPages, findUser } from '../lib/find-user.js'
import { withDatabase } from '../lib/open-database.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatTable, formatTime, printJSON } from '../lib/output.js'
import { tokenStatus } from '../lib/views.js'

/** `keygate token list`: every token's metadata (never a secret or a digest). */
export const tokenListCommand: Command = {
  name: 'token list',
  usage: '[--user <email|id>] [--database <url>] [--config <file>]',
  description: `
Lists API tokens, newest first — every user's, or one user's with --user — revoked and
expired ones included (see the status column). Only metadata: the secret is never stored,
and its digest is never shown.

JSON: an array of tokens, as GET /v1/auth/tokens shows them: [{"id", "user_id", "name",
"scopes", "hint", "created_at", "expires_at", "last_used_at", "revoked_at",
"previous_token_expires_at", "is_revoked", "is_expired"}]. last_used_at is written in batches and may lag by lastUsedFlushMs.`,
  options: {
    user: { type: 'string', value: 'email|id', description: 'only this user’s tokens' },
    ...CONFIG_OPTIONS,
  },
  examples: [
    'keygate token list',
    "keygate token list --user ops@example.com --json | jq -r '.[] | select(.is_revoked | not) | .id'",
  ],
  async run(input) {
    const now = new Date()
    const ref = input.values.user as string | undefined
    const { tokens, emails } = await withDatabase(input, async (store) => {
      let tokens: APIToken[]
      const emails = new Map<string, string>()
      if (ref === undefined) {
        tokens = await allPages((o) => store.tokens.listAll(o))
      } else {
        const user = await findUser(store, ref)
        emails.set(user.id, user.email)
        tokens = await allPages((o) => store.tokens.listByUser(user.id, o))
      }
      if (input.values.json !== true) {
        for (const token of tokens) {
          if (!emails.has(token.userId)) {
            emails.set(
              token.userId,
              (await store.users.findById(token.userId))?.email ?? token.userId,
            )
          }
        }
      }
      return { tokens, emails }
    })
    if (input.values.json === true) {
      printJSON(
        input.io,
        tokens.map((t) => tokenView(t, now)),
      )
      return 0
    }
    if (tokens.length === 0) {
      input.io.stdout.write('No tokens.\n')
      return 0
    }
    input.io.stdout.write(
      formatTable(
        ['id', 'user', 'name', 'hint', 'scopes', 'expires', 'last used', 'status'],
        tokens.map((t) => [
          t.id,
          emails.get(t.userId) ?? t.userId,
          t.name,
          t.hint,
          t.scopes.join(','),
          formatTime(t.expiresAt),
          formatTime(t.lastUsedAt),
          tokenStatus(t, now),
        ]),
      ),
    )
    return 0
  },
}
