import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { vaultOrigin } from './vault-client.js'
import { resolveLogin } from './world-credentials.js'

const dir = mkdtempSync(join(tmpdir(), 'liaison-credentials-'))
writeFileSync(
  join(dir, 'world.json'),
  JSON.stringify({
    vaults: [
      {
        name: 'crm-na',
        url: 'http://127.0.0.1:4101',
        admin: { username: 'admin@crm-na', password: 'admin-secret' },
        users: [{ username: 'rep@crm-na', password: 'rep-secret', role: 'rep' }],
      },
    ],
  }),
)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('vaultOrigin', () => {
  it('keeps the origin of a URL given with a trailing slash, /api or /api/{version}', () => {
    for (const url of [
      'http://127.0.0.1:4100',
      'http://127.0.0.1:4100/',
      ' http://127.0.0.1:4100/api ',
      'http://127.0.0.1:4100/api/v25.2',
      'http://127.0.0.1:4100/api/v25.2/',
    ])
      expect(vaultOrigin(url)).toBe('http://127.0.0.1:4100')
    expect(vaultOrigin('https://vault.example/liaison/api/v26.1')).toBe('https://vault.example/liaison')
  })

  it('refuses what is not an http(s) URL, saying what to give', () => {
    expect(() => vaultOrigin('127.0.0.1:4100')).toThrow(/origin, e\.g\. http:\/\/127\.0\.0\.1:4100/)
    expect(() => vaultOrigin('crm-na')).toThrow(/not a vault URL/)
  })
})

describe('resolveLogin', () => {
  it('reads a world vault by name: its URL and its admin, or the named user', () => {
    expect(resolveLogin({ vault: 'crm-na', world: dir }, {})).toEqual({
      url: 'http://127.0.0.1:4101',
      username: 'admin@crm-na',
      password: 'admin-secret',
    })
    expect(
      resolveLogin({ vault: 'http://127.0.0.1:4101/api/v25.2', world: dir, user: 'rep@crm-na' }, {}),
    ).toEqual({ url: 'http://127.0.0.1:4101', username: 'rep@crm-na', password: 'rep-secret' })
  })

  it('takes flags first, then LIAISON_USER and LIAISON_PASSWORD, then world.json', () => {
    const env = { LIAISON_USER: 'env-user', LIAISON_PASSWORD: 'env-secret' }
    expect(resolveLogin({ vault: 'crm-na', world: dir }, env)).toMatchObject({
      username: 'env-user',
      password: 'env-secret',
    })
    expect(resolveLogin({ vault: 'http://h:1', user: 'flag-user', password: 'p' }, env)).toEqual({
      url: 'http://h:1',
      username: 'flag-user',
      password: 'p',
    })
    expect(resolveLogin({ vault: 'http://h:1' }, env)).toMatchObject({ username: 'env-user' })
  })

  it('says every way to give a login when none is found, and names the vaults a world has', () => {
    expect(() => resolveLogin({ vault: 'http://h:1' }, {})).toThrow(
      /--user and --password, set LIAISON_USER and LIAISON_PASSWORD, or give --world DIR/,
    )
    expect(() => resolveLogin({ vault: 'crm-eu', world: dir }, {})).toThrow(
      /no vault named "crm-eu"; it has crm-na/,
    )
    expect(() => resolveLogin({ vault: 'crm-na', world: join(dir, 'missing') }, {})).toThrow(
      /world\.json does not exist/,
    )
  })
})
