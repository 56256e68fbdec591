// HttpRemoteVault's paging against a stand-in for the remote vault (the outside world): a small
// HTTP server answering /query and its next_page links with pages a test sets, and files with the
// Content-Disposition a test sets.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../clock/index.js'
import type { ConnectionInfo } from './messaging-types.js'
import { HttpRemoteVault } from './remote-vault.js'

/** The pages the stand-in answers, in order; each request takes the next one. */
let pages: { readonly ids: readonly string[]; readonly total: number }[] = []
let requests: string[] = []
/** The Content-Disposition the stand-in answers a file with. */
let disposition = ''
let server: Server
let url: string

function remote(): HttpRemoteVault {
  const connection: ConnectionInfo = {
    id: 'V0C1',
    name: 'CRM',
    apiName: 'crm__v',
    status: 'active__v',
    remoteVaultId: '2002',
    remoteUrl: url,
    remoteName: 'crm-na',
    remoteEnvironment: 'production',
    remotePublicKey: '',
    remoteIntegrationUser: 'integration@crm',
    localIntegrationUserId: 'U1',
    localIntegrationUserName: 'integration@medical',
    establishedDate: null,
  }
  return new HttpRemoteVault(connection, { vaultId: '1001', sign: () => 'signature' }, new ManualClock(0))
}

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.endsWith('/file') === true) {
      response.setHeader('content-type', 'application/pdf')
      response.setHeader('content-disposition', disposition)
      response.end('%PDF-1.4')
      return
    }
    requests.push(request.url ?? '')
    const index = requests.length - 1
    const page = pages[index]!
    const more = index + 1 < pages.length
    response.setHeader('content-type', 'application/json')
    response.end(
      JSON.stringify({
        responseStatus: 'SUCCESS',
        responseDetails: {
          size: page.ids.length,
          total: page.total,
          ...(more ? { next_page: `/api/v25.2/query/cursor?pageoffset=${index + 1}` } : {}),
        },
        data: page.ids.map((id) => ({ id })),
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  requests = []
})

describe('HttpRemoteVault paging (B2)', () => {
  it('queryPages yields one page at a time and asks for the next only when the caller reads on', async () => {
    pages = [
      { ids: ['a', 'b'], total: 5 },
      { ids: ['c', 'd'], total: 5 },
      { ids: ['e'], total: 5 },
    ]
    for await (const page of remote().queryPages('SELECT id FROM product__v')) {
      expect(page.data).toEqual([{ id: 'a' }, { id: 'b' }])
      expect(page.responseDetails.next_page).toBeDefined()
      break
    }
    expect(requests).toHaveLength(1)
    requests = []
    const sizes: number[] = []
    for await (const page of remote().queryPages('SELECT id FROM product__v')) sizes.push(page.data.length)
    expect(sizes).toEqual([2, 2, 1])
  })

  it('query follows next_page to the end and answers every row', async () => {
    pages = [
      { ids: ['a', 'b'], total: 3 },
      { ids: ['c'], total: 3 },
    ]
    const result = await remote().query('SELECT id FROM product__v')
    expect(result.data.map((r) => r.id)).toEqual(['a', 'b', 'c'])
    expect(result.responseDetails).toEqual({ size: 3, total: 3 })
  })

  it('query refuses a result that changed between its pages (offset paging would skip or repeat a row): retried later', async () => {
    // A row left the result after the first page: every later row moved one place up, so "c" is never read.
    pages = [
      { ids: ['a', 'b'], total: 4 },
      { ids: ['d'], total: 3 },
    ]
    await expect(remote().query('SELECT id FROM product__v')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('the result changed while it was read page by page'),
    })
  })
})

describe('HttpRemoteVault downloads', () => {
  it('reads the file name from filename* (RFC 6266, UTF-8) first, then from filename', async () => {
    const cases = [
      [
        `attachment; filename="_________.pdf"; filename*=UTF-8''${encodeURIComponent('Дозировка.pdf')}`,
        'Дозировка.pdf',
      ],
      ['attachment; filename="plain name.pdf"', 'plain name.pdf'],
      ['attachment; filename=bare.pdf', 'bare.pdf'],
      [`attachment; filename="fallback.pdf"; filename*=UTF-8''%E0%A4`, 'fallback.pdf'],
      ['attachment', 'file'],
    ] as const
    for (const [header, name] of cases) {
      disposition = header
      expect((await remote().download('/objects/documents/1/versions/0/1/file')).name, header).toBe(name)
    }
  })
})
