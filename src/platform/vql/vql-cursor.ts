import { randomUUID } from 'node:crypto'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { CURSOR_TTL_MS } from './defaults.js'
import type { VqlContext } from './vql-types.js'

/** A stored query behind next_page / previous_page links. */
export interface VqlCursor {
  readonly id: string
  readonly query: string
}

/** Stores the query so its pages can be fetched by POSTing the link (valid 72 h after last use). */
export async function createCursor(ctx: VqlContext, query: string, apiVersion: string): Promise<string> {
  const id = randomUUID()
  const now = isoTimestamp(ctx.clock)
  // Links dead for 72 hours can never be used again; drop them as new ones are made.
  const expired = new Date(ctx.clock.now() - CURSOR_TTL_MS).toISOString()
  await ctx.storage.db.deleteFrom('vql_cursor').where('last_used_date', '<', expired).execute()
  await ctx.storage.db
    .insertInto('vql_cursor')
    .values({
      id,
      query,
      user_id: ctx.userId,
      api_version: apiVersion,
      created_date: now,
      last_used_date: now,
    })
    .execute()
  return id
}

/** The user's live cursor, its last use moved to now; INVALID_DATA when unknown, expired or another user's. */
export async function useCursor(ctx: VqlContext, id: string): Promise<VqlCursor> {
  const row = await ctx.storage.db
    .selectFrom('vql_cursor')
    .select(['query', 'user_id', 'last_used_date'])
    .where('id', '=', id)
    .executeTakeFirst()
  const lastUsed = row === undefined ? Number.NaN : Date.parse(String(row.last_used_date))
  if (
    row === undefined ||
    String(row.user_id) !== ctx.userId ||
    !(ctx.clock.now() - lastUsed <= CURSOR_TTL_MS)
  )
    throw new LiaisonError(
      'QUERY_INVALID',
      `Query page link ${id} is unknown or has expired (links stay valid 72 hours after their last use); run the query again.`,
    )
  await ctx.storage.db
    .updateTable('vql_cursor')
    .set({ last_used_date: isoTimestamp(ctx.clock) })
    .where('id', '=', id)
    .execute()
  return { id, query: String(row.query) }
}
