import { DOCUMENT_FILES_PER_CALL_MAX, type HeldFile, versionIdOf } from '../../../platform/documents/index.js'
import { LiaisonError } from '../../../platform/errors/index.js'
import type { ConnectionInfo, RemoteFile, RemoteVault } from '../../../platform/messaging/index.js'
import type { FlowVault } from '../flow-ports.js'

/**
 * Bytes asked for in one batch call at most (by the sizes the query states): the answer is held
 * whole while it is read. A larger file goes alone.
 */
export const BATCH_FILE_BYTES_MAX = 16 * 1024 * 1024

/** Batch calls of one group in flight at once. */
const CALLS_IN_FLIGHT = 2

/**
 * Tries of a message after which a file the Medical Vault keeps failing to serve (while it answers
 * the message's query) fails its document alone: the earlier tries ride out a passing fault, and
 * one broken document then no longer holds back every later document to this CRM.
 */
export const FILE_TRIES_BEFORE_DOCUMENT_FAILS = 3

/**
 * True when a failed download fails its document alone: refused for good, or answered with an
 * error (not unreachable, not throttled) on a late enough try.
 */
export function failsDocumentAlone(error: unknown, attempt: number): error is LiaisonError {
  if (!(error instanceof LiaisonError)) return false
  if (error.spec.retry === 'never') return true
  return (
    attempt >= FILE_TRIES_BEFORE_DOCUMENT_FAILS &&
    typeof error.details?.remoteStatus === 'number' &&
    error.code !== 'BURST_LIMIT'
  )
}

/** A source document whose file the CrossLink needs, as the message's VQL callback read it. */
export interface WantedFile {
  readonly documentId: string
  readonly major: number
  readonly minor: number
  readonly name: string
  readonly mime: string
  readonly size: number
  /** The SHA-256 the Medical Vault states (sha256__sys). */
  readonly sha256: string | undefined
}

/** What a wanted file became: bytes, a file held here already, or the error that fails its document alone. */
export type SourceFile = RemoteFile | HeldFile | LiaisonError

/** Splits the files to download into batch calls: at most DOCUMENT_FILES_PER_CALL_MAX and BATCH_FILE_BYTES_MAX each. */
function batchesOf(files: readonly WantedFile[]): WantedFile[][] {
  const batches: WantedFile[][] = []
  let current: WantedFile[] = []
  let bytes = 0
  for (const file of files) {
    if (
      current.length > 0 &&
      (current.length >= DOCUMENT_FILES_PER_CALL_MAX || bytes + file.size > BATCH_FILE_BYTES_MAX)
    ) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(file)
    bytes += file.size
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/**
 * The files of a group of source documents: a file this vault already holds for a CrossLink of the
 * same Medical Vault (same SHA-256) is reused, not downloaded; the others come in a few signed
 * batch calls (many files per call). A file that fails its document alone (see failsDocumentAlone,
 * `attempt` being this try of the message) answers its error; any other failure throws, so the
 * whole message is tried again.
 */
export async function sourceFilesOf(
  vault: Pick<FlowVault, 'documents'>,
  remote: Pick<RemoteVault, 'downloadFiles'>,
  connection: Pick<ConnectionInfo, 'remoteVaultId'>,
  wanted: readonly WantedFile[],
  attempt: number,
): Promise<Map<string, SourceFile>> {
  const found = new Map<string, SourceFile>()
  const stated = wanted.map((w) => w.sha256).filter((s): s is string => s !== undefined)
  const held = await vault.documents.heldFilesOf(connection.remoteVaultId, stated)
  const toDownload: WantedFile[] = []
  // Documents that share a file (one SHA-256) in this group: the file is downloaded once.
  const sharing = new Map<string, WantedFile[]>()
  for (const w of wanted)
    if (w.sha256 !== undefined && held.has(w.sha256))
      found.set(w.documentId, { sha256: w.sha256, size: w.size, name: w.name, mime: w.mime })
    else if (w.sha256 !== undefined && sharing.has(w.sha256)) sharing.get(w.sha256)!.push(w)
    else {
      if (w.sha256 !== undefined) sharing.set(w.sha256, [])
      toDownload.push(w)
    }
  const batches = batchesOf(toDownload)
  const fetchBatch = async (batch: readonly WantedFile[]) => {
    const ids = batch.map((w) => versionIdOf({ id: Number(w.documentId), major: w.major, minor: w.minor }))
    let answered: Map<string, RemoteFile | LiaisonError>
    try {
      answered = await remote.downloadFiles(ids)
    } catch (error) {
      if (!failsDocumentAlone(error, attempt)) throw error
      for (const w of batch) found.set(w.documentId, error)
      return
    }
    for (const [i, w] of batch.entries()) {
      const file = answered.get(ids[i]!)
      if (file instanceof LiaisonError && !failsDocumentAlone(file, attempt)) throw file
      if (file !== undefined) found.set(w.documentId, file)
    }
  }
  for (let i = 0; i < batches.length; i += CALLS_IN_FLIGHT)
    await Promise.all(batches.slice(i, i + CALLS_IN_FLIGHT).map(fetchBatch))
  for (const w of toDownload) {
    const file = found.get(w.documentId)
    if (file === undefined || w.sha256 === undefined) continue
    for (const other of sharing.get(w.sha256) ?? [])
      found.set(
        other.documentId,
        file instanceof LiaisonError ? file : { ...file, name: other.name, mime: other.mime },
      )
  }
  return found
}
