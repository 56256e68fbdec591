import { accessSync, constants, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LiaisonError } from '../platform/errors/index.js'
import type { DatabaseConfig } from '../platform/storage/index.js'

// Checked before a command writes anything (its log, a vault's SQLite file): otherwise the first
// write fails deep inside, and SQLite says only "unable to open database file".

/** What stands at `path`: a folder, something else, or nothing. */
function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
}

/** Why this process may not write in (or to) `path`, or undefined when it may. */
function writeRefusal(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EROFS') return 'the file system is read-only'
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
    return (error as Error).message
  }
}

function unwritable(message: string, hint: string): LiaisonError {
  return new LiaisonError('STORAGE_UNWRITABLE', `${message} ${hint}`)
}

/**
 * Throws STORAGE_UNWRITABLE, naming the path and what is wrong, unless `dir` is a folder this
 * process can write in, or a missing one it can create (its nearest existing parent is a folder
 * it can write in). `hint` tells the person which option chooses another folder.
 */
export function assertWritableFolder(dir: string, hint: string): void {
  const path = resolve(dir)
  const kind = kindOf(path)
  if (kind === 'other') throw unwritable(`Cannot use ${path} as a folder: it is a file, not a folder.`, hint)
  if (kind === 'folder') {
    const refusal = writeRefusal(path, constants.W_OK | constants.X_OK)
    if (refusal !== undefined) throw unwritable(`Cannot write to ${path}: ${refusal}.`, hint)
    return
  }
  let parent = dirname(path)
  while (kindOf(parent) === 'missing' && dirname(parent) !== parent) parent = dirname(parent)
  if (kindOf(parent) !== 'folder')
    throw unwritable(`Cannot create ${path}: ${parent} is a file, not a folder.`, hint)
  const refusal = writeRefusal(parent, constants.W_OK | constants.X_OK)
  if (refusal !== undefined)
    throw unwritable(
      `Cannot create ${path}: it is missing, and ${parent} is not writable (${refusal}).`,
      hint,
    )
}

/** The `--db` option's hint: which option chooses another place. */
const DATABASE_HINT = 'Choose a database path in a folder you can write to with --db sqlite:PATH.'

/**
 * The same for the SQLite file of `--db sqlite:PATH` (nothing to check for PostgreSQL): its folder
 * must be writable (SQLite writes its -wal and -shm files beside it), and the file, when it
 * exists, a file this process can write.
 */
export function assertWritableDatabase(database: DatabaseConfig, hint = DATABASE_HINT): void {
  if (database.kind !== 'sqlite' || database.path === ':memory:') return
  const path = resolve(database.path)
  assertWritableFolder(dirname(path), hint)
  const kind = kindOf(path)
  if (kind === 'missing') return
  if (kind === 'folder') throw unwritable(`Cannot use ${path} as a database file: it is a folder.`, hint)
  const refusal = writeRefusal(path, constants.R_OK | constants.W_OK)
  if (refusal !== undefined) throw unwritable(`Cannot write to ${path}: ${refusal}.`, hint)
}
