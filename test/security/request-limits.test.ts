// Issue 10, finding 6: one authenticated request must not freeze every vault in the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JSON_BODY_KEYS_MAX } from '../../src/api/json-body.js'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { RECORD_ERRORS_MAX, RECORD_FIELDS_MAX } from '../../src/platform/records/index.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>
type Result = { responseStatus: string; errors?: { type: string; message: string }[] }

let medical: TestVault
let crm: TestVault
let medicalUrl: string
let crmUrl: string
let agent: string

beforeAll(async () => {
  medical = await openTestVault(medicalProfile)
  crm = await openTestVault(crmProfile)
  agent = await medical.login('medical_information_agent__v')
  // Real sockets: a request that holds the event loop holds every vault of the process.
  medicalUrl = await medical.app.listen({ port: 0, host: '127.0.0.1' })
  crmUrl = await crm.app.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await medical?.close()
  await crm?.close()
})

async function postRecords(body: string): Promise<{ ms: number; json: Json; bytes: number }> {
  const started = performance.now()
  const response = await fetch(`${medicalUrl}${API}/vobjects/case_contact__v`, {
    method: 'POST',
    headers: { authorization: agent, 'content-type': 'application/json' },
    body,
  })
  const text = await response.text()
  return { ms: performance.now() - started, json: JSON.parse(text) as Json, bytes: text.length }
}

/** Calls the CRM's `GET /api/` one after another until `done` settles; answers each call's time. */
async function pollOtherVault(done: Promise<unknown>): Promise<number[]> {
  let finished = false
  void done.finally(() => {
    finished = true
  })
  const times: number[] = []
  while (!finished) {
    const started = performance.now()
    const response = await fetch(`${crmUrl}/api`)
    expect(((await response.json()) as Json).responseStatus).toBe('SUCCESS')
    times.push(performance.now() - started)
  }
  return times
}

function unknownKeys(count: number): Json {
  const record: Json = { name__v: 'Many Keys', first_name__v: 'Many', last_name__v: 'Keys' }
  for (let i = 0; i < count; i++) record[`k${i}`] = 'v'
  return record
}

function normalRecords(count: number): Json[] {
  return Array.from({ length: count }, (_, i) => ({
    name__v: `Contact ${i}`,
    first_name__v: 'Contact',
    last_name__v: String(i),
    institution__v: 'General Hospital',
  }))
}

describe('B23: request limits (issue 10, finding 6)', () => {
  it('security: a record with 300,000 unknown keys is refused at once with one error, and another vault in the process still answers', async () => {
    const big = JSON.stringify([unknownKeys(300_000)])
    expect(big.length).toBeLessThan(5 * 1024 * 1024) // under the body limit: the field limit must refuse it
    // A normal heavy call for comparison: the largest bulk create of ordinary records.
    const normal = await postRecords(JSON.stringify(normalRecords(500)))
    expect(normal.json.responseStatus).toBe('SUCCESS')

    // Alone first, so its time is its own; then again while the other vault is being called.
    const { ms, json, bytes } = await postRecords(big)
    const refusal = postRecords(big)
    const otherVault = await pollOtherVault(refusal)
    expect((await refusal).json.responseStatus).toBe('FAILURE')
    console.info(
      `finding 6: refusal ${Math.round(ms)} ms (${bytes} bytes), normal 500-record create ${Math.round(normal.ms)} ms, other vault's GET /api/ ${otherVault.map(Math.round).join(', ')} ms`,
    )
    // Refused as a whole, with one error naming the limit, before the body is parsed.
    expect(json.responseStatus).toBe('FAILURE')
    const errors = json.errors as Result['errors']
    expect(errors).toHaveLength(1)
    expect(errors![0]!.type).toBe('INVALID_DATA')
    expect(errors![0]!.message).toContain(`more than ${JSON_BODY_KEYS_MAX} keys`)
    expect(bytes).toBeLessThan(2_000)
    // Refusing it costs no more than a normal heavy call (within a margin for a busy machine;
    // before the limits it took ten times as long), and the other vault kept answering meanwhile.
    expect(ms).toBeLessThan(3 * normal.ms)
    expect(otherVault.length).toBeGreaterThanOrEqual(1)
    expect(Math.max(...otherVault)).toBeLessThan(3 * normal.ms)
  })

  it('security: a record with more than 500 fields is refused with one error, the others are checked', async () => {
    const { json } = await postRecords(
      JSON.stringify([unknownKeys(RECORD_FIELDS_MAX + 1), normalRecords(1)[0]]),
    )
    const [tooMany, fine] = json.data as Result[]
    expect(tooMany!.errors).toHaveLength(1)
    expect(tooMany!.errors![0]!.message).toContain(`more than ${RECORD_FIELDS_MAX} fields`)
    expect(fine!.responseStatus).toBe('SUCCESS')
    const header = Array.from({ length: 100_000 }, (_, i) => `k${i}`).join(',')
    const csv = await medical.call('POST', `${API}/vobjects/case_contact__v`, {
      session: agent,
      body: `${header}\r\n${','.repeat(99_999)}\r\n`,
    })
    expect(csv.body.responseStatus).toBe('FAILURE')
    expect(csv.body.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining(`at most ${RECORD_FIELDS_MAX} fields`) }),
    ])
  })

  it('security: errors per record are capped', async () => {
    const record = unknownKeys(RECORD_FIELDS_MAX - 10)
    const { json, bytes } = await postRecords(JSON.stringify([record, record]))
    const results = json.data as Result[]
    expect(results).toHaveLength(2)
    for (const result of results) {
      expect(result.responseStatus).toBe('FAILURE')
      expect(result.errors).toHaveLength(RECORD_ERRORS_MAX + 1)
      expect(result.errors![0]!.message).toContain('Field k0 does not exist')
      const rest = RECORD_FIELDS_MAX - 10 - RECORD_ERRORS_MAX
      expect(result.errors![RECORD_ERRORS_MAX]!.message).toMatch(new RegExp(`^… and ${rest} more errors`))
    }
    expect(bytes).toBeLessThan(20_000)
  })

  it('security: a JSON body over 5 MB is refused before it is parsed', async () => {
    const big = JSON.stringify(
      normalRecords(1).map((r) => ({ ...r, institution__v: 'x'.repeat(6 * 1024 * 1024) })),
    )
    const response = await fetch(`${medicalUrl}${API}/vobjects/case_contact__v`, {
      method: 'POST',
      headers: { authorization: agent, 'content-type': 'application/json', 'x-liaison-http-status': 'true' },
      body: big,
    })
    expect(response.status).toBe(413)
    const json = (await response.json()) as { errors: { type: string }[] }
    expect(json.errors[0]!.type).toBe('INVALID_DATA')
  })
})
