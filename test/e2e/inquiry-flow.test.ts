import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorld, type World, type WorldVaultInfo } from '../../src/cli/world.js'
import { expectEventually } from '../support/expect-eventually.js'

const API = '/api/v25.2'
type Json = Record<string, unknown>

let world: World
const dir = mkdtempSync(join(tmpdir(), 'liaison-flow-'))
const sessions = new Map<string, string>()

function vault(name: string): WorldVaultInfo {
  return world.info.find((v) => v.name === name)!
}

async function session(name: string, role: 'admin' | 'rep' | 'agent'): Promise<string> {
  const key = `${name}:${role}`
  const known = sessions.get(key)
  if (known !== undefined) return known
  const v = vault(name)
  const user = role === 'admin' ? v.admin : v.users.find((u) => u.role === role)!
  // A new world created every account, so it knows every password.
  if (user.password === undefined) throw new Error(`The password of ${user.username} is unknown.`)
  const response = await fetch(`${v.url}${API}/auth`, {
    method: 'POST',
    body: new URLSearchParams({ username: user.username, password: user.password }),
  })
  const body = (await response.json()) as { sessionId: string }
  sessions.set(key, body.sessionId)
  return body.sessionId
}

async function call(
  name: string,
  role: 'admin' | 'rep' | 'agent',
  method: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  const headers: Record<string, string> = { authorization: await session(name, role) }
  let payload: string | URLSearchParams | undefined
  if (body instanceof URLSearchParams) payload = body
  else if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(`${vault(name).url}${API}${path}`, { method, headers, body: payload })
  return (await response.json()) as Json
}

async function query(name: string, role: 'admin' | 'rep' | 'agent', q: string): Promise<Json[]> {
  const body = await call(name, role, 'POST', '/query', new URLSearchParams({ q }))
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body.data as Json[]
}

async function newInquiry(crm: string, extra: Json = {}): Promise<string> {
  const [account] = await query(crm, 'rep', 'SELECT id FROM account__v PAGESIZE 1')
  const body = await call(crm, 'rep', 'POST', '/vobjects/medical_inquiry__v', [
    {
      account__v: account!.id,
      inquiry_text__v: 'What is the maximum daily dose in renal impairment?',
      delivery_method__v: 'email__v',
      email__v: 'hcp@example.org',
      ...extra,
    },
  ])
  const [result] = body.data as { data: { id: string } }[]
  return result!.data.id
}

async function inquiry(crm: string, id: string): Promise<Json> {
  const [row] = await query(
    crm,
    'rep',
    `SELECT id, transfer_status__v, transfer_error__v, case_number__v, medical_inquiry_case_status__v, response_notes__v, response_package_link__v, case_closed_date__v, transferred_date__v FROM medical_inquiry__v WHERE id = '${id}'`,
  )
  return row!
}

async function transfer(crm: string, id: string): Promise<Json> {
  return call(crm, 'rep', 'POST', `/vobjects/medical_inquiry__v/${id}/actions/transfer_to_medical__v`)
}

beforeAll(async () => {
  world = await startWorld({ dir, port: 12_000 + Math.floor(Math.random() * 20_000) })
}, 120_000)

