import { createHash } from 'node:crypto'
import { LiaisonError } from '../errors/index.js'
import { type BlobRef, type BlobStore, isBlobAddress } from './blob-store.js'
import { EMPTY_PAYLOAD_SHA256, type S3Credentials, signS3Request } from './s3-signing.js'

/** A bucket and the folder-like prefix of a vault's files in it. */
export interface S3Location {
  readonly bucket: string
  /** Key prefix without leading or trailing slash ('' for the bucket's top). */
  readonly prefix: string
  /** An S3-compatible server (MinIO, Ceph, …): path-style addresses. (Default: AWS, virtual-hosted) */
  readonly endpoint?: string
  readonly region: string
}

/** How long one S3 call may take before it counts as unanswered. */
const S3_REQUEST_TIMEOUT_MS = 60_000

/**
 * The AWS credentials from the standard environment variables, or undefined when a key is
 * missing. They are only ever put in a signature: never logged, never in a message.
 */
export function s3CredentialsFromEnvironment(env: NodeJS.ProcessEnv): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (
    accessKeyId === undefined ||
    accessKeyId === '' ||
    secretAccessKey === undefined ||
    secretAccessKey === ''
  )
    return undefined
  const sessionToken = env.AWS_SESSION_TOKEN
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken === undefined || sessionToken === '' ? {} : { sessionToken }),
  }
}

/** `s3://bucket/prefix` with the endpoint, as messages name the store (no credentials in it). */
export function describeS3Location(location: S3Location): string {
  const where = `s3://${location.bucket}${location.prefix === '' ? '' : `/${location.prefix}`}`
  return location.endpoint === undefined ? where : `${where} at ${location.endpoint}`
}

/**
 * Blobs as objects of an S3-compatible bucket, `<prefix>/ab/abcdef…` by SHA-256, over plain HTTP
 * calls signed with Signature Version 4 (no SDK: five calls are all a blob store needs). A put sends
 * the file's SHA-256 as x-amz-content-sha256, so the server refuses bytes damaged on the way. Like
 * the folder store it is written before the document's transaction and emptied of unused blobs
 * after it. A failure to reach the bucket is BLOB_STORE_UNAVAILABLE (the transfer retries).
 */
export class S3BlobStore implements BlobStore {
  readonly #location: S3Location
  readonly #credentials: S3Credentials
  readonly location: string

  constructor(location: S3Location, credentials: S3Credentials) {
    this.#location = location
    this.#credentials = credentials
    this.location = describeS3Location(location)
  }

  /** The URL of a key (or of the bucket, for ''), path-style at an endpoint, virtual-hosted at AWS. */
  urlOf(key: string, query: Readonly<Record<string, string>> = {}): URL {
    const { bucket, endpoint, region } = this.#location
    const encodedKey = key
      .split('/')
      .map((s) => encodeURIComponent(s))
      .join('/')
    const url =
      endpoint === undefined
        ? new URL(`https://${bucket}.s3.${region}.amazonaws.com/${encodedKey}`)
        : new URL(`${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}/${encodedKey}`)
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
    return url
  }

  /** The object key of a blob. */
  keyOf(sha256: string): string {
    if (!isBlobAddress(sha256))
      throw new LiaisonError('INTERNAL', `"${sha256}" is not a SHA-256 blob address.`)
    const name = `${sha256.slice(0, 2)}/${sha256}`
    return this.#location.prefix === '' ? name : `${this.#location.prefix}/${name}`
  }

  /** Checks the bucket answers and the credentials may list it (at start, so a typo fails at once). */
  async check(): Promise<void> {
    await this.#listPage(undefined, 1)
  }

  async put(bytes: Uint8Array): Promise<BlobRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    if (!(await this.has(sha256))) {
      const response = await this.#send('PUT', this.urlOf(this.keyOf(sha256)), sha256, bytes, {
        'content-type': 'application/octet-stream',
      })
      await this.#expectOk(response, `store ${sha256}`)
    }
    return { sha256, size: bytes.byteLength }
  }

  async get(sha256: string): Promise<Uint8Array | undefined> {
    const response = await this.#send('GET', this.urlOf(this.keyOf(sha256)))
    if (response.status === 404) {
      await response.body?.cancel()
      return undefined
    }
    await this.#expectOk(response, `read ${sha256}`)
    return new Uint8Array(await response.arrayBuffer())
  }

  async has(sha256: string): Promise<boolean> {
    const response = await this.#send('HEAD', this.urlOf(this.keyOf(sha256)))
    await response.body?.cancel()
    if (response.status === 404) return false
    await this.#expectOk(response, `look up ${sha256}`)
    return true
  }

  async delete(sha256: string): Promise<void> {
    const response = await this.#send('DELETE', this.urlOf(this.keyOf(sha256)))
    if (response.status === 404) {
      await response.body?.cancel()
      return
    }
    await this.#expectOk(response, `remove ${sha256}`)
  }

  async list(): Promise<string[]> {
    const found: string[] = []
    let token: string | undefined
    do {
      const page = await this.#listPage(token, 1000)
      for (const key of page.keys) {
        const name = key.slice(key.lastIndexOf('/') + 1)
        if (isBlobAddress(name) && this.keyOf(name) === key) found.push(name)
      }
      token = page.next
    } while (token !== undefined)
    return found.sort()
  }

  async #listPage(token: string | undefined, maxKeys: number): Promise<{ keys: string[]; next?: string }> {
    const prefix = this.#location.prefix === '' ? '' : `${this.#location.prefix}/`
    const query: Record<string, string> = { 'list-type': '2', 'max-keys': String(maxKeys) }
    if (prefix !== '') query.prefix = prefix
    if (token !== undefined) query['continuation-token'] = token
    const response = await this.#send('GET', this.urlOf('', query))
    const xml = await this.#expectOk(response, 'list the bucket', true)
    const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlText(m[1]!))
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml)
    const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1]
    return truncated && next !== undefined ? { keys, next: xmlText(next) } : { keys }
  }

  async #send(
    method: string,
    url: URL,
    payloadSha256 = EMPTY_PAYLOAD_SHA256,
    body?: Uint8Array,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    const headers = signS3Request(
      { method, url, headers: extra, payloadSha256 },
      this.#credentials,
      this.#location.region,
      new Date(),
    )
    // fetch sets Host itself; sending it too is refused.
    delete headers.host
    try {
      return await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(S3_REQUEST_TIMEOUT_MS),
      })
    } catch (error) {
      const cause =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : ''
      throw new LiaisonError(
        'BLOB_STORE_UNAVAILABLE',
        `The document file store ${this.location} does not answer (${cause || String(error)}): check --blob-store's endpoint and that the server runs.`,
        { cause: error },
      )
    }
  }

  /** Throws BLOB_STORE_UNAVAILABLE for an answer that is not 2xx; answers the body text when asked. */
  async #expectOk(response: Response, what: string, readBody = false): Promise<string> {
    if (response.ok) return readBody ? await response.text() : ''
    const text = await response.text().catch(() => '')
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
    const hint =
      response.status === 403
        ? 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and what they may do in the bucket'
        : response.status === 404
          ? 'check the bucket name in --blob-store (the bucket must exist; Liaison does not create it)'
          : 'check the bucket and the server'
    throw new LiaisonError(
      'BLOB_STORE_UNAVAILABLE',
      `The document file store ${this.location} refused to ${what} (HTTP ${response.status}${code === undefined ? '' : ` ${code}`}): ${hint}.`,
    )
  }
}

function xmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}
