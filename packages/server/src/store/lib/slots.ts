import type { CompiledQuery } from 'kysely'

/**
 * The parameters of a query compiled once with placeholder values (`slots`), filled per call:
 * building and compiling a Kysely query per lookup cost more than the read itself (the API-token
 * lookup by digest, docs/benchmarks.md). `fill(values)` answers the compiled parameters with
 * every occurrence of `slots[i]` replaced by `values[i]`; pick placeholders no real value equals.
 *
 * @example
 * ```ts
 * const byId = db.selectFrom('users').selectAll().where('id', '=', ID_SLOT).compile()
 * const fill = slotFiller(byId, [ID_SLOT])
 * await db.executeQuery({ ...byId, parameters: fill([id]) })
 * ```
 */
export function slotFiller(
  compiled: CompiledQuery<unknown>,
  slots: readonly unknown[],
): (values: readonly unknown[]) => unknown[] {
  // Where each parameter comes from, worked out once: a slot's index, or -1 for a fixed value.
  const from = compiled.parameters.map((value) => slots.indexOf(value))
  if (slots.some((slot) => !compiled.parameters.includes(slot))) {
    throw new Error('slotFiller(): a slot is not among the compiled parameters')
  }
  return (values) => from.map((slot, i) => (slot === -1 ? compiled.parameters[i] : values[slot]))
}
