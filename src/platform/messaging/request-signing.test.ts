import { generateKeyPairSync, sign } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { ManualClock } from '../clock/index.js'
import { isLiaisonError, LiaisonError } from '../errors/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../storage/index.js'
import { SIGNATURE_WINDOW_MS } from './defaults.js'
import type { IncomingSignedRequest } from './messaging-types.js'
import {
  type RequestSigner,
  type SignatureCheck,
  type SignedHeaders,
  signRequest,
  verifySignedRequest,
} from './request-signing.js'
import { SeenRequests } from './seen-requests.js'

function signerFrom(vaultId: string) {
  const pair = generateKeyPairSync('ed25519')
  const signer: RequestSigner = {
    vaultId,
    sign: (data) => sign(null, data, pair.privateKey).toString('base64'),
  }
  return { signer, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}

function incoming(
  headers: SignedHeaders,
  request: { method: string; path: string; body: string | Uint8Array },
): IncomingSignedRequest {
  return {
    method: request.method,
    path: request.path,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body,
  }
}

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (isLiaisonError(error)) return error.vaultType
    throw error
  }
  return 'ACCEPTED'
}

const clock = new ManualClock('2026-03-01T12:00:00.000Z')
const sender = signerFrom('12345')
/** The receiving vault's id. */
const RECIPIENT = '777'
const request = {
  method: 'POST',
  path: '/api/v25.2/services/connections/inbound?x=1',
  body: '{"a":1}',
  recipientVaultId: RECIPIENT,
}

/** What the receiver checks against: the sender's key and its own id. */
function at(publicKeyPem: string, recipientVaultId = RECIPIENT): SignatureCheck {
  return { publicKeyPem, recipientVaultId }
}

