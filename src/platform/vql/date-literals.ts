/**
 * Date literals (VQL v24.3+): `TODAY`, `LAST_DAYS:n`, `THIS_MONTH`, … resolve to a time range at the
 * moment the query runs, in the vault time zone (UTC for Liaison). Ranges are kept half-open
 * ([start, end)) so one comparison rule serves Date and DateTime fields.
 */

const UNITS = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const
type DateUnit = (typeof UNITS)[number]

/** this: the current period; last: n periods back to now; next: now to n periods ahead; ago/ahead: one period. */
type RangeMode = 'this' | 'last' | 'next' | 'ago' | 'ahead'

interface DateLiteralSpec {
  readonly unit: DateUnit
  readonly mode: RangeMode
  /** Whether `:n` is required (true), forbidden (false) or optional and ignored ('optional'). */
  readonly takesN: boolean | 'optional'
  /** Fixed n for the forms without one (LAST_WEEK = WEEKS_AGO:1). */
  readonly fixedN?: number
}

const PLURAL: Record<DateUnit, string> = {
  DAY: 'DAYS',
  WEEK: 'WEEKS',
  MONTH: 'MONTHS',
  QUARTER: 'QUARTERS',
  YEAR: 'YEARS',
}

function buildSpecs(): ReadonlyMap<string, DateLiteralSpec> {
  const specs = new Map<string, DateLiteralSpec>()
  for (const unit of UNITS) {
    const plural = PLURAL[unit]
    specs.set(`LAST_${plural}`, { unit, mode: 'last', takesN: true })
    specs.set(`NEXT_${plural}`, { unit, mode: 'next', takesN: true })
    specs.set(`${plural}_AGO`, { unit, mode: 'ago', takesN: true })
    specs.set(`${plural}_FROM_NOW`, { unit, mode: 'ahead', takesN: true })
    if (unit !== 'DAY') {
      specs.set(`THIS_${unit}`, { unit, mode: 'this', takesN: 'optional' })
      specs.set(`LAST_${unit}`, { unit, mode: 'ago', takesN: false, fixedN: 1 })
      specs.set(`NEXT_${unit}`, { unit, mode: 'ahead', takesN: false, fixedN: 1 })
    }
  }
  specs.set('TODAY', { unit: 'DAY', mode: 'this', takesN: false })
  specs.set('YESTERDAY', { unit: 'DAY', mode: 'ago', takesN: false, fixedN: 1 })
  specs.set('TOMORROW', { unit: 'DAY', mode: 'ahead', takesN: false, fixedN: 1 })
  return specs
}

const SPECS = buildSpecs()

export function isDateLiteralName(word: string): boolean {
  return SPECS.has(word.toUpperCase())
}

/** Whether the literal needs `:n` (true), refuses it (false) or ignores it ('optional'). */
export function dateLiteralTakesN(name: string): boolean | 'optional' {
  return SPECS.get(name.toUpperCase())?.takesN ?? false
}

export interface DateRange {
  /** Inclusive, milliseconds since the epoch. */
  readonly startMs: number
  /** Exclusive, milliseconds since the epoch. */
  readonly endMs: number
}

function periodStart(ms: number, unit: DateUnit): Date {
  const d = new Date(ms)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  switch (unit) {
    case 'DAY':
      return new Date(Date.UTC(y, m, d.getUTCDate()))
    case 'WEEK':
      // Weeks start on Sunday, as in the Vault UI's default (US) locale.
      return new Date(Date.UTC(y, m, d.getUTCDate() - d.getUTCDay()))
    case 'MONTH':
      return new Date(Date.UTC(y, m, 1))
    case 'QUARTER':
      return new Date(Date.UTC(y, m - (m % 3), 1))
    case 'YEAR':
      return new Date(Date.UTC(y, 0, 1))
  }
}

function shift(start: Date, unit: DateUnit, n: number): Date {
  const y = start.getUTCFullYear()
  const m = start.getUTCMonth()
  const day = start.getUTCDate()
  switch (unit) {
    case 'DAY':
      return new Date(Date.UTC(y, m, day + n))
    case 'WEEK':
      return new Date(Date.UTC(y, m, day + 7 * n))
    case 'MONTH':
      return new Date(Date.UTC(y, m + n, 1))
    case 'QUARTER':
      return new Date(Date.UTC(y, m + 3 * n, 1))
    case 'YEAR':
      return new Date(Date.UTC(y + n, 0, 1))
  }
}

/** The range a date literal covers when the query runs at `nowMs`. */
export function resolveDateLiteral(name: string, n: number | undefined, nowMs: number): DateRange {
  const spec = SPECS.get(name.toUpperCase())
  if (spec === undefined) throw new Error(`unknown date literal ${name}`)
  const count = spec.fixedN ?? n ?? 0
  const current = periodStart(nowMs, spec.unit)
  const modes: Record<RangeMode, () => DateRange> = {
    this: () => ({ startMs: current.getTime(), endMs: shift(current, spec.unit, 1).getTime() }),
    // "Starts at SOD n days before today. Ends on the current second." The other units follow suit.
    last: () => ({ startMs: shift(current, spec.unit, -count).getTime(), endMs: nowMs + 1 }),
    next: () => ({ startMs: current.getTime(), endMs: shift(current, spec.unit, count + 1).getTime() }),
    ago: () => ({
      startMs: shift(current, spec.unit, -count).getTime(),
      endMs: shift(current, spec.unit, 1 - count).getTime(),
    }),
    ahead: () => ({
      startMs: shift(current, spec.unit, count).getTime(),
      endMs: shift(current, spec.unit, count + 1).getTime(),
    }),
  }
  return modes[spec.mode]()
}
