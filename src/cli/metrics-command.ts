import { VaultClient } from './vault-client.js'
import { type LoginOptions, resolveLogin } from './world-credentials.js'

export interface RecalculationAnswer {
  readonly folded: number
  readonly recalculated: boolean
  readonly records: number
  readonly messages: number
}

/**
 * `liaison metrics recalculate`: asks a running CRM to make its CLM Content Metrics again from all
 * its activity (B21's repair), as its admin; answers what changed and was sent.
 */
export async function recalculateMetrics(
  options: LoginOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ vault: string; answer: RecalculationAnswer }> {
  const login = resolveLogin(options, env)
  const client = new VaultClient(login.url)
  const name = await client.login(login.username, login.password)
  const body = await client.call('POST', '/reports/clm_content_metrics/actions/recalculate')
  return { vault: name ?? login.url, answer: body.data as RecalculationAnswer }
}
