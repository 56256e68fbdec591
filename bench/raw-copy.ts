import { randomUUID } from 'node:crypto'
import { CompiledQuery } from 'kysely'
import type { Vault } from '../src/platform/vault/index.js'

/** Rows per transaction, as the connection's pulls and the bulk API write them. */
const RAW_BATCH = 500
/** SQLite allows 32,766 bound parameters per statement; stay well below. */
const MAX_PARAMETERS = 30_000

/**
 * The baseline of a write benchmark: `count` copies of rows Liaison really wrote in this vault
 * (cycling through `templates`), with fresh ids and unique values, written as raw multi-row
 * INSERTs with one audit row each, one transaction per 500 rows. Answers the milliseconds spent.
 * SQLite placeholders: the embedded world, where the connection benchmarks run, is SQLite.
 */
export async function rawCopy(
  vault: Vault,
  objectName: string,
  templates: readonly Record<string, unknown>[],
  count: number,
  run: string,
): Promise<number> {
  if (templates.length === 0) throw new Error(`No ${objectName} rows to copy for the raw baseline.`)
  const object = vault.metadata.object(objectName)
  const unique = new Set(object.fields.filter((f) => f.unique === true).map((f) => f.name))
  if (object.definition.uniqueName === true || object.definition.numbering !== undefined)
    unique.add('name__v')
  const now = new Date().toISOString()
  const rows = Array.from({ length: count }, (_, i) => {
    const id = `RAW${run}${String(i).padStart(9, '0')}`
    const row: Record<string, unknown> = {
      ...templates[i % templates.length]!,
      id,
      global_id__sys: `${vault.id}_${id}`,
    }
    for (const field of unique)
      if (row[field] !== null && row[field] !== undefined) row[field] = `${String(row[field])}-${id}`
    return row
  })
  const columns = Object.keys(rows[0]!)
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length))
  const started = performance.now()
  for (let b = 0; b < rows.length; b += RAW_BATCH) {
    const batch = rows.slice(b, b + RAW_BATCH)
    await vault.storage.db.transaction().execute(async (trx) => {
      for (let s = 0; s < batch.length; s += perStatement) {
        const part = batch.slice(s, s + perStatement)
        const params: unknown[] = []
        const values = part
          .map((r) => {
            for (const c of columns) params.push(r[c] ?? null)
            return `(${columns.map(() => '?').join(', ')})`
          })
          .join(', ')
        await trx.executeQuery(
          CompiledQuery.raw(
            `insert into ${objectName} (${columns.map((c) => `"${c}"`).join(', ')}) values ${values}`,
            params,
          ),
        )
      }
      const grouping = randomUUID()
      const auditParams: unknown[] = []
      const auditValues = batch
        .map((r) => {
          auditParams.push(
            grouping,
            now,
            'system',
            'System',
            'Create',
            objectName,
            r.id,
            `Created ${object.label} ${String(r.name__v)}`,
          )
          return '(?, ?, ?, ?, ?, ?, ?, ?)'
        })
        .join(', ')
      await trx.executeQuery(
        CompiledQuery.raw(
          `insert into audit_trail (grouping_id, timestamp, user_id, user_name, action, object_name, record_id, event_description) values ${auditValues}`,
          auditParams,
        ),
      )
    })
  }
  return performance.now() - started
}
