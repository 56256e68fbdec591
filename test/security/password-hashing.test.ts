// Finding 9 (low): scrypt N = 2^14 was below current guidance.
import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { hashPassword, PASSWORD_COST } from '../../src/platform/security/index.js'
import { createUser, SYSTEM_ACTOR, Vault } from '../../src/platform/vault/index.js'
import { createTestDatabase } from '../support/databases.js'
import { API } from '../support/test-vault.js'

type Json = Record<string, unknown>

describe('security: password hashes follow current scrypt guidance', () => {
  it('security: a new hash carries N=2^15, r=8, p=3; an old N=2^14 hash still verifies and is upgraded at the next login', async () => {
    expect(PASSWORD_COST).toEqual({ n: 2 ** 15, r: 8, p: 3 })
    const database = await createTestDatabase('passwords')
    // The production default: no passwordCost, as every vault the CLI opens.
    const vault = await Vault.open({
      name: 'medical',
      profile: medicalProfile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      runJobs: false,
    })
    const app = await buildApp(vault)
    try {
      const hashOf = async (username: string) => {
        const row = await vault.storage.db
          .selectFrom('user__sys as u')
          .innerJoin('user_credential as c', 'c.user_id', 'u.id')
          .select(['u.id as id', 'c.password_hash as hash'])
          .where('u.username__sys', '=', username)
          .executeTakeFirstOrThrow()
        return { id: String(row.id), hash: String(row.hash) }
      }
      const login = async (username: string, password: string) =>
        (
          await app.inject({
            method: 'POST',
            url: `${API}/auth`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ username, password }).toString(),
          })
        ).json() as Json
      await createUser(vault, SYSTEM_ACTOR, {
        username: 'new@medical.test',
        password: 'Correct-Horse-9',
        securityProfile: 'medical_information_agent__v',
        firstName: 'New',
        lastName: 'User',
      })
      expect((await hashOf('new@medical.test')).hash).toMatch(/^scrypt\$32768\$8\$3\$/)

      // A user whose hash an older release wrote.
      await createUser(vault, SYSTEM_ACTOR, {
        username: 'old@medical.test',
        password: 'placeholder-1',
        securityProfile: 'medical_information_agent__v',
        firstName: 'Old',
        lastName: 'User',
      })
      const old = await hashOf('old@medical.test')
      const oldHash = await hashPassword('Old-Horse-7', { n: 2 ** 14, r: 8, p: 1 })
      await vault.storage.db
        .updateTable('user_credential')
        .set({ password_hash: oldHash })
        .where('user_id', '=', old.id)
        .execute()
      expect((await login('old@medical.test', 'wrong')).responseStatus).toBe('FAILURE')
      expect((await hashOf('old@medical.test')).hash).toBe(oldHash)
      const first = await login('old@medical.test', 'Old-Horse-7')
      expect(first.responseStatus, JSON.stringify(first)).toBe('SUCCESS')
      const upgraded = (await hashOf('old@medical.test')).hash
      expect(upgraded).toMatch(/^scrypt\$32768\$8\$3\$/)
      expect((await login('old@medical.test', 'Old-Horse-7')).responseStatus).toBe('SUCCESS')
      expect((await hashOf('old@medical.test')).hash).toBe(upgraded)
      const audit = await vault.storage.db
        .selectFrom('audit_trail')
        .select('event_description')
        .where('record_id', '=', old.id)
        .where('object_name', '=', 'user__sys')
        .execute()
      expect(audit.map((a) => a.event_description)).toContain(
        'Password hash upgraded at login to scrypt N=32768, r=8, p=3; the password is unchanged.',
      )
    } finally {
      await app.close()
      await vault.close()
      await database.drop()
    }
  })
})
