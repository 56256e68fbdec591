import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { createDatabase, type Storage } from './database.js'

let database: TestDatabase
let storage: Storage

beforeAll(async () => {
  database = await createTestDatabase('storage')
  storage = createDatabase(database.config)
  await sql`create table item (id text primary key, name text)`.execute(storage.db)
  await storage.db.insertInto('item').values({ id: 'a', name: 'committed' }).execute()
})

afterAll(async () => {
  await storage.close()
  await database.drop()
})

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms),
    ),
  ])
}

describe('the vault database', () => {
  it('answers a read through the root handle while a transaction of the same flow is open', async () => {
    const seen = await within(
      5_000,
      storage.db.transaction().execute(async (trx) => {
        await trx.insertInto('item').values({ id: 'b', name: 'uncommitted' }).execute()
        const outside = await storage.db.selectFrom('item').select('id').orderBy('id').execute()
        const inside = await trx.selectFrom('item').select('id').orderBy('id').execute()
        return { outside: outside.map((r) => r.id), inside: inside.map((r) => r.id) }
      }),
    )
    expect(seen).toEqual({ outside: ['a'], inside: ['a', 'b'] })
    const after = await storage.db.selectFrom('item').select('id').orderBy('id').execute()
    expect(after.map((r) => r.id)).toEqual(['a', 'b'])
  })

  it('reads what an earlier statement wrote outside any transaction', async () => {
    await storage.db.insertInto('item').values({ id: 'c', name: 'auto-commit' }).execute()
    const row = await storage.db.selectFrom('item').select('name').where('id', '=', 'c').executeTakeFirst()
    expect(row?.name).toBe('auto-commit')
  })

  it('rolls a failed transaction back and keeps serving', async () => {
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await trx.insertInto('item').values({ id: 'd', name: 'doomed' }).execute()
        await trx.insertInto('item').values({ id: 'd', name: 'duplicate' }).execute()
      }),
    ).rejects.toThrow()
    const rows = await storage.db.selectFrom('item').select('id').where('id', '=', 'd').execute()
    expect(rows).toEqual([])
  })
})
