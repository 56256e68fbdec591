import { describe, expect, it } from 'vitest'
import { shortActionName, vaultActionName, vaultActionType } from './object-action-names.js'

describe("Vault's object action names", () => {
  it('names object actions Objectaction.{object}.{action} and lifecycle actions by their state', () => {
    expect(
      vaultActionName('medical_inquiry__v', {
        name: 'transfer_to_medical__v',
        label: 'Transfer',
        type: 'object_action',
      }),
    ).toBe('Objectaction.medical_inquiry__v.transfer_to_medical__v')
    const start = {
      name: 'start__v',
      label: 'Start',
      type: 'lifecycle_state_user_action',
      state: 'new_state__v',
    } as const
    expect(vaultActionName('case__v', start)).toBe(
      'Objectlifecyclestateuseraction.case__v.new_state__v.start__v',
    )
    expect(vaultActionType(start)).toBe('state_change')
  })

  it('reads the short name from either form and refuses another object or a broken long name', () => {
    expect(shortActionName('case__v', 'start__v')).toBe('start__v')
    expect(shortActionName('case__v', 'Objectlifecyclestateuseraction.case__v.new_state__v.start__v')).toBe(
      'start__v',
    )
    expect(
      shortActionName('medical_inquiry__v', 'Objectaction.medical_inquiry__v.transfer_to_medical__v'),
    ).toBe('transfer_to_medical__v')
    expect(() => shortActionName('case__v', 'Objectaction.case_request__v.start__v')).toThrow(
      /case_request__v, not case__v/,
    )
    expect(() => shortActionName('case__v', 'Objectaction.case__v.a.start__v')).toThrow(/not an action name/)
    expect(() => shortActionName('case__v', 'Objectlifecyclestateuseraction.case__v.start__v')).toThrow(
      /not an action name/,
    )
  })
})
