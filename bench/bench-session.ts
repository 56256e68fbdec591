import type { RunningVault } from '../src/cli/vault-server.js'
import { createUser, SYSTEM_ACTOR } from '../src/platform/vault/index.js'

const BENCH_USER = 'bench@bench.local'
const BENCH_PASSWORD = 'Bench-Password-1'

/** Creates the bench admin on a served vault and logs in over HTTP; returns the session id. */
export async function benchSession(served: RunningVault): Promise<string> {
  await createUser(served.vault, SYSTEM_ACTOR, {
    username: BENCH_USER,
    password: BENCH_PASSWORD,
    securityProfile: 'admin__sys',
    firstName: 'Bench',
    lastName: 'Admin',
  })
  const auth = await fetch(`${served.url}/api/v25.2/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: BENCH_USER, password: BENCH_PASSWORD }),
  })
  const { sessionId } = (await auth.json()) as { sessionId: string }
  return sessionId
}
