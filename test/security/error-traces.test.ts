import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

let t: TestVault
let admin: string
let manager: string

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
  admin = await t.login('admin__sys')
  manager = await t.login('content_manager__v')
})

afterAll(async () => {
  await t.close()
})

function firstError(body: Record<string, unknown>, status = 'FAILURE'): { type: string; message: string } {
  expect(body.responseStatus, JSON.stringify(body)).toBe(status)
  return (body.errors as { type: string; message: string }[])[0]!
}

async function query(q: string): Promise<{ type: string; message: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: `${API}/query`,
    headers: { authorization: admin, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `q=${encodeURIComponent(q)}`,
  })
  return firstError(response.json() as Record<string, unknown>)
}

describe('B23: error traces and bad input', () => {
  it('security: an unexpected error is logged with the execution id the client was given', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
        done()
      },
    })
    const app = await buildApp(t.vault, {
      logger: { level: 'info', stream },
      openPlugins: [
        async (scope) => {
          scope.get('/explode', async () => {
            throw new Error('the disk said no', { cause: new Error('SQLITE_FULL: database or disk is full') })
          })
        },
      ],
    })
    try {
      const response = await app.inject({ method: 'GET', url: `${API}/explode` })
      const executionId = response.headers['x-vaultapi-executionid']
      expect(typeof executionId).toBe('string')
      const error = firstError(response.json() as Record<string, unknown>, 'EXCEPTION')
      expect(error.type).toBe('UNEXPECTED_ERROR')
      expect(error.message).toContain(String(executionId))
      expect(JSON.stringify(response.json())).not.toContain('SQLITE_FULL')
      const logged = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.level === 50)
      expect(logged, lines.join('\n')).toBeDefined()
      expect(logged!.executionId).toBe(executionId)
      expect(logged!.reqId).toBe(executionId)
      const err = logged!.err as { message: string; stack: string }
      expect(err.message).toContain('the disk said no')
      expect(err.stack).toContain('error-traces.test')
      expect(JSON.stringify(err)).toContain('SQLITE_FULL: database or disk is full')
    } finally {
      await app.close()
    }
  })

  it('security: a VQL query with 1,000 AND terms answers QUERY_INVALID naming the limit', async () => {
    const terms = Array.from({ length: 1000 }, (_, i) => `name__v = 'x${i}'`).join(' AND ')
    const error = await query(`SELECT id FROM case__v WHERE ${terms}`)
    expect(error.type).toBe('INVALID_DATA')
    expect(error.message).toMatch(/500 conditions/)
  })

  it('security: a VQL query just under the limits still runs', async () => {
    const terms = Array.from({ length: 500 }, (_, i) => `name__v = 'x${i}'`).join(' OR ')
    const response = await t.app.inject({
      method: 'POST',
      url: `${API}/query`,
      headers: { authorization: admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `q=${encodeURIComponent(`SELECT id FROM case__v WHERE ${'('.repeat(100)}${terms}${')'.repeat(100)}`)}`,
    })
    expect((response.json() as Record<string, unknown>).responseStatus, response.body).toBe('SUCCESS')
  })

  it('security: 2,500 nested parentheses answer QUERY_INVALID naming the limit', async () => {
    const where = `${'('.repeat(2500)}name__v = 'x'${')'.repeat(2500)}`
    const error = await query(`SELECT id FROM case__v WHERE ${where}`)
    expect(error.type).toBe('INVALID_DATA')
    expect(error.message).toMatch(/100 levels/)
    const find = await query(`SELECT id FROM documents FIND (${'NOT ('.repeat(2500)}'x'${')'.repeat(2500)})`)
    expect(find.type).toBe('INVALID_DATA')
    expect(find.message).toMatch(/100 levels/)
  })

  it('security: each malformed multipart answers BODY_MALFORMED', async () => {
    const part = (boundary: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="name__v"\r\n\r\nBroken\r\n`
    const whole = (boundary: string) => `${part(boundary)}--${boundary}--\r\n`
    const bodies: readonly { kind: string; contentType: string; payload: string }[] = [
      { kind: 'no boundary', contentType: 'multipart/form-data', payload: whole('abc') },
      { kind: 'wrong boundary', contentType: 'multipart/form-data; boundary=other', payload: whole('abc') },
      { kind: 'truncated', contentType: 'multipart/form-data; boundary=abc', payload: part('abc') },
      { kind: 'not multipart', contentType: 'multipart/form-data; boundary=abc', payload: '{"name__v":1}' },
    ]
    for (const body of bodies) {
      const response = await t.app.inject({
        method: 'POST',
        url: `${API}/objects/documents`,
        headers: {
          authorization: manager,
          'content-type': body.contentType,
          'x-liaison-http-status': 'true',
        },
        payload: body.payload,
      })
      const json = response.json() as Record<string, unknown>
      expect(response.statusCode, `${body.kind}: ${response.body}`).toBe(400)
      expect(JSON.stringify(json.errors), body.kind).toContain('INVALID_DATA')
      expect(firstError(json).message, body.kind).toMatch(/multipart/i)
    }
  })
})
