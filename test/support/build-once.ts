import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')

/**
 * Vitest global setup: compiles src/ and bench/ into dist/ once per run, so the tests that start
 * `bin/liaison.js` as a process run the code under test, never a stale build.
 */
export default function buildOnce(): void {
  execFileSync(process.execPath, [resolve(ROOT, 'scripts/build.js')], { cwd: ROOT, stdio: 'inherit' })
}