describe('B2: signed requests', () => {
  it('B2: a request signed by the sender verifies with its public key', () => {
    const headers = signRequest(sender.signer, clock, request)
    const verified = verifySignedRequest(incoming(headers, request), at(sender.publicKeyPem), clock)
    expect(verified.vaultId).toBe('12345')
    expect(verified.messageId).toBe(headers['X-Liaison-Message-Id'])
  })

  it('B2: a tampered body, path, method, timestamp, vault id or message id is refused', () => {
    const headers = signRequest(sender.signer, clock, request)
    const ok = incoming(headers, request)
    expect(
      refusal(() =>
        verifySignedRequest(
          { ...ok, body: new TextEncoder().encode('{"a":2}') },
          at(sender.publicKeyPem),
          clock,
        ),
      ),
    ).toBe('INVALID_SESSION_ID')
    expect(
      refusal(() =>
        verifySignedRequest(
          { ...ok, path: '/api/v25.2/services/connections/inbound' },
          at(sender.publicKeyPem),
          clock,
        ),
      ),
    ).toBe('INVALID_SESSION_ID')
    expect(refusal(() => verifySignedRequest({ ...ok, method: 'PUT' }, at(sender.publicKeyPem), clock))).toBe(
      'INVALID_SESSION_ID',
    )
    for (const [name, value] of [
      ['x-liaison-timestamp', new Date(clock.now() + 1).toISOString()],
      ['x-liaison-vault-id', '12346'],
      ['x-liaison-message-id', 'another'],
    ] as const)
      expect(
        refusal(() =>
          verifySignedRequest(
            { ...ok, headers: { ...ok.headers, [name]: value } },
            at(sender.publicKeyPem),
            clock,
          ),
        ),
        name,
      ).toBe('INVALID_SESSION_ID')
  })

  it('B2: a request signed for another vault is refused, whatever recipient header it carries', () => {
    const headers = signRequest(sender.signer, clock, request)
    const ok = incoming(headers, request)
    expect(refusal(() => verifySignedRequest(ok, at(sender.publicKeyPem, '778'), clock))).toBe(
      'INVALID_SESSION_ID',
    )
    // Rewriting the header to the new receiver's id does not help: the signature covers the recipient.
    const readdressed = { ...ok, headers: { ...ok.headers, 'x-liaison-recipient-id': '778' } }
    expect(refusal(() => verifySignedRequest(readdressed, at(sender.publicKeyPem, '778'), clock))).toBe(
      'INVALID_SESSION_ID',
    )
    const { 'x-liaison-recipient-id': _, ...unaddressed } = ok.headers
    expect(
      refusal(() => verifySignedRequest({ ...ok, headers: unaddressed }, at(sender.publicKeyPem), clock)),
    ).toBe('INVALID_SESSION_ID')
  })

  it('B2: an unsigned request, or one signed with another key, is refused', () => {
    const headers = signRequest(sender.signer, clock, request)
    const ok = incoming(headers, request)
    expect(refusal(() => verifySignedRequest({ ...ok, headers: {} }, at(sender.publicKeyPem), clock))).toBe(
      'INVALID_SESSION_ID',
    )
    const other = signerFrom('12345')
    expect(refusal(() => verifySignedRequest(ok, at(other.publicKeyPem), clock))).toBe('INVALID_SESSION_ID')
    expect(refusal(() => verifySignedRequest(ok, at('not a key'), clock))).toBe('INVALID_SESSION_ID')
  })

  it('B2: a timestamp outside ±5 minutes is refused, inside it is accepted', () => {
    const headers = signRequest(sender.signer, clock, request)
    const ok = incoming(headers, request)
    const later = new ManualClock(clock.now() + SIGNATURE_WINDOW_MS)
    expect(verifySignedRequest(ok, at(sender.publicKeyPem), later).vaultId).toBe('12345')
    later.advance(1)
    expect(refusal(() => verifySignedRequest(ok, at(sender.publicKeyPem), later))).toBe('INVALID_SESSION_ID')
    const earlier = new ManualClock(clock.now() - SIGNATURE_WINDOW_MS - 1)
    expect(refusal(() => verifySignedRequest(ok, at(sender.publicKeyPem), earlier))).toBe(
      'INVALID_SESSION_ID',
    )
  })

  it('B2: any change to any signed byte fails verification (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 40 }).map((s) => `/api/v25.2/${encodeURIComponent(s)}`),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('body', 'path', 'signature', 'timestamp', 'messageId'),
        (body, path, position, flip, part) => {
          const headers = signRequest(sender.signer, clock, {
            method: 'POST',
            path,
            body,
            recipientVaultId: RECIPIENT,
          })
          const ok = incoming(headers, { method: 'POST', path, body })
          expect(verifySignedRequest(ok, at(sender.publicKeyPem), clock).vaultId).toBe('12345')
          const flipByte = (bytes: Uint8Array): Uint8Array => {
            const copy = Uint8Array.from(bytes)
            if (copy.length === 0) return Uint8Array.of(flip)
            const i = position % copy.length
            copy[i] = copy[i]! ^ flip
            return copy
          }
          const flipText = (text: string): string =>
            Buffer.from(flipByte(Buffer.from(text, 'latin1'))).toString('latin1')
          let changed: IncomingSignedRequest
          if (part === 'body') changed = { ...ok, body: flipByte(body) }
          else if (part === 'path') changed = { ...ok, path: flipText(path) }
          else {
            const name =
              part === 'signature'
                ? 'x-liaison-signature'
                : part === 'timestamp'
                  ? 'x-liaison-timestamp'
                  : 'x-liaison-message-id'
            const original = String(ok.headers[name])
            const altered =
              part === 'signature'
                ? Buffer.from(flipByte(Buffer.from(original, 'base64'))).toString('base64')
                : flipText(original)
            if (altered === original) return
            changed = { ...ok, headers: { ...ok.headers, [name]: altered } }
          }
          expect(refusal(() => verifySignedRequest(changed, at(sender.publicKeyPem), clock))).not.toBe(
            'ACCEPTED',
          )
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('B2: replay protection and the vault key', () => {
  let database: TestDatabase
  let storage: Storage

  beforeAll(async () => {
    database = await createTestDatabase('signing')
    storage = createDatabase(database.config)
    await migrateToLatest(storage)
  })

  afterAll(async () => {
    await storage.close()
    await database.drop()
  })

  it('B2: a replayed request id is refused; ids are pruned once their window has passed', async () => {
    const local = new ManualClock(clock.now())
    const seen = new SeenRequests({ db: storage.db, clock: local })
    const headers = signRequest(sender.signer, local, request)
    const verified = verifySignedRequest(incoming(headers, request), at(sender.publicKeyPem), local)
    await seen.accept(verified)
    const again = await seen.accept(verified).then(
      () => 'ACCEPTED',
      (error: unknown) => (error instanceof LiaisonError ? error.vaultType : 'other'),
    )
    expect(again).toBe('INVALID_SESSION_ID')
    // The same id from another vault is another request.
    await seen.accept({ ...verified, vaultId: '999' })
    local.advance(SIGNATURE_WINDOW_MS + 1)
    expect(await seen.prune()).toBe(2)
  })
})
