import type { ErrorLogger } from '../platform/jobs/index.js'
import type { Vault } from '../platform/vault/index.js'
import { type ExistingVaultAddress, openExistingVault } from './existing-vault.js'
import { VaultClient } from './vault-client.js'
import { resolveLogin } from './world-credentials.js'

export interface ConnectOptions {
  /** The issuing vault: a URL, or with `world` a vault name. */
  readonly from: string
  /** The accepting vault: a URL, or with `world` a vault name. */
  readonly to: string
  readonly fromUser?: string
  readonly fromPassword?: string
  readonly toUser?: string
  readonly toPassword?: string
  /** A world folder whose world.json holds the vaults' URLs and admins' credentials. */
  readonly world?: string
  readonly apiName?: string
  readonly toApiName?: string
}

/** Removes the pending connection a failed accept left in the issuing vault; says so if it cannot. */
async function removePending(from: VaultClient, id: string, failure: unknown): Promise<never> {
  const reason = failure instanceof Error ? failure.message : String(failure)
  try {
    // The accept may have failed after the handshake finished (a lost answer): keep what is active.
    const connections = (await from.call('GET', '/services/connections')).data as {
      id: string
      status__v?: string
    }[]
    const status = connections.find((c) => c.id === id)?.status__v
    if (status !== undefined && status !== 'pending__sys')
      throw new Error(`${reason}\nThe connection ${id} in ${from.origin} is ${status}; it was kept.`)
    if (status === undefined) throw new Error(reason)
    const answer = await from.call('DELETE', '/vobjects/connection__sys', [{ id }])
    const [result] = (answer.data ?? []) as { responseStatus?: string }[]
    if (result?.responseStatus !== 'SUCCESS') throw new Error(JSON.stringify(result))
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(reason)) throw error
    throw new Error(
      `${reason}\nThe pending connection ${id} in ${from.origin} could not be removed (${error instanceof Error ? error.message : String(error)}); delete it with DELETE /api/v25.2/vobjects/connection__sys.`,
    )
  }
  throw new Error(`${reason}\nThe pending connection ${id} it made in ${from.origin} was removed.`)
}

/**
 * `liaison connect` (B1), over HTTP only: logs in to both vaults as admins, creates a pending
 * connection with its token in `from`, and accepts the token in `to`, which completes the
 * signed handshake with `from`. Answers both sides' connections. When the accept fails, the
 * pending connection is removed, so a second try starts clean.
 */
export async function connectVaults(
  options: ConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, unknown>> {
  const side = (vault: string, user?: string, password?: string, flag = '') =>
    resolveLogin(
      {
        vault,
        ...(user === undefined ? {} : { user }),
        ...(password === undefined ? {} : { password }),
        ...(options.world === undefined ? {} : { world: options.world }),
        flags: { user: `--${flag}-user`, password: `--${flag}-password` },
      },
      env,
    )
  const fromLogin = side(options.from, options.fromUser, options.fromPassword, 'from')
  const toLogin = side(options.to, options.toUser, options.toPassword, 'to')
  const from = new VaultClient(fromLogin.url)
  const to = new VaultClient(toLogin.url)
  await from.login(fromLogin.username, fromLogin.password)
  await to.login(toLogin.username, toLogin.password)
  const created = await from.call('POST', '/services/connections', {
    remote_vault_url__sys: to.origin,
    url: from.origin,
    ...(options.apiName === undefined ? {} : { api_name__sys: options.apiName }),
  })
  const pending = created.data as { connection_token: string; id: string }
  let accepted: Record<string, unknown>
  try {
    accepted = await to.call('POST', '/services/connections/accept', {
      connection_token: pending.connection_token,
      url: to.origin,
      ...(options.toApiName === undefined ? {} : { api_name__sys: options.toApiName }),
    })
  } catch (error) {
    return removePending(from, pending.id, error)
  }
  const fromSide = ((await from.call('GET', '/services/connections')).data as { id: string }[]).find(
    (c) => c.id === pending.id,
  )
  return { from: fromSide, to: accepted.data }
}

/** A job worker (scale-out): opens the vault found in the database and runs its jobs, no API. */
export async function runWorker(
  address: ExistingVaultAddress,
  setup: (vault: Vault) => void | Promise<void>,
  logger?: ErrorLogger,
): Promise<{ name: string; vaultId: number; close(): Promise<void> }> {
  const vault = await openExistingVault(address, { setup, ...(logger === undefined ? {} : { logger }) })
  return { name: vault.name, vaultId: vault.id, close: () => vault.close() }
}
