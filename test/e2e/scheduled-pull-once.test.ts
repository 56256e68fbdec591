// Issue 15, scope 3: a scheduled pull runs once per schedule across all the processes of a vault,
// never once per process. A second process of the CRM (its own pools and job runner on the same
// PostgreSQL database, as `liaison worker` opens it) joins the first; with the Medical Vault
// unreachable, every run of the CRM's case request pull fails and is reported by the process that
// ran it, which makes each run visible. Pulls are jobs keyed by their point, so two processes give
// one chain of runs, one interval apart, not two.
import { afterAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { connectionVaultOf, installMedicalCrmConnection } from '../../src/connection/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/rules/index.js'
import { Vault } from '../../src/platform/vault/index.js'
import { type ConnectedVaults, startConnectedVaults } from '../support/connected-vaults.js'
import { TEST_DB_KIND } from '../support/databases.js'

const PULL_INTERVAL_MS = 400
const WINDOW_MS = 4_000

let v: ConnectedVaults | undefined
let second: Vault | undefined

afterAll(async () => {
  await second?.close()
  await v?.close()
})

describe.skipIf(TEST_DB_KIND !== 'postgres')('scheduled pulls across processes (PostgreSQL)', () => {
  it('B12: two processes of one CRM run its case request pull once per interval between them, not once each', async () => {
    const runs: { at: number; process: 'first' | 'second' }[] = []
    const heard = (process: 'first' | 'second') => (failure: { integrationPoint: string }) => {
      if (failure.integrationPoint === INTEGRATION_POINTS.caseRequestInbound)
        runs.push({ at: performance.now(), process })
    }
    v = await startConnectedVaults({ pullIntervalMs: PULL_INTERVAL_MS, onPullError: heard('first') })
    const crm = v.crm
    second = await Vault.open({
      name: crm.vault.name,
      profile: crmProfile,
      environment: crm.vault.environment,
      database: crm.database.config,
      ...(crm.database.keyFile === undefined ? {} : { keyFile: crm.database.keyFile }),
      setup: [
        (vault) =>
          installMedicalCrmConnection(connectionVaultOf(vault), 'crm', {
            pullIntervalMs: PULL_INTERVAL_MS,
            onPullError: heard('second'),
          }),
      ],
    })
    await v.medical.stopServing()
    try {
      // Both processes have started their runners and scheduled the active connection's pulls.
      await new Promise((resolve) => setTimeout(resolve, 2 * PULL_INTERVAL_MS))
      runs.length = 0
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS))
      const seen = [...runs]
      const once = WINDOW_MS / PULL_INTERVAL_MS
      // One chain: about one run per interval (a failed run waits an interval, plus its own time).
      expect(seen.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(Math.floor(once / 2))
      expect(seen.length, JSON.stringify(seen)).toBeLessThanOrEqual(Math.ceil(once * 1.25))
      // Never two runs of the schedule side by side.
      const gaps = seen.slice(1).map((r, i) => r.at - seen[i]!.at)
      expect(Math.min(...gaps), JSON.stringify(seen)).toBeGreaterThan(PULL_INTERVAL_MS / 2)
    } finally {
      await v.medical.serveAgain()
    }
  }, 60_000)
})
