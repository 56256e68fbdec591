import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { approvedEmailSync } from './approved-email.bench.js'
import { type Benchmark, type BenchOptions, type BenchResult, targetMet, targetText } from './bench-types.js'
import { clmMetrics } from './clm-metrics.bench.js'
import { clmPublish } from './clm-publish.bench.js'
import { documentFanout } from './document-fanout.bench.js'
import { documentTransfer } from './document-transfer.bench.js'
import { inquiryTransfer } from './inquiry-transfer.bench.js'
import { recordsBulkCreate } from './records-bulk-create.bench.js'
import { vqlBenchmarks } from './vql.bench.js'

export const BENCHMARKS: readonly Benchmark[] = [
  recordsBulkCreate,
  vqlBenchmarks,
  inquiryTransfer,
  documentFanout,
  documentTransfer,
  approvedEmailSync,
  clmPublish,
  clmMetrics,
]

/** The checkout's bench/ folder, whether this runs from source or compiled under dist/bench. */
function benchFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return join(dir, 'bench')
}

function table(results: readonly BenchResult[]): string {
  const rows = [
    ['name', 'value', 'unit', 'baseline', 'ratio', 'target', ''],
    ...results.map((r) => {
      const met = targetMet(r)
      return [
        r.name,
        String(r.value),
        r.unit,
        r.baseline === undefined ? '' : String(r.baseline),
        r.ratio === undefined ? '' : String(r.ratio),
        targetText(r),
        met === undefined ? '' : met ? '✓' : '✗',
      ]
    }),
  ]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** Runs every benchmark, prints a table and writes bench/latest.json. */
export async function runBenchmarks(options: BenchOptions, only?: string): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  for (const bench of BENCHMARKS) {
    if (
      only !== undefined &&
      !bench.name.startsWith(only) &&
      !(bench.results ?? []).some((name) => name.startsWith(only))
    )
      continue
    options.log(`${bench.name}…`)
    results.push(...(await bench.run(options)))
  }
  options.log(`\n${table(results)}`)
  const file = join(benchFolder(), 'latest.json')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(
    file,
    `${JSON.stringify(
      results.map((r) => ({ ...r, ...(r.target === undefined ? {} : { met: targetMet(r) }) })),
      null,
      2,
    )}\n`,
  )
  options.log(`\nWrote ${file}`)
  return results
}
