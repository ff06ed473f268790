import { isAbsolute, resolve } from 'node:path'
import { openStore, type ServerConfig, type Store } from '@keygate/server'
import type { CommandInput } from './command.js'
import { commandConfig } from './command-config.js'

/** The database URL with a relative SQLite path made absolute against `cwd`. */
export function absoluteDatabaseURL(url: string, cwd: string): string {
  if (!url.startsWith('sqlite:')) return url
  let path = url.slice('sqlite:'.length)
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '' || path === ':memory:' || isAbsolute(path)) return url
  return `sqlite:${resolve(cwd, path)}`
}

/**
 * Opens the store the configuration names — migrating it first unless `database.migrate` is
 * false, so `keygate user create` works on a fresh clone — runs `use`, and closes it.
 *
 * @throws ConfigLoadError for a bad configuration; whatever the driver throws.
 */
export async function withDatabase<T>(
  input: CommandInput,
  use: (store: Store, config: ServerConfig) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const { config } = commandConfig(input)
  const store = await openStore({
    url: absoluteDatabaseURL(config.database.url, input.io.cwd),
    ...(config.database.schema === undefined ? {} : { schema: config.database.schema }),
  })
  try {
    if (options.migrate ?? config.database.migrate) await store.migrate()
    return await use(store, config)
  } finally {
    await store.close()
  }
}