afterAll(async () => {
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('Medical inquiries between the embedded CRMs and the Medical Vault, over HTTP', () => {
  it('B5, B8, B10: Transfer to Medical creates one Case and Case Request, then the inquiry is a locked success', async () => {
    const id = await newInquiry('crm-na')
    const action = await transfer('crm-na', id)
    expect(action.responseStatus).toBe('SUCCESS')
    expect((await inquiry('crm-na', id)).transfer_status__v).toEqual(['pending__v'])
    await expectEventually(
      async () => expect((await inquiry('crm-na', id)).transfer_status__v).toEqual(['success__v']),
      {
        timeoutMs: 15_000,
      },
    )
    const done = await inquiry('crm-na', id)
    expect(String(done.case_number__v)).toMatch(/^CASE-/)
    expect(done.medical_inquiry_case_status__v).toEqual(['new__v'])
    expect(done.transferred_date__v).not.toBeNull()
    const requests = await query(
      'medical',
      'agent',
      `SELECT id, origin__v, crm_org__v, case__vr.name__v FROM case_request__v WHERE crm_id__v = '${id}' AND crm_org__v = '${vault('crm-na').vaultId}'`,
    )
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({
      origin__v: ['crm__v'],
      crm_org__v: String(vault('crm-na').vaultId),
      'case__vr.name__v': done.case_number__v,
    })
    const again = await transfer('crm-na', id)
    expect((again.errors as Json[])[0]!.type).toBe('OPERATION_NOT_ALLOWED')
    const edit = await call('crm-na', 'rep', 'PUT', '/vobjects/medical_inquiry__v', [
      { id, inquiry_text__v: 'changed' },
    ])
    const [editResult] = edit.data as { responseStatus: string; errors: { type: string }[] }[]
    expect(editResult!.errors[0]!.type).toBe('OPERATION_NOT_ALLOWED')
    const removal = await call('crm-na', 'rep', 'DELETE', '/vobjects/medical_inquiry__v', [{ id }])
    expect((removal.data as { errors: { type: string }[] }[])[0]!.errors[0]!.type).toBe(
      'OPERATION_NOT_ALLOWED',
    )
  })

  it('GET /metrics of the CRM shows the transfer delivered, with its delivery time, and nothing waiting', async () => {
    const id = await newInquiry('crm-na')
    await transfer('crm-na', id)
    await expectEventually(
      async () => expect((await inquiry('crm-na', id)).transfer_status__v).toEqual(['success__v']),
      { timeoutMs: 15_000 },
    )
    const response = await fetch(`${vault('crm-na').url}/metrics`, {
      headers: { authorization: await session('crm-na', 'admin') },
    })
    const text = await response.text()
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('liaison_message_delivery_seconds_count{') &&
          l.includes('integration_point="medical_inquiry_outbound__v"'),
      )
    expect(Number(line?.split(' ').at(-1)), text.slice(0, 400)).toBeGreaterThanOrEqual(1)
    expect(text).not.toMatch(
      /liaison_queue_waiting_messages\{[^}]*integration_point="medical_inquiry_outbound__v"[^}]*\} [1-9]/,
    )
  })

  it('B5: an incomplete inquiry is refused with what is missing, and nothing is sent', async () => {
    const id = await newInquiry('crm-na', { email__v: null })
    const action = await transfer('crm-na', id)
    expect(action.responseStatus).toBe('FAILURE')
    expect(String((action.errors as Json[])[0]!.message)).toContain('email address')
    expect((await inquiry('crm-na', id)).transfer_status__v).toEqual([])
  })

  it('B12, B13: In Progress and Closed reach the rep with the response notes and package link', async () => {
    const id = await newInquiry('crm-na')
    await transfer('crm-na', id)
    await expectEventually(
      async () => expect((await inquiry('crm-na', id)).transfer_status__v).toEqual(['success__v']),
      {
        timeoutMs: 15_000,
      },
    )
    const [request] = await query(
      'medical',
      'agent',
      `SELECT id FROM case_request__v WHERE crm_id__v = '${id}' AND crm_org__v = '${vault('crm-na').vaultId}'`,
    )
    const requestId = String(request!.id)
    expect(
      (await call('medical', 'agent', 'POST', `/vobjects/case_request__v/${requestId}/actions/start__v`))
        .responseStatus,
    ).toBe('SUCCESS')
    await expectEventually(
      async () =>
        expect((await inquiry('crm-na', id)).medical_inquiry_case_status__v).toEqual(['in_progress__v']),
      { timeoutMs: 15_000 },
    )
    await call('medical', 'agent', 'PUT', '/vobjects/case_request__v', [
      {
        id: requestId,
        response_notes__v: 'Answered by phone; package sent.',
        response_package_link__v: 'https://medical.example/rp/1',
      },
    ])
    expect(
      (await call('medical', 'agent', 'POST', `/vobjects/case_request__v/${requestId}/actions/close__v`))
        .responseStatus,
    ).toBe('SUCCESS')
    await expectEventually(
      async () => expect((await inquiry('crm-na', id)).medical_inquiry_case_status__v).toEqual(['closed__v']),
      { timeoutMs: 15_000 },
    )
    const closed = await inquiry('crm-na', id)
    expect(closed).toMatchObject({
      response_notes__v: 'Answered by phone; package sent.',
      response_package_link__v: 'https://medical.example/rp/1',
    })
    expect(closed.case_closed_date__v).not.toBeNull()
  })

  it('B4, B14: each CRM has its own connection; its inquiries carry its own CRM org', async () => {
    const id = await newInquiry('crm-eu')
    await transfer('crm-eu', id)
    await expectEventually(
      async () => expect((await inquiry('crm-eu', id)).transfer_status__v).toEqual(['success__v']),
      {
        timeoutMs: 15_000,
      },
    )
    const [request] = await query(
      'medical',
      'agent',
      `SELECT crm_org__v FROM case_request__v WHERE crm_id__v = '${id}' AND crm_org__v = '${vault('crm-eu').vaultId}'`,
    )
    expect(request).toBeDefined()
  })

  it('B11: a transfer that fails in Medical is visible to the rep, and succeeds after the fix and a reprocess', async () => {
    const created = await call('crm-na', 'admin', 'POST', '/vobjects/product__v', [
      { name__v: 'Zentrix', external_id__v: 'PRD-ZENTRIX' },
    ])
    const productId = (created.data as { data: { id: string } }[])[0]!.data.id
    const id = await newInquiry('crm-na', { product__v: productId })
    await transfer('crm-na', id)
    await expectEventually(
      async () => expect((await inquiry('crm-na', id)).transfer_status__v).toEqual(['failure__v']),
      {
        timeoutMs: 15_000,
      },
    )
    expect(String((await inquiry('crm-na', id)).transfer_error__v)).toContain('PRD-ZENTRIX')
    const [item] = await query(
      'medical',
      'admin',
      `SELECT exception_message__sys FROM exception_item__sys WHERE item_key__sys = '${id}'`,
    )
    const exceptionId = String(item!.exception_message__sys)
    await call('medical', 'admin', 'POST', '/vobjects/product__v', [
      { name__v: 'Zentrix', external_id__v: 'PRD-ZENTRIX' },
    ])
    const reprocess = await call(
      'medical',
      'admin',
      'POST',
      `/vobjects/exception_message__sys/${exceptionId}/actions/reprocess__sys`,
    )
    expect(reprocess.responseStatus, JSON.stringify(reprocess)).toBe('SUCCESS')
    await expectEventually(
      async () => expect((await inquiry('crm-na', id)).transfer_status__v).toEqual(['success__v']),
      {
        timeoutMs: 15_000,
      },
    )
    await expectEventually(
      async () => {
        const [exception] = await query(
          'medical',
          'admin',
          `SELECT state__v FROM exception_message__sys WHERE id = '${exceptionId}'`,
        )
        expect(exception!.state__v).toBe('resolved__sys')
      },
      { timeoutMs: 15_000 },
    )
  })

  it('B11: in a bulk transfer, the one inquiry Medical refuses to write fails alone; the others of its group succeed', async () => {
    // An admin's field rule copies the inquiry text into the case priority: only "high__v" is a priority.
    const [connection] = await query(
      'medical',
      'admin',
      `SELECT id FROM connection__sys WHERE remote_vault_id__sys = '${vault('crm-na').vaultId}'`,
    )
    const [rule] = await query(
      'medical',
      'admin',
      `SELECT id FROM integration_rule__sys WHERE integration_rule_api_name__sys = 'medical_inquiries_integration_rule__v' AND connection__sys = '${connection!.id}'`,
    )
    const created = await call('medical', 'admin', 'POST', '/vobjects/field_rule__sys', [
      {
        name__v: 'case__v.priority__v',
        integration_rule__sys: rule!.id,
        target_object__sys: 'case__v',
        target_object_field__sys: 'priority__v',
        query_object__sys: 'medical_inquiry__v',
        query_field__sys: 'inquiry_text__v',
      },
    ])
    expect(created.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
    const fieldRuleId = (created.data as { data: { id: string } }[])[0]!.data.id
    try {
      const ids = [
        await newInquiry('crm-na', { inquiry_text__v: 'high__v' }),
        await newInquiry('crm-na', { inquiry_text__v: 'Is it safe in pregnancy?' }),
        await newInquiry('crm-na', { inquiry_text__v: 'high__v' }),
      ]
      const action = await call(
        'crm-na',
        'rep',
        'POST',
        '/vobjects/medical_inquiry__v/actions/transfer_to_medical__v',
        new URLSearchParams({ ids: ids.join(',') }),
      )
      expect(action.responseStatus, JSON.stringify(action)).toBe('SUCCESS')
      await expectEventually(
        async () =>
          expect(
            await Promise.all(ids.map(async (id) => (await inquiry('crm-na', id)).transfer_status__v)),
          ).toEqual([['success__v'], ['failure__v'], ['success__v']]),
        { timeoutMs: 15_000 },
      )
      expect(String((await inquiry('crm-na', ids[1]!)).transfer_error__v)).toMatch(
        /The Case could not be written: .*priority__v/,
      )
      const cases = await query(
        'medical',
        'agent',
        `SELECT crm_id__v, priority__v FROM case__v WHERE crm_id__v CONTAINS ('${ids.join("','")}')`,
      )
      expect(cases.map((c) => c.crm_id__v).sort()).toEqual([ids[0], ids[2]].sort())
      expect(cases.every((c) => JSON.stringify(c.priority__v).includes('high__v'))).toBe(true)
    } finally {
      await call('medical', 'admin', 'DELETE', `/vobjects/field_rule__sys/${fieldRuleId}`)
    }
  })

  it('B3, B11: a sandbox CRM never populates the production Medical Vault, and the rep is told why', async () => {
    const id = await newInquiry('crm-sandbox')
    const action = await transfer('crm-sandbox', id)
    expect(action.responseStatus).toBe('FAILURE')
    const row = await inquiry('crm-sandbox', id)
    expect(row.transfer_status__v).toEqual(['failure__v'])
    expect(String(row.transfer_error__v)).toContain('sandbox')
    const sandboxOrg = vault('crm-sandbox').vaultId
    expect(
      await query(
        'medical',
        'agent',
        `SELECT id FROM case_request__v WHERE crm_org__v = '${sandboxOrg}' AND crm_id__v = '${id}'`,
      ),
    ).toHaveLength(0)
  })
})
