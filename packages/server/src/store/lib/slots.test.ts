import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'
import { describe, expect, it } from 'vitest'
import { slotFiller } from './slots.js'

type DB = { t: { a: string; b: string; n: number } }

// Kysely's own compiler, no database: only the compiled SQL and parameters matter here.
const db = new Kysely<DB>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new SqliteIntrospector(kysely),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
})

const A = '\u0000slot:a'
const B = '\u0000slot:b'

describe('slotFiller', () => {
  it('fills every occurrence of each slot and keeps the fixed parameters', () => {
    const compiled = db
      .selectFrom('t')
      .selectAll()
      .where((eb) => eb.or([eb('a', '=', A), eb('b', '=', A), eb('n', '>', 7), eb('b', '=', B)]))
      .compile()
    expect(compiled.parameters).toEqual([A, A, 7, B])
    const fill = slotFiller(compiled, [A, B])
    expect(fill(['x', 'y'])).toEqual(['x', 'x', 7, 'y'])
    expect(fill(['p', 'q'])).toEqual(['p', 'p', 7, 'q'])
    // The compiled query itself is never changed.
    expect(compiled.parameters).toEqual([A, A, 7, B])
  })

  it('refuses a slot the query does not hold (a placeholder that would never be filled)', () => {
    const compiled = db.selectFrom('t').selectAll().where('a', '=', A).compile()
    expect(() => slotFiller(compiled, [A, B])).toThrow(/not among the compiled parameters/)
  })
})
