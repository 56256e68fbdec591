/** A stored file, named by the SHA-256 of its bytes (hex). */
export interface BlobRef {
  readonly sha256: string
  readonly size: number
}

/**
 * Where document files live: content-addressed, so one file uploaded twice is kept once.
 * Blobs are written before the database transaction that refers to them; DocumentBlobs removes
 * one again once no version refers to it, so a failed transaction leaves nothing behind.
 */
export interface BlobStore {
  /** Stores the bytes (once per content) and returns their address. */
  put(bytes: Uint8Array): Promise<BlobRef>
  /** The bytes at an address, or undefined when there are none. */
  get(sha256: string): Promise<Uint8Array | undefined>
  /** Whether a blob exists. */
  has(sha256: string): Promise<boolean>
  /** Removes a blob (callers check no version refers to it). */
  delete(sha256: string): Promise<void>
  /** Every stored address (tests and housekeeping). */
  list(): Promise<string[]>
}
