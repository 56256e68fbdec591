import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LiaisonError } from '../platform/errors/index.js'
import { parseDatabaseUrl } from '../platform/storage/index.js'
import { resetPassword } from '../platform/vault/index.js'
import { openExistingVault } from './existing-vault.js'
import { newPassword } from './vault-server.js'
import { recordWorldPassword, WORLD_FILE } from './world.js'

export interface ResetPasswordRequest {
  /** `--db`: sqlite:PATH or postgres://… */
  readonly db: string
  readonly username: string
  /** The new password; made up (and answered once) when absent. */
  readonly password?: string
  readonly keyFile?: string
}

export interface ResetPasswordResult {
  readonly vaultName: string
  /** The password made up for the user, when none was given: shown once, stored nowhere else. */
  readonly generated?: string
  /** The world.json that now holds the new password, when the vault belongs to a world. */
  readonly worldFile?: string
}

/**
 * `liaison reset-password`: the way back in when a password is lost, since no password is kept
 * anywhere but a world's world.json. Opens the vault without running its jobs.
 */
export async function resetPasswordFromCli(request: ResetPasswordRequest): Promise<ResetPasswordResult> {
  if (request.password !== undefined && request.password.length === 0)
    throw new LiaisonError(
      'PARAMETER_MISSING',
      'The password read from standard input is empty; send the new password, or leave out --password-stdin to have one made up.',
    )
  const database = parseDatabaseUrl(request.db)
  const password = request.password ?? newPassword()
  const vault = await openExistingVault(
    { database, ...(request.keyFile === undefined ? {} : { keyFile: request.keyFile }) },
    { runJobs: false },
  )
  const vaultName = vault.name
  try {
    await resetPassword(
      vault,
      { userId: 'system', userName: 'System (liaison reset-password)' },
      request.username,
      password,
    )
  } finally {
    await vault.close()
  }
  // A world keeps its vaults' files beside its world.json.
  const worldDir = database.kind === 'sqlite' ? dirname(database.path) : undefined
  const recorded =
    worldDir !== undefined &&
    existsSync(join(worldDir, WORLD_FILE)) &&
    recordWorldPassword(worldDir, vaultName, request.username, password)
  return {
    vaultName,
    ...(request.password === undefined ? { generated: password } : {}),
    ...(recorded ? { worldFile: join(worldDir, WORLD_FILE) } : {}),
  }
}
