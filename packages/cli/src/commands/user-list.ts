import { userView } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { allPages } from '../lib/find-user.js'
import { withDatabase } from '../lib/open-database.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatTable, formatTime, printJSON } from '../lib/output.js'

/** `keygate user list`: every user, newest first. */
export const userListCommand: Command = {
  name: 'user list',
  usage: '[--database <url>] [--config <file>]',
  description: `
Lists every user, newest first.

JSON: an array of users, as the HTTP API shows them: [{"id", "email", "role", "disabled",
"created_at", "updated_at"}].`,
  options: { ...CONFIG_OPTIONS },
  examples: [
    'keygate user list',
    'keygate user list --json | jq -r \'.[] | select(.role == "admin") | .email\'',
  ],
  async run(input) {
    const users = await withDatabase(input, (store) => allPages((o) => store.users.list(o)))
    if (input.values.json === true) {
      printJSON(input.io, users.map(userView))
      return 0
    }
    if (users.length === 0) {
      input.io.stdout.write('No users.\n')
      return 0
    }
    input.io.stdout.write(
      formatTable(
        ['id', 'email', 'role', 'status', 'created'],
        users.map((u) => [
          u.id,
          u.email,
          u.role,
          u.disabled ? 'disabled' : 'active',
          formatTime(u.createdAt),
        ]),
      ),
    )
    return 0
  },
}
