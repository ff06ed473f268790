import type { IO } from './io.js'

/** Writes `value` as pretty JSON and a newline: the stable `--json` output. */
export function printJSON(io: IO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** An aligned table with an upper-case header row; empty cells show as `-`. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [
    headers.map((h) => h.toUpperCase()),
    ...rows.map((r) => r.map((c) => (c === '' ? '-' : c))),
  ]
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return `${all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`
}

/** Aligned `key  value` lines, for one record. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  return `${fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`.trimEnd()).join('\n')}\n`
}

/** An instant for people: ISO 8601 to the second, UTC (`2025-06-01T12:00:00Z`). */
export function formatTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return ''
  const iso = typeof value === 'string' ? value : value.toISOString()
  return iso.replace(/\.\d{3}Z$/, 'Z')
}
