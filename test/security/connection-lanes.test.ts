import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/index.js'
import { type ConnectionInfo, sendSigned } from '../../src/platform/messaging/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import {
  API,
  connectVaults,
  createInquiries,
  inquiriesById,
  type Json,
  type ServedVault,
  startServedVault,
  transferInquiries,
} from '../support/served-vaults.js'

/**
 * Finding 2: all connections acted as one integration user with per-object permissions, so one
 * CRM (or a Medical agent) could point a case request at another CRM's inquiry and make it show a
 * foreign case, and every CRM, the sandbox included, could read all Medical data by signed VQL.
 */
let medical: ServedVault
let na: ServedVault
let eu: ServedVault
let sandbox: ServedVault
const on: Record<string, { onMedical: ConnectionInfo; onCrm: ConnectionInfo }> = {}
let naInquiry: string
let euInquiry: string
let euDraft: string

function errorType(body: Json): string | undefined {
  const errors = (body.errors ?? (body.data as Json[] | undefined)?.[0]?.errors) as
    | { type: string }[]
    | undefined
  return errors?.[0]?.type
}

/** A VQL query from a CRM into the Medical Vault, signed with the CRM's key as its flows send it. */
async function signedQuery(crm: ServedVault, q: string): Promise<Json> {
  const connection = on[crm.name]!.onCrm
  const answer = await sendSigned(crm.vault.messaging.signer, crm.vault.clock, {
    baseUrl: connection.remoteUrl,
    recipientVaultId: connection.remoteVaultId,
    method: 'POST',
    path: `${API}/query`,
    body: { q },
  })
  return answer.body
}

async function signedCall(
  crm: ServedVault,
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  body: unknown,
): Promise<Json> {
  const connection = on[crm.name]!.onCrm
  const answer = await sendSigned(crm.vault.messaging.signer, crm.vault.clock, {
    baseUrl: connection.remoteUrl,
    recipientVaultId: connection.remoteVaultId,
    method,
    path: `${API}${path}`,
    body,
  })
  return answer.body
}

/** The case request of one CRM's inquiry (inquiry ids repeat across CRMs: each numbers its own). */
async function caseRequestOf(crm: ServedVault, inquiryId: string): Promise<Json> {
  return medical.vault.storage.db
    .selectFrom('case_request__v')
    .selectAll()
    .where('crm_org__v', '=', String(crm.vault.id))
    .where('crm_id__v', '=', inquiryId)
    .executeTakeFirstOrThrow()
}

async function runCaseStatusPull(crm: ServedVault): Promise<Json> {
  const body = await crm.call(
    'POST',
    `/services/connections/${on[crm.name]!.onCrm.apiName}/actions/run/${INTEGRATION_POINTS.caseRequestInbound}`,
  )
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body
}

beforeAll(async () => {
  medical = await startServedVault('medical', medicalProfile)
  na = await startServedVault('crm-na', crmProfile)
  eu = await startServedVault('crm-eu', crmProfile)
  sandbox = await startServedVault('crm-sandbox', crmProfile, { environment: 'sandbox' })
  for (const crm of [na, eu, sandbox]) on[crm.name] = await connectVaults(medical, crm)
  ;[naInquiry] = await createInquiries(na, 1, 'NA')
  ;[euInquiry, euDraft] = await createInquiries(eu, 2, 'EU')
  await transferInquiries(na, [naInquiry!])
  await transferInquiries(eu, [euInquiry!])
  await expectEventually(
    async () => {
      for (const [crm, id] of [
        [na, naInquiry!],
        [eu, euInquiry!],
      ] as const)
        expect((await inquiriesById(crm, [id])).get(id)?.case_number__v).toBeTruthy()
    },
    { timeoutMs: 60_000 },
  )
}, 180_000)

afterAll(async () => {
  for (const v of [sandbox, eu, na, medical]) await v?.destroy()
})

