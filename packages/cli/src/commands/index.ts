import type { Command } from '../lib/command.js'

/** An entry of the command index: loaded only when run, so `--help` stays fast. */
export type CommandEntry = { name: string; summary: string; load(): Promise<Command> }

/** Every command of the `keygate` binary, in the order `keygate --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'serve the token service (default http://127.0.0.1:4400)',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  {
    name: 'proxy',
    summary: 'authenticate in front of any HTTP service (--upstream <url>)',
    load: async () => (await import('./proxy.js')).proxyCommand,
  },
  {
    name: 'migrate',
    summary: 'apply pending database migrations',
    load: async () => (await import('./migrate.js')).migrateCommand,
  },
  {
    name: 'config check',
    summary: 'validate the configuration and print it, secrets masked',
    load: async () => (await import('./config-check.js')).configCheckCommand,
  },
  {
    name: 'user create',
    summary: 'create a user (password from stdin)',
    load: async () => (await import('./user-create.js')).userCreateCommand,
  },
  {
    name: 'user list',
    summary: 'list users',
    load: async () => (await import('./user-list.js')).userListCommand,
  },
  {
    name: 'user disable',
    summary: 'disable a user and revoke their tokens',
    load: async () => (await import('./user-disable.js')).userDisableCommand,
  },
  {
    name: 'token create',
    summary: 'create an API token for a user (shown once)',
    load: async () => (await import('./token-create.js')).tokenCreateCommand,
  },
  {
    name: 'token list',
    summary: 'list API tokens (metadata only)',
    load: async () => (await import('./token-list.js')).tokenListCommand,
  },
  {
    name: 'token revoke',
    summary: 'revoke an API token',
    load: async () => (await import('./token-revoke.js')).tokenRevokeCommand,
  },
  {
    name: 'token rotate',
    summary: 'give an API token a new secret (shown once)',
    load: async () => (await import('./token-rotate.js')).tokenRotateCommand,
  },
  {
    name: 'secret generate',
    summary: 'print a new random secret (for serviceToken or tokens.pepper)',
    load: async () => (await import('./secret-generate.js')).secretGenerateCommand,
  },
]
