import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isLiaisonError } from '../../platform/errors/index.js'
import {
  CONNECTION_FILE_FORMAT,
  type ConnectionFile,
  encodeConnectionToken,
  hashSecret,
  parseConnectionFile,
  secretMatches,
} from './connection-token.js'

const FILE: ConnectionFile = {
  format: CONNECTION_FILE_FORMAT,
  connection_id: 'V0C000000000001',
  api_name: 'medical_crm__v_crm_na',
  vault_id: '12345',
  vault_name: 'medical',
  url: 'http://127.0.0.1:4100',
  environment: 'production',
  public_key: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
  integration_user: 'integration@medical.liaison.local',
  secret: 's3cret',
  issued_date: '2026-01-01T00:00:00.000Z',
  expires_date: '2026-01-02T00:00:00.000Z',
}

describe('B1: connection tokens and files', () => {
  it('B1: a token and its connection file read back the same', () => {
    expect(parseConnectionFile(encodeConnectionToken(FILE))).toEqual(FILE)
    expect(parseConnectionFile(JSON.stringify(FILE))).toEqual(FILE)
    expect(parseConnectionFile(FILE)).toEqual(FILE)
    expect(parseConnectionFile({ ...FILE, url: 'http://127.0.0.1:4100/' }).url).toBe('http://127.0.0.1:4100')
  })

  it('B1: only the hash of the secret is kept, and only the right secret matches it', () => {
    const hash = hashSecret('s3cret')
    expect(hash).not.toContain('s3cret')
    expect(secretMatches('s3cret', hash)).toBe(true)
    expect(secretMatches('s3cre', hash)).toBe(false)
    expect(secretMatches('s3cret', '')).toBe(false)
  })

  it('B1: a file with a missing or wrong field is refused with INVALID_DATA', () => {
    for (const broken of [
      { ...FILE, format: 'other' },
      { ...FILE, secret: '' },
      { ...FILE, environment: 'staging' },
      { ...FILE, url: 'ftp://x' },
      { ...FILE, url: 'http://x/path' },
    ]) {
      let type: string | undefined
      try {
        parseConnectionFile(broken)
      } catch (error) {
        type = isLiaisonError(error) ? error.vaultType : 'other'
      }
      expect(type, JSON.stringify(broken)).toBe('INVALID_DATA')
    }
  })

  it('B1: any text pasted as a token is read or refused with INVALID_DATA, never a crash (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.jsonValue()), (value) => {
        try {
          parseConnectionFile(value)
        } catch (error) {
          expect(isLiaisonError(error) && error.vaultType).toBe('INVALID_DATA')
        }
      }),
      { numRuns: 500 },
    )
  })
})
