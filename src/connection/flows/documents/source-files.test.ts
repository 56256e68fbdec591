import { describe, expect, it } from 'vitest'
import { LiaisonError } from '../../../platform/errors/index.js'
import type { RemoteFile } from '../../../platform/messaging/index.js'
import type { FlowVault } from '../flow-ports.js'
import { BATCH_FILE_BYTES_MAX, sourceFilesOf, type WantedFile } from './source-files.js'

const SOURCE = '1001'

function wanted(id: number, size = 100, sha256?: string): WantedFile {
  return {
    documentId: String(id),
    major: 0,
    minor: 1,
    name: `f${id}.pdf`,
    mime: 'application/pdf',
    size,
    sha256,
  }
}

/** A Medical Vault that answers every version asked, counting its batch calls. */
function fakeRemote(failing: ReadonlyMap<string, LiaisonError> = new Map()) {
  const calls: string[][] = []
  return {
    calls,
    async downloadFiles(ids: readonly string[]): Promise<Map<string, RemoteFile | LiaisonError>> {
      calls.push([...ids])
      return new Map(
        ids.map((id) => [
          id,
          failing.get(id) ?? {
            bytes: new TextEncoder().encode(id),
            name: `${id}.pdf`,
            mime: 'application/pdf',
          },
        ]),
      )
    },
  }
}

/** A CRM whose blob store holds the given files for CrossLinks of SOURCE. */
function fakeVault(held: readonly string[] = []): Pick<FlowVault, 'documents'> {
  const documents = {
    async heldFilesOf(sourceVaultId: string, sha256s: readonly string[]) {
      return new Set(sourceVaultId === SOURCE ? sha256s.filter((s) => held.includes(s)) : [])
    },
  }
  return { documents } as unknown as Pick<FlowVault, 'documents'>
}

describe('B17 source files', () => {
  it('B17: more files than one call takes travel in several calls of at most 50, every file once', async () => {
    const remote = fakeRemote()
    const files = await sourceFilesOf(
      fakeVault(),
      remote,
      { remoteVaultId: SOURCE },
      Array.from({ length: 120 }, (_, i) => wanted(i + 1)),
      1,
    )
    expect(remote.calls.map((c) => c.length)).toEqual([50, 50, 20])
    expect(new Set(remote.calls.flat()).size).toBe(120)
    expect(files.size).toBe(120)
    expect((files.get('7') as RemoteFile).name).toBe('7_0_1.pdf')
  })

  it('B17: a call carries at most BATCH_FILE_BYTES_MAX by the stated sizes; a larger file goes alone', async () => {
    const remote = fakeRemote()
    const half = BATCH_FILE_BYTES_MAX / 2
    await sourceFilesOf(
      fakeVault(),
      remote,
      { remoteVaultId: SOURCE },
      [wanted(1, half), wanted(2, half), wanted(3, 10), wanted(4, BATCH_FILE_BYTES_MAX * 2), wanted(5, 10)],
      1,
    )
    expect(remote.calls).toEqual([['1_0_1', '2_0_1'], ['3_0_1'], ['4_0_1'], ['5_0_1']])
  })

  it('B17: a file held already for a CrossLink of the same vault is not downloaded; one file shared by two documents is downloaded once', async () => {
    const remote = fakeRemote()
    const files = await sourceFilesOf(
      fakeVault(['a'.repeat(64)]),
      remote,
      { remoteVaultId: SOURCE },
      [
        wanted(1, 10, 'a'.repeat(64)),
        wanted(2, 10, 'b'.repeat(64)),
        wanted(3, 10, 'b'.repeat(64)),
        wanted(4, 10),
      ],
      1,
    )
    expect(remote.calls).toEqual([['2_0_1', '4_0_1']])
    expect(files.get('1')).toEqual({
      sha256: 'a'.repeat(64),
      size: 10,
      name: 'f1.pdf',
      mime: 'application/pdf',
    })
    expect((files.get('3') as RemoteFile).bytes).toEqual((files.get('2') as RemoteFile).bytes)
    expect((files.get('3') as RemoteFile).name).toBe('f3.pdf')
    // Held by another vault's CrossLinks only: downloaded.
    const other = fakeRemote()
    await sourceFilesOf(
      fakeVault(['a'.repeat(64)]),
      other,
      { remoteVaultId: '2002' },
      [wanted(1, 10, 'a'.repeat(64))],
      1,
    )
    expect(other.calls).toEqual([['1_0_1']])
  })

  it('B17: a version the Medical Vault cannot serve fails its document alone once its tries are used up; before, the message is retried', async () => {
    const broken = new LiaisonError('INTERNAL', 'missing from the blob store', {
      details: { remoteStatus: 500 },
    })
    const remote = fakeRemote(new Map([['2_0_1', broken]]))
    const list = [wanted(1), wanted(2), wanted(3)]
    await expect(sourceFilesOf(fakeVault(), remote, { remoteVaultId: SOURCE }, list, 1)).rejects.toBe(broken)
    const files = await sourceFilesOf(fakeVault(), remote, { remoteVaultId: SOURCE }, list, 3)
    expect(files.get('2')).toBe(broken)
    expect((files.get('3') as RemoteFile).name).toBe('3_0_1.pdf')
    // Refused for good (retry: never): alone at once.
    const denied = new LiaisonError('ACCESS_DENIED', 'no', { details: { remoteStatus: 403 } })
    const refused = await sourceFilesOf(
      fakeVault(),
      fakeRemote(new Map([['1_0_1', denied]])),
      { remoteVaultId: SOURCE },
      list,
      1,
    )
    expect(refused.get('1')).toBe(denied)
  })
})
