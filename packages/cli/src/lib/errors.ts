/**
 * The command line itself is wrong: unknown command or flag, missing or malformed argument.
 * Exit code 2, with the command's usage line.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The command could not do its job (bad configuration, unknown user, database down): exit 1. */
export class CommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CommandError'
  }
}
