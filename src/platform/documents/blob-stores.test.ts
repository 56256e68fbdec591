import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { blobStoreContract } from '../../../test/contracts/blob-store.contract.js'
import { createTestDatabase, TEST_DB_KIND } from '../../../test/support/databases.js'
import { S3RVER_CREDENTIALS, startTestS3Server } from '../../../test/support/s3-server.js'
import { createDatabase, migrateToLatest } from '../storage/index.js'
import { DatabaseBlobStore } from './database-blob-store.js'
import { FsBlobStore } from './fs-blob-store.js'
import { S3BlobStore } from './s3-blob-store.js'

// The same contract over every store a vault can choose (--blob-store).

blobStoreContract('a folder (fs:)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'liaison-blobs-'))
  return { store: new FsBlobStore(dir), close: async () => rmSync(dir, { recursive: true, force: true }) }
})

blobStoreContract(`the vault's database (${TEST_DB_KIND})`, async () => {
  const database = await createTestDatabase('blobs')
  const storage = createDatabase(database.config)
  await migrateToLatest(storage)
  return {
    store: new DatabaseBlobStore(storage.db),
    close: async () => {
      await storage.close()
      await database.drop()
    },
  }
})

blobStoreContract('in-memory SQLite (the default of a test vault)', async () => {
  const storage = createDatabase({ kind: 'sqlite', path: ':memory:' })
  await migrateToLatest(storage)
  return { store: new DatabaseBlobStore(storage.db), close: () => storage.close() }
})

// Started while the file is collected, so a server that cannot run here skips with its reason.
const s3 = await startTestS3Server()
if ('skip' in s3) {
  process.stdout.write(`Skipping the S3 blob store contract: ${s3.skip}\n`)
  describe.skip(`BlobStore contract: s3:// (${s3.skip})`, () => {
    it('needs an S3-compatible server', () => {})
  })
} else {
  afterAll(() => s3.close())
  let prefixes = 0
  blobStoreContract('an S3-compatible bucket (s3://, path-style at an endpoint; s3rver)', async () => {
    // A prefix per test: the bucket outlives the test, as a real one would.
    const store = new S3BlobStore(
      { bucket: s3.bucket, prefix: `vaults/test-${++prefixes}`, endpoint: s3.endpoint, region: 'us-east-1' },
      S3RVER_CREDENTIALS,
    )
    await store.check()
    return { store, close: async () => {} }
  })
}
