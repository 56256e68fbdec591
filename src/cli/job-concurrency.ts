/** The job runners' options for `--job-concurrency`, whichever engine the vault's database gets. */
export function jobConcurrencyOptions(concurrency: number | undefined) {
  return concurrency === undefined ? {} : { graphile: { concurrency }, table: { concurrency } }
}
