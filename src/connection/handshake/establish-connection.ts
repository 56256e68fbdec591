import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { isoTimestamp } from '../../platform/clock/index.js'
import { type ErrorCode, LiaisonError } from '../../platform/errors/index.js'
import {
  type ConnectionInfo,
  claimedVaultId,
  ENVIRONMENT_VALUES,
  type IncomingSignedRequest,
  isSuccess,
  REMOTE_ENVIRONMENTS,
  type RemoteEnvironment,
  remoteFailure,
  sendSigned,
} from '../../platform/messaging/index.js'
import type { RecordActor, RecordResult } from '../../platform/records/index.js'
import type { VaultDb } from '../../platform/storage/index.js'
import { SYSTEM_ACTOR, type Vault } from '../../platform/vault/index.js'
import {
  assertTokenUnexpired,
  CONNECTION_FILE_FORMAT,
  type ConnectionFile,
  encodeConnectionToken,
  hashSecret,
  parseConnectionFile,
  secretMatches,
  tokenExpiry,
} from './connection-token.js'
import { ensureIntegrationUser } from './integration-user.js'

/** The API name a connection gets unless the admin names it (spec/data-model.md). */
export const DEFAULT_CONNECTION_API_NAME = 'medical_crm__v'
/** The handshake endpoint under `/api/{version}`. */
export const HANDSHAKE_PATH = '/services/connections/handshake'

const API_NAME_RE = /^[a-z][a-z0-9_]{0,126}[a-z0-9]$/

export interface PendingConnectionInput {
  /** `api_name__sys`. (Default: medical_crm__v, or a free variant of it) */
  readonly apiName?: string
  readonly name?: string
  /** The remote vault's origin, when known; the handshake records what the remote says. */
  readonly remoteUrl?: string
  /** When set, only the vault with this id may accept the token (as Vault's Remote Vault ID). */
  readonly remoteVaultId?: string
  /** Username of the local user the remote vault will call back as. (Default: the integration user) */
  readonly integrationUser?: string
  /** This vault's origin as the remote vault reaches it (`http://127.0.0.1:4100`). */
  readonly localUrl: string
}

export interface PendingConnection {
  readonly connection: ConnectionInfo
  /** The one-time token to give the admin of the remote vault (base64url of the file). */
  readonly token: string
  readonly file: ConnectionFile
}

export interface AcceptInput {
  /** A connection token, or the connection file as JSON text or object. */
  readonly token: unknown
  /** `api_name__sys` of this vault's record. (Default: medical_crm__v, or medical_crm__v_{remote name}) */
  readonly apiName?: string
  readonly name?: string
  readonly integrationUser?: string
  /** This vault's origin as the remote vault reaches it. */
  readonly localUrl: string
}

/** What the accepting vault sends to the handshake endpoint of the issuing vault. */
interface HandshakeBody {
  readonly format: typeof CONNECTION_FILE_FORMAT
  readonly connection_id: string
  readonly secret: string
  readonly vault_id: string
  readonly vault_name: string
  readonly url: string
  readonly environment: RemoteEnvironment
  readonly public_key: string
  readonly integration_user: string
  readonly remote_connection_id: string
  readonly api_name: string
}

/** What the issuing vault answers. */
export interface HandshakeAnswer {
  readonly connection_id: string
  readonly api_name: string
  readonly vault_id: string
  readonly vault_name: string
  readonly environment: RemoteEnvironment
  readonly integration_user: string
}

const VAULT_TYPE_CODES: Readonly<Record<string, ErrorCode>> = {
  ITEM_NAME_EXISTS: 'UNIQUE_VIOLATION',
  INSUFFICIENT_ACCESS: 'ACCESS_DENIED',
  OPERATION_NOT_ALLOWED: 'OPERATION_NOT_ALLOWED',
}

