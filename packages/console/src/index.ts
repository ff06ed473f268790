import { readFileSync } from 'node:fs'

/** One file of the console, as the token service serves it. */
export type ConsoleAsset = {
  /** The file name under `/console/` (`console.js`); `index.html` is the page itself. */
  readonly name: string
  readonly contentType: string
  readonly body: Buffer
}

const FILES: readonly (readonly [name: string, contentType: string])[] = [
  ['index.html', 'text/html; charset=utf-8'],
  ['console.css', 'text/css; charset=utf-8'],
  ['console.js', 'text/javascript; charset=utf-8'],
  ['favicon.svg', 'image/svg+xml'],
]

/**
 * Reads the console's files (`assets/` of this package: the page, its stylesheet and the bundled
 * script, committed so that `npm install && npm start` needs no build step). A fixed list: the
 * server serves these and nothing else, so no request path ever reaches the file system.
 *
 * @throws Error when a file is missing (a broken install).
 * @example
 * ```ts
 * const assets = loadConsoleAssets() // [{ name: 'index.html', contentType: 'text/html; …', body }, …]
 * ```
 */
export function loadConsoleAssets(): readonly ConsoleAsset[] {
  const dir = new URL('../assets/', import.meta.url)
  return FILES.map(([name, contentType]) => ({
    name,
    contentType,
    body: readFileSync(new URL(name, dir)),
  }))
}
