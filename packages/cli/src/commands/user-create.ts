import { createUser, issueSetupCode, setupCodePath, userView } from '@keygate/server'
import type { Command } from '../lib/command.js'
import { UsageError } from '../lib/errors.js'
import { requiredFlag } from '../lib/flags.js'
import { withDatabase } from '../lib/open-database.js'
import { cliOperations } from '../lib/operation-deps.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { formatFields, formatTime, printJSON } from '../lib/output.js'
import { readPassword } from '../lib/read-password.js'

/** `keygate user create`: a user with a password read from stdin. */
export const userCreateCommand: Command = {
  name: 'user create',
  usage: '--email <email> [--role <role>] --password-stdin',
  description: `
Creates a user directly in the database. The password is read from standard input — piped,
or typed twice at a terminal without echo — never from the command line, where it would
stay in the shell history and in ps. 8 to 128 characters; hashed with argon2id.

Creating the first user ends the first-start setup: the pending setup code stops working.

JSON: the user, as the HTTP API shows it: {"id", "email", "role", "disabled", "created_at", "updated_at"}.`,
  options: {
    email: { type: 'string', value: 'email', description: 'the user’s email (required)' },
    role: {
      type: 'string',
      value: 'role',
      description: 'admin, user, or a role from the configuration (default user)',
    },
    'password-stdin': {
      type: 'boolean',
      description: 'read the password from standard input (required)',
    },
    ...CONFIG_OPTIONS,
  },
  flagHints: {
    password: 'the password is read from standard input: --password-stdin',
  },
  examples: [
    'keygate user create --email ops@example.com --role admin --password-stdin',
    'printf %s "$ADMIN_PASSWORD" | keygate user create --email ops@example.com --role admin --password-stdin --json',
  ],
  async run(input) {
    const { values, io } = input
    const email = requiredFlag(input, 'email')
    if (values['password-stdin'] !== true) {
      throw new UsageError(
        '--password-stdin is required: the password is read from standard input, never from the command line',
      )
    }
    const password = await readPassword(io)
    const user = await withDatabase(input, async (store, config) => {
      const { deps } = cliOperations(store, config, io)
      const created = await createUser({
        users: store.users,
        email,
        password,
        role: (values.role as string | undefined) ?? 'user',
        roles: deps.policy.roles,
        audit: deps.audit,
      })
      // The first user ends the first-start setup: drop a pending code and its file.
      await issueSetupCode({ store, file: setupCodePath(config.database.url, io.cwd) })
      return created
    })
    if (values.json === true) printJSON(io, userView(user))
    else {
      io.stdout.write(`Created user ${user.email}.\n\n`)
      io.stdout.write(
        formatFields([
          ['id', user.id],
          ['email', user.email],
          ['role', user.role],
          ['created', formatTime(user.createdAt)],
        ]),
      )
    }
    return 0
  },
}
