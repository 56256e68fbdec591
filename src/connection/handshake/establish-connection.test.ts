import { generateKeyPairSync, sign } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { medicalProfile } from '../../apps/medical/index.js'
import { isLiaisonError } from '../../platform/errors/index.js'
import {
  type IncomingSignedRequest,
  type RequestSigner,
  signRequest,
} from '../../platform/messaging/index.js'
import { SYSTEM_ACTOR, Vault } from '../../platform/vault/index.js'
import { completeHandshake, createPendingConnection } from './establish-connection.js'

const PATH = '/api/v25.2/services/connections/handshake'

function remoteVault(vaultId: string) {
  const pair = generateKeyPairSync('ed25519')
  const signer: RequestSigner = { vaultId, sign: (d) => sign(null, d, pair.privateKey).toString('base64') }
  return { signer, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ACCEPTED',
    (error: unknown) => (isLiaisonError(error) ? error.vaultType : String(error)),
  )
}

describe('B1: the handshake endpoint of the issuing vault', () => {
  let database: TestDatabase
  let vault: Vault

  beforeAll(async () => {
    database = await createTestDatabase('handshake')
    vault = await Vault.open({
      name: 'medical',
      profile: medicalProfile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      runJobs: false,
    })
  })

  afterAll(async () => {
    await vault.close()
    await database.drop()
  })

  function handshake(
    remote: ReturnType<typeof remoteVault>,
    body: Record<string, unknown>,
    signer: RequestSigner = remote.signer,
  ): IncomingSignedRequest {
    const text = JSON.stringify({
      vault_name: 'crm-na',
      url: 'http://127.0.0.1:4101',
      environment: 'production',
      public_key: remote.publicKeyPem,
      integration_user: 'integration@crm-na.liaison.local',
      remote_connection_id: 'V0C000000000009',
      api_name: 'medical_crm__v',
      vault_id: remote.signer.vaultId,
      ...body,
    })
    const headers = signRequest(signer, vault.clock, {
      method: 'POST',
      path: PATH,
      body: text,
      recipientVaultId: String(vault.id),
    })
    return {
      method: 'POST',
      path: PATH,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: new TextEncoder().encode(text),
    }
  }

  it('B1: the right secret, signed by the key it presents, activates the pending connection once', async () => {
    const pending = await createPendingConnection(vault, SYSTEM_ACTOR, {
      apiName: 'medical_crm__v_crm_na',
      localUrl: 'http://127.0.0.1:4100',
    })
    expect(pending.connection.status).toBe('pending__sys')
    const remote = remoteVault('777')
    const body = { connection_id: pending.file.connection_id, secret: pending.file.secret }

    expect(await outcome(completeHandshake(vault, handshake(remote, { ...body, secret: 'wrong' })))).toBe(
      'OPERATION_NOT_ALLOWED',
    )
    const stranger = remoteVault('777')
    expect(await outcome(completeHandshake(vault, handshake(remote, body, stranger.signer)))).toBe(
      'INVALID_SESSION_ID',
    )
    const request = handshake(remote, body)
    const answer = await completeHandshake(vault, request)
    expect(answer).toMatchObject({ vault_id: String(vault.id), api_name: 'medical_crm__v_crm_na' })
    expect(await outcome(completeHandshake(vault, request))).toBe('INVALID_SESSION_ID')
    expect(await outcome(completeHandshake(vault, handshake(remote, body)))).toBe('OPERATION_NOT_ALLOWED')

    const connection = await vault.messaging.connection(pending.connection.id)
    expect(connection).toMatchObject({
      status: 'active__v',
      remoteVaultId: '777',
      remoteName: 'crm-na',
      remoteUrl: 'http://127.0.0.1:4101',
      remoteEnvironment: 'production',
      remotePublicKey: remote.publicKeyPem,
      remoteIntegrationUser: 'integration@crm-na.liaison.local',
    })
    expect(connection!.localIntegrationUserName).toBe(answer.integration_user)
    const row = await vault.storage.db
      .selectFrom('connection__sys')
      .select('connection_token_hash__sys')
      .where('id', '=', pending.connection.id)
      .executeTakeFirstOrThrow()
    expect(row.connection_token_hash__sys).toBeNull()
  })

  it('B1: a token meant for one vault is refused to another; a vault is connected once', async () => {
    const pending = await createPendingConnection(vault, SYSTEM_ACTOR, {
      localUrl: 'http://127.0.0.1:4100',
      remoteVaultId: '888',
    })
    expect(pending.connection.apiName).toBe('medical_crm__v')
    const body = { connection_id: pending.file.connection_id, secret: pending.file.secret }
    expect(await outcome(completeHandshake(vault, handshake(remoteVault('889'), body)))).toBe(
      'OPERATION_NOT_ALLOWED',
    )
    const again = await createPendingConnection(vault, SYSTEM_ACTOR, { localUrl: 'http://127.0.0.1:4100' })
    expect(again.connection.apiName).toBe('medical_crm__v_2')
    const already = { connection_id: again.file.connection_id, secret: again.file.secret }
    expect(await outcome(completeHandshake(vault, handshake(remoteVault('777'), already)))).toBe(
      'OPERATION_NOT_ALLOWED',
    )
  })

  it('B1: a sandbox is recorded as a sandbox', async () => {
    const pending = await createPendingConnection(vault, SYSTEM_ACTOR, {
      apiName: 'medical_crm__v_crm_sandbox',
      localUrl: 'http://127.0.0.1:4100',
    })
    const remote = remoteVault('999')
    await completeHandshake(
      vault,
      handshake(remote, {
        connection_id: pending.file.connection_id,
        secret: pending.file.secret,
        environment: 'sandbox',
        vault_name: 'crm-sandbox',
      }),
    )
    expect((await vault.messaging.connection(pending.connection.id))?.remoteEnvironment).toBe('sandbox')
  })
})
