import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { rowCount } from '../support/row-counts.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>
type Result = {
  responseStatus: string
  data?: Json
  errors?: { type: string; message: string }[]
  warnings?: Json[]
}

let t: TestVault
let admin: string
let agent: string
let reader: string

const count = (object: string) => rowCount(t.vault, object)
const auditCount = () => rowCount(t.vault, 'audit_trail')

async function readRecord(object: string, id: string): Promise<Json> {
  const { body } = await t.call('GET', `${API}/vobjects/${object}/${id}`, { session: admin })
  expect(body.responseStatus).toBe('SUCCESS')
  return body.data as Json
}

async function audit(object: string, id: string): Promise<Json[]> {
  const { body } = await t.call('GET', `${API}/vobjects/${object}/${id}/audittrail`, { session: admin })
  expect(body.responseStatus).toBe('SUCCESS')
  return body.data as Json[]
}

function results(body: Json): Result[] {
  return body.data as Result[]
}

beforeAll(async () => {
  t = await openTestVault(medicalProfile, { bodyLimitBytes: 256 * 1024 })
  admin = await t.login('admin__sys')
  agent = await t.login('medical_information_agent__v')
  reader = await t.login('read_only__v')
})

afterAll(async () => {
  await t.close()
})

describe('bulk records through the REST API', () => {
  it('creates records in input order with ids carrying the object prefix', async () => {
    const { body } = await t.call('POST', `${API}/vobjects/case_contact__v`, {
      session: agent,
      body: [
        { name__v: 'Ada Lovelace', first_name__v: 'Ada', last_name__v: 'Lovelace' },
        { name__v: 'Alan Turing', first_name__v: 'Alan', last_name__v: 'Turing' },
      ],
    })
    expect(body.responseStatus).toBe('SUCCESS')
    const [a, b] = results(body)
    const prefix = t.vault.metadata.object('case_contact__v').prefix
    expect(String(a!.data!.id).startsWith(prefix)).toBe(true)
    expect(a!.data!.url).toBe(`${API}/vobjects/case_contact__v/${a!.data!.id}`)
    expect((await readRecord('case_contact__v', String(a!.data!.id))).first_name__v).toBe('Ada')
    expect((await readRecord('case_contact__v', String(b!.data!.id))).last_name__v).toBe('Turing')
    const record = await readRecord('case_contact__v', String(a!.data!.id))
    expect(record.status__v).toEqual(['active__v'])
    expect(record.global_id__sys).toBe(`${t.vault.id}_${a!.data!.id}`)
    expect(String(record.created_date__v)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })

  it('reads RFC 4180 CSV with quoted commas, quotes and newlines', async () => {
    const csv =
      'name__v,first_name__v,last_name__v,institution__v\r\n' +
      '"Smith, Jane",Jane,Smith,"St. Mary\'s ""General""\nHospital"\r\n' +
      'Plain,P,Lain,\r\n'
    const { body } = await t.call('POST', `${API}/vobjects/case_contact__v`, { session: agent, body: csv })
    expect(body.responseStatus).toBe('SUCCESS')
    const [first, second] = results(body)
    const record = await readRecord('case_contact__v', String(first!.data!.id))
    expect(record.name__v).toBe('Smith, Jane')
    expect(record.institution__v).toBe('St. Mary\'s "General"\nHospital')
    expect((await readRecord('case_contact__v', String(second!.data!.id))).institution__v).toBeNull()
  })

  it('numbers records of numbered objects when name__v is omitted', async () => {
    const { body } = await t.call('POST', `${API}/vobjects/case__v`, { session: agent, body: [{}, {}] })
    const [a, b] = results(body)
    const first = await readRecord('case__v', String(a!.data!.id))
    const second = await readRecord('case__v', String(b!.data!.id))
    expect(first.name__v).not.toBe(second.name__v)
    expect(String(first.name__v)).toMatch(/\d+$/)
    expect(first.state__v).toBe('new_state__v')
  })

  it('upserts by idParam: created__sys, then updated__sys', async () => {
    const first = await t.call('POST', `${API}/vobjects/product__v?idParam=external_id__v`, {
      session: admin,
      body: [{ external_id__v: 'UP-1', name__v: 'Cholecap', generic_name__v: 'cholecapium' }],
    })
    expect(results(first.body)[0]!.data!.event).toBe('created__sys')
    const second = await t.call('POST', `${API}/vobjects/product__v?idParam=external_id__v`, {
      session: admin,
      body: [
        { external_id__v: 'UP-1', generic_name__v: 'cholecapium forte' },
        { external_id__v: 'UP-2', name__v: 'Restolar' },
      ],
    })
    const [updated, created] = results(second.body)
    expect(updated!.data!.event).toBe('updated__sys')
    expect(updated!.data!.id).toBe(results(first.body)[0]!.data!.id)
    expect(created!.data!.event).toBe('created__sys')
    expect((await readRecord('product__v', String(updated!.data!.id))).generic_name__v).toBe(
      'cholecapium forte',
    )
  })

  it('B23: duplicate idParam values fail the whole upsert and change nothing', async () => {
    const before = await count('product__v')
    const auditBefore = await auditCount()
    const { body } = await t.call('POST', `${API}/vobjects/product__v?idParam=external_id__v`, {
      session: admin,
      body: [
        { external_id__v: 'DUP-9', name__v: 'One' },
        { external_id__v: 'NEW-9', name__v: 'Two' },
        { external_id__v: 'DUP-9', name__v: 'Three' },
      ],
    })
    expect(body.responseStatus).toBe('FAILURE')
    expect((body.errors as Json[])[0]!.type).toBe('INVALID_DATA')
    expect(await count('product__v')).toBe(before)
    expect(await auditCount()).toBe(auditBefore)
  })

  it('B23: idParam on a field that is not unique is refused', async () => {
    const { body } = await t.call('POST', `${API}/vobjects/product__v?idParam=generic_name__v`, {
      session: admin,
      body: [{ generic_name__v: 'x', name__v: 'x' }],
    })
    expect(body.responseStatus).toBe('FAILURE')
    expect((body.errors as Json[])[0]!.type).toBe('INVALID_DATA')
  })

  it('B22: NO_DATA_CHANGES leaves modified date and audit trail alone', async () => {
    const created = await t.call('POST', `${API}/vobjects/case_contact__v`, {
      session: agent,
      body: [{ name__v: 'Grace Hopper', first_name__v: 'Grace', last_name__v: 'Hopper' }],
    })
    const id = String(results(created.body)[0]!.data!.id)
    const before = await readRecord('case_contact__v', id)
    const trailBefore = await audit('case_contact__v', id)
    const { body } = await t.call('PUT', `${API}/vobjects/case_contact__v`, {
      session: agent,
      body: [{ id, first_name__v: 'Grace', last_name__v: 'Hopper' }],
    })
    expect(body.responseStatus).toBe('WARNING')
    const [result] = results(body)
    expect(result!.responseStatus).toBe('WARNING')
    expect(result!.warnings![0]!.warning_type).toBe('NO_DATA_CHANGES')
    const after = await readRecord('case_contact__v', id)
    expect(after.modified_date__v).toBe(before.modified_date__v)
    expect(await audit('case_contact__v', id)).toEqual(trailBefore)
  })

  it('B22: every change is in the audit trail with who, when, field, old and new value', async () => {
    const created = await t.call('POST', `${API}/vobjects/case_contact__v`, {
      session: agent,
      body: [{ name__v: 'Katherine Johnson', first_name__v: 'Katherine', last_name__v: 'Johnson' }],
    })
    const id = String(results(created.body)[0]!.data!.id)
    await t.call('PUT', `${API}/vobjects/case_contact__v`, {
      session: agent,
      body: [{ id, specialty__v: 'Cardiology', first_name__v: 'Kate' }],
    })
    const trail = await audit('case_contact__v', id)
    expect(trail[0]).toMatchObject({
      action: 'Create',
      record_id: id,
      object_name: 'case_contact__v',
      field_name: null,
    })
    const edits = trail.filter((e) => e.action === 'Edit')
    expect(edits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field_name: 'first_name__v', old_value: 'Katherine', new_value: 'Kate' }),
        expect.objectContaining({ field_name: 'specialty__v', old_value: null, new_value: 'Cardiology' }),
      ]),
    )
    for (const entry of trail) {
      expect(entry.user_name).toBe('medical_information_agent@test.local')
      expect(String(entry.timestamp)).toMatch(/Z$/)
      expect(typeof entry.event_description).toBe('string')
    }
    const deleted = await t.call('DELETE', `${API}/vobjects/case_contact__v`, {
      session: admin,
      body: [{ id }],
    })
    expect(results(deleted.body)[0]!.responseStatus).toBe('SUCCESS')
    const afterDelete = await audit('case_contact__v', id)
    const deletes = afterDelete.filter((e) => e.action === 'Delete')
    expect(deletes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field_name: 'first_name__v', old_value: 'Kate', new_value: null }),
      ]),
    )
    const gone = await t.call('GET', `${API}/vobjects/case_contact__v/${id}`, { session: admin })
    expect(gone.body.responseStatus).toBe('FAILURE')
  })

  it('B22: the audit trail is append-only in the database itself', async () => {
    await expect(
      sql`update audit_trail set user_name = 'someone else'`.execute(t.vault.storage.db),
    ).rejects.toThrow(/append-only/)
    await expect(sql`delete from audit_trail`.execute(t.vault.storage.db)).rejects.toThrow(/append-only/)
  })

  it('runs lifecycle actions with state checks and audits the state change', async () => {
    const created = await t.call('POST', `${API}/vobjects/case__v`, { session: agent, body: [{}] })
    const id = String(results(created.body)[0]!.data!.id)
    const actions = await t.call('GET', `${API}/vobjects/case__v/${id}/actions`, { session: agent })
    expect((actions.body.data as Json[]).map((a) => a.name)).toContain(
      'Objectlifecyclestateuseraction.case__v.new_state__v.start__v',
    )
    const close = await t.call('POST', `${API}/vobjects/case__v/${id}/actions/close__v`, { session: agent })
    expect(close.body.responseStatus).toBe('FAILURE')
    expect((close.body.errors as Json[])[0]!.type).toBe('OPERATION_NOT_ALLOWED')
    expect((await readRecord('case__v', id)).state__v).toBe('new_state__v')
    const start = await t.call('POST', `${API}/vobjects/case__v/${id}/actions/start__v`, { session: agent })
    expect(start.body.responseStatus).toBe('SUCCESS')
    expect((await readRecord('case__v', id)).state__v).toBe('in_progress_state__v')
    const trail = await audit('case__v', id)
    expect(trail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'State change',
          field_name: 'state__v',
          old_value: 'new_state__v',
          new_value: 'in_progress_state__v',
        }),
      ]),
    )
  })

  it('runs a bulk action with one result per id in input order', async () => {
    const created = await t.call('POST', `${API}/vobjects/case__v`, { session: agent, body: [{}, {}] })
    const [a, b] = results(created.body).map((r) => String(r.data!.id))
    await t.call('POST', `${API}/vobjects/case__v/${b}/actions/start__v`, { session: agent })
    const { body } = await t.call('POST', `${API}/vobjects/case__v/actions/start__v`, {
      session: agent,
      body: `ids=${a},${b},0CX000000000999`,
      contentType: 'application/x-www-form-urlencoded',
    })
    const [ra, rb, rc] = results(body)
    expect(ra!.responseStatus).toBe('SUCCESS')
    expect(rb!.responseStatus).toBe('FAILURE')
    expect(rb!.errors![0]!.type).toBe('OPERATION_NOT_ALLOWED')
    expect(rc!.responseStatus).toBe('FAILURE')
  })
})

