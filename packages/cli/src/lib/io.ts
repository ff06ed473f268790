/** Where a command reads and writes: the process's streams, or buffers in a test. */
export type IO = {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

/** The running process's streams, environment and working directory. */
export function processIO(): IO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  }
}
