import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>

let t: TestVault
let admin: string
let agent: string

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
  admin = await t.login('admin__sys')
  agent = await t.login('medical_information_agent__v')
})

afterAll(async () => {
  await t.close()
})

async function newCase(): Promise<string> {
  const created = await t.call('POST', `${API}/vobjects/case__v`, { session: agent, body: [{}] })
  return String(((created.body.data as Json[])[0]!.data as Json).id)
}

describe('messages a newcomer meets', () => {
  it('closing a New case says which action to run first', async () => {
    const id = await newCase()
    const close = await t.call('POST', `${API}/vobjects/case__v/${id}/actions/close__v`, { session: agent })
    expect(close.body.responseStatus).toBe('FAILURE')
    expect(String((close.body.errors as Json[])[0]!.message)).toMatch(/in state New; .*Run start__v first\.$/)
  })

  it('the failed items of a bulk action and a bulk update carry their record id', async () => {
    const started = await newCase()
    const fresh = await newCase()
    await t.call('POST', `${API}/vobjects/case__v/${started}/actions/start__v`, { session: agent })
    const bulk = await t.call('POST', `${API}/vobjects/case__v/actions/close__v`, {
      session: agent,
      body: new URLSearchParams({ ids: `${started},${fresh},V0X000000000999` }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    })
    const items = bulk.body.data as { responseStatus: string; data?: Json }[]
    expect(items.map((r) => [r.responseStatus, r.data?.id])).toEqual([
      ['SUCCESS', started],
      ['FAILURE', fresh],
      ['FAILURE', 'V0X000000000999'],
    ])
    const update = await t.call('PUT', `${API}/vobjects/case__v`, {
      session: agent,
      body: [{ id: 'V0X000000000998', subject__v: 'x' }],
    })
    expect((update.body.data as { data?: Json }[])[0]!.data?.id).toBe('V0X000000000998')
  })

  it('a wrong picklist value suggests the nearest values first', async () => {
    const created = await t.call('POST', `${API}/vobjects/case__v`, {
      session: agent,
      body: [{ channel__v: 'emial__v' }],
    })
    const [result] = created.body.data as { errors: { type: string; message: string }[] }[]
    expect(result!.errors[0]!.type).toBe('INVALID_DATA')
    expect(result!.errors[0]!.message).toMatch(
      /no picklist value "emial__v"; the nearest allowed values are email__v, mail__v,/,
    )
  })

  it('a country reference takes the id, the code (mx__v), the abbreviation or the name, and says which were tried', async () => {
    const [mexico] = await t.vault.records.create(SYSTEM_ACTOR, 'country__v', [
      { name__v: 'Mexico', abbreviation__v: 'MX' },
    ])
    expect(mexico?.responseStatus, JSON.stringify(mexico)).toBe('SUCCESS')
    const created = await t.call('POST', `${API}/vobjects/case__v`, {
      session: agent,
      body: ['mx__v', 'MX', 'Mexico', mexico!.id, 'zz__v'].map((country) => ({ country__v: country })),
    })
    const results = created.body.data as { responseStatus: string; data?: Json; errors?: Json[] }[]
    expect(results.map((r) => r.responseStatus)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'FAILURE',
    ])
    for (const r of results.slice(0, 4)) {
      const row = await t.vault.records.getRecord(SYSTEM_ACTOR, 'case__v', String(r.data!.id))
      expect(row.country__v).toBe(mexico!.id)
    }
    expect(String(results[4]!.errors![0]!.message)).toContain(
      'refers to zz__v, which names no country__v record (tried id, name__v, abbreviation__v, code (xx__v)',
    )
  })

  it("an exception's action list shows reprocess__sys once", async () => {
    const [created] = await t.vault.records.create(SYSTEM_ACTOR, 'exception_message__sys', [
      { name__v: 'A failed message' },
    ])
    expect(created?.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
    const actions = await t.call('GET', `${API}/vobjects/exception_message__sys/${created!.id}/actions`, {
      session: admin,
    })
    // Vault names actions Objectaction.{object}.{action} or Objectlifecyclestateuseraction.{object}.{state}.{action}.
    const names = (actions.body.data as Json[]).map((a) => String(a.name))
    expect(
      names.filter((n) => n.endsWith('.reprocess__sys')),
      JSON.stringify(names),
    ).toHaveLength(1)
  })
})
