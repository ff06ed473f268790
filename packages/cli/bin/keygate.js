#!/usr/bin/env node
// The `keygate` binary. A published package runs its compiled dist/. In a clone of the
// repository, where nothing is built until `npm run build`, it runs the TypeScript sources
// through tsx under the `@keygate/source` condition, exactly as `npm start` does, so that
// `npx keygate …` works right after `npm install`.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = new URL('../dist/bin/keygate.js', import.meta.url)
const source = new URL('../src/bin/keygate.ts', import.meta.url)

if (existsSync(compiled)) {
  await import(compiled.href)
} else if (existsSync(source)) {
  let tsx
  try {
    tsx = import.meta.resolve('tsx')
  } catch {
    process.stderr.write(
      'keygate: not built and tsx is not installed; run `npm install` (or `npm run build`) first\n',
    )
    process.exit(1)
  }
  const child = spawn(
    process.execPath,
    [
      '--conditions=@keygate/source',
      '--import',
      tsx,
      fileURLToPath(source),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  )
  // `keygate serve` drains on SIGTERM/SIGINT: pass them on and let the child decide when to exit.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal))
  }
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else process.exit(code ?? 1)
  })
} else {
  process.stderr.write('keygate: this installation has neither dist/ nor src/; reinstall it\n')
  process.exit(1)
}
