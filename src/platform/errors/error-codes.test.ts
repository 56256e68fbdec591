import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, VAULT_ERROR_TYPES } from './error-codes.js'

const DOC = resolve(import.meta.dirname, '../../../docs/errors.md')

describe('the error registry', () => {
  it('maps every code to a Vault error type of the contract list', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(VAULT_ERROR_TYPES, code).toContain(spec.vaultType)
      expect(spec.fix.length, code).toBeGreaterThan(10)
    }
  })

  it('is documented in docs/errors.md, code for code', () => {
    const documented = [...readFileSync(DOC, 'utf8').matchAll(/^\| `([A-Z_]+)` \| `([A-Z_]+)` \|/gm)].map(
      (m) => [m[1], m[2]],
    )
    expect(documented.map(([code]) => code).sort()).toEqual(Object.keys(ERROR_CODES).sort())
    for (const [code, type] of documented)
      expect(ERROR_CODES[code as keyof typeof ERROR_CODES].vaultType).toBe(type)
  })
})
