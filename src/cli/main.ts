import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { VaultEnvironment } from '../platform/vault/index.js'
import { BLOB_STORE_HELP, blobStoreOption } from './blob-store-option.js'
import { jobConcurrencyOptions } from './job-concurrency.js'
import { operatorMessage } from './startup-errors.js'
import { survivesJobWriteFailures } from './unhandled-rejections.js'

// Each command loads what it runs when it runs, so `liaison --help` answers without loading the
// vault engine, Fastify and the database drivers.

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535')
  return n
}

function megabytes(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 10_240)
    throw new InvalidArgumentError('--max-file-mb is a number of megabytes from 1 to 10240')
  return n
}

function poolMax(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 1_000)
    throw new InvalidArgumentError('--pool-max is a whole number of connections from 1 to 1000')
  return n
}

function wholeNumber(value: string, flag: string, max: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new InvalidArgumentError(`${flag} is a whole number from 0 to ${max}`)
  return n
}

function jobConcurrency(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError('--job-concurrency is a whole number of jobs from 1 to 64')
  return n
}

const JOB_CONCURRENCY_HELP =
  'jobs this process runs at once (default 4); on PostgreSQL its job runner opens up to this + 3 connections'

const POOL_MAX_HELP =
  "most PostgreSQL connections this process opens for the vault's own work (default 10); the job runner on PostgreSQL opens up to its concurrency + 3 more"

/** The --db address with the --pool-max of a PostgreSQL database. */
function withPoolMax<D extends { readonly kind: string }>(database: D, max: number | undefined): D {
  return max === undefined || database.kind !== 'postgres' ? database : { ...database, poolSize: max }
}

const KEY_FILE_HELP =
  "the vault's private signing key file, created 0600 on first start; every process of the vault uses the same one (default: PATH.key beside a sqlite:PATH database; required with postgres://)"

