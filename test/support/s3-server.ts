import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The access key s3rver knows by default (it checks the key id; it does not verify V4 signatures). */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })

export interface TestS3Server {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string
  readonly bucket: string
  close(): Promise<void>
}

/**
 * An S3-compatible server for tests (the npm package s3rver, files in a temporary folder) with one
 * bucket, or the reason it cannot run here (the caller skips and prints it).
 */
export async function startTestS3Server(bucket = 'liaison-test'): Promise<TestS3Server | { skip: string }> {
  let S3rver: typeof import('s3rver').default
  try {
    S3rver = (await import('s3rver')).default
  } catch (error) {
    return {
      skip: `s3rver is not installed here (${error instanceof Error ? error.message : String(error)})`,
    }
  }
  const directory = mkdtempSync(join(tmpdir(), 'liaison-s3-'))
  try {
    const server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    })
    const { port } = await server.run()
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      close: async () => {
        await server.close()
        rmSync(directory, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(directory, { recursive: true, force: true })
    return { skip: `s3rver does not start here (${error instanceof Error ? error.message : String(error)})` }
  }
}
