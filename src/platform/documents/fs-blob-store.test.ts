import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FsBlobStore } from './fs-blob-store.js'

const dirs: string[] = []
function store(): FsBlobStore {
  const dir = mkdtempSync(join(tmpdir(), 'liaison-blobs-'))
  dirs.push(dir)
  return new FsBlobStore(dir)
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('FsBlobStore', () => {
  it('addresses content by its SHA-256 and keeps one copy of the same bytes', async () => {
    const blobs = store()
    const bytes = new TextEncoder().encode('%PDF-1.4 hello')
    const a = await blobs.put(bytes)
    const b = await blobs.put(bytes)
    expect(a).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length })
    expect(b).toEqual(a)
    expect(await blobs.list()).toEqual([a.sha256])
    expect(Buffer.from((await blobs.get(a.sha256))!).toString()).toBe('%PDF-1.4 hello')
  })

  it('answers undefined for a missing blob and forgets a deleted one', async () => {
    const blobs = store()
    const { sha256 } = await blobs.put(new Uint8Array([1, 2, 3]))
    await blobs.delete(sha256)
    expect(await blobs.has(sha256)).toBe(false)
    expect(await blobs.get(sha256)).toBeUndefined()
    expect(await blobs.list()).toEqual([])
  })

  it('refuses an address that is not a SHA-256', async () => {
    await expect(store().get('../etc/passwd')).rejects.toThrow(/not a SHA-256/)
  })
})