/** Standard input up to its end, without the one line break `echo` or a terminal adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/** Stops the given closer once on SIGINT or SIGTERM, then exits. */
function stopOnSignal(name: string, close: () => Promise<void>): void {
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    process.stdout.write(`\n${signal}: stopping ${name}…\n`)
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Error while stopping: ${String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

/** The version in package.json, two folders up from both src/cli and dist/src/cli's neighbour. */
function packageVersion(): string {
  for (const up of ['../..', '../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}/package.json`, import.meta.url), 'utf8')) as {
        name?: string
        version?: string
      }
      if (pkg.name === 'liaison' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // Not this folder: try the next one up.
    }
  }
  return 'unknown'
}

const WORLD_HELP = "read the vaults' URLs and passwords from DIR/world.json (written by liaison up)"
const ENV_HELP =
  'Credentials: the flags, else LIAISON_USER and LIAISON_PASSWORD, else --world DIR (the admin, or the named user, from world.json).'

const program = new Command()
program
  .name('liaison')
  .version(packageVersion(), '-V, --version', 'print the version of liaison')
  .description('Liaison: a Medical Vault, Vault CRMs, and the Medical-CRM connection between them.')

program
  .command('up')
  .description('Start the embedded world: a Medical Vault and three Vault CRMs in one process')
  .option('--dir <dir>', 'data folder (one SQLite file per vault)', '.liaison')
  .option('--port <port>', 'first port; the vaults take consecutive ports', port, 4100)
  .option(
    '--blob-store <address>',
    'where document files live: fs:/PATH or s3://BUCKET/PREFIX?endpoint=…&region=… (each vault in a folder or prefix of its name); default: beside each SQLite file',
  )
  .action(async (options: { dir: string; port: number; blobStore?: string }) => {
    // Before the vault engine loads: a folder it cannot use is reported at once.
    const { assertWritableFolder } = await import('./data-folder.js')
    assertWritableFolder(options.dir, 'Choose a folder you can write to with --dir.')
    const blobStore = await blobStoreOption(options)
    const [{ formatWorldTable, startWorld, WORLD_LOG_FILE }, { createCliLogger }] = await Promise.all([
      import('./world.js'),
      import('./cli-logger.js'),
    ])
    const logFile = join(resolve(options.dir), WORLD_LOG_FILE)
    const world = await startWorld({
      dir: options.dir,
      port: options.port,
      log: (l) => process.stdout.write(`${l}\n`),
      logger: createCliLogger(logFile),
      ...(blobStore === undefined ? {} : { blobStore }),
    })
    stopOnSignal('the world', world.close)
    process.stdout.write(
      `${formatWorldTable(world.dir, world.info, world.created)}\n\n${world.created.size > 0 ? 'New passwords are shown once here and' : 'Passwords are'} kept only in ${world.dir}/world.json (0600); the log is ${logFile}. Ctrl-C stops the world.\n`,
    )
  })

program
  .command('serve')
  .description('Serve one vault')
  .requiredOption('--profile <profile>', 'medical or crm')
  .requiredOption('--db <db>', 'sqlite:PATH or postgres://USER@HOST:PORT/DATABASE')
  .option('--port <port>', 'port', port, 4100)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option(
    '--public-url <url>',
    'origin clients and connected vaults reach this vault at, behind a proxy (default: where it listens)',
  )
  .option('--name <name>', 'vault name')
  .option('--environment <environment>', 'production or sandbox', 'production')
  .option('--blob-store <address>', BLOB_STORE_HELP)
  .addOption(new Option('--blob-dir <dir>', 'the same as --blob-store fs:DIR').hideHelp())
  .option('--max-file-mb <n>', 'largest document file accepted, in MB', megabytes, 100)
  .option('--key-file <path>', KEY_FILE_HELP)
  .option('--pool-max <n>', POOL_MAX_HELP, poolMax)
  .option('--job-concurrency <n>', JOB_CONCURRENCY_HELP, jobConcurrency)
  .option(
    '--metrics-token <token>',
    'token a Prometheus scraper sends to GET /metrics as Authorization: Bearer {token} (or LIAISON_METRICS_TOKEN); without one, only an admin session reads the metrics',
  )
  .action(
    async (options: {
      profile: string
      db: string
      port: number
      host: string
      publicUrl?: string
      name?: string
      environment: string
      blobStore?: string
      blobDir?: string
      maxFileMb: number
      keyFile?: string
      metricsToken?: string
      poolMax?: number
      jobConcurrency?: number
    }) => {
      const [
        { crmProfile },
        { medicalProfile },
        { parseDatabaseUrl },
        { VAULT_ENVIRONMENTS },
        server,
        { createCliLogger },
        { assertWritableDatabase },
        { parsePublicUrl },
      ] = await Promise.all([
        import('../apps/crm/index.js'),
        import('../apps/medical/index.js'),
        import('../platform/storage/index.js'),
        import('../platform/vault/index.js'),
        import('./vault-server.js'),
        import('./cli-logger.js'),
        import('./data-folder.js'),
        import('../api/index.js'),
      ])
      const database = withPoolMax(parseDatabaseUrl(options.db), options.poolMax)
      assertWritableDatabase(database)
      const blobStore = await blobStoreOption(options)
      // Checked before the vault opens, so a typo costs no start-up.
      const publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl)
      if (options.profile !== 'medical' && options.profile !== 'crm')
        throw new InvalidArgumentError(`--profile must be medical or crm, not ${options.profile}`)
      if (!(VAULT_ENVIRONMENTS as readonly string[]).includes(options.environment))
        throw new InvalidArgumentError(
          `--environment must be production or sandbox, not ${options.environment}`,
        )
      const logger = createCliLogger()
      survivesJobWriteFailures(logger)
      const served = await server.serveVault(
        {
          name: options.name ?? options.profile,
          profile: options.profile === 'medical' ? medicalProfile : crmProfile,
          environment: options.environment as VaultEnvironment,
          database,
          documents: {
            ...(blobStore === undefined ? {} : { blobStore }),
            maxFileBytes: options.maxFileMb * 1024 * 1024,
          },
          ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
          jobs: jobConcurrencyOptions(options.jobConcurrency),
        },
        options.port,
        options.host,
        logger,
        { publicUrl, metricsToken: options.metricsToken ?? process.env.LIAISON_METRICS_TOKEN },
      )
      const people = await server.ensurePeople(served.vault, [])
      await server.forgetLegacyPasswords(served.vault)
      stopOnSignal(served.vault.name, served.close)
      // A created admin's password is shown here once and stored nowhere.
      process.stdout.write(
        `${JSON.stringify({ name: served.vault.name, url: served.url, vaultId: served.vault.id, admin: people.admin })}\n`,
      )
      if (people.admin.password === undefined)
        process.stdout.write(
          `The admin ${people.admin.username} exists; its password is not stored. To set a new one: liaison reset-password --db ${options.db} --user ${people.admin.username}\n`,
        )
    },
  )

program
  .command('connect')
  .description(
    'Connect two running vaults: --from issues a connection token, --to accepts it; HTTP only. A failed accept removes the pending connection it made',
  )
  .requiredOption(
    '--from <vault>',
    'URL of the vault that issues the token (e.g. the Medical Vault), or its name with --world',
  )
  .requiredOption('--to <vault>', 'URL of the vault that accepts it (e.g. a CRM), or its name with --world')
  .option('--from-user <username>', 'admin of --from')
  .option('--from-password <password>', 'password of --from-user')
  .option('--to-user <username>', 'admin of --to')
  .option('--to-password <password>', 'password of --to-user')
  .option('--world <dir>', WORLD_HELP)
  .addHelpText('after', `\n${ENV_HELP}\n`)
  .option(
    '--api-name <name>',
    'api_name__sys of the connection in --from (default: a free medical_crm__v name)',
  )
  .option('--to-api-name <name>', 'api_name__sys of the connection in --to (default: medical_crm__v)')
  .action(
    async (options: {
      from: string
      to: string
      fromUser?: string
      fromPassword?: string
      toUser?: string
      toPassword?: string
      world?: string
      apiName?: string
      toApiName?: string
    }) => {
      const { connectVaults } = await import('./connect-command.js')
      const result = await connectVaults(options)
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    },
  )

program
  .command('worker')
  .description("Run one vault's jobs (delivery, processing, pulls) without serving its API (scale-out)")
  .requiredOption('--db <db>', 'postgres://USER@HOST:PORT/DATABASE (or sqlite:PATH)')
  .option('--key-file <path>', KEY_FILE_HELP)
  .option('--pool-max <n>', POOL_MAX_HELP, poolMax)
  .option('--job-concurrency <n>', JOB_CONCURRENCY_HELP, jobConcurrency)
  .option('--blob-store <address>', BLOB_STORE_HELP)
  .addOption(new Option('--blob-dir <dir>', 'the same as --blob-store fs:DIR').hideHelp())
  .action(
    async (options: {
      db: string
      keyFile?: string
      poolMax?: number
      jobConcurrency?: number
      blobStore?: string
      blobDir?: string
    }) => {
      const [
        { runWorker },
        { parseDatabaseUrl },
        { installBehaviours },
        { createCliLogger },
        { assertWritableDatabase },
        { logMessageLife },
      ] = await Promise.all([
        import('./connect-command.js'),
        import('../platform/storage/index.js'),
        import('./vault-server.js'),
        import('./cli-logger.js'),
        import('./data-folder.js'),
        import('./message-log.js'),
      ])
      const database = withPoolMax(parseDatabaseUrl(options.db), options.poolMax)
      assertWritableDatabase(database)
      const blobStore = await blobStoreOption(options)
      const logger = createCliLogger()
      survivesJobWriteFailures(logger)
      const worker = await runWorker(
        { database, keyFile: options.keyFile, blobStore, jobConcurrency: options.jobConcurrency },
        (vault) => {
          logMessageLife(vault, logger)
          return installBehaviours(vault, { logger })
        },
        logger,
      )
      stopOnSignal(`the worker of ${worker.name}`, worker.close)
      process.stdout.write(`Running the jobs of vault ${worker.name} (${worker.vaultId}). Ctrl-C stops.\n`)
    },
  )

program
  .command('reset-password')
  .description(
    "Set a new password for a person's account of a vault (not an integration user); ends the user's sessions",
  )
  .requiredOption('--db <db>', 'the vault: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE')
  .requiredOption('--user <username>', 'the username, as in world.json or user__sys')
  .option('--password-stdin', 'read the new password from standard input instead of making one', false)
  .option('--key-file <path>', KEY_FILE_HELP)
  .action(async (options: { db: string; user: string; passwordStdin: boolean; keyFile?: string }) => {
    const { resetPasswordFromCli } = await import('./reset-password-command.js')
    const newPassword = options.passwordStdin ? await readStdin() : undefined
    const result = await resetPasswordFromCli({
      db: options.db,
      username: options.user,
      ...(newPassword === undefined ? {} : { password: newPassword }),
      ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
    })
    process.stdout.write(
      `${result.generated === undefined ? 'Set the password' : `New password (shown once): ${result.generated}\nSet it`} for ${options.user} in vault ${result.vaultName}; the user's sessions ended.${result.worldFile === undefined ? '' : ` Updated ${result.worldFile}.`}\n`,
    )
  })

program
  .command('vql')
  .description('Run a VQL query against a running vault and print the rows as a table')
  .requiredOption('--vault <vault>', 'the vault URL, e.g. http://127.0.0.1:4100, or its name with --world')
  .option('--user <username>', 'username')
  .option('--password <password>', 'password')
  .option('--world <dir>', WORLD_HELP)
  .addHelpText('after', `\n${ENV_HELP}\n`)
  .option('--max-rows <n>', 'stop after this many rows', (v) => Number.parseInt(v, 10), 10_000)
  .option('--json', 'print the rows as JSON instead of a table', false)
  .argument('<query>', 'the VQL query, e.g. "SELECT id, name__v FROM case__v"')
  .action(
    async (
      query: string,
      options: {
        vault: string
        user?: string
        password?: string
        world?: string
        maxRows: number
        json: boolean
      },
    ) => {
      const { formatRows, runVqlCommand } = await import('./vql-command.js')
      const { rows, total } = await runVqlCommand({ ...options, query })
      process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatRows(rows)}\n`)
      if (!options.json) process.stdout.write(`\n${rows.length} of ${total} rows\n`)
    },
  )

program
  .command('status')
  .description(
    "Each vault at a glance: its connections, their queues' depths and its open User Exception Messages",
  )
  .option('--world <dir>', `${WORLD_HELP}; every vault of the world, each as its admin`)
  .option('--vault <vault>', 'only this vault: its URL, or its name with --world')
  .option('--user <username>', 'an admin of --vault')
  .option('--password <password>', 'password of --user')
  .option('--json', 'print JSON instead of text', false)
  .addHelpText('after', `\n${ENV_HELP}\n`)
  .action(
    async (options: { world?: string; vault?: string; user?: string; password?: string; json: boolean }) => {
      const { formatStatuses, vaultStatuses } = await import('./status-command.js')
      const statuses = await vaultStatuses(options)
      process.stdout.write(
        options.json ? `${JSON.stringify(statuses, null, 2)}\n` : `${formatStatuses(statuses)}\n`,
      )
      if (statuses.some((s) => s.error !== undefined)) process.exitCode = 1
    },
  )

const demo = program.command('demo').description('Demo data for the world started by liaison up')

demo
  .command('activity')
  .description(
    "Record reps' calls and e-mail activity in the world's CRMs through their REST API, for CLM Content Metrics",
  )
  .option('--world <dir>', WORLD_HELP, '.liaison')
  .option(
    '--calls <n>',
    'calls to record, shared across the CRMs',
    (v) => wholeNumber(v, '--calls', 1_000_000),
    1_000,
  )
  .option('--vault <name>', 'only this CRM of the world')
  .option(
    '--seed <n>',
    'seed of the random activity (the same seed gives the same calls)',
    (v) => wholeNumber(v, '--seed', 2 ** 31),
    21,
  )
  .action(async (options: { world: string; calls: number; vault?: string; seed: number }) => {
    const { demoActivity } = await import('./demo-activity-command.js')
    await demoActivity({ ...options, log: (line) => process.stdout.write(`${line}\n`) })
    process.stdout.write(
      'The CRMs fold the activity into CLM Content Metrics and send them to the Medical Vault within seconds; ask it with GET /api/v25.2/reports/clm_content_metrics?document_id=…\n',
    )
  })

program
  .command('metrics')
  .description(
    'CLM Content Metrics: statistics of CLM presentations and slides from calls and e-mail activity',
  )
  .command('recalculate')
  .description(
    "Make a CRM's CLM Content Metrics again from all its activity and send what changed (repair; the incremental job gives the same figures)",
  )
  .requiredOption('--vault <vault>', 'the CRM: its URL, or its name with --world')
  .option('--user <username>', 'an admin of the CRM')
  .option('--password <password>', 'password of --user')
  .option('--world <dir>', WORLD_HELP)
  .addHelpText('after', `\n${ENV_HELP}\n`)
  .action(async (options: { vault: string; user?: string; password?: string; world?: string }) => {
    const { recalculateMetrics } = await import('./metrics-command.js')
    const { vault, answer } = await recalculateMetrics(options)
    process.stdout.write(
      `Recalculated the CLM Content Metrics of ${vault}: ${answer.records} records changed, ${answer.messages} messages sent to the Medical Vault.\n`,
    )
  })

program
  .command('bench')
  .description('Run the benchmarks; print a table and write bench/latest.json')
  .option('--quick', 'a shorter run (under two minutes)', false)
  .option('--only <prefix>', 'only benchmarks whose name starts with this')
  .option(
    '--pg <url>',
    'PostgreSQL server for the PostgreSQL figures',
    process.env.LIAISON_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  )
  .action(async (options: { quick: boolean; only?: string; pg: string }) => {
    // bench/ sits beside src/ in the checkout; it is loaded only when asked for.
    const [{ runBenchmarks }, { createCliLogger }] = await Promise.all([
      import('../../bench/run-benchmarks.js'),
      import('./cli-logger.js'),
    ])
    // The benchmarks run vaults on PostgreSQL in this process: the same job-end writes as serve.
    survivesJobWriteFailures(createCliLogger())
    await runBenchmarks(
      { quick: options.quick, log: (l) => process.stdout.write(`${l}\n`), postgresUrl: options.pg },
      options.only,
    )
    process.exit(0)
  })

program.parseAsync(process.argv).catch((error: unknown) => {
  // Exit once the line is out: on a pipe (a supervisor, docker logs) stderr is asynchronous, and an
  // exit right after the write would lose the one line that says what went wrong.
  process.stderr.write(`${operatorMessage(error)}\n`, () => process.exit(1))
})