describe('B23: bad input gets a clear error and changes nothing', () => {
  it('an unknown object', async () => {
    const { body } = await t.call('POST', `${API}/vobjects/nonsense__c`, {
      session: admin,
      body: [{ name__v: 'x' }],
    })
    expect(body.responseStatus).toBe('FAILURE')
    expect((body.errors as Json[])[0]!.type).toBe('INVALID_DATA')
    expect(String((body.errors as Json[])[0]!.message)).toContain('nonsense__c')
  })

  it('field-level faults fail only their record; the others are created', async () => {
    const before = await count('product__v')
    const { body } = await t.call('POST', `${API}/vobjects/product__v`, {
      session: admin,
      body: [
        { name__v: 'Good One' },
        { name__v: 'Unknown field', nonsense__c: 1 },
        { name__v: 'x'.repeat(129) },
        { generic_name__v: 'no name' },
        { name__v: 'Wrong type', status__v: 'not_a_status__v' },
        { name__v: 'Good Two' },
      ],
    })
    expect(body.responseStatus).toBe('SUCCESS')
    const r = results(body)
    expect(r.map((x) => x.responseStatus)).toEqual([
      'SUCCESS',
      'FAILURE',
      'FAILURE',
      'FAILURE',
      'FAILURE',
      'SUCCESS',
    ])
    expect(r[1]!.errors![0]!.message).toContain('nonsense__c')
    expect(r[2]!.errors![0]!.message).toContain('128')
    expect(r[3]!.errors![0]!.message).toContain('name__v')
    for (const failed of r.filter((x) => x.responseStatus === 'FAILURE'))
      expect(failed.errors![0]!.type).toBe('INVALID_DATA')
    expect(await count('product__v')).toBe(before + 2)
  })

  it('wrong value types in every field type', async () => {
    const { body } = await t.call('POST', `${API}/vobjects/person_information__v`, {
      session: agent,
      body: [
        { name__v: 'p', type__v: 'email__v', primary__v: 'yes' },
        { name__v: 'p', type__v: 'email__v', case_contact__v: 'NOPE0000' },
      ],
    })
    const [bool, ref] = results(body)
    expect(bool!.errors![0]!.type).toBe('INVALID_DATA')
    expect(bool!.errors![0]!.message).toContain('primary__v')
    expect(ref!.errors![0]!.type).toBe('INVALID_DATA')
    expect(ref!.errors![0]!.message).toContain('NOPE0000')
  })

  it('more than 500 records fail the whole request', async () => {
    const before = await count('product__v')
    const body501 = Array.from({ length: 501 }, (_, i) => ({ name__v: `Bulk ${i}` }))
    const { body } = await t.call('POST', `${API}/vobjects/product__v`, { session: admin, body: body501 })
    expect(body.responseStatus).toBe('FAILURE')
    expect((body.errors as Json[])[0]!.type).toBe('INVALID_DATA')
    expect(String((body.errors as Json[])[0]!.message)).toContain('500')
    expect(await count('product__v')).toBe(before)
  })

  it('malformed JSON, malformed CSV, a non-array body and an oversized body', async () => {
    const before = await count('product__v')
    const auditBefore = await auditCount()
    const bad = [
      await t.call('POST', `${API}/vobjects/product__v`, {
        session: admin,
        body: '[{"name__v": ',
        contentType: 'application/json',
      }),
      await t.call('POST', `${API}/vobjects/product__v`, {
        session: admin,
        body: 'name__v\n"unterminated\n',
      }),
      await t.call('POST', `${API}/vobjects/product__v`, {
        session: admin,
        body: 'name__v,generic_name__v\na\n',
      }),
      await t.call('POST', `${API}/vobjects/product__v`, {
        session: admin,
        body: { name__v: 'not an array' },
      }),
      await t.call('POST', `${API}/vobjects/product__v`, {
        session: admin,
        body: [{ name__v: 'big', generic_name__v: 'y'.repeat(300 * 1024) }],
      }),
    ]
    for (const { body } of bad) {
      expect(body.responseStatus).toBe('FAILURE')
      expect((body.errors as Json[])[0]!.type).toBe('INVALID_DATA')
    }
    expect(await count('product__v')).toBe(before)
    expect(await auditCount()).toBe(auditBefore)
  })

  it('a request without a session, or with a bad one', async () => {
    const none = await t.call('GET', `${API}/metadata/vobjects`)
    expect((none.body.errors as Json[])[0]!.type).toBe('INVALID_SESSION_ID')
    const bad = await t.call('GET', `${API}/metadata/vobjects`, { session: 'deadbeef' })
    expect((bad.body.errors as Json[])[0]!.type).toBe('INVALID_SESSION_ID')
  })

  it('a user without the permission gets INSUFFICIENT_ACCESS and nothing is written', async () => {
    const before = await count('product__v')
    const { body } = await t.call('POST', `${API}/vobjects/product__v`, {
      session: reader,
      body: [{ name__v: 'nope' }],
    })
    expect(body.responseStatus).toBe('FAILURE')
    expect((body.errors as Json[])[0]!.type).toBe('INSUFFICIENT_ACCESS')
    expect(await count('product__v')).toBe(before)
  })
})

