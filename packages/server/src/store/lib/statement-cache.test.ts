import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { cachedStatements } from './statement-cache.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A real database file, with every `prepare` the cache passes through counted. */
function open() {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-statements-'))
  dirs.push(dir)
  const database = new BetterSqlite3(join(dir, 'db.sqlite'))
  const prepared: string[] = []
  const counted = {
    prepare(sql: string) {
      prepared.push(sql)
      return database.prepare(sql)
    },
    close: () => database.close(),
  }
  return { database, prepared, counted }
}

describe('cachedStatements', () => {
  it('prepares a query text once and answers every later run from the kept statement', () => {
    const { database, prepared, counted } = open()
    const db = cachedStatements(counted)
    db.prepare('create table t (id integer primary key, name text)').run([])
    const insert = 'insert into t (name) values (?)'
    for (const name of ['a', 'b', 'c']) db.prepare(insert).run([name])
    const select = 'select name from t where id = ?'
    expect([1, 2, 3].map((id) => db.prepare(select).all([id]))).toEqual([
      [{ name: 'a' }],
      [{ name: 'b' }],
      [{ name: 'c' }],
    ])
    expect(prepared.filter((sql) => sql === insert)).toHaveLength(1)
    expect(prepared.filter((sql) => sql === select)).toHaveLength(1)
    db.close()
    expect(database.open).toBe(false)
  })

  it('keeps answering right after the schema changes under a kept statement', () => {
    const { counted } = open()
    const db = cachedStatements(counted)
    db.prepare('create table t (id integer primary key, name text)').run([])
    db.prepare('insert into t (name) values (?)').run(['a'])
    const select = 'select * from t'
    expect(db.prepare(select).all([])).toEqual([{ id: 1, name: 'a' }])
    db.prepare("alter table t add column note text not null default 'n'").run([])
    expect(db.prepare(select).all([])).toEqual([{ id: 1, name: 'a', note: 'n' }])
    db.close()
  })

  it('drops the least recently used statement once full', () => {
    const { prepared, counted } = open()
    const db = cachedStatements(counted, 2)
    const query = (n: number) => `select ${n} as n`
    db.prepare(query(1))
    db.prepare(query(2))
    db.prepare(query(1)) // 1 is now the most recently used
    db.prepare(query(3)) // evicts 2
    db.prepare(query(1))
    db.prepare(query(2)) // prepared again
    expect(prepared).toEqual([query(1), query(2), query(3), query(2)])
    db.close()
  })
})
