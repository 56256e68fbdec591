// Document files in the vault's own database (the default on PostgreSQL): written in the document's
// transaction, so a failed write leaves no file and a committed one never misses its file.
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../../test/support/test-vault.js'
import { medicalProfile } from '../../apps/medical/index.js'
import { LiaisonError } from '../errors/index.js'
import { SYSTEM_ACTOR } from '../vault/index.js'
import { DATABASE_BLOB_PART_BYTES } from './database-blob-store.js'

let t: TestVault
let refusing = false

function draft(name: string, bytes?: Uint8Array) {
  return {
    fields: {
      name__v: name,
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      title__v: name,
    },
    ...(bytes === undefined ? {} : { file: { bytes, name: `${name}.pdf`, mime: 'application/pdf' } }),
  }
}

async function blobRows(): Promise<{ blobs: number; parts: number }> {
  const db = t.vault.storage.db
  const blobs = await db
    .selectFrom('document_blob')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  const parts = await db
    .selectFrom('document_blob_part')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return { blobs: Number(blobs.n), parts: Number(parts.n) }
}

beforeAll(async () => {
  t = await openTestVault(medicalProfile, {
    name: 'db-blobs',
    documents: { blobStore: { kind: 'database' } },
  })
  // While `refusing`, every document write is refused in its transaction, after the file was written.
  t.vault.documents.addChangeHook(async () => {
    if (refusing) throw new LiaisonError('OPERATION_NOT_ALLOWED', 'Refused.')
  })
})

afterAll(async () => {
  await t.close()
})

describe("document files in the vault's database", () => {
  it('a failed document create leaves no blob row; a committed one reads its file back', async () => {
    expect(t.vault.documents.blobs.location).toBe("the vault's database")
    const before = await blobRows()
    refusing = true
    await expect(t.vault.documents.create(SYSTEM_ACTOR, draft('refused', randomBytes(3000)))).rejects.toThrow(
      'Refused.',
    )
    expect(await blobRows()).toEqual(before)
    refusing = false
    // Three parts: the file is cut at DATABASE_BLOB_PART_BYTES and read back whole.
    const bytes = randomBytes(2 * DATABASE_BLOB_PART_BYTES + 17)
    const id = await t.vault.documents.create(SYSTEM_ACTOR, draft('kept', bytes))
    expect(await blobRows()).toEqual({ blobs: before.blobs + 1, parts: before.parts + 3 })
    const file = await t.vault.documents.readFile(id)
    expect(Buffer.compare(Buffer.from(file.bytes), bytes)).toBe(0)
    // A new version with a file that fails leaves nothing either.
    refusing = true
    await expect(
      t.vault.documents.addVersion(SYSTEM_ACTOR, id, {
        bytes: randomBytes(10),
        name: 'b.pdf',
        mime: 'application/pdf',
      }),
    ).rejects.toThrow('Refused.')
    refusing = false
    expect(await blobRows()).toEqual({ blobs: before.blobs + 1, parts: before.parts + 3 })
  })

  it('a deleted document takes its file with it unless another version still shows it', async () => {
    const bytes = randomBytes(500)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const a = await t.vault.documents.create(SYSTEM_ACTOR, draft('a', bytes))
    const b = await t.vault.documents.create(SYSTEM_ACTOR, draft('b', bytes))
    await t.vault.documents.delete(SYSTEM_ACTOR, a)
    expect(await t.vault.documents.blobs.has(sha256)).toBe(true)
    await t.vault.documents.delete(SYSTEM_ACTOR, b)
    expect(await t.vault.documents.blobs.has(sha256)).toBe(false)
  })

  it('a file removed while another transaction gives the same content to a new version is kept', async () => {
    const bytes = randomBytes(700)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const store = t.vault.documents.blobs
    const a = await t.vault.documents.create(SYSTEM_ACTOR, draft('only user', bytes))
    const b = await t.vault.documents.create(SYSTEM_ACTOR, draft('placeholder'))
    let written!: () => void
    const wrote = new Promise<void>((resolve) => {
      written = resolve
    })
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    // Another process's transaction: the same bytes as version 0.2 of b, not committed yet.
    const writer = t.vault.storage.db.transaction().execute(async (trx) => {
      await store.inTransaction!.put(trx, bytes)
      const now = new Date().toISOString()
      await trx
        .insertInto('document_version')
        .values({
          document_id: b,
          major: 0,
          minor: 2,
          name__v: 'placeholder',
          fields: '{}',
          state__v: 'draft__v',
          file_sha256: sha256,
          file_name: 'b.pdf',
          file_size: bytes.length,
          file_mime: 'application/pdf',
          created_date: now,
          created_by: 'system',
          modified_date: now,
          modified_by: 'system',
        })
        .execute()
      written()
      await gate
    })
    await wrote
    // a's deletion frees the file as far as committed versions go; it must wait for the writer.
    const deleting = t.vault.documents.delete(SYSTEM_ACTOR, a)
    await new Promise((resolve) => setTimeout(resolve, 300))
    release()
    await writer
    await deleting
    expect(await store.has(sha256)).toBe(true)
    const file = await t.vault.documents.readFile(b, { major: 0, minor: 2 })
    expect(createHash('sha256').update(file.bytes).digest('hex')).toBe(sha256)
  })
})
