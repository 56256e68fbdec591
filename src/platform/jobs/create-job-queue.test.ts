import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../clock/index.js'
import { createDatabase } from '../storage/index.js'
import { createJobQueue } from './create-job-queue.js'
import { GraphileJobQueue } from './graphile-job-queue.js'
import { TableJobQueue } from './table-job-queue.js'

// Choosing an engine reaches no database: both connect lazily, so any address will do.
describe('createJobQueue', () => {
  const clock = new ManualClock()
  const sqlite = createDatabase({ kind: 'sqlite', path: ':memory:' })
  const postgres = createDatabase({ kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' })

  afterAll(async () => {
    await sqlite.close()
    await postgres.close()
  })

  it('runs the table engine on SQLite and graphile-worker on PostgreSQL by default', () => {
    expect(createJobQueue(sqlite, clock)).toBeInstanceOf(TableJobQueue)
    expect(createJobQueue(postgres, clock)).toBeInstanceOf(GraphileJobQueue)
  })

  it('runs the table engine on PostgreSQL when asked', () => {
    expect(createJobQueue(postgres, clock, { engine: 'table' })).toBeInstanceOf(TableJobQueue)
  })

  it('refuses graphile-worker on SQLite', () => {
    expect(() => createJobQueue(sqlite, clock, { engine: 'graphile' })).toThrow(/PostgreSQL/)
  })
})
