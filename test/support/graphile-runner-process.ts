// Runs a graphile-worker job queue on a database in its own process; its handler starts and never
// ends, so the test can kill the process with a job locked.
import { GraphileJobQueue } from '../../src/platform/jobs/graphile-job-queue.js'
import { createDatabase, parseDatabaseUrl } from '../../src/platform/storage/index.js'

const [url] = process.argv.slice(2)
if (url === undefined) throw new Error('usage: graphile-runner-process.ts DATABASE_URL')
const queue = new GraphileJobQueue(createDatabase(parseDatabaseUrl(url)), {
  pollIntervalMs: 100,
  log: () => {},
})
await queue.start({
  'deliver-outbound': async (payload: unknown) => {
    process.stdout.write(`started ${JSON.stringify(payload)}\n`)
    await new Promise(() => {})
  },
})
process.stdout.write('running\n')
