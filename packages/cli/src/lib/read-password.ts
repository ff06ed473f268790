import type { IO } from './io.js'
import { CommandError } from './errors.js'

/** Everything on stdin, without one trailing newline (`echo "$PW" |` and here-strings add one). */
async function readAll(stdin: IO['stdin']): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/** One line typed at a terminal, not echoed. Ctrl-C aborts; backspace works. */
function readHidden(io: IO, prompt: string): Promise<string> {
  const { stdin } = io
  io.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let value = ''
    stdin.setRawMode?.(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (error?: Error) => {
      stdin.setRawMode?.(false)
      stdin.pause()
      stdin.removeListener('data', onData)
      io.stderr.write('\n')
      if (error === undefined) resolve(value)
      else reject(error)
    }
    const onData = (data: string) => {
      for (const char of data) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done()
        if (char === '\u0003') return done(new CommandError('cancelled'))
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('')
        else value += char
      }
    }
    stdin.on('data', onData)
  })
}

/**
 * The password for `--password-stdin`: all of stdin (one trailing newline dropped) when it is a
 * pipe or a file; at a terminal, typed twice without echo. Never from the command line, where
 * it would sit in the shell history and in `ps`.
 *
 * @throws CommandError when it is empty or the two entries differ.
 */
export async function readPassword(io: IO): Promise<string> {
  let password: string
  if (io.stdin.isTTY === true) {
    password = await readHidden(io, 'Password: ')
    if ((await readHidden(io, 'Repeat password: ')) !== password) {
      throw new CommandError('the passwords do not match')
    }
  } else {
    password = await readAll(io.stdin)
  }
  if (password === '') throw new CommandError('the password on stdin is empty')
  return password
}
