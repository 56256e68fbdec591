import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { vaultOrigin } from './vault-client.js'

interface Person {
  readonly username: string
  readonly password?: string
  /** The demo role of a person `liaison up` created (`rep`, `agent`, …). */
  readonly role?: string
}

export interface WorldFileVault {
  readonly name: string
  readonly url: string
  /** `medical` or `crm`, as `liaison up` wrote it. */
  readonly profile?: string
  readonly admin: Person
  readonly users: readonly Person[]
}

/** The vaults a world's `DIR/world.json` lists (written by `liaison up`). */
export function readWorldVaults(dir: string): WorldFileVault[] {
  const file = join(dir, 'world.json')
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new Error(
      missing
        ? `${file} does not exist: give the folder liaison up ran with (--dir, default .liaison).`
        : `${file} cannot be read (${error instanceof Error ? error.message : String(error)}).`,
    )
  }
  const vaults = (parsed as { vaults?: unknown } | null)?.vaults
  if (!Array.isArray(vaults))
    throw new Error(`${file} lists no vaults; start the world again with liaison up.`)
  return (vaults as Partial<WorldFileVault>[]).map((v) => ({
    name: String(v.name),
    url: String(v.url),
    ...(typeof v.profile === 'string' ? { profile: v.profile } : {}),
    admin: v.admin ?? { username: '' },
    users: v.users ?? [],
  }))
}

/** A world's vault named by its name (`crm-na`) or its URL. */
export function worldVault(dir: string, nameOrUrl: string): WorldFileVault | undefined {
  const vaults = readWorldVaults(dir)
  const byName = vaults.find((v) => v.name === nameOrUrl)
  if (byName !== undefined) return byName
  let origin: string
  try {
    origin = vaultOrigin(nameOrUrl)
  } catch {
    throw new Error(
      `${join(dir, 'world.json')} has no vault named "${nameOrUrl}"; it has ${vaults.map((v) => v.name).join(', ')}.`,
    )
  }
  return vaults.find((v) => vaultOrigin(v.url) === origin)
}

export interface LoginOptions {
  /** A vault URL, or with `world` a vault name of the world. */
  readonly vault: string
  readonly user?: string
  readonly password?: string
  /** A world folder whose world.json holds the vaults' URLs and passwords. */
  readonly world?: string
  /** The flag names to mention when credentials are missing (`--user`, `--from-user`). */
  readonly flags?: { readonly user: string; readonly password: string }
}

export interface Login {
  readonly url: string
  readonly username: string
  readonly password: string
}

/**
 * Where a command that talks to a vault finds its URL and login: flags first, then
 * LIAISON_USER and LIAISON_PASSWORD, then the world's world.json (its admin, unless a user is named).
 */
export function resolveLogin(options: LoginOptions, env: NodeJS.ProcessEnv = process.env): Login {
  const flags = options.flags ?? { user: '--user', password: '--password' }
  const fromWorld = options.world === undefined ? undefined : worldVault(options.world, options.vault)
  if (options.world !== undefined && fromWorld === undefined && !/^https?:/i.test(options.vault))
    throw new Error(`${join(options.world, 'world.json')} has no vault named "${options.vault}".`)
  const url = fromWorld?.url ?? options.vault
  const username = options.user ?? env.LIAISON_USER ?? fromWorld?.admin.username
  const known =
    fromWorld === undefined
      ? undefined
      : [fromWorld.admin, ...fromWorld.users].find((p) => p.username === username)?.password
  const password = options.password ?? env.LIAISON_PASSWORD ?? known
  if (username === undefined || username === '' || password === undefined)
    throw new Error(
      `No login for ${url}: give ${flags.user} and ${flags.password}, set LIAISON_USER and LIAISON_PASSWORD, or give --world DIR whose world.json lists ${username ?? 'the user'} of that vault with a password (liaison reset-password sets a new one).`,
    )
  return { url: vaultOrigin(url), username, password }
}
