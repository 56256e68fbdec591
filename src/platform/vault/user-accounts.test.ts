import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../../test/support/test-vault.js'
import { crmProfile } from '../../apps/crm/index.js'
import { readRecordAudit } from '../audit/index.js'
import { createUser, resetPassword, SYSTEM_ACTOR } from './index.js'

const ACTOR = { userId: 'system', userName: 'System (liaison reset-password)' }

describe('resetting a password', () => {
  let t: TestVault

  beforeAll(async () => {
    t = await openTestVault(crmProfile)
  })

  afterAll(async () => {
    await t.close()
  })

  it("sets the new password, ends the user's sessions and audits it on the user record", async () => {
    const userId = await createUser(t.vault, SYSTEM_ACTOR, {
      username: 'riley@test.local',
      password: 'Old-Password-1',
      securityProfile: 'rep__v',
      firstName: 'Riley',
      lastName: 'Rep',
    })
    const { sessionId } = await t.vault.sessions.login('riley@test.local', 'Old-Password-1')
    await resetPassword(t.vault, ACTOR, 'riley@test.local', 'New-Password-2')
    await expect(t.vault.sessions.resolve(sessionId)).rejects.toThrow(/session was ended/)
    await expect(t.vault.sessions.login('riley@test.local', 'Old-Password-1')).rejects.toThrow()
    await expect(t.vault.sessions.login('riley@test.local', 'New-Password-2')).resolves.toBeDefined()
    const audit = await readRecordAudit(t.vault.storage.db, {
      objectName: 'user__sys',
      recordId: userId,
      limit: 10,
      offset: 0,
    })
    expect(audit.entries.map((e) => [e.user_name, e.event_description])).toContainEqual([
      ACTOR.userName,
      "Password of riley@test.local reset by System (liaison reset-password); the user's sessions ended.",
    ])
  })

  it('refuses an integration user, which logs in only through signed callbacks, and an unknown user', async () => {
    await createUser(t.vault, SYSTEM_ACTOR, {
      username: 'integration@test.local',
      password: 'Unused-Password-3',
      securityProfile: 'integration_user__sys',
      firstName: 'Integration',
      lastName: 'User',
    })
    await expect(resetPassword(t.vault, ACTOR, 'integration@test.local', 'Any-Password-4')).rejects.toThrow(
      /integration user: it logs in only through a connection's signed callbacks/,
    )
    await expect(resetPassword(t.vault, ACTOR, 'nobody@test.local', 'Any-Password-4')).rejects.toThrow(
      /has no user nobody@test.local/,
    )
  })
})