describe('metadata, custom fields and the envelope', () => {
  it('answers object metadata with fields and relationships', async () => {
    const { body } = await t.call('GET', `${API}/metadata/vobjects/case__v`, { session: reader })
    const object = body.object as { fields: Json[]; relationships: Json[]; prefix: string }
    expect(object.prefix).toHaveLength(3)
    expect(object.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['id', 'name__v', 'state__v', 'case_contact__v']),
    )
    expect(object.relationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          relationship_name: 'case_requests__vr',
          relationship_type: 'reference_inbound',
        }),
        expect.objectContaining({
          relationship_name: 'case_contact__vr',
          relationship_type: 'reference_outbound',
        }),
      ]),
    )
  })

  it('lets an admin add a custom field that works at once, and refuses others and bad definitions', async () => {
    const denied = await t.call('POST', `${API}/metadata/vobjects/case__v/fields`, {
      session: agent,
      body: { name: 'priority__c', label: 'Priority', type: 'String' },
    })
    expect((denied.body.errors as Json[])[0]!.type).toBe('INSUFFICIENT_ACCESS')
    const bad = await t.call('POST', `${API}/metadata/vobjects/case__v/fields`, {
      session: admin,
      body: { name: 'Bad Name', label: 'x', type: 'Banana' },
    })
    expect((bad.body.errors as Json[])[0]!.type).toBe('INVALID_DATA')
    const ok = await t.call('POST', `${API}/metadata/vobjects/case__v/fields`, {
      session: admin,
      body: { name: 'priority__c', label: 'Priority', type: 'String', max_length: 10 },
    })
    expect(ok.body.responseStatus).toBe('SUCCESS')
    const again = await t.call('POST', `${API}/metadata/vobjects/case__v/fields`, {
      session: admin,
      body: { name: 'priority__c', label: 'Priority', type: 'String' },
    })
    expect((again.body.errors as Json[])[0]!.type).toBe('ITEM_NAME_EXISTS')
    const created = await t.call('POST', `${API}/vobjects/case__v`, {
      session: agent,
      body: [{ priority__c: 'high' }, { priority__c: 'much too long' }],
    })
    const [good, tooLong] = results(created.body)
    expect((await readRecord('case__v', String(good!.data!.id))).priority__c).toBe('high')
    expect(tooLong!.responseStatus).toBe('FAILURE')
  })

  it('sets the Vault response headers, with a burst counter that counts down', async () => {
    const first = await t.call('GET', `${API}/metadata/vobjects`, { session: reader })
    const second = await t.call('GET', `${API}/metadata/vobjects`, { session: reader })
    for (const h of [
      'x-vaultapi-executionid',
      'x-vaultapi-vaultid',
      'x-vaultapi-userid',
      'x-vaultapi-status',
      'x-vaultapi-burstlimit',
    ])
      expect(first.headers[h]).toBeDefined()
    expect(Number(second.headers['x-vaultapi-burstlimitremaining'])).toBe(
      Number(first.headers['x-vaultapi-burstlimitremaining']) - 1,
    )
    expect(first.headers['x-vaultapi-vaultid']).toBe(String(t.vault.id))
  })

  it('answers HTTP 200 by default and the matching status on request', async () => {
    const plain = await t.call('GET', `${API}/vobjects/case__v/nope`, { session: reader })
    expect(plain.status).toBe(200)
    const real = await t.call('GET', `${API}/vobjects/case__v/nope`, {
      session: reader,
      headers: { 'x-liaison-http-status': 'true' },
    })
    expect(real.status).toBe(404)
  })

  it('ends a session on logout', async () => {
    const session = await t.login('read_only__v', 'leaver@test.local')
    expect((await t.call('GET', `${API}/metadata/vobjects`, { session })).body.responseStatus).toBe('SUCCESS')
    expect((await t.call('DELETE', `${API}/session`, { session })).body.responseStatus).toBe('SUCCESS')
    const after = await t.call('GET', `${API}/metadata/vobjects`, { session })
    expect((after.body.errors as Json[])[0]!.type).toBe('INVALID_SESSION_ID')
  })
})

