import { describe, expect, it } from 'vitest'
import { isLiaisonError } from '../errors/index.js'
import type { PermissionTable } from '../metadata/index.js'
import { assertAccess, canAccess } from './permissions.js'

const table: PermissionTable = {
  medical_inquiry__v: {
    rep__v: ['create', 'edit'],
    medical_information_agent__v: ['create', 'edit', 'delete'],
  },
  case__v: { medical_information_agent__v: ['edit'] },
}

describe('canAccess', () => {
  it('lets admins do everything, even on objects the table does not list', () => {
    for (const access of ['read', 'create', 'edit', 'delete'] as const) {
      expect(canAccess(table, 'admin__sys', 'case__v', access)).toBe(true)
      expect(canAccess(table, 'admin__sys', 'anything__c', access)).toBe(true)
    }
  })

  it('lets every profile read every object', () => {
    expect(canAccess(table, 'read_only__v', 'case__v', 'read')).toBe(true)
    expect(canAccess(table, 'rep__v', 'unlisted__c', 'read')).toBe(true)
  })

  it('grants other accesses only as the table says', () => {
    expect(canAccess(table, 'rep__v', 'medical_inquiry__v', 'create')).toBe(true)
    expect(canAccess(table, 'rep__v', 'medical_inquiry__v', 'edit')).toBe(true)
    expect(canAccess(table, 'rep__v', 'medical_inquiry__v', 'delete')).toBe(false)
    expect(canAccess(table, 'rep__v', 'case__v', 'edit')).toBe(false)
    expect(canAccess(table, 'read_only__v', 'medical_inquiry__v', 'create')).toBe(false)
    expect(canAccess(table, 'integration_user__sys', 'unlisted__c', 'create')).toBe(false)
  })

  it('does not mistake Object.prototype members for grants', () => {
    expect(canAccess(table, 'rep__v', 'constructor', 'edit')).toBe(false)
    expect(canAccess(table, 'rep__v', '__proto__', 'edit')).toBe(false)
    expect(canAccess(table, 'rep__v', 'toString', 'delete')).toBe(false)
  })
})

describe('assertAccess', () => {
  it('passes silently when allowed', () => {
    expect(() => assertAccess(table, 'rep__v', 'medical_inquiry__v', 'create')).not.toThrow()
  })

  it('throws ACCESS_DENIED naming the profile, object and access', () => {
    let caught: unknown
    try {
      assertAccess(table, 'read_only__v', 'case__v', 'delete')
    } catch (error) {
      caught = error
    }
    expect(isLiaisonError(caught)).toBe(true)
    if (!isLiaisonError(caught)) return
    expect(caught.code).toBe('ACCESS_DENIED')
    expect(caught.vaultType).toBe('INSUFFICIENT_ACCESS')
    expect(caught.message).toContain('read_only__v')
    expect(caught.message).toContain('case__v')
    expect(caught.message).toContain('delete')
    expect(caught.message).toMatch(/ask an admin/i)
  })
})
