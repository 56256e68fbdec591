import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDatabase } from '../storage/index.js'
import { blobStoreForVault, openBlobStore, parseBlobStoreAddress } from './blob-store-choice.js'

describe('--blob-store addresses', () => {
  it('reads a folder, the database and an S3 bucket with its endpoint and region', () => {
    expect(parseBlobStoreAddress('fs:/var/lib/liaison/files')).toEqual({
      kind: 'fs',
      dir: '/var/lib/liaison/files',
    })
    expect(parseBlobStoreAddress('fs:files')).toEqual({ kind: 'fs', dir: resolve('files') })
    expect(parseBlobStoreAddress('fs:///srv/files')).toEqual({ kind: 'fs', dir: '/srv/files' })
    expect(parseBlobStoreAddress('database')).toEqual({ kind: 'database' })
    expect(
      parseBlobStoreAddress('s3://liaison-files/prod/medical?endpoint=http://minio:9000&region=eu-west-1'),
    ).toEqual({
      kind: 's3',
      bucket: 'liaison-files',
      prefix: 'prod/medical',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
    })
    expect(parseBlobStoreAddress('s3://liaison-files')).toEqual({
      kind: 's3',
      bucket: 'liaison-files',
      prefix: '',
      region: 'us-east-1',
    })
  })

  it('refuses a malformed address with one line naming the forms, and never takes credentials in it', () => {
    for (const [text, why] of [
      ['files', /is none of the forms/],
      ['fs:', /names no folder/],
      ['s3://', /is not a URL|names no valid bucket/],
      ['s3://UPPER_case/x', /names no valid bucket/],
      ['s3://bucket/x?endpoint=ftp://h', /not http/],
      ['s3://bucket/x?endpoint=nota url', /not a URL/],
      ['s3://bucket/x?bucket=y', /unknown setting "bucket"/],
      ['s3://bucket/a%20b', /prefix/],
      ['s3://bucket/x?region=Bad Region', /invalid region/],
    ] as const) {
      expect(() => parseBlobStoreAddress(text), text).toThrow(why)
      try {
        parseBlobStoreAddress(text)
      } catch (error) {
        expect((error as Error).message).not.toContain('\n')
        expect((error as Error).message).toContain('fs:/PATH, database, or s3://')
      }
    }
    let message = ''
    try {
      parseBlobStoreAddress('s3://AKIAX:secret-key@bucket/x')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/AWS_ACCESS_KEY_ID/)
    expect(message).not.toContain('secret-key')
  })

  it('gives each vault of a world its own folder or prefix', () => {
    expect(blobStoreForVault({ kind: 'fs', dir: '/d' }, 'crm-na')).toEqual({ kind: 'fs', dir: '/d/crm-na' })
    expect(blobStoreForVault({ kind: 's3', bucket: 'b', prefix: 'p', region: 'r' }, 'medical')).toMatchObject(
      {
        prefix: 'p/medical',
      },
    )
    expect(blobStoreForVault({ kind: 's3', bucket: 'b', prefix: '', region: 'r' }, 'medical')).toMatchObject({
      prefix: 'medical',
    })
    expect(blobStoreForVault({ kind: 'database' }, 'medical')).toEqual({ kind: 'database' })
  })

  it('opening an S3 store without credentials or with a bucket that does not answer fails at once', async () => {
    const storage = createDatabase({ kind: 'sqlite', path: ':memory:' })
    try {
      await expect(
        openBlobStore(
          { kind: 's3', bucket: 'files', prefix: '', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' },
          storage.db,
        ),
      ).rejects.toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE' })
      await expect(
        openBlobStore(
          {
            kind: 's3',
            bucket: 'files',
            prefix: '',
            region: 'us-east-1',
            endpoint: 'http://127.0.0.1:9',
            credentials: { accessKeyId: 'AKIA', secretAccessKey: 'never-shown' },
          },
          storage.db,
        ),
      ).rejects.toThrow(/s3:\/\/files at http:\/\/127\.0\.0\.1:9 does not answer/)
    } finally {
      await storage.close()
    }
  })
})
