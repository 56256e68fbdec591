import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BlobStore } from '../../src/platform/documents/index.js'

/** A store under test and how to let it go. */
export interface OpenedBlobStore {
  readonly store: BlobStore
  close(): Promise<void>
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * What every BlobStore promises, whatever holds the bytes (a folder, the vault's database, an S3
 * bucket): content addressing, one copy per content, exact bytes back (empty and multi-megabyte
 * files too), undefined for what it does not hold, removal, listing, and no path outside its own.
 */
export function blobStoreContract(name: string, open: () => Promise<OpenedBlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let opened: OpenedBlobStore
    let store: BlobStore

    beforeEach(async () => {
      opened = await open()
      store = opened.store
    })
    afterEach(async () => {
      await opened.close()
    })

    it('addresses content by its SHA-256 and keeps one copy of the same bytes', async () => {
      const bytes = new TextEncoder().encode('%PDF-1.4 hello')
      const a = await store.put(bytes)
      const b = await store.put(bytes)
      expect(a).toEqual({ sha256: sha256Of(bytes), size: bytes.length })
      expect(b).toEqual(a)
      expect(await store.list()).toEqual([a.sha256])
      expect(await store.has(a.sha256)).toBe(true)
      expect(Buffer.from((await store.get(a.sha256))!).toString()).toBe('%PDF-1.4 hello')
    })

    it('gives back exactly the bytes of an empty file and of a file of several megabytes', async () => {
      const empty = await store.put(new Uint8Array(0))
      expect(empty.size).toBe(0)
      expect((await store.get(empty.sha256))?.byteLength).toBe(0)
      // 2.5 MiB: more than one part of the database store, more than one read of a socket.
      const big = randomBytes(2.5 * 1024 * 1024)
      const ref = await store.put(big)
      expect(ref).toEqual({ sha256: sha256Of(big), size: big.length })
      const back = await store.get(ref.sha256)
      expect(back?.byteLength).toBe(big.length)
      expect(sha256Of(back!)).toBe(ref.sha256)
      expect(await store.list()).toEqual([empty.sha256, ref.sha256].sort())
    })

    it('answers undefined for a blob it does not hold, and forgets a deleted one', async () => {
      const { sha256 } = await store.put(new Uint8Array([1, 2, 3]))
      const other = sha256Of(new Uint8Array([9]))
      expect(await store.get(other)).toBeUndefined()
      expect(await store.has(other)).toBe(false)
      await store.delete(sha256)
      await store.delete(sha256) // twice: removing what is gone is no error
      expect(await store.has(sha256)).toBe(false)
      expect(await store.get(sha256)).toBeUndefined()
      expect(await store.list()).toEqual([])
    })

    it('lists every blob it holds, in order', async () => {
      const refs = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.put(new TextEncoder().encode(`file ${i}`))),
      )
      expect(await store.list()).toEqual(refs.map((r) => r.sha256).sort())
    })

    it('refuses an address that is not a SHA-256 (no path of its choosing)', async () => {
      await expect(store.get('../etc/passwd')).rejects.toThrow(/not a SHA-256/)
      await expect(store.has('../../x')).rejects.toThrow(/not a SHA-256/)
      await expect(store.delete('ab/../../cd')).rejects.toThrow(/not a SHA-256/)
    })

    it('names where it keeps the files, never a secret', () => {
      expect(store.location).not.toMatch(/S3RVER|SECRET|password/i)
      expect(store.location.length).toBeGreaterThan(0)
    })
  })
}
