import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// @keygate/hono must run on any Web-standard runtime (Workers, Deno, Bun): nothing Node-only in
// its sources, nor in the part of @keygate/core it loads.
const here = dirname(fileURLToPath(import.meta.url))
const FORBIDDEN: [RegExp, string][] = [
  [/\bfrom\s+['"]node:/, "an import from 'node:*'"],
  [/\bimport\s*\(\s*['"]node:/, "a dynamic import of 'node:*'"],
  [/\bimport\s+['"]node:/, "a side-effect import of 'node:*'"],
  [/\brequire\s*\(/, 'require()'],
  [/\bfrom\s+['"]@hono\/node-server/, 'an import of @hono/node-server'],
  [
    /\bfrom\s+['"](?:fs|path|http|https|net|crypto|stream|buffer|os|url|util)['"]/,
    'a bare Node built-in import',
  ],
  [/\bBuffer\./, 'Buffer'],
  [/(?<![.?])\bprocess\./, 'process (use globalThis.process?. when optional)'],
]

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

/** Files reachable from `entry` through relative imports. */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen
  seen.add(entry)
  for (const match of readFileSync(entry, 'utf8').matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    reachable(resolve(dirname(entry), match[1]!.replace(/\.js$/, '.ts')), seen)
  }
  return seen
}

/** Source text with comments blanked (line numbers kept): TSDoc may mention `process.env`. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
}

function violations(files: Iterable<string>): string[] {
  const found: string[] = []
  for (const file of files) {
    code(readFileSync(file, 'utf8'))
      .split('\n')
      .forEach((line, i) => {
        for (const [pattern, what] of FORBIDDEN) {
          if (pattern.test(line)) found.push(`${relative(here, file)}:${i + 1}: ${what}`)
        }
      })
  }
  return found
}

describe('Web-standard runtimes', () => {
  it('@keygate/hono sources use nothing Node-only', () => {
    const files = sourceFiles(here)
    expect(files.map((f) => relative(here, f))).toContain('keygate.ts')
    expect(violations(files)).toEqual([])
  })

  it('the @keygate/core entry point it loads uses nothing Node-only', () => {
    const files = reachable(resolve(here, '../../core/src/index.ts'))
    expect(files.size).toBeGreaterThan(5)
    expect(violations(files)).toEqual([])
  })

  it('the check itself catches a Node import', () => {
    expect(
      FORBIDDEN.some(([pattern]) => pattern.test("import { randomUUID } from 'node:crypto'")),
    ).toBe(true)
    expect(
      FORBIDDEN.some(([pattern]) =>
        pattern.test("import type { IncomingMessage } from 'node:http'"),
      ),
    ).toBe(true)
    expect(FORBIDDEN.some(([pattern]) => pattern.test('const env = globalThis.process?.env'))).toBe(
      false,
    )
  })
})
