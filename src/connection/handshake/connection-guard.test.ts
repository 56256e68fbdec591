import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { crmProfile } from '../../apps/crm/index.js'
import { SYSTEM_ACTOR, Vault } from '../../platform/vault/index.js'
import { connectionVaultOf, installMedicalCrmConnection } from '../medical-crm-connection.js'
import { connectionGuard } from './connection-guard.js'

describe('the connection guard (installed with the connection)', () => {
  const admin = { userId: 'V0U1', userName: 'admin', securityProfile: 'admin__sys' as const }
  let database: TestDatabase
  let vault: Vault

  async function createConnection(apiName: string, status: string): Promise<string> {
    const [created] = await vault.records.create(SYSTEM_ACTOR, 'connection__sys', [
      {
        name__v: apiName,
        api_name__sys: apiName,
        connection_type__sys: 'vault_to_vault__sys',
        status__v: status,
        remote_vault_id__sys: '424242',
        remote_vault_url__sys: 'http://127.0.0.1:9',
        remote_vault_name__sys: 'medical',
        remote_environment__sys: 'production__sys',
      },
    ])
    return created!.id!
  }

  beforeAll(async () => {
    database = await createTestDatabase('connection-guard')
    vault = await Vault.open({
      name: 'crm-guard',
      profile: crmProfile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      runJobs: false,
      setup: [(v) => installMedicalCrmConnection(connectionVaultOf(v), 'crm')],
    })
  })

  afterAll(async () => {
    await vault.close()
    await database.drop()
  })

  it('B1: the connection type and the remote identity cannot be changed by people', async () => {
    const connectionId = await createConnection('medical_crm__v', 'active__v')
    const [identity] = await vault.records.update(admin, 'connection__sys', [
      { id: connectionId, remote_vault_id__sys: '1' },
    ])
    expect(identity!.responseStatus).toBe('FAILURE')
    expect(identity!.errors![0]!.type).toBe('OPERATION_NOT_ALLOWED')
    expect(identity!.errors![0]!.message).toMatch(/remote_vault_id__sys .* set by the handshake/)
    // Its one picklist value leaves no other type to write: the rule is checked on the guard itself.
    const typeChange = { operation: 'edit', fields: ['connection_type__sys'] } as const
    expect(connectionGuard({ api_name__sys: 'medical_crm__v' }, typeChange, SYSTEM_ACTOR)).toMatch(
      /connection type of medical_crm__v cannot be changed/,
    )
    const [name] = await vault.records.update(admin, 'connection__sys', [
      { id: connectionId, name__v: 'Medical (renamed)' },
    ])
    expect(name!.responseStatus).toBe('SUCCESS')
  })

  it('B1: a pending connection becomes active only by the handshake', async () => {
    const pendingId = await createConnection('medical_crm__v_pending', 'pending__sys')
    const [activated] = await vault.records.update(admin, 'connection__sys', [
      { id: pendingId, status__v: 'active__v' },
    ])
    expect(activated!.errors?.[0]?.message).toMatch(/is pending: it becomes active only when/)
    const [byVault] = await vault.records.update(SYSTEM_ACTOR, 'connection__sys', [
      { id: pendingId, status__v: 'active__v' },
    ])
    expect(byVault!.responseStatus).toBe('SUCCESS')
  })
})
