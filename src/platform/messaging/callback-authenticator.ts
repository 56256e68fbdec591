import type { Kysely } from 'kysely'
import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import { describeConnectionStatus, findConnectionByRemoteVault } from './connection-directory.js'
import type {
  CallbackIdentity,
  ConnectionInfo,
  IncomingSignedRequest,
  RemoteEnvironment,
} from './messaging-types.js'
import { claimedVaultId, type VerifiedRequest, verifySignedRequest } from './request-signing.js'
import { SeenRequests } from './seen-requests.js'

/** Reads and the VQL query endpoints (POST /query and its pages) are the calls that change nothing. */
function isReadOnlyCall(method: string, path: string): boolean {
  const m = method.toUpperCase()
  if (m === 'GET' || m === 'HEAD') return true
  return m === 'POST' && /^\/api\/[^/]+\/query(\/[^/?]+)?(\?.*)?$/.test(path)
}

/** B3: what a production vault answers a sandbox that tries to write to it. */
export function sandboxRefusal(connection: ConnectionInfo, what: string): LiaisonError {
  return new LiaisonError(
    'OPERATION_NOT_ALLOWED',
    `Vault ${connection.remoteName || connection.remoteVaultId} is a sandbox and this vault is production: a sandbox never populates a production vault (B3). Refused ${what}. Connect the sandbox to a sandbox vault instead.`,
    { details: { reason: 'SANDBOX_TO_PRODUCTION' } },
  )
}

/**
 * Checks signed requests from other vaults (B2): the Ed25519 signature, the timestamp window and
 * the request id (once only), and for callbacks the connection and integration user they run as.
 */
export class CallbackAuthenticator {
  readonly #db: Kysely<VaultDb>
  readonly #vaultId: string
  readonly #clock: Clock
  readonly #windowMs: number
  readonly #environment: RemoteEnvironment
  readonly #seen: SeenRequests

  constructor(options: {
    readonly db: Kysely<VaultDb>
    /** This vault's id: requests signed for another vault are refused. */
    readonly vaultId: string
    readonly clock: Clock
    readonly windowMs: number
    readonly environment: RemoteEnvironment
  }) {
    this.#db = options.db
    this.#vaultId = options.vaultId
    this.#clock = options.clock
    this.#windowMs = options.windowMs
    this.#environment = options.environment
    this.#seen = new SeenRequests({ db: this.#db, clock: this.#clock, windowMs: this.#windowMs })
  }

  /**
   * Verifies a request signed with the given public key and refuses a replay (B2); the handshake
   * uses it before the connection holds the key.
   */
  async verifySigned(request: IncomingSignedRequest, publicKeyPem: string): Promise<VerifiedRequest> {
    const verified = verifySignedRequest(
      request,
      { publicKeyPem, recipientVaultId: this.#vaultId },
      this.#clock,
      this.#windowMs,
    )
    await this.#seen.accept(verified)
    return verified
  }

  /** Verifies a request signed by the vault at the other end of the connection. */
  async verifyFrom(request: IncomingSignedRequest, connection: ConnectionInfo): Promise<void> {
    // A read changes nothing, so a replayed GET inside the signature window gains nothing; not
    // recording GETs spares the durable write (a commit, so an fsync) per file a CRM downloads.
    if (request.method === 'GET' || request.method === 'HEAD')
      verifySignedRequest(
        request,
        { publicKeyPem: connection.remotePublicKey, recipientVaultId: this.#vaultId },
        this.#clock,
        this.#windowMs,
      )
    else await this.verifySigned(request, connection.remotePublicKey)
  }

  /**
   * Authenticates a signed callback from a connected vault (B2): the signature with the key of the
   * connection to that vault, the timestamp window, the request id (once only, for anything but a
   * read), an active connection and an active integration user. The request then runs as that
   * user, and only reads: what it may read is its connection's grants (finding 2); a sandbox reads
   * a production vault's content only (B3).
   */
  async authenticateCallback(request: IncomingSignedRequest): Promise<CallbackIdentity> {
    const vaultId = claimedVaultId(request)
    const connection =
      vaultId === undefined ? undefined : await findConnectionByRemoteVault(this.#db, vaultId)
    if (connection === undefined || connection.remotePublicKey === '')
      throw new LiaisonError(
        'SESSION_INVALID',
        `This vault has no connection with vault ${vaultId ?? '(none named)'}; a signed request is accepted only from a connected vault. Establish the connection first (POST /api/{version}/services/connections).`,
      )
    await this.verifyFrom(request, connection)
    if (connection.status !== 'active__v')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Connection ${connection.apiName} with vault ${connection.remoteName || vaultId} is ${describeConnectionStatus(connection.status)}; callbacks need an active connection.`,
      )
    const user = await this.#db
      .selectFrom('user__sys')
      .select(['id', 'username__sys', 'security_profile__sys', 'status__v'])
      .where('id', '=', connection.localIntegrationUserId)
      .executeTakeFirst()
    if (user === undefined || user.status__v !== 'active__v')
      throw new LiaisonError(
        'SESSION_INVALID',
        `The integration user of connection ${connection.apiName} (authorized_connection_user__sys) is missing or inactive; an admin must reactivate that user or establish the connection again.`,
      )
    // Finding 1: a signed call never runs with more than an integration user's rights, whoever the record names.
    if (user.security_profile__sys !== 'integration_user__sys')
      throw new LiaisonError(
        'SESSION_INVALID',
        `The user of connection ${connection.apiName} (authorized_connection_user__sys) does not have the integration_user__sys security profile; signed calls run only as an integration user. Establish the connection again.`,
      )
    const sandboxIntoProduction =
      this.#environment === 'production' && connection.remoteEnvironment === 'sandbox'
    if (!isReadOnlyCall(request.method, request.path)) {
      const call = `${request.method} ${request.path.split('?')[0]}`
      if (sandboxIntoProduction) throw sandboxRefusal(connection, call)
      // Finding 2: every flow sends record ids and the receiver reads them back, so a connected
      // vault never needs to write here; a signed write is an attack or a bug, refused either way.
      throw new LiaisonError(
        'ACCESS_DENIED',
        `Connection ${connection.apiName} may only read through signed calls (B2); refused ${call}. A connected vault sends messages to the connection endpoint instead.`,
      )
    }
    return {
      connection,
      sandboxIntoProduction,
      user: {
        userId: String(user.id),
        username: String(user.username__sys),
        securityProfile: user.security_profile__sys as CallbackIdentity['user']['securityProfile'],
      },
    }
  }
}
