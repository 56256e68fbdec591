#!/usr/bin/env node
// Compiles src/ and bench/ into dist/ (what bin/liaison.js runs), and the web app in web/ into
// web/dist/ (what every vault serves at /). A fresh dist/ each time, so a source file that was
// removed leaves no stale module behind. The web app is rebuilt only when one of its sources (or
// the lock file) is newer than its last build, so a test run's build stays quick.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { constants, gzipSync } from 'node:zlib'

const root = resolve(import.meta.dirname, '..')
const require = createRequire(import.meta.url)
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
rmSync(join(root, 'dist'), { recursive: true, force: true })
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
})

const web = join(root, 'web')
const stamp = join(web, 'dist', '.built')

/** The newest modification time of the files under a path. */
function newest(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

const sources = [
  join(web, 'src'),
  join(web, 'index.html'),
  join(web, 'vite.config.ts'),
  join(root, 'package-lock.json'),
]
if (process.env.LIAISON_WEB_REBUILD === '1' || newest(stamp) <= Math.max(...sources.map(newest))) {
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js')
  execFileSync(
    process.execPath,
    [vite, 'build', '--logLevel', 'warn', '--config', join(web, 'vite.config.ts')],
    {
      cwd: web,
      stdio: 'inherit',
      // Always React's production build: a test runner's NODE_ENV=test would give its development one.
      env: { ...process.env, NODE_ENV: 'production' },
    },
  )
  // Each script and stylesheet also gzipped, so the vault sends it compressed (preCompressed).
  const assets = join(web, 'dist', 'assets')
  for (const name of readdirSync(assets).filter((n) => /\.(js|css)$/.test(n))) {
    const file = join(assets, name)
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }))
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`)
}
