import { join, resolve } from 'node:path'
import type { Kysely } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import type { BlobStore } from './blob-store.js'
import { DatabaseBlobStore } from './database-blob-store.js'
import { FsBlobStore } from './fs-blob-store.js'
import { S3BlobStore, type S3Location, s3CredentialsFromEnvironment } from './s3-blob-store.js'
import type { S3Credentials } from './s3-signing.js'

/**
 * Where a vault keeps its document files (`--blob-store`): a folder (`fs:/path`), its own database
 * (`database`), or an S3-compatible bucket (`s3://bucket/prefix?endpoint=…&region=…`).
 */
export type BlobStoreChoice =
  | { readonly kind: 'fs'; readonly dir: string }
  | { readonly kind: 'database' }
  | ({ readonly kind: 's3'; readonly credentials?: S3Credentials } & S3Location)

export const BLOB_STORE_FORMS =
  'fs:/PATH, database, or s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=REGION'

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const PREFIX_RE = /^[A-Za-z0-9!_.*'()/-]*$/

function invalid(text: string, why: string): LiaisonError {
  return new LiaisonError('PARAMETER_INVALID', `--blob-store "${text}" ${why}; give ${BLOB_STORE_FORMS}.`)
}

/**
 * Reads a `--blob-store` address. A relative folder is taken from the current folder. Credentials
 * never come from the address: an S3 store reads them from AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY when it opens.
 */
export function parseBlobStoreAddress(text: string): BlobStoreChoice {
  if (text === 'database' || text === 'db') return { kind: 'database' }
  if (text.startsWith('fs:')) {
    const dir = text.slice(3).replace(/^\/\/(?=\/)/, '')
    if (dir === '') throw invalid(text, 'names no folder')
    return { kind: 'fs', dir: resolve(dir) }
  }
  if (text.startsWith('s3://')) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      throw invalid(text, 'is not a URL')
    }
    if (url.username !== '' || url.password !== '')
      throw invalid(
        's3://…',
        'carries credentials; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead',
      )
    const bucket = url.hostname
    if (!BUCKET_RE.test(bucket)) throw invalid(text, `names no valid bucket ("${bucket}")`)
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '')
    if (!PREFIX_RE.test(prefix) || prefix.split('/').some((s) => s === '.' || s === '..'))
      throw invalid(text, `has a prefix S3 keys should not carry ("${prefix}")`)
    const known = new Set(['endpoint', 'region'])
    for (const key of url.searchParams.keys())
      if (!known.has(key)) throw invalid(text, `has an unknown setting "${key}" (only endpoint and region)`)
    const endpoint = url.searchParams.get('endpoint') ?? undefined
    if (endpoint !== undefined) {
      let parsed: URL
      try {
        parsed = new URL(endpoint)
      } catch {
        throw invalid(text, `has an endpoint that is not a URL ("${endpoint}")`)
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw invalid(text, 'has an endpoint that is not http:// or https://')
      if (parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '')
        throw invalid(text, 'has an endpoint with more than a scheme, host and port')
    }
    const region = url.searchParams.get('region') ?? 'us-east-1'
    if (!/^[a-z0-9-]{1,40}$/.test(region)) throw invalid(text, `has an invalid region ("${region}")`)
    return {
      kind: 's3',
      bucket,
      prefix,
      region,
      ...(endpoint === undefined ? {} : { endpoint: endpoint.replace(/\/+$/, '') }),
    }
  }
  throw invalid(text, 'is none of the forms')
}

/**
 * The same store for one vault of several sharing it (`liaison up`): blobs are removed when no
 * version of *their* vault refers to them, so each vault gets its own folder or prefix.
 */
export function blobStoreForVault(choice: BlobStoreChoice, vaultName: string): BlobStoreChoice {
  const name = vaultName.replace(/[^A-Za-z0-9-]/g, '_')
  if (choice.kind === 'fs') return { ...choice, dir: join(choice.dir, name) }
  if (choice.kind === 's3')
    return { ...choice, prefix: choice.prefix === '' ? name : `${choice.prefix}/${name}` }
  return choice
}

/**
 * Opens the chosen store. An S3 bucket is checked at once (it answers, the credentials may list
 * it), so a wrong address stops the process at start with one line, not the first upload.
 */
export async function openBlobStore(choice: BlobStoreChoice, db: Kysely<VaultDb>): Promise<BlobStore> {
  if (choice.kind === 'fs') return new FsBlobStore(resolve(choice.dir))
  if (choice.kind === 'database') return new DatabaseBlobStore(db)
  const credentials = choice.credentials ?? s3CredentialsFromEnvironment(process.env)
  if (credentials === undefined)
    throw new LiaisonError(
      'BLOB_STORE_UNAVAILABLE',
      `The document file store s3://${choice.bucket} needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of every process of the vault.`,
    )
  const store = new S3BlobStore(choice, credentials)
  await store.check()
  return store
}