describe('what the signed-in user may do (Retrieve My User Permissions)', () => {
  it('answers read, create, edit and delete per object and for documents, as the API enforces them', async () => {
    const mine = async (session: string, filter?: string) => {
      const { body } = await t.call(
        'GET',
        `${API}/objects/users/me/permissions${filter === undefined ? '' : `?filter=${encodeURIComponent(filter)}`}`,
        { session },
      )
      expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
      return new Map(
        (body.data as { name__v: string; permissions: Record<string, boolean> }[]).map((e) => [
          e.name__v,
          e.permissions,
        ]),
      )
    }
    const agentCan = await mine(agent)
    expect(agentCan.get('object.case__v.object_actions')).toEqual({
      read: true,
      create: true,
      edit: true,
      delete: false,
    })
    expect(agentCan.get('object.product__v.object_actions')).toMatchObject({ read: true, edit: false })
    expect(agentCan.get('documents.object_actions')).toMatchObject({ read: true, create: false })
    const readerCan = await mine(reader, 'name__v::object.case__v')
    expect([...readerCan]).toEqual([
      ['object.case__v.object_actions', { read: true, create: false, edit: false, delete: false }],
    ])
    expect((await mine(admin, 'name__v::object.case__v')).get('object.case__v.object_actions')).toEqual({
      read: true,
      create: true,
      edit: true,
      delete: true,
    })
    // What it says is what the API does: the reader's edit is refused.
    const refused = await t.call('PUT', `${API}/vobjects/case__v`, {
      session: reader,
      body: [{ id: 'V0X000000000001', response_notes__v: 'x' }],
    })
    expect(JSON.stringify(refused.body)).toMatch(/may not edit case__v/)
    const bad = await t.call('GET', `${API}/objects/users/me/permissions?filter=everything`, {
      session: reader,
    })
    expect(bad.body.responseStatus).toBe('FAILURE')
  })
})
