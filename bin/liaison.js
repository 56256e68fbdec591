#!/usr/bin/env node
// Runs the compiled CLI from dist/ (built by `npm install` through the prepare script, or `npm run build`).
import { existsSync } from 'node:fs'

const main = new URL('../dist/src/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write(
    'Liaison is not built yet: dist/src/cli/main.js is missing. Run `npm install` (it builds) or `npm run build` in the checkout, then try again.\n',
  )
  process.exit(1)
}
// Stack traces name the TypeScript source lines.
process.setSourceMapsEnabled(true)
await import(main.href)
