import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LiaisonError } from '../errors/index.js'
import { type BlobRef, type BlobStore, isBlobAddress } from './blob-store.js'

/**
 * Blobs as files under a folder, fanned out by the first two hex digits (`ab/abcdef…`). Folders it
 * creates are 0700 and files 0600: documents are medical information, for the vault's user alone.
 */
export class FsBlobStore implements BlobStore {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  get location(): string {
    return `the folder ${this.#dir}`
  }

  #pathOf(sha256: string): string {
    if (!isBlobAddress(sha256))
      throw new LiaisonError('INTERNAL', `"${sha256}" is not a SHA-256 blob address.`)
    return join(this.#dir, sha256.slice(0, 2), sha256)
  }

  async put(bytes: Uint8Array): Promise<BlobRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const path = this.#pathOf(sha256)
    if (!(await this.has(sha256))) {
      await mkdir(join(this.#dir, sha256.slice(0, 2)), { recursive: true, mode: 0o700 })
      // Write then rename, so a reader never sees half a file.
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
      await writeFile(temp, bytes, { mode: 0o600 })
      await rename(temp, path)
    }
    return { sha256, size: bytes.byteLength }
  }

  async get(sha256: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#pathOf(sha256))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async has(sha256: string): Promise<boolean> {
    const path = this.#pathOf(sha256)
    try {
      return (await stat(path)).isFile()
    } catch {
      return false
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.#pathOf(sha256), { force: true })
  }

  async list(): Promise<string[]> {
    let folders: string[]
    try {
      folders = await readdir(this.#dir)
    } catch {
      return []
    }
    const names = await Promise.all(folders.map((f) => readdir(join(this.#dir, f)).catch(() => [])))
    return names
      .flat()
      .filter((n) => isBlobAddress(n))
      .sort()
  }
}
