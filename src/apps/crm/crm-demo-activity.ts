import { base, en, Faker } from '@faker-js/faker'

/**
 * Plausible CLM activity for the demo world (B21's inputs): reps' calls over the last 90 days, each
 * showing a published presentation's slides in order (sometimes a custom selection), with slide
 * durations drawn from a long-tailed distribution and mostly neutral reactions; and e-mail
 * activity: previews, links sent, opened and clicked. Pure: the same seed gives the same rows.
 */

export interface DemoPresentation {
  readonly id: string
  /** Key message ids in display order. */
  readonly slides: readonly string[]
}

export interface DemoAccount {
  readonly id: string
  readonly country: string | null
}

export interface DemoCall {
  readonly call: Readonly<Record<string, unknown>>
  /** The call key messages, without `call2__v` (the call's id is known once it is created). */
  readonly shown: readonly Readonly<Record<string, unknown>>[]
  readonly lines: readonly Readonly<Record<string, unknown>>[]
}

const DAY_MS = 86_400_000
const HISTORY_DAYS = 90

/** Seconds on a slide: log-normal around half a minute, 3 s to 10 min. */
function slideSeconds(faker: Faker): number {
  const u1 = Math.max(faker.number.float({ min: 0, max: 1 }), 1e-9)
  const u2 = faker.number.float({ min: 0, max: 1 })
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  return Math.min(600, Math.max(3, Math.round(Math.exp(Math.log(30) + 0.7 * normal))))
}

function reaction(faker: Faker): string | null {
  return faker.helpers.weightedArrayElement([
    { weight: 35, value: 'positive__v' },
    { weight: 45, value: 'neutral__v' },
    { weight: 12, value: 'negative__v' },
    { weight: 8, value: null },
  ])
}

/** `count` calls (and their e-mail activity) against these presentations and accounts. */
export function demoCalls(
  count: number,
  presentations: readonly DemoPresentation[],
  accounts: readonly DemoAccount[],
  options: { readonly seed: number; readonly now: number },
): DemoCall[] {
  const usable = presentations.filter((p) => p.slides.length > 0)
  if (usable.length === 0 || accounts.length === 0) return []
  const faker = new Faker({ locale: [en, base], seed: options.seed })
  const calls: DemoCall[] = []
  for (let i = 0; i < count; i++) {
    const account = faker.helpers.arrayElement(accounts)
    const presentation = faker.helpers.arrayElement(usable)
    const at = new Date(options.now - faker.number.int({ min: 0, max: HISTORY_DAYS * DAY_MS }))
    // A rep shows the deck in order, or (one call in six) a custom selection in their own order.
    const custom = presentation.slides.length > 1 && faker.number.int({ min: 1, max: 6 }) === 1
    const slides = custom
      ? faker.helpers.shuffle(
          faker.helpers.arrayElements(presentation.slides, {
            min: 1,
            max: presentation.slides.length,
          }),
        )
      : presentation.slides.slice(0, faker.number.int({ min: 1, max: presentation.slides.length }))
    let start = at.getTime()
    const shown = slides.map((km, order) => {
      const seconds = slideSeconds(faker)
      const row = {
        account__v: account.id,
        key_message__v: km,
        clm_presentation__v: presentation.id,
        display_order__v: order + 1,
        duration__v: seconds,
        reaction__v: reaction(faker),
        custom_presentation__v: custom,
        country__v: account.country,
        start_time__v: new Date(start).toISOString(),
      }
      start += seconds * 1000
      return row
    })
    const lines: Record<string, unknown>[] = []
    const line = (event: string, km: string | null, offsetMs: number) =>
      lines.push({
        event_type__v: event,
        clm_presentation__v: presentation.id,
        key_message__v: km,
        account__v: account.id,
        country__v: account.country,
        event_datetime__v: new Date(at.getTime() + offsetMs).toISOString(),
      })
    if (faker.number.int({ min: 1, max: 10 }) === 1)
      line('preview__v', faker.helpers.arrayElement(presentation.slides), -3_600_000)
    if (faker.number.int({ min: 1, max: 5 }) === 1) {
      line('link_sent__v', null, 3_600_000)
      if (faker.number.int({ min: 1, max: 10 }) <= 6) {
        line('link_opened__v', null, 2 * 3_600_000)
        if (faker.number.int({ min: 1, max: 10 }) <= 4) line('link_clicked__v', null, 2 * 3_600_000 + 60_000)
      }
    }
    calls.push({
      call: {
        account__v: account.id,
        call_date__v: at.toISOString().slice(0, 10),
        country__v: account.country,
        status__v: 'submitted__v',
      },
      shown,
      lines,
    })
  }
  return calls
}
