import Database from 'better-sqlite3'
import { Kysely, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteVaultDialect } from './sqlite-vault-dialect.js'

let db: Kysely<{ item: { value: string } }> | undefined

afterEach(async () => {
  await db?.destroy()
  db = undefined
})

describe('the vault SQLite dialect', () => {
  it('security: a transaction that fills the disk reports SQLITE_FULL, not the failed rollback', async () => {
    // A page limit makes the disk "full"; SQLite then rolls the transaction back itself, so the
    // rollback that follows fails with "cannot rollback - no transaction is active".
    db = new Kysely({ dialect: new SqliteVaultDialect({ openWriter: () => new Database(':memory:') }) })
    await sql`create table item (value text)`.execute(db)
    await sql`pragma max_page_count = 3`.execute(db)
    const filling = db.transaction().execute(async (trx) => {
      for (let i = 0; i < 1_000; i++)
        await trx
          .insertInto('item')
          .values({ value: 'x'.repeat(2_000) })
          .execute()
    })
    const error = await filling.then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    )
    expect(error?.code).toBe('SQLITE_FULL')
    expect(error?.message).toMatch(/full/)
    expect(String(error?.cause)).toMatch(/cannot rollback/)
    // The connection keeps serving afterwards.
    await sql`pragma max_page_count = 1000`.execute(db)
    await db.insertInto('item').values({ value: 'after' }).execute()
    expect(await db.selectFrom('item').select('value').execute()).toEqual([{ value: 'after' }])
  })

  it('a failed statement whose rollback succeeds still throws the statement error', async () => {
    db = new Kysely({ dialect: new SqliteVaultDialect({ openWriter: () => new Database(':memory:') }) })
    await sql`create table item (value text not null)`.execute(db)
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ value: 'kept?' }).execute()
      await sql`insert into item (value) values (null)`.execute(trx)
    })
    await expect(failing).rejects.toThrow(/NOT NULL/)
    expect(await db.selectFrom('item').select('value').execute()).toEqual([])
  })
})
