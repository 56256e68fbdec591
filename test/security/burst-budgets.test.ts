// Issue 11: the burst limit protects people; a connected vault's signed calls (one per document
// file) must neither spend people's budget nor be held by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { ManualClock } from '../../src/platform/clock/index.js'
import {
  type ConnectedCrm,
  connectVaults,
  type ServedVault,
  startServedVault,
} from '../support/served-vaults.js'

/** Vault's default budget of people's calls per window. */
const PEOPLE_LIMIT = 2_000

describe('security: burst budgets of people and connections', () => {
  let medical: ServedVault
  let crm: ConnectedCrm

  beforeAll(async () => {
    // One clock that stands still, so the test cannot straddle two burst windows.
    const clock = new ManualClock(new Date().toISOString())
    medical = await startServedVault('medical-burst', medicalProfile, { clock })
    const node = await startServedVault('crm-burst', crmProfile, { clock })
    crm = { node, ...(await connectVaults(medical, node)) }
  })

  afterAll(async () => {
    await crm?.node.destroy()
    await medical?.destroy()
  })

  it("security: a connection's signed calls do not spend people's burst budget nor wait for it", async () => {
    // People have one call left in this window (the admin's login and setup calls count too).
    const remaining = Number(
      (await medical.download('/metadata/vobjects')).headers.get('x-vaultapi-burstlimitremaining'),
    )
    for (let i = 1; i < remaining; i++) medical.vault.burst.take()
    const remote = crm.node.vault.messaging.remote(crm.onCrm)
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      await remote.request('POST', '/query', new URLSearchParams({ q: 'SELECT id FROM country__v' }))
      // A call over a budget is held 500 ms.
      expect(performance.now() - started).toBeLessThan(450)
    }
    const last = await medical.download('/metadata/vobjects')
    expect(last.headers.get('x-vaultapi-burstlimit')).toBe(String(PEOPLE_LIMIT))
    expect(last.headers.get('x-vaultapi-burstlimitremaining')).toBe('0')
    expect(last.headers.get('x-vaultapi-responsedelay')).toBeNull()
    const over = await medical.download('/metadata/vobjects')
    expect(over.headers.get('x-vaultapi-responsedelay')).toBe('500')
  })
})
