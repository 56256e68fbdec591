// Finding 5, review leftover: on PostgreSQL a failed rollback still hid the statement's error.
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createDatabase } from '../../src/platform/storage/index.js'
import { createTestDatabase, TEST_DB_KIND } from '../support/databases.js'

describe('security: a failed rollback keeps the error that caused it', () => {
  it('security: a transaction whose connection dies reports the statement error, not the rollback failure', async () => {
    const database = await createTestDatabase('rollback')
    const storage = createDatabase(database.config)
    try {
      await sql`create table item (value text)`.execute(storage.db)
      const failing = storage.db.transaction().execute(async (trx) => {
        if (TEST_DB_KIND === 'postgres')
          // The server ends this very connection: the rollback that follows cannot be sent.
          await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx)
        else {
          // A page limit fills the "disk": SQLite rolls back by itself, so the rollback fails.
          await sql`pragma max_page_count = 3`.execute(trx)
          for (let i = 0; i < 1_000; i++)
            await sql`insert into item (value) values (${'x'.repeat(2_000)})`.execute(trx)
        }
      })
      const error = (await failing.then(
        () => undefined,
        (e: unknown) => e,
      )) as (Error & { code?: string }) | undefined
      if (TEST_DB_KIND === 'postgres') {
        expect(error?.code).toBe('57P01')
        expect(error?.message).toMatch(/terminating connection/)
      } else expect(error?.code).toBe('SQLITE_FULL')
      expect(String(error?.message)).not.toMatch(/Connection terminated|not queryable|cannot rollback/)
      // The storage keeps serving: a fresh connection replaces the dead one.
      if (TEST_DB_KIND === 'sqlite') await sql`pragma max_page_count = 100000`.execute(storage.db)
      await storage.db.insertInto('item').values({ value: 'after' }).execute()
      expect(await storage.db.selectFrom('item').select('value').execute()).toEqual([{ value: 'after' }])
    } finally {
      await storage.close()
      await database.drop()
    }
  })
})
