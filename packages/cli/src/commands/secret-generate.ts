import { randomBytes } from 'node:crypto'
import type { Command } from '../lib/command.js'
import { UsageError } from '../lib/errors.js'
import { integerFlag } from '../lib/flags.js'
import { printJSON } from '../lib/output.js'

/** `keygate secret generate`: random bytes, base64url, on stdout. */
export const secretGenerateCommand: Command = {
  name: 'secret generate',
  usage: '[--bytes <n>]',
  description: `
Prints a new random secret: --bytes random bytes (default 32, 256 bits) from the operating
system's CSPRNG, base64url-encoded without padding, on one line — the same form as the
generated() secret source. Use it for a serviceToken secret or for tokens.pepper. Nothing
is stored or logged.

JSON: {"secret", "bytes"}.`,
  options: {
    bytes: { type: 'string', value: 'n', description: 'random bytes, 16-1024 (default 32)' },
  },
  examples: [
    'keygate secret generate',
    'keygate secret generate --bytes 64 > /run/secrets/service-token',
    'export KEYGATE_TOKENS_PEPPER="$(keygate secret generate)"',
  ],
  run(input) {
    const bytes = integerFlag(input, 'bytes') ?? 32
    if (bytes < 16 || bytes > 1024) throw new UsageError('--bytes must be between 16 and 1024')
    const secret = randomBytes(bytes).toString('base64url')
    if (input.values.json === true) printJSON(input.io, { secret, bytes })
    else input.io.stdout.write(`${secret}\n`)
    return Promise.resolve(0)
  },
}