describe('each connection stays in its lane', () => {
  it('security: each connection calls back as its own integration user, which cannot log in with a password (B2)', async () => {
    const users = [na, eu, sandbox].map((crm) => on[crm.name]!.onMedical.localIntegrationUserId)
    expect(new Set(users).size).toBe(3)
    // Even with the right password, an integration user gets no session.
    const username = on['crm-na']!.onMedical.localIntegrationUserName
    await medical.vault.storage.db
      .transaction()
      .execute((trx) => medical.vault.sessions.setPassword(trx, users[0]!, 'Known-Password-1'))
    const response = await fetch(`${medical.url}${API}/auth`, {
      method: 'POST',
      body: new URLSearchParams({ username, password: 'Known-Password-1' }),
    })
    const body = (await response.json()) as Json
    expect(body.sessionId).toBeUndefined()
    expect(errorType(body)).toBe('INSUFFICIENT_ACCESS')
    expect(JSON.stringify(body)).toContain('integration user')
  })

  it("security: a CRM's signed VQL reads only its own connection's case requests and no other Medical data (B2)", async () => {
    const fromNa = await signedQuery(na, 'SELECT id, crm_id__v, crm_org__v FROM case_request__v')
    expect(fromNa.responseStatus, JSON.stringify(fromNa)).toBe('SUCCESS')
    expect((fromNa.data as Json[]).map((r) => r.crm_id__v)).toEqual([naInquiry])
    // Nor through a subquery or a nested subquery of cases.
    const nested = await signedQuery(
      na,
      `SELECT id, (SELECT crm_id__v FROM case_requests__vr) FROM case__v WHERE id IN (SELECT case__v FROM case_request__v WHERE crm_org__v = '${eu.vault.id}')`,
    )
    expect(nested.responseStatus, JSON.stringify(nested)).toBe('SUCCESS')
    expect(nested.data).toEqual([])
    for (const q of [
      'SELECT id, first_name__v FROM case_contact__v',
      'SELECT id FROM person_information__v',
      'SELECT id, username__sys FROM user__sys',
      'SELECT id FROM connection_country__v',
      'SELECT id FROM integration_rule__sys',
    ]) {
      const refused = await signedQuery(na, q)
      expect(errorType(refused), `${q}: ${JSON.stringify(refused)}`).toBe('INSUFFICIENT_ACCESS')
    }
  })

  it('security: a sandbox CRM reads none of the production Medical Vault’s case data, only its content (B3)', async () => {
    for (const q of [
      'SELECT id FROM case_request__v',
      'SELECT id FROM case__v',
      'SELECT id FROM exception_item__sys',
    ]) {
      const refused = await signedQuery(sandbox, q)
      expect(errorType(refused), q).toBe('INSUFFICIENT_ACCESS')
      expect(JSON.stringify(refused)).toContain('sandbox')
    }
    const content = await signedQuery(sandbox, 'SELECT id FROM documents')
    expect(content.responseStatus, JSON.stringify(content)).toBe('SUCCESS')
  })

  it('security: a connection pages its queries by GET as by POST, and its signed calls read no record collection, user or domain', async () => {
    const made = await medical.call('POST', '/vobjects/product__v', [
      { name__v: 'Paged product 1' },
      { name__v: 'Paged product 2' },
      { name__v: 'Paged product 3' },
    ])
    expect(made.responseStatus, JSON.stringify(made)).toBe('SUCCESS')
    const first = await signedQuery(na, 'SELECT id FROM product__v ORDER BY id ASC PAGESIZE 2')
    expect(first.responseStatus, JSON.stringify(first)).toBe('SUCCESS')
    const next = (first.responseDetails as Json | undefined)?.next_page as string | undefined
    expect(next, JSON.stringify(first)).toMatch(/^\/api\/v25\.2\/query\//)
    const byGet = await signedCall(na, 'GET', next!.slice(API.length), undefined)
    const byPost = await signedCall(na, 'POST', next!.slice(API.length), undefined)
    expect(byGet.responseStatus, JSON.stringify(byGet)).toBe('SUCCESS')
    expect(byGet.data).toEqual(byPost.data)
    for (const path of [
      '/vobjects/case__v',
      '/objects/users',
      '/objects/users/me',
      '/objects/domain',
      '/limits',
    ]) {
      const refused = await signedCall(na, 'GET', path, undefined)
      expect(errorType(refused), `${path}: ${JSON.stringify(refused)}`).toBe('INSUFFICIENT_ACCESS')
    }
  })

  it("security: a signed write from one CRM cannot point a case request at another CRM's inquiry", async () => {
    const request = await caseRequestOf(na, naInquiry)
    const body = await signedCall(na, 'PUT', '/vobjects/case_request__v', [
      { id: String(request.id), crm_id__v: euDraft, crm_org__v: String(eu.vault.id) },
    ])
    expect(body.responseStatus).not.toBe('SUCCESS')
    expect(errorType(body)).toBe('INSUFFICIENT_ACCESS')
    expect(await caseRequestOf(na, naInquiry)).toEqual(request)
  })

  it("security: no person in the Medical Vault can point a case request at another CRM's inquiry", async () => {
    // As the admin, who may edit case requests: the fields are the connection's, whoever asks.
    const request = await caseRequestOf(na, naInquiry)
    for (const values of [
      { crm_id__v: euDraft },
      { crm_org__v: String(eu.vault.id) },
      { connection__sys: on['crm-eu']!.onMedical.id },
    ]) {
      const body = await medical.call('PUT', '/vobjects/case_request__v', [
        { id: String(request.id), ...values },
      ])
      expect(errorType(body), JSON.stringify(body)).toBe('INVALID_DATA')
      expect(JSON.stringify(body)).toContain('written only by the connection')
    }
    expect(await caseRequestOf(na, naInquiry)).toEqual(request)
  })

  it('security: a pulled case request is applied only to an inquiry this CRM transferred and whose case matches (B12, B13)', async () => {
    // Written past every guard (as a compromised process or a restored backup could): case
    // requests of crm-eu's connection that point at its never-transferred draft, and at its
    // transferred inquiry under another case.
    const euConnection = on['crm-eu']!.onMedical
    const transferred = await caseRequestOf(eu, euInquiry)
    const [foreignCase] = await medical.vault.records.create(SYSTEM_ACTOR, 'case__v', [
      {
        case_contact__v: await medical.vault.storage.db
          .selectFrom('case_contact__v')
          .select('id')
          .executeTakeFirstOrThrow()
          .then((r) => String(r.id)),
      },
    ])
    expect(foreignCase?.responseStatus, JSON.stringify(foreignCase)).toBe('SUCCESS')
    const planted = await medical.vault.records.create(SYSTEM_ACTOR, 'case_request__v', [
      {
        case__v: String(transferred.case__v),
        connection__sys: euConnection.id,
        crm_org__v: String(eu.vault.id),
        crm_id__v: euDraft,
        response_notes__v: 'Use double dose.',
      },
      {
        case__v: foreignCase!.id,
        connection__sys: euConnection.id,
        crm_org__v: String(eu.vault.id),
        crm_id__v: euInquiry,
        response_notes__v: 'Use triple dose.',
      },
    ])
    expect(planted.map((r) => r.responseStatus)).toEqual(['SUCCESS', 'SUCCESS'])
    const before = await inquiriesById(eu, [euInquiry!, euDraft!])
    await runCaseStatusPull(eu)
    const after = await inquiriesById(eu, [euInquiry!, euDraft!])
    expect(after.get(euDraft!), JSON.stringify(after.get(euDraft!))).toMatchObject({
      case_number__v: null,
      response_notes__v: null,
      transfer_status__v: [],
    })
    expect(after.get(euInquiry!)?.case_number__v).toBe(before.get(euInquiry!)?.case_number__v)
    expect(after.get(euInquiry!)?.response_notes__v).not.toBe('Use triple dose.')
  })

  it("security: the record service keeps a connection's own writes to its own records, whatever the flow asks", async () => {
    const na_ = on['crm-na']!.onMedical
    const asNa = {
      userId: na_.localIntegrationUserId,
      userName: na_.localIntegrationUserName,
      securityProfile: 'integration_user__sys' as const,
      connection: na_.apiName,
      connectionId: na_.id,
    }
    const euRequest = await caseRequestOf(eu, euInquiry)
    const [edit] = await medical.vault.records.update(asNa, 'case_request__v', [
      { id: String(euRequest.id), response_notes__v: 'Written through the wrong connection.' },
    ])
    expect(edit?.responseStatus, JSON.stringify(edit)).toBe('FAILURE')
    expect(edit?.errors?.[0]?.type).toBe('INSUFFICIENT_ACCESS')
    const [create] = await medical.vault.records.create(asNa, 'case_request__v', [
      { case__v: String(euRequest.case__v), connection__sys: on['crm-eu']!.onMedical.id, crm_id__v: euDraft },
    ])
    expect(create?.responseStatus).toBe('FAILURE')
    expect(await caseRequestOf(eu, euInquiry)).toEqual(euRequest)
    // Its own records it still writes.
    const naRequest = await caseRequestOf(na, naInquiry)
    const [own] = await medical.vault.records.update(asNa, 'case_request__v', [
      { id: String(naRequest.id), response_notes__v: 'Written through its own connection.' },
    ])
    expect(own?.responseStatus, JSON.stringify(own)).toBe('SUCCESS')
  })
})
