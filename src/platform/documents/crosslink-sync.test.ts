// CrossLink upkeep in a CRM vault (crosslink-sync.ts, through DocumentService.applySourceVersion /
// obsoleteCrossLink), on the suite's database: the transfer's guarantees hold here, whatever delivers
// the source versions.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../../test/support/test-vault.js'
import { crmProfile } from '../../apps/crm/index.js'
import { LiaisonError } from '../errors/index.js'
import { SYSTEM_ACTOR } from '../vault/index.js'
import type { SourceVersion } from './document-types.js'

let crm: TestVault

function source(
  documentId: string,
  major: number,
  minor: number,
  state: string,
  title: string,
): SourceVersion {
  return {
    sourceVaultId: '1001',
    sourceDocumentId: documentId,
    type: 'reference_document__v',
    lifecycle: 'medical_content_lifecycle__v',
    version: { major, minor },
    state,
    fields: { name__v: `Doc ${documentId}`, title__v: title, source_global_id__v: `1001_${documentId}` },
    file: {
      bytes: Buffer.from(`%PDF ${documentId} ${major}.${minor}`),
      name: 'a.pdf',
      mime: 'application/pdf',
    },
  }
}

async function shown(documentId: string) {
  return (await crm.vault.documents.crossLinksOf('1001', [documentId])).get(documentId)
}

beforeAll(async () => {
  crm = await openTestVault(crmProfile, { name: 'crm-crosslinks' })
})

afterAll(async () => {
  await crm.close()
})

describe('CrossLink upkeep', () => {
  it('B17: versions arrive in any order, any number of times, and the CrossLink ends on the latest', async () => {
    const versions = [
      source('7', 0, 1, 'draft__v', 'a'),
      source('7', 0, 2, 'in_review__v', 'b'),
      source('7', 1, 0, 'approved__v', 'c'),
    ]
    for (const order of [
      [2, 0, 1],
      [0, 2, 2, 1],
    ])
      for (const i of order) await crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, versions[i]!)
    expect(await shown('7')).toMatchObject({
      version: { major: 1, minor: 0 },
      state: 'approved__v',
      hasFile: true,
    })
    const [again] = [await crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, versions[2]!)]
    expect(again.outcome).toBe('unchanged')
    expect((await crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, versions[0]!)).outcome).toBe('stale')
    const docs = await crm.vault.storage.db
      .selectFrom('document')
      .select('id')
      .where('source_document_id__v', '=', '7')
      .execute()
    expect(docs).toHaveLength(1)
  })

  it('B17: a CrossLink made by hand bound to the latest steady state takes steady versions only; an obsolete source still reaches it', async () => {
    const id = await crm.vault.documents.create(SYSTEM_ACTOR, {
      fields: {
        name__v: 'By hand',
        type__v: 'reference_document__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        source_vault_id__v: '1001',
        source_document_id__v: '8',
      },
    })
    expect((await crm.vault.documents.get(id)).document).toMatchObject({
      source_binding_rule__v: 'latest_steady_state__v',
    })
    expect(
      (await crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, source('8', 0, 3, 'draft__v', 'draft')))
        .outcome,
    ).toBe('unchanged')
    expect(
      (
        await crm.vault.documents.applySourceVersion(
          SYSTEM_ACTOR,
          source('8', 1, 0, 'approved__v', 'approved'),
        )
      ).outcome,
    ).toBe('versioned')
    expect(
      (
        await crm.vault.documents.applySourceVersion(
          SYSTEM_ACTOR,
          source('8', 1, 0, 'obsolete__v', 'approved'),
        )
      ).outcome,
    ).toBe('updated')
    expect(await shown('8')).toMatchObject({ version: { major: 1, minor: 0 }, state: 'obsolete__v' })
  })

  it('B20: a deleted source obsoletes its CrossLink once and never deletes it', async () => {
    await crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, source('9', 0, 1, 'draft__v', 'x'))
    expect(await crm.vault.documents.obsoleteCrossLink(SYSTEM_ACTOR, '1001', '9')).toBe('obsoleted')
    expect(await crm.vault.documents.obsoleteCrossLink(SYSTEM_ACTOR, '1001', '9')).toBe('unchanged')
    expect(await crm.vault.documents.obsoleteCrossLink(SYSTEM_ACTOR, '1001', '404')).toBe('missing')
    expect(await shown('9')).toMatchObject({ state: 'obsolete__v' })
  })

  it('applies many source versions in one transaction; one that cannot be shown fails alone', async () => {
    const results = await crm.vault.documents.applySourceVersions(SYSTEM_ACTOR, [
      source('20', 0, 1, 'draft__v', 'a'),
      { ...source('21', 0, 1, 'draft__v', 'b'), fields: { name__v: 'x', country__v: ['zz__v'] } },
      source('22', 0, 1, 'draft__v', 'c'),
    ])
    expect(results.map((r) => ('error' in r ? r.error.code : r.outcome))).toEqual([
      'created',
      'PICKLIST_VALUE_UNKNOWN',
      'created',
    ])
    expect(await shown('21')).toBeUndefined()
    expect(await shown('22')).toMatchObject({ version: { major: 0, minor: 1 }, hasFile: true })
  })

  it('one that fails while it is written fails alone too: the others are written, its file is not kept', async () => {
    // A change hook refusing source document 31, in the writing transaction, as a database error would.
    crm.vault.documents.addChangeHook(async (trx, change) => {
      const row = await trx
        .selectFrom('document')
        .select('source_document_id__v')
        .where('id', '=', change.documentId)
        .executeTakeFirst()
      if (row?.source_document_id__v === '31') throw new LiaisonError('OPERATION_NOT_ALLOWED', 'Refused 31.')
    })
    const refused = source('31', 0, 1, 'draft__v', 'refused')
    const results = await crm.vault.documents.applySourceVersions(SYSTEM_ACTOR, [
      source('30', 0, 1, 'draft__v', 'a'),
      refused,
      source('32', 0, 1, 'draft__v', 'c'),
    ])
    expect(results.map((r) => ('error' in r ? r.error.message : r.outcome))).toEqual([
      'created',
      'Refused 31.',
      'created',
    ])
    expect(await shown('30')).toMatchObject({ hasFile: true })
    expect(await shown('31')).toBeUndefined()
    expect(await shown('32')).toMatchObject({ hasFile: true })
    const refusedSha = createHash('sha256')
      .update((refused.file as { bytes: Uint8Array }).bytes)
      .digest('hex')
    expect(await crm.vault.documents.blobs.has(refusedSha)).toBe(false)
  })

  it('B23: a source version this vault cannot show changes nothing', async () => {
    const before = await crm.vault.storage.db.selectFrom('document').select('id').execute()
    await expect(
      crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, {
        ...source('10', 0, 1, 'draft__v', 'x'),
        type: 'no_such_type__v',
      }),
    ).rejects.toMatchObject({ code: 'DOCUMENT_TYPE_UNKNOWN' })
    await expect(
      crm.vault.documents.applySourceVersion(SYSTEM_ACTOR, {
        ...source('10', 0, 1, 'draft__v', 'x'),
        fields: { name__v: 'x', country__v: ['zz__v'] },
      }),
    ).rejects.toMatchObject({ code: 'PICKLIST_VALUE_UNKNOWN' })
    expect(await crm.vault.storage.db.selectFrom('document').select('id').execute()).toEqual(before)
  })
})