function written(result: RecordResult | undefined, what: string): string {
  if (result?.id !== undefined && result.responseStatus !== 'FAILURE') return result.id
  const error = result?.errors?.[0]
  throw new LiaisonError(
    VAULT_TYPE_CODES[error?.type ?? ''] ?? 'FIELD_TYPE',
    `${what}: ${error?.message ?? 'no result'}`,
  )
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

function assertApiName(apiName: string): string {
  if (!API_NAME_RE.test(apiName))
    throw new LiaisonError(
      'FIELD_TYPE',
      `"${apiName}" is not a connection API name: use lower-case letters, digits and underscores (e.g. medical_crm__v).`,
    )
  return apiName
}

function assertOrigin(url: string, what: string): string {
  const trimmed = url.trim().replace(/\/+$/, '')
  if (!/^https?:\/\/[^/\s?#]+$/.test(trimmed))
    throw new LiaisonError(
      'FIELD_TYPE',
      `${what} must be an http(s) origin such as http://127.0.0.1:4100, got "${url}".`,
    )
  return trimmed
}

/** A free API name: the default, then one named after the remote vault, then numbered. */
async function freeApiName(db: Kysely<VaultDb>, remoteName: string | undefined): Promise<string> {
  const rows = await db.selectFrom('connection__sys').select('api_name__sys').execute()
  const taken = new Set(rows.map((r) => String(r.api_name__sys)))
  const candidates = [
    DEFAULT_CONNECTION_API_NAME,
    ...(remoteName === undefined || slug(remoteName) === ''
      ? []
      : [`${DEFAULT_CONNECTION_API_NAME}_${slug(remoteName)}`]),
  ]
  for (const c of candidates) if (!taken.has(c)) return c
  for (let n = 2; ; n++)
    if (!taken.has(`${DEFAULT_CONNECTION_API_NAME}_${n}`)) return `${DEFAULT_CONNECTION_API_NAME}_${n}`
}

/** The connection, read through `db` (the caller's transaction, or the vault's database). */
async function requireConnection(
  vault: Vault,
  id: string,
  db: Kysely<VaultDb> = vault.storage.db,
): Promise<ConnectionInfo> {
  const connection = await vault.messaging.connection(id, db)
  if (connection === undefined)
    throw new LiaisonError('RECORD_NOT_FOUND', `No connection__sys record has id ${id}.`)
  return connection
}

/**
 * B1, first step: creates a pending `connection__sys` record and the one-time connection token
 * that the admin of the remote vault accepts. Only the SHA-256 of the token's secret is stored.
 */
export async function createPendingConnection(
  vault: Vault,
  actor: RecordActor,
  input: PendingConnectionInput,
): Promise<PendingConnection> {
  vault.records.assertAccess(actor, 'connection__sys', 'create')
  const localUrl = assertOrigin(input.localUrl, 'This vault URL')
  const remoteUrl =
    input.remoteUrl === undefined ? undefined : assertOrigin(input.remoteUrl, 'remote_vault_url__sys')
  const apiName =
    input.apiName === undefined
      ? await freeApiName(vault.storage.db, undefined)
      : assertApiName(input.apiName)
  const user = await ensureIntegrationUser(vault, apiName, input.integrationUser)
  const secret = randomBytes(32).toString('base64url')
  const [result] = await vault.records.create(actor, 'connection__sys', [
    {
      name__v: input.name ?? `Medical-CRM connection ${apiName}`,
      api_name__sys: apiName,
      connection_type__sys: 'vault_to_vault__sys',
      status__v: 'pending__sys',
      remote_vault_url__sys: remoteUrl ?? null,
      remote_vault_id__sys: input.remoteVaultId ?? null,
      authorized_connection_user__sys: user.id,
      local_public_key__sys: vault.messaging.publicKeyPem,
      connection_token_hash__sys: hashSecret(secret),
    },
  ])
  const id = written(result, `Connection ${apiName} could not be created`)
  const connection = await requireConnection(vault, id)
  const file: ConnectionFile = {
    format: CONNECTION_FILE_FORMAT,
    connection_id: id,
    api_name: apiName,
    vault_id: String(vault.id),
    vault_name: vault.name,
    url: localUrl,
    environment: vault.environment,
    public_key: vault.messaging.publicKeyPem,
    integration_user: user.username,
    secret,
    issued_date: isoTimestamp(vault.clock),
    expires_date: tokenExpiry(vault.clock.now()),
  }
  return { connection, token: encodeConnectionToken(file), file }
}

/**
 * B1, second step, in the accepting vault: records the remote vault from its token, then calls its
 * handshake endpoint signed with this vault's key (no transaction is held across the call). When
 * the remote accepts, this side becomes active too; when it refuses, this side's pending record is
 * removed and the remote's reason is thrown.
 */
export async function acceptConnectionToken(
  vault: Vault,
  actor: RecordActor,
  input: AcceptInput,
): Promise<ConnectionInfo> {
  vault.records.assertAccess(actor, 'connection__sys', 'create')
  const file = parseConnectionFile(input.token)
  // Early, before any record; the issuing vault decides by its own record (the file is not signed).
  if (file.expires_date !== '')
    assertTokenUnexpired(file.expires_date, vault.clock.now(), `vault ${file.vault_name}`)
  const localUrl = assertOrigin(input.localUrl, 'This vault URL')
  if (file.vault_id === String(vault.id))
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `The token was issued by this vault (${vault.name}); give it to the other vault's admin.`,
    )
  const existing = await vault.messaging.connectionByRemoteVault(file.vault_id)
  if (existing?.status === 'active__v')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Vault ${file.vault_name} (${file.vault_id}) is already connected through ${existing.apiName}; deactivate that connection before establishing another.`,
    )
  const apiName =
    input.apiName === undefined
      ? await freeApiName(vault.storage.db, file.vault_name)
      : assertApiName(input.apiName)
  const user = await ensureIntegrationUser(vault, apiName, input.integrationUser)
  const [result] = await vault.records.create(actor, 'connection__sys', [
    {
      name__v: input.name ?? `Medical-CRM connection with ${file.vault_name}`,
      api_name__sys: apiName,
      connection_type__sys: 'vault_to_vault__sys',
      status__v: 'pending__sys',
      remote_vault_id__sys: file.vault_id,
      remote_vault_url__sys: file.url,
      remote_vault_name__sys: file.vault_name,
      remote_environment__sys: ENVIRONMENT_VALUES[file.environment],
      remote_public_key__sys: file.public_key,
      remote_connection_user__sys: file.integration_user,
      authorized_connection_user__sys: user.id,
      local_public_key__sys: vault.messaging.publicKeyPem,
    },
  ])
  const id = written(result, `Connection ${apiName} could not be created`)
  const body: HandshakeBody = {
    format: CONNECTION_FILE_FORMAT,
    connection_id: file.connection_id,
    secret: file.secret,
    vault_id: String(vault.id),
    vault_name: vault.name,
    url: localUrl,
    environment: vault.environment,
    public_key: vault.messaging.publicKeyPem,
    integration_user: user.username,
    remote_connection_id: id,
    api_name: apiName,
  }
  let answer: HandshakeAnswer
  try {
    const response = await sendSigned(vault.messaging.signer, vault.clock, {
      baseUrl: file.url,
      // Signed for the issuing vault, known from its token, like any later request.
      recipientVaultId: file.vault_id,
      method: 'POST',
      path: HANDSHAKE_PATH,
      body,
      remoteName: `Vault ${file.vault_name} (${file.url})`,
    })
    if (!isSuccess(response.body)) throw remoteFailure(`Vault ${file.vault_name} (${file.url})`, response)
    answer = parseAnswer(response.body.data, file)
  } catch (error) {
    await vault.records.delete(SYSTEM_ACTOR, 'connection__sys', [id])
    throw error
  }
  const actorOf = { ...SYSTEM_ACTOR, connection: apiName }
  await vault.storage.db.transaction().execute(async (trx) => {
    const [updated] = await vault.records.updateIn(trx, actorOf, 'connection__sys', [
      {
        id,
        values: {
          status__v: 'active__v',
          remote_connection_user__sys: answer.integration_user,
          established_date__sys: isoTimestamp(vault.clock),
        },
      },
    ])
    written(updated, `Connection ${apiName} could not be activated`)
    await vault.messaging.connectionEstablished(trx, await requireConnection(vault, id, trx))
  })
  return requireConnection(vault, id)
}

function parseAnswer(data: unknown, file: ConnectionFile): HandshakeAnswer {
  const v = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
  if (String(v.vault_id ?? '') !== file.vault_id)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `The vault at ${file.url} answered as vault ${String(v.vault_id)}, not ${file.vault_id} that issued the token; check the URL.`,
    )
  return {
    connection_id: String(v.connection_id ?? file.connection_id),
    api_name: String(v.api_name ?? file.api_name),
    vault_id: file.vault_id,
    vault_name: String(v.vault_name ?? file.vault_name),
    environment: v.environment === 'sandbox' ? 'sandbox' : 'production',
    integration_user: String(v.integration_user ?? file.integration_user),
  }
}

function parseHandshakeBody(bytes: Uint8Array): HandshakeBody {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch {
    throw new LiaisonError('BODY_MALFORMED', 'The handshake body is not JSON.')
  }
  if (typeof value !== 'object' || value === null)
    throw new LiaisonError('BODY_MALFORMED', 'The handshake body must be a JSON object.')
  const v = value as Record<string, unknown>
  const text = (name: string): string => {
    const x = v[name]
    if (typeof x !== 'string' || x === '')
      throw new LiaisonError('BODY_MALFORMED', `The handshake body has no ${name}.`)
    return x
  }
  const environment = text('environment')
  if (!(REMOTE_ENVIRONMENTS as readonly string[]).includes(environment))
    throw new LiaisonError('BODY_MALFORMED', `The handshake names an unknown environment "${environment}".`)
  return {
    format: CONNECTION_FILE_FORMAT,
    connection_id: text('connection_id'),
    secret: text('secret'),
    vault_id: text('vault_id'),
    vault_name: text('vault_name'),
    url: assertOrigin(text('url'), 'url'),
    environment: environment as RemoteEnvironment,
    public_key: text('public_key'),
    integration_user: text('integration_user'),
    remote_connection_id: text('remote_connection_id'),
    api_name: text('api_name'),
  }
}

/**
 * B1, the issuing vault's side of the handshake (`POST …/services/connections/handshake`, no
 * session): the request must be signed by the key it presents (B2), carry the secret of a pending
 * connection's token (used once), and come from the vault the connection expects, if it names one.
 * Records the remote vault and activates the connection in one transaction.
 */
export async function completeHandshake(
  vault: Vault,
  request: IncomingSignedRequest,
): Promise<HandshakeAnswer> {
  const body = parseHandshakeBody(request.body)
  if (claimedVaultId(request) !== body.vault_id)
    throw new LiaisonError(
      'SESSION_INVALID',
      'The handshake is signed for another vault than the one it names.',
    )
  await vault.messaging.verifySigned(request, body.public_key)
  const unknownToken = new LiaisonError(
    'OPERATION_NOT_ALLOWED',
    `The connection token is unknown, was already used, or its connection is no longer pending in vault ${vault.name}; ask its admin for a new token.`,
  )
  const row = await vault.storage.db
    .selectFrom('connection__sys')
    .select([
      'id',
      'status__v',
      'connection_token_hash__sys',
      'remote_vault_id__sys',
      'api_name__sys',
      'created_date__v',
    ])
    .where('id', '=', body.connection_id)
    .executeTakeFirst()
  if (
    row === undefined ||
    row.status__v !== 'pending__sys' ||
    typeof row.connection_token_hash__sys !== 'string' ||
    !secretMatches(body.secret, row.connection_token_hash__sys)
  )
    throw unknownToken
  // The token was issued with its pending connection; its expiry in the file is not trusted.
  assertTokenUnexpired(
    tokenExpiry(Date.parse(String(row.created_date__v))),
    vault.clock.now(),
    `vault ${vault.name}`,
  )
  if (
    row.remote_vault_id__sys !== null &&
    row.remote_vault_id__sys !== '' &&
    row.remote_vault_id__sys !== body.vault_id
  )
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Connection ${String(row.api_name__sys)} may be accepted only by vault ${String(row.remote_vault_id__sys)}, not ${body.vault_id}.`,
    )
  const other = await vault.messaging.connectionByRemoteVault(body.vault_id)
  if (other?.status === 'active__v')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Vault ${body.vault_name} (${body.vault_id}) is already connected to ${vault.name} through ${other.apiName}.`,
    )
  const id = String(row.id)
  const apiName = String(row.api_name__sys)
  const actor = { ...SYSTEM_ACTOR, connection: apiName }
  await vault.storage.db.transaction().execute(async (trx) => {
    // Claims the token first, so two handshakes with one token cannot both succeed.
    const claimed = await trx
      .updateTable('connection__sys')
      .set({ connection_token_hash__sys: null })
      .where('id', '=', id)
      .where('status__v', '=', 'pending__sys')
      .where('connection_token_hash__sys', '=', row.connection_token_hash__sys as string)
      .executeTakeFirst()
    if (Number(claimed.numUpdatedRows) === 0) throw unknownToken
    const [updated] = await vault.records.updateIn(trx, actor, 'connection__sys', [
      {
        id,
        values: {
          status__v: 'active__v',
          remote_vault_id__sys: body.vault_id,
          remote_vault_url__sys: body.url,
          remote_vault_name__sys: body.vault_name,
          remote_environment__sys: ENVIRONMENT_VALUES[body.environment],
          remote_public_key__sys: body.public_key,
          remote_connection_user__sys: body.integration_user,
          established_date__sys: isoTimestamp(vault.clock),
        },
      },
    ])
    written(updated, `Connection ${apiName} could not be activated`)
    await vault.messaging.connectionEstablished(trx, await requireConnection(vault, id, trx))
  })
  const connection = await requireConnection(vault, id)
  return {
    connection_id: id,
    api_name: apiName,
    vault_id: String(vault.id),
    vault_name: vault.name,
    environment: vault.environment,
    integration_user: connection.localIntegrationUserName,
  }
}

/** A vault served over HTTP: the vault and the origin it answers at. */
export interface ServedVaultRef {
  readonly vault: Vault
  readonly url: string
}

/**
 * B1 between two vaults this process serves, as an admin does it: Medical issues a connection
 * token, the CRM accepts it and completes the handshake over HTTP. `medicalUrl` is where the CRM
 * reaches Medical (a proxy, say). Throws unless both sides end active.
 */
export async function connectServedVaults(
  medical: ServedVaultRef,
  crm: ServedVaultRef,
  options: { readonly apiName?: string; readonly medicalUrl?: string } = {},
): Promise<{ readonly onMedical: ConnectionInfo; readonly onCrm: ConnectionInfo }> {
  const pending = await createPendingConnection(medical.vault, SYSTEM_ACTOR, {
    ...(options.apiName === undefined ? {} : { apiName: options.apiName }),
    remoteUrl: crm.url,
    remoteVaultId: String(crm.vault.id),
    localUrl: options.medicalUrl ?? medical.url,
  })
  const onCrm = await acceptConnectionToken(crm.vault, SYSTEM_ACTOR, {
    token: pending.token,
    localUrl: crm.url,
  })
  const onMedical = await medical.vault.messaging.connectionByRemoteVault(String(crm.vault.id))
  if (onMedical?.status !== 'active__v' || onCrm.status !== 'active__v')
    throw new LiaisonError(
      'INTERNAL',
      `The connection of ${medical.vault.name} and ${crm.vault.name} did not become active (Medical: ${onMedical?.status ?? 'none'}, CRM: ${onCrm.status}).`,
    )
  return { onMedical, onCrm }
}
