/** One line of bench/latest.json: Liaison's figure, the baseline measured in the same run, and their ratio. */
export interface BenchResult {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline: number
  /** Liaison compared with the baseline; what "better" means is in `note`. */
  readonly ratio: number
  readonly target?: string
  readonly note?: string
}

export interface BenchOptions {
  readonly quick: boolean
  readonly log: (line: string) => void
  /** A PostgreSQL server on which a fresh database is created per benchmark, if available. */
  readonly postgresUrl?: string
}

export interface Benchmark {
  readonly name: string
  /** The names of the results it reports, when they do not all start with `name` (for `--only`). */
  readonly results?: readonly string[]
  run(options: BenchOptions): Promise<BenchResult[]>
}
