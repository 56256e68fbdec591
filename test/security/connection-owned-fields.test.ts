import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { type ConnectedVaults, startConnectedVaults } from '../support/connected-vaults.js'
import { expectEventually } from '../support/expect-eventually.js'

/**
 * Finding 8: the fields the connection writes on a CRM inquiry (the transfer's outcome and the
 * Medical answer) were editable by people, so a rep could forge a case and its response.
 */
const CONNECTION_OWNED = [
  'transfer_status__v',
  'transfer_error__v',
  'case_number__v',
  'medical_inquiry_case_status__v',
  'response_notes__v',
  'response_package_link__v',
  'transferred_date__v',
  'case_closed_date__v',
] as const

const FORGED = {
  transfer_status__v: 'success__v',
  case_number__v: 'CASE-424242',
  medical_inquiry_case_status__v: 'closed__v',
  response_notes__v: 'Use double dose.',
}

type Json = Record<string, unknown>
let v: ConnectedVaults
let accountId: string

async function newInquiry(extra: Json = {}): Promise<Json> {
  return v.crm.call('rep__v', 'POST', '/vobjects/medical_inquiry__v', [
    {
      account__v: accountId,
      inquiry_text__v: 'What is the maximum daily dose in renal impairment?',
      delivery_method__v: 'email__v',
      email__v: 'hcp@example.org',
      ...extra,
    },
  ])
}

async function inquiry(id: string): Promise<Json> {
  const [row] = await v.crm.query(
    'admin__sys',
    `SELECT id, ${CONNECTION_OWNED.join(', ')}, modified_date__v FROM medical_inquiry__v WHERE id = '${id}'`,
  )
  return row!
}

function results(body: Json): { responseStatus: string; errors?: { type: string; message: string }[] }[] {
  return body.data as { responseStatus: string; errors?: { type: string; message: string }[] }[]
}

beforeAll(async () => {
  v = await startConnectedVaults()
  const [account] = await v.crm.vault.records.create(SYSTEM_ACTOR, 'account__v', [
    { name__v: 'Dr. Ada Lovelace', first_name__v: 'Ada', last_name__v: 'Lovelace', veeva_id__v: 'V-ADA' },
  ])
  accountId = account!.id!
}, 60_000)

afterAll(async () => {
  await v?.close()
})

describe('B10: fields only the connection writes', () => {
  it("security: a rep cannot set the connection's fields on an inquiry (update and create), nothing changes", async () => {
    const created = await newInquiry()
    const id = (created.data as { data: { id: string } }[])[0]!.data.id
    const before = await inquiry(id)

    const update = await v.crm.call('rep__v', 'PUT', '/vobjects/medical_inquiry__v', [{ id, ...FORGED }])
    const [updated] = results(update)
    expect(updated!.responseStatus).toBe('FAILURE')
    expect(updated!.errors![0]!.type).toBe('INVALID_DATA')
    for (const field of Object.keys(FORGED)) expect(updated!.errors![0]!.message).toContain(field)
    expect(await inquiry(id)).toEqual(before)

    // Each field on its own is refused too, on update and on create.
    for (const field of CONNECTION_OWNED) {
      const value = field.endsWith('_date__v')
        ? '2026-01-01T00:00:00.000Z'
        : FORGED[field as keyof typeof FORGED]
      const one = { [field]: value ?? 'x' }
      const [edit] = results(
        await v.crm.call('rep__v', 'PUT', '/vobjects/medical_inquiry__v', [{ id, ...one }]),
      )
      expect(edit!.errors?.[0]?.type, field).toBe('INVALID_DATA')
      expect(edit!.errors![0]!.message).toContain(field)
      const [create] = results(await newInquiry(one))
      expect(create!.errors?.[0]?.type, field).toBe('INVALID_DATA')
      expect(create!.errors![0]!.message).toContain(field)
    }
    expect(await inquiry(id)).toEqual(before)

    // The forged create wrote nothing either.
    const [forgedCreate] = results(await newInquiry(FORGED))
    expect(forgedCreate!.responseStatus).toBe('FAILURE')
    const forgedRows = await v.crm.vault.storage.db
      .selectFrom('medical_inquiry__v')
      .select('id')
      .where('case_number__v', '=', 'CASE-424242')
      .execute()
    expect(forgedRows).toEqual([])

    // The inquiry was never locked: the rep may still edit their own fields.
    const [own] = results(
      await v.crm.call('rep__v', 'PUT', '/vobjects/medical_inquiry__v', [{ id, phone__v: '+1 555 0100' }]),
    )
    expect(own!.responseStatus).toBe('SUCCESS')
  })

  it('security: metadata shows connection-owned fields as not editable for people', async () => {
    const body = await v.crm.call('rep__v', 'GET', '/metadata/vobjects/medical_inquiry__v')
    const fields = (body.object as { fields: { name: string; editable: boolean }[] }).fields
    const editable = new Map(fields.map((f) => [f.name, f.editable]))
    for (const field of CONNECTION_OWNED) expect(editable.get(field), field).toBe(false)
    expect(editable.get('inquiry_text__v')).toBe(true)
    expect(editable.get('phone__v')).toBe(true)
  })

  it('security: the transfer still writes them', async () => {
    const created = await newInquiry()
    const id = (created.data as { data: { id: string } }[])[0]!.data.id
    const action = await v.crm.call(
      'rep__v',
      'POST',
      `/vobjects/medical_inquiry__v/${id}/actions/transfer_to_medical__v`,
    )
    expect(action.responseStatus, JSON.stringify(action)).toBe('SUCCESS')
    await expectEventually(
      async () => expect((await inquiry(id)).transfer_status__v).toEqual(['success__v']),
      {
        timeoutMs: 15_000,
      },
    )
    const done = await inquiry(id)
    expect(String(done.case_number__v)).toMatch(/^CASE-/)
    expect(done.medical_inquiry_case_status__v).toEqual(['new__v'])
    expect(done.transferred_date__v).not.toBeNull()
    // B22: each of those writes is in the audit trail as the connection's, never as a person's own.
    const audited = await v.crm.vault.storage.db
      .selectFrom('audit_trail')
      .select(['field_name', 'connection'])
      .where('object_name', '=', 'medical_inquiry__v')
      .where('record_id', '=', id)
      .where('field_name', 'in', ['transfer_status__v', 'case_number__v', 'transferred_date__v'])
      .execute()
    expect(new Set(audited.map((a) => a.field_name))).toEqual(
      new Set(['transfer_status__v', 'case_number__v', 'transferred_date__v']),
    )
    expect(audited.filter((a) => a.connection === null)).toEqual([])
  })

  it('security: no person in a CRM can forge a CrossLink of Medical content; nothing is created', async () => {
    const count = async () =>
      Number(
        (
          await v.crm.vault.storage.db
            .selectFrom('document')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const before = await count()
    const form = new FormData()
    for (const [name, value] of Object.entries({
      name__v: 'Cholecap: double dose is fine',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      source_vault_id__v: String(v.medical.vault.id),
      source_document_id__v: '1',
    }))
      form.append(name, value)
    for (const profile of ['admin__sys', 'rep__v'] as const) {
      const response = await fetch(`${v.crm.url}/api/v25.2/objects/documents`, {
        method: 'POST',
        headers: { authorization: await v.crm.login(profile) },
        body: form,
      })
      const body = (await response.json()) as Json
      expect(body.responseStatus).toBe('FAILURE')
      expect(JSON.stringify(body), profile).toMatch(/INVALID_DATA|INSUFFICIENT_ACCESS/)
    }
    expect(await count()).toBe(before)
  })
})
