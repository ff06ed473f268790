import type { Command } from '../lib/command.js'
import { withDatabase } from '../lib/open-database.js'
import { CONFIG_OPTIONS } from '../lib/options.js'
import { printJSON } from '../lib/output.js'

/** `keygate migrate`: applies pending migrations and exits. */
export const migrateCommand: Command = {
  name: 'migrate',
  usage: '[--database <url>] [--config <file>]',
  description: `
Applies the database migrations that have not run yet, then exits. Safe to run from several
machines at once against PostgreSQL (an advisory lock serialises them). keygate serve migrates
at start too, unless database.migrate is false.

JSON: {"applied": ["0001_…", …]} (empty when the database was up to date).`,
  options: { ...CONFIG_OPTIONS },
  examples: ['keygate migrate', 'keygate migrate --database postgres://keygate@db/keygate --json'],
  async run(input) {
    const applied = await withDatabase(input, async (store) => (await store.migrate()).applied, {
      migrate: false,
    })
    if (input.values.json === true) printJSON(input.io, { applied })
    else if (applied.length === 0) input.io.stdout.write('The database is up to date.\n')
    else input.io.stdout.write(`Applied ${applied.length} migration(s): ${applied.join(', ')}\n`)
    return 0
  },
}
