// Finding 9 (low): a read-only, missing or non-folder data folder is named with what to do, instead of
// SQLite's "unable to open database file".
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

describe('security: an unusable data folder is named, with what to do', () => {
  let root: string
  /** The CLI runs as an unprivileged user when the suite runs as root, whom permissions do not stop. */
  const asUser = process.getuid?.() === 0 ? { uid: 65_534, gid: 65_534 } : {}

  /** Runs `liaison …` and answers its exit code and stderr (it fails before opening any vault). */
  function liaison(args: readonly string[]): Promise<{ code: number; stderr: string }> {
    return new Promise((done) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin/liaison.js'), ...args],
        { cwd: root, timeout: 60_000, ...asUser },
        (error, _stdout, stderr) => done({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
      )
    })
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'liaison-dirs-'))
    chmodSync(root, 0o755)
    mkdirSync(join(root, 'read-only'), { mode: 0o555 })
    chmodSync(join(root, 'read-only'), 0o555)
    writeFileSync(join(root, 'a-file'), 'not a folder')
  })

  afterAll(() => {
    chmodSync(join(root, 'read-only'), 0o755)
    rmSync(root, { recursive: true, force: true })
  })

  it('security: liaison up with a read-only, missing or non-folder --dir says which and how to choose another', async () => {
    const readOnly = join(root, 'read-only')
    const cases = [
      { dir: readOnly, says: [`Cannot write to ${readOnly}: permission denied.`] },
      {
        dir: join(readOnly, 'world', 'data'),
        says: [
          `Cannot create ${join(readOnly, 'world', 'data')}: it is missing, and ${readOnly} is not writable`,
        ],
      },
      { dir: join(root, 'a-file'), says: [`${join(root, 'a-file')}`, 'is a file, not a folder'] },
    ]
    for (const { dir, says } of cases) {
      const { code, stderr } = await liaison(['up', '--dir', dir, '--port', '0'])
      expect(code, stderr).toBe(1)
      for (const text of says) expect(stderr).toContain(text)
      expect(stderr).toContain('Choose a folder you can write to with --dir.')
      expect(stderr).not.toMatch(/unable to open database file|EACCES|ENOTDIR/)
    }
    // Nothing was written anywhere.
    expect(readdirSync(readOnly)).toEqual([])
  })

  it('security: liaison serve --db sqlite:PATH in a read-only or missing folder says which and how to choose another', async () => {
    const readOnly = join(root, 'read-only')
    for (const path of [join(readOnly, 'medical.db'), join(readOnly, 'missing', 'medical.db')]) {
      const { code, stderr } = await liaison(['serve', '--profile', 'medical', '--db', `sqlite:${path}`])
      expect(code, stderr).toBe(1)
      expect(stderr).toContain(readOnly)
      expect(stderr).toMatch(/permission denied/)
      expect(stderr).toContain('--db sqlite:PATH')
      expect(stderr).not.toMatch(/unable to open database file|EACCES/)
    }
    const folder = await liaison(['serve', '--profile', 'crm', '--db', `sqlite:${root}`])
    expect(folder.stderr).toContain(`Cannot use ${root} as a database file: it is a folder.`)
    const badUrl = await liaison([
      'serve',
      '--profile',
      'crm',
      '--db',
      'sqlite::memory:',
      '--public-url',
      'ftp://x/y',
    ])
    expect(badUrl.code).toBe(1)
    expect(badUrl.stderr).toContain('must be an http(s) origin without a path')
  })
})
