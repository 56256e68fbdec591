import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { S3BlobStore } from './s3-blob-store.js'
import { amzDate, EMPTY_PAYLOAD_SHA256, signS3Request, uriEncode } from './s3-signing.js'

// The examples of AWS's "Signature Calculations for the Authorization Header" (S3 API reference):
// their credentials, their date, their requests, their signatures.
const EXAMPLE_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
const EXAMPLE_DATE = new Date(Date.UTC(2013, 4, 24))

function signatureOf(authorization: string | undefined): string | undefined {
  return /Signature=([0-9a-f]{64})$/.exec(authorization ?? '')?.[1]
}

describe('S3 Signature Version 4', () => {
  it("signs AWS's GET Object example (a Range header)", () => {
    const headers = signS3Request(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { Range: 'bytes=0-9' },
        payloadSha256: EMPTY_PAYLOAD_SHA256,
      },
      EXAMPLE_CREDENTIALS,
      'us-east-1',
      EXAMPLE_DATE,
    )
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    )
    expect(headers['x-amz-date']).toBe('20130524T000000Z')
  })

  it("signs AWS's PUT Object example (a body, a key needing no escape but $)", () => {
    const body = 'Welcome to Amazon S3.'
    const headers = signS3Request(
      {
        method: 'PUT',
        url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
        headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
        payloadSha256: createHash('sha256').update(body).digest('hex'),
      },
      EXAMPLE_CREDENTIALS,
      'us-east-1',
      EXAMPLE_DATE,
    )
    expect(signatureOf(headers.authorization)).toBe(
      '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    )
  })

  it("signs AWS's GET Bucket examples (a query in order, a sub-resource without value)", () => {
    const sign = (url: string) =>
      signatureOf(
        signS3Request(
          { method: 'GET', url: new URL(url), payloadSha256: EMPTY_PAYLOAD_SHA256 },
          EXAMPLE_CREDENTIALS,
          'us-east-1',
          EXAMPLE_DATE,
        ).authorization,
      )
    expect(sign('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J')).toBe(
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    )
    // The same query given in another order signs the same.
    expect(sign('https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2')).toBe(
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    )
    expect(sign('https://examplebucket.s3.amazonaws.com/?lifecycle')).toBe(
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    )
  })

  it('signs a session token too, and never puts the secret in a header', () => {
    const headers = signS3Request(
      { method: 'HEAD', url: new URL('http://127.0.0.1:9000/b/k'), payloadSha256: EMPTY_PAYLOAD_SHA256 },
      { ...EXAMPLE_CREDENTIALS, sessionToken: 'token-1' },
      'eu-west-1',
      EXAMPLE_DATE,
    )
    expect(headers['x-amz-security-token']).toBe('token-1')
    expect(headers.authorization).toContain('x-amz-security-token')
    expect(headers.authorization).toContain('/20130524/eu-west-1/s3/aws4_request')
    expect(JSON.stringify(headers)).not.toContain(EXAMPLE_CREDENTIALS.secretAccessKey)
    expect(headers.host).toBe('127.0.0.1:9000')
  })

  it('encodes as RFC 3986 wants, keeping / in paths only', () => {
    expect(uriEncode('a b/c~d*é', true)).toBe('a%20b/c~d%2A%C3%A9')
    expect(uriEncode('a/b=c', false)).toBe('a%2Fb%3Dc')
    expect(amzDate(new Date('2026-12-02T10:04:05.123Z'))).toBe('20261202T100405Z')
  })
})

describe('S3 blob addresses', () => {
  const sha = 'ab'.repeat(32)
  it('are path-style at an endpoint and virtual-hosted at AWS, under the prefix, fanned out by two hex digits', () => {
    const atEndpoint = new S3BlobStore(
      { bucket: 'files', prefix: 'liaison/medical', endpoint: 'http://minio:9000', region: 'us-east-1' },
      EXAMPLE_CREDENTIALS,
    )
    expect(atEndpoint.keyOf(sha)).toBe(`liaison/medical/ab/${sha}`)
    expect(atEndpoint.urlOf(atEndpoint.keyOf(sha)).toString()).toBe(
      `http://minio:9000/files/liaison/medical/ab/${sha}`,
    )
    expect(atEndpoint.urlOf('', { 'list-type': '2', prefix: 'liaison/medical/' }).toString()).toBe(
      'http://minio:9000/files/?list-type=2&prefix=liaison%2Fmedical%2F',
    )
    const atAws = new S3BlobStore(
      { bucket: 'files', prefix: '', region: 'eu-central-1' },
      EXAMPLE_CREDENTIALS,
    )
    expect(atAws.urlOf(atAws.keyOf(sha)).toString()).toBe(
      `https://files.s3.eu-central-1.amazonaws.com/ab/${sha}`,
    )
    expect(atAws.location).toBe('s3://files')
    expect(atEndpoint.location).toBe('s3://files/liaison/medical at http://minio:9000')
    expect(() => atAws.keyOf('../x')).toThrow(/not a SHA-256/)
  })
})
