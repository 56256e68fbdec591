import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectedVaults, startConnectedVaults } from '../support/connected-vaults.js'

/**
 * Finding 9, in part: every profile could read `connection__sys` (public keys, token hashes, the
 * authorised user), the connections' rules and failed payloads, and every user of the vault.
 */
type Json = Record<string, unknown>
let v: ConnectedVaults

function errorType(body: Json): string | undefined {
  return (body.errors as { type: string }[] | undefined)?.[0]?.type
}

async function vql(profile: 'rep__v' | 'read_only__v' | 'admin__sys', q: string): Promise<Json> {
  return v.crm.call(profile, 'POST', '/query', new URLSearchParams({ q }))
}

beforeAll(async () => {
  v = await startConnectedVaults()
  // Each person exists before the reads, so "other users" are there to be seen.
  for (const profile of ['rep__v', 'read_only__v', 'admin__sys'] as const) await v.crm.login(profile)
}, 60_000)

afterAll(async () => {
  await v?.close()
})

describe('people read only what is theirs to read', () => {
  it("security: a rep or a read-only user cannot read the connection's keys, token, rules or failed payloads", async () => {
    for (const profile of ['rep__v', 'read_only__v'] as const)
      for (const q of [
        'SELECT id, remote_public_key__sys, connection_token_hash__sys, authorized_connection_user__sys FROM connection__sys',
        'SELECT id FROM integration_point__sys',
        'SELECT id FROM integration_rule__sys',
        'SELECT id FROM field_rule__sys',
        'SELECT id, message_body_json__sys FROM exception_message__sys',
      ]) {
        const body = await vql(profile, q)
        expect(errorType(body), `${profile}: ${q}: ${JSON.stringify(body)}`).toBe('INSUFFICIENT_ACCESS')
      }
    const record = await v.crm.call('rep__v', 'GET', `/vobjects/connection__sys/${v.onCrm.id}`)
    expect(errorType(record)).toBe('INSUFFICIENT_ACCESS')
    // The admin still manages them.
    const admin = await vql('admin__sys', 'SELECT id, remote_public_key__sys FROM connection__sys')
    expect((admin.data as Json[]).map((r) => r.id)).toEqual([v.onCrm.id])
  })

  it('security: a person other than an admin reads only their own user', async () => {
    const all = await vql('admin__sys', 'SELECT id, username__sys FROM user__sys')
    expect((all.data as Json[]).length).toBeGreaterThanOrEqual(4)
    const mine = await vql('rep__v', 'SELECT id, username__sys, email__sys FROM user__sys')
    expect((mine.data as Json[]).map((r) => r.username__sys)).toEqual(['rep@crm-na.test'])
    const admin = (all.data as Json[]).find((r) => r.username__sys === 'admin@crm-na.test')!
    const other = await v.crm.call('rep__v', 'GET', `/vobjects/user__sys/${String(admin.id)}`)
    expect(other.responseStatus).not.toBe('SUCCESS')
    const self = await v.crm.call(
      'rep__v',
      'GET',
      `/vobjects/user__sys/${String((mine.data as Json[])[0]!.id)}`,
    )
    expect(self.responseStatus, JSON.stringify(self)).toBe('SUCCESS')
  })
})
