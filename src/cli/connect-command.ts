import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ErrorLogger } from '../platform/jobs/index.js'
import type { Vault } from '../platform/vault/index.js'
import { type ExistingVaultAddress, openExistingVault } from './existing-vault.js'

const API = '/api/v25.2'

export interface ConnectOptions {
  readonly from: string
  readonly to: string
  readonly fromUser?: string
  readonly fromPassword?: string
  readonly toUser?: string
  readonly toPassword?: string
  /** A world folder whose world.json holds the admins' credentials. */
  readonly world?: string
  readonly apiName?: string
  readonly toApiName?: string
}

function origin(url: string): string {
  return url.trim().replace(/\/+$/, '')
}

function worldAdmin(dir: string, url: string): { username: string; password: string } | undefined {
  const file = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as {
    vaults?: { url?: string; admin?: { username: string; password: string } }[]
  }
  return file.vaults?.find((v) => origin(String(v.url)) === origin(url))?.admin
}

async function api(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  session?: string,
): Promise<Record<string, unknown>> {
  const form = path === '/auth'
  const response = await fetch(`${origin(url)}${API}${path}`, {
    method,
    headers: {
      ...(session === undefined ? {} : { authorization: session }),
      ...(body === undefined
        ? {}
        : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
    },
    ...(body === undefined
      ? {}
      : { body: form ? new URLSearchParams(body as Record<string, string>) : JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new Error(
      `The vault at ${url} cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
    )
  })
  const answer = (await response.json()) as Record<string, unknown>
  if (answer.responseStatus !== 'SUCCESS' && answer.responseStatus !== 'WARNING') {
    const error = (answer.errors as { type: string; message: string }[] | undefined)?.[0]
    throw new Error(
      `${method} ${path} at ${url}: ${error?.type ?? 'FAILURE'}: ${error?.message ?? JSON.stringify(answer)}`,
    )
  }
  return answer
}

/**
 * `liaison connect` (B1), over HTTP only: logs in to both vaults as admins, creates a pending
 * connection with its token in `from`, and accepts the token in `to`, which completes the
 * signed handshake with `from`. Answers both sides' connections.
 */
export async function connectVaults(options: ConnectOptions): Promise<Record<string, unknown>> {
  const credentials = (url: string, user?: string, password?: string, flag = '') => {
    const fromWorld = options.world === undefined ? undefined : worldAdmin(options.world, url)
    const username = user ?? fromWorld?.username
    const secret = password ?? fromWorld?.password
    if (username === undefined || secret === undefined)
      throw new Error(
        `Give --${flag}-user and --${flag}-password (or --world DIR with a world.json that lists ${url} with its admin's password; liaison reset-password sets a new one).`,
      )
    return { username, password: secret }
  }
  const fromAdmin = credentials(options.from, options.fromUser, options.fromPassword, 'from')
  const toAdmin = credentials(options.to, options.toUser, options.toPassword, 'to')
  const fromSession = String((await api(options.from, 'POST', '/auth', fromAdmin)).sessionId)
  const toSession = String((await api(options.to, 'POST', '/auth', toAdmin)).sessionId)
  const created = await api(
    options.from,
    'POST',
    '/services/connections',
    {
      remote_vault_url__sys: origin(options.to),
      url: origin(options.from),
      ...(options.apiName === undefined ? {} : { api_name__sys: options.apiName }),
    },
    fromSession,
  )
  const pending = created.data as { connection_token: string; id: string }
  const accepted = await api(
    options.to,
    'POST',
    '/services/connections/accept',
    {
      connection_token: pending.connection_token,
      url: origin(options.to),
      ...(options.toApiName === undefined ? {} : { api_name__sys: options.toApiName }),
    },
    toSession,
  )
  const fromSide = (
    (await api(options.from, 'GET', '/services/connections', undefined, fromSession)).data as {
      id: string
    }[]
  ).find((c) => c.id === pending.id)
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
