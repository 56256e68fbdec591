import { LiaisonError } from '../../platform/errors/index.js'
import type { RemoteQueryPage, RemoteVault } from '../../platform/messaging/index.js'
import { PULL_BATCH_SIZE } from './defaults.js'
import { type KeysetPosition, type KeysetRead, keysetQuery, positionOf } from './keyset-query.js'
import type { PullRow } from './pull-types.js'

/** The first page a query answers; the rest (if the remote capped the page) is left unread. */
async function firstPage(remote: Pick<RemoteVault, 'queryPages'>, q: string): Promise<RemoteQueryPage> {
  for await (const page of remote.queryPages(q)) return page
  return { data: [], responseDetails: {} }
}

/**
 * Reads every row of `read` from the remote vault in key order, one page at a time: each page is
 * its own query for the rows after the last one read, so only one page is held and a row that
 * changes meanwhile never makes another one skipped.
 */
export async function* keysetPages(
  remote: Pick<RemoteVault, 'queryPages'>,
  read: KeysetRead,
): AsyncGenerator<readonly PullRow[], void, undefined> {
  const pageSize = Math.max(1, Math.floor(read.pageSize ?? PULL_BATCH_SIZE))
  let after: KeysetPosition | undefined
  for (;;) {
    const page = await firstPage(remote, keysetQuery(read, pageSize, after))
    const last = page.data.at(-1)
    if (last === undefined) return
    yield page.data
    // A short page is the last one, unless the remote capped it below the page size and links the rest.
    const next = page.responseDetails.next_page
    if (page.data.length < pageSize && (typeof next !== 'string' || next === '')) return
    const position = positionOf(last, read)
    if (after !== undefined && position.every((value, i) => value === after![i]))
      throw new LiaisonError(
        'INTERNAL',
        `The remote vault answered the same ${read.object} page twice (after ${position.join(', ')}); it ignored the keyset condition, so the read stopped rather than loop.`,
        { details: { reason: 'KEYSET_NO_PROGRESS', object: read.object } },
      )
    after = position
  }
}
