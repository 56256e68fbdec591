import cliProgress from 'cli-progress'
import { type DemoAccount, type DemoPresentation, demoCalls } from '../apps/crm/index.js'
import { VaultClient } from './vault-client.js'
import { queryAll } from './vql-command.js'
import { readWorldVaults, resolveLogin, type WorldFileVault } from './world-credentials.js'

/**
 * `liaison demo activity`: reps' calls and e-mail activity recorded in the world's CRMs through
 * their REST API, as a CRM's call reporting writes them, so that CLM Content Metrics (B21) have
 * something to show. Each CRM gets its share of the calls against the presentations it has.
 */

export interface DemoActivityOptions {
  readonly world: string
  readonly calls: number
  /** Only this CRM (its name in world.json). */
  readonly vault?: string
  readonly seed: number
  readonly log: (line: string) => void
  /** Draws a progress bar on a terminal. (Default: on when stdout is a TTY) */
  readonly progress?: boolean
}

export interface DemoActivityResult {
  readonly vault: string
  readonly calls: number
  readonly callKeyMessages: number
  readonly activityLines: number
  /** Why the CRM got no activity (no presentation, no account). */
  readonly skipped?: string
}

const BATCH = 500

async function createAll(client: VaultClient, object: string, rows: readonly Record<string, unknown>[]) {
  const ids: string[] = []
  for (let i = 0; i < rows.length; i += BATCH) {
    const answer = await client.call('POST', `/vobjects/${object}`, rows.slice(i, i + BATCH))
    for (const result of answer.data as {
      responseStatus: string
      data?: { id?: string }
      errors?: { message: string }[]
    }[]) {
      if (result.responseStatus !== 'SUCCESS' || result.data?.id === undefined)
        throw new Error(
          `${object} could not be created in ${client.origin}: ${result.errors?.[0]?.message ?? 'no id'}`,
        )
      ids.push(result.data.id)
    }
  }
  return ids
}

function first(value: unknown): string | null {
  const v = Array.isArray(value) ? value[0] : value
  return v === null || v === undefined || v === '' ? null : String(v)
}

/** The presentations a CRM shows now, each with its key messages in display order. */
async function presentationsOf(client: VaultClient): Promise<DemoPresentation[]> {
  const { rows: decks } = await queryAll(
    client,
    "SELECT id FROM clm_presentation__v WHERE status__v = 'active__v' PAGESIZE 1000",
  )
  const { rows: slides } = await queryAll(
    client,
    'SELECT clm_presentation__v, key_message__v, display_order__v FROM clm_presentation_slide__v ORDER BY display_order__v PAGESIZE 1000',
  )
  return decks.map((d) => ({
    id: String(d.id),
    slides: slides.filter((s) => s.clm_presentation__v === d.id).map((s) => String(s.key_message__v)),
  }))
}

async function recordActivity(
  vault: WorldFileVault,
  count: number,
  options: DemoActivityOptions,
  bar: cliProgress.SingleBar | undefined,
): Promise<DemoActivityResult> {
  const rep = vault.users.find((u) => u.role === 'rep' && u.password !== undefined)
  const login = resolveLogin({
    vault: vault.name,
    world: options.world,
    ...(rep === undefined ? {} : { user: rep.username }),
  })
  const client = new VaultClient(login.url)
  await client.login(login.username, login.password)
  const presentations = await presentationsOf(client)
  const { rows: accountRows } = await queryAll(
    client,
    'SELECT id, country__v FROM account__v PAGESIZE 1000',
    2_000,
  )
  const accounts: DemoAccount[] = accountRows.map((a) => ({ id: String(a.id), country: first(a.country__v) }))
  const empty = { vault: vault.name, calls: 0, callKeyMessages: 0, activityLines: 0 }
  if (presentations.every((p) => p.slides.length === 0))
    return {
      ...empty,
      skipped: 'no published presentation yet (publish one for its countries in the Medical Vault)',
    }
  if (accounts.length === 0) return { ...empty, skipped: 'no account' }
  const planned = demoCalls(count, presentations, accounts, { seed: options.seed, now: Date.now() })
  let shown = 0
  let lines = 0
  for (let i = 0; i < planned.length; i += BATCH) {
    const part = planned.slice(i, i + BATCH)
    const callIds = await createAll(
      client,
      'call2__v',
      part.map((c) => c.call),
    )
    const keyMessages = part.flatMap((c, n) => c.shown.map((row) => ({ ...row, call2__v: callIds[n] })))
    shown += (await createAll(client, 'call2_key_message__v', keyMessages)).length
    lines += (
      await createAll(
        client,
        'multichannel_activity_line__v',
        part.flatMap((c) => c.lines),
      )
    ).length
    bar?.increment(part.length, { vault: vault.name })
  }
  return { vault: vault.name, calls: planned.length, callKeyMessages: shown, activityLines: lines }
}

/** Records `calls` calls across the world's CRMs (or one of them); answers what each got. */
export async function demoActivity(options: DemoActivityOptions): Promise<DemoActivityResult[]> {
  const crms = readWorldVaults(options.world).filter(
    (v) => v.profile === 'crm' && (options.vault === undefined || v.name === options.vault),
  )
  if (crms.length === 0)
    throw new Error(
      options.vault === undefined
        ? `${options.world}/world.json lists no CRM; start the world with liaison up.`
        : `${options.world}/world.json has no CRM named "${options.vault}".`,
    )
  const showBar = options.progress ?? process.stdout.isTTY === true
  const bar = showBar
    ? new cliProgress.SingleBar(
        { format: 'Recording calls |{bar}| {value}/{total} calls ({vault})', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  bar?.start(options.calls, 0, { vault: crms[0]!.name })
  const results: DemoActivityResult[] = []
  try {
    for (const [i, vault] of crms.entries()) {
      // An even share each; the first CRMs take the remainder.
      const share = Math.floor(options.calls / crms.length) + (i < options.calls % crms.length ? 1 : 0)
      const result = await recordActivity(vault, share, { ...options, seed: options.seed + i }, bar)
      if (result.skipped !== undefined) bar?.increment(share, { vault: vault.name })
      results.push(result)
    }
  } finally {
    bar?.stop()
  }
  for (const r of results)
    options.log(
      r.skipped === undefined
        ? `${r.vault}: ${r.calls} calls, ${r.callKeyMessages} slides shown, ${r.activityLines} e-mail activity lines`
        : `${r.vault}: skipped, ${r.skipped}`,
    )
  return results
}
