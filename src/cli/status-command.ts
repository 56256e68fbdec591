import { VaultClient } from './vault-client.js'
import { type Login, readWorldVaults, resolveLogin } from './world-credentials.js'

export interface VaultStatus {
  readonly name: string
  readonly url: string
  readonly connections: readonly {
    readonly apiName: string
    readonly status: string
    readonly remote: string
  }[]
  readonly queues: readonly {
    readonly name: string
    readonly delivery?: string
    readonly inQueue: number
    readonly failed: number
  }[]
  readonly openExceptions: number
  /** Set when the vault could not be asked: the rest is then empty. */
  readonly error?: string
}

type Json = Record<string, unknown>

/** One vault at a glance, through its public REST API, as its admin. */
async function statusOf(login: Login, name: string | undefined): Promise<VaultStatus> {
  const client = new VaultClient(login.url)
  try {
    const vaultName = (await client.login(login.username, login.password)) ?? name ?? client.origin
    const connections = ((await client.call('GET', '/services/connections')).data ?? []) as Json[]
    const queueList = ((await client.call('GET', '/services/queues')).data ?? []) as Json[]
    const queues = []
    for (const q of queueList) {
      const detail = (await client.call('GET', `/services/queues/${String(q.name)}`)).data as Json
      queues.push({
        name: String(q.name),
        ...(typeof q.delivery === 'string' ? { delivery: q.delivery } : {}),
        inQueue: Number(detail.messages_in_queue ?? 0),
        failed: Number(detail.messages_failed ?? 0),
      })
    }
    const exceptions = await client.call(
      'POST',
      '/query',
      new URLSearchParams({
        q: "SELECT id FROM exception_message__sys WHERE state__v = 'open__sys' PAGESIZE 1",
      }),
    )
    return {
      name: vaultName,
      url: client.origin,
      connections: connections.map((c) => ({
        apiName: String(c.api_name__sys),
        status: String(c.status__v),
        remote: String(c.remote_vault_name__sys ?? c.remote_vault_url__sys ?? ''),
      })),
      queues,
      openExceptions: Number((exceptions.responseDetails as Json | undefined)?.total ?? 0),
    }
  } catch (error) {
    return {
      name: name ?? client.origin,
      url: client.origin,
      connections: [],
      queues: [],
      openExceptions: 0,
      error: error instanceof Error ? error.message : String(error),
    }
  }
}

/**
 * `liaison status`: each vault of a world (or the one given), its connections, queue depths and
 * open User Exception Messages. A vault that does not answer is reported, not fatal.
 */
export async function vaultStatuses(
  options: {
    readonly world?: string
    readonly vault?: string
    readonly user?: string
    readonly password?: string
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<VaultStatus[]> {
  if (options.vault !== undefined)
    return [
      await statusOf(
        resolveLogin(
          {
            vault: options.vault,
            ...(options.user === undefined ? {} : { user: options.user }),
            ...(options.password === undefined ? {} : { password: options.password }),
            ...(options.world === undefined ? {} : { world: options.world }),
          },
          env,
        ),
        undefined,
      ),
    ]
  if (options.world === undefined)
    throw new Error('Give --world DIR (every vault of a world) or --vault URL (one vault).')
  const world = options.world
  // Each vault's own admin from world.json: one LIAISON_USER cannot be every vault's admin.
  return Promise.all(
    readWorldVaults(world).map((v) => statusOf(resolveLogin({ vault: v.name, world }, {}), v.name)),
  )
}

/** The statuses as a few lines per vault. */
export function formatStatuses(statuses: readonly VaultStatus[]): string {
  return statuses
    .map((s) => {
      if (s.error !== undefined) return `${s.name}  ${s.url}\n  not available: ${s.error}`
      const lines = [`${s.name}  ${s.url}  open exceptions: ${s.openExceptions}`]
      if (s.connections.length === 0) lines.push('  no connections')
      for (const c of s.connections) {
        const queues = s.queues
          .filter((q) => q.name === `${c.apiName}_outbound_queue` || q.name === `${c.apiName}_inbound_queue`)
          .map(
            (q) =>
              `${q.name.endsWith('_outbound_queue') ? 'out' : 'in'} ${q.inQueue}${q.failed > 0 ? ` (${q.failed} failed)` : ''}${q.delivery === 'disabled' ? ' (delivery off)' : ''}`,
          )
        lines.push(
          `  ${c.apiName} → ${c.remote}: ${c.status}${queues.length > 0 ? `; queues ${queues.join(', ')}` : ''}`,
        )
      }
      return lines.join('\n')
    })
    .join('\n\n')
}
