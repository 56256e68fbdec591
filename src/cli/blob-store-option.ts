import type { BlobStoreChoice } from '../platform/documents/index.js'

export const BLOB_STORE_HELP =
  "where document files live: fs:/PATH (a folder), database (the vault's own database), or s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=REGION (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); every process of a vault needs the same one (default: a folder beside a sqlite:PATH file, the database on PostgreSQL)"

/**
 * The `--blob-store` of `serve`, `worker` and `up` (and `--blob-dir DIR`, the older way to say
 * `fs:DIR`), checked before the vault opens: a malformed address, or a folder this process cannot
 * write, is one line naming the option. A bucket is checked when the vault opens it.
 */
export async function blobStoreOption(options: {
  readonly blobStore?: string | undefined
  readonly blobDir?: string | undefined
}): Promise<BlobStoreChoice | undefined> {
  if (options.blobStore !== undefined && options.blobDir !== undefined)
    throw new Error('Give --blob-store or --blob-dir, not both (--blob-dir DIR is --blob-store fs:DIR).')
  const { parseBlobStoreAddress } = await import('../platform/documents/index.js')
  const choice =
    options.blobDir !== undefined
      ? parseBlobStoreAddress(`fs:${options.blobDir}`)
      : options.blobStore === undefined
        ? undefined
        : parseBlobStoreAddress(options.blobStore)
  if (choice?.kind === 'fs')
    (await import('./data-folder.js')).assertWritableFolder(
      choice.dir,
      'Choose a folder this process can write to with --blob-store fs:DIR.',
    )
  return choice
}
