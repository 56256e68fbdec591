/** What a row must reach: its ratio to the baseline, or its value itself (latencies). */
export interface BenchTarget {
  readonly of: 'ratio' | 'value'
  readonly atLeast?: number
  readonly atMost?: number
}

/**
 * One line of bench/latest.json: Liaison's figure and, for a comparison, the baseline measured in
 * the same run and their ratio. Latencies are values alone (p50 and p99 rows), with no baseline.
 */
export interface BenchResult {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline?: number
  /** Liaison compared with the baseline, 1 meaning as good; how it is computed is in `note`. */
  readonly ratio?: number
  readonly target?: BenchTarget
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

/** The target as a person reads it: `ratio ≥ 0.5`, `value ≤ 2000 ms`. */
export function targetText(result: BenchResult): string {
  const t = result.target
  if (t === undefined) return ''
  const what = t.of === 'ratio' ? 'ratio' : 'value'
  const unit = t.of === 'value' ? ` ${result.unit}` : ''
  const parts: string[] = []
  if (t.atLeast !== undefined) parts.push(`${what} ≥ ${t.atLeast}${unit}`)
  if (t.atMost !== undefined) parts.push(`${what} ≤ ${t.atMost}${unit}`)
  return parts.join(', ')
}

/** Whether the row reaches its target; undefined when it has none. */
export function targetMet(result: BenchResult): boolean | undefined {
  const t = result.target
  if (t === undefined) return undefined
  const figure = t.of === 'ratio' ? result.ratio : result.value
  if (figure === undefined || !Number.isFinite(figure)) return false
  return (t.atLeast === undefined || figure >= t.atLeast) && (t.atMost === undefined || figure <= t.atMost)
}

/** Latency samples as two rows, p50 and p99, values without a baseline; the p99 carries the target. */
export function latencyRows(
  name: string,
  samples: readonly number[],
  target: BenchTarget | undefined,
  note: string,
): BenchResult[] {
  const sorted = [...samples].sort((a, b) => a - b)
  return [
    { name: `${name}_p50`, value: Math.round(percentile(sorted, 50)), unit: 'ms', note },
    {
      name: `${name}_p99`,
      value: Math.round(percentile(sorted, 99)),
      unit: 'ms',
      ...(target === undefined ? {} : { target }),
      note,
    },
  ]
}

export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}
