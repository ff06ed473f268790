import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url))

const BANNER =
  '// Generated from packages/console/src/app by `npm run build:assets -w @keygate/console`.\n' +
  '// Do not edit: test/assets.test.ts fails when this file is not what the sources build to.\n'

/**
 * Bundles the console's browser code (`src/app/main.ts` and what it imports) into one ES module,
 * unminified, without source maps, so that the committed `assets/console.js` reads like the
 * sources and the same sources always give the same bytes.
 *
 * @example
 * ```ts
 * const js = await bundleConsole()
 * ```
 */
export async function bundleConsole(): Promise<string> {
  const result = await build({
    absWorkingDir: PACKAGE_DIR,
    entryPoints: ['src/app/main.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    sourcemap: false,
    minify: false,
    write: false,
    logLevel: 'silent',
  })
  const [output] = result.outputFiles
  if (output === undefined) throw new Error('esbuild produced no output')
  return BANNER + output.text
}
