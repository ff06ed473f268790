#!/usr/bin/env node
/**
 * `keygate`: the token service's command line. Every command and its options: `keygate --help`,
 * packages/cli/README.md and docs/configuration.md.
 */
import { runCLI } from '../run-cli.js'

const code = await runCLI(process.argv.slice(2))
process.exitCode = code
// Output is written synchronously to files and pipes on Linux; anything still holding the event
// loop open (a driver's idle timer) must not keep a finished command alive.
setTimeout(() => process.exit(code), 1000).unref()