describe("CrossLink files in the vault's database (the default on PostgreSQL)", () => {
  let dbCrm: TestVault
  let refusing = false
  beforeAll(async () => {
    dbCrm = await openTestVault(crmProfile, {
      name: 'crm-db-blobs',
      documents: { blobStore: { kind: 'database' } },
    })
    dbCrm.vault.documents.addChangeHook(async () => {
      if (refusing) throw new LiaisonError('OPERATION_NOT_ALLOWED', 'Refused.')
    })
  })
  afterAll(async () => {
    await dbCrm.close()
  })

  async function blobCount(): Promise<number> {
    const row = await dbCrm.vault.storage.db
      .selectFrom('document_blob')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  it('B17: a CrossLink and its file are written in one transaction: refused, it leaves no blob row; shown, its file is there, and a held file is reused', async () => {
    const docs = dbCrm.vault.documents
    refusing = true
    const refused = await docs.applySourceVersions(SYSTEM_ACTOR, [source('40', 0, 1, 'draft__v', 'a')])
    expect(refused.map((r) => ('error' in r ? r.error.message : r.outcome))).toEqual(['Refused.'])
    expect(await blobCount()).toBe(0)
    refusing = false
    const first = source('41', 0, 1, 'draft__v', 'b')
    expect(
      (await docs.applySourceVersions(SYSTEM_ACTOR, [first])).map((r) => 'outcome' in r && r.outcome),
    ).toEqual(['created'])
    expect(await blobCount()).toBe(1)
    const bytes = (first.file as { bytes: Uint8Array }).bytes
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const crossLink = await shownIn(dbCrm, '41')
    expect(Buffer.from((await docs.readFile(crossLink!.id)).bytes).toString()).toBe(
      Buffer.from(bytes).toString(),
    )
    // The next version names the file the store holds instead of sending it again.
    expect([...(await docs.heldFilesOf('1001', [sha256]))]).toEqual([sha256])
    const next = {
      ...source('41', 0, 2, 'draft__v', 'c'),
      file: { sha256, size: bytes.byteLength, name: 'a.pdf', mime: 'application/pdf' },
    }
    expect(
      (await docs.applySourceVersions(SYSTEM_ACTOR, [next])).map((r) => 'outcome' in r && r.outcome),
    ).toEqual(['versioned'])
    expect(await blobCount()).toBe(1)
    expect(Buffer.from((await docs.readFile(crossLink!.id, { major: 0, minor: 2 })).bytes).toString()).toBe(
      Buffer.from(bytes).toString(),
    )
  })
})

async function shownIn(vault: TestVault, documentId: string) {
  return (await vault.vault.documents.crossLinksOf('1001', [documentId])).get(documentId)
}
