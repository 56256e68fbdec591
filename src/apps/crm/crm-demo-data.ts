import {
  base,
  de,
  de_AT,
  de_CH,
  en,
  en_AU,
  en_CA,
  en_GB,
  en_IE,
  en_IN,
  en_US,
  es,
  es_MX,
  Faker,
  fr,
  it,
  ja,
  type LocaleDefinition,
  nl,
  nl_BE,
  pl,
  pt_BR,
  pt_PT,
  sv,
} from '@faker-js/faker'
import { LiaisonError } from '../../platform/errors/index.js'
import { ISO_COUNTRIES } from '../../platform/metadata/index.js'
import type { RecordWriter } from '../../platform/records/index.js'

/**
 * Demo data of a Vault CRM: the product catalogue (the same external ids as the Medical Vault's
 * demo products, so they match), HCP accounts with their addresses in the CRM's countries, and a
 * few draft medical inquiries a rep can transfer to Medical (B5).
 */

/** The demo product catalogue: external id, brand name, generic name, therapeutic area. */
const CRM_DEMO_PRODUCTS = [
  ['PRD-0001', 'Cardiora', 'apixaban', 'Cardiology'],
  ['PRD-0002', 'Glucentra', 'semaglutide', 'Endocrinology'],
  ['PRD-0003', 'Oncovira', 'pembrolizumab', 'Oncology'],
  ['PRD-0004', 'Respiral', 'tiotropium bromide', 'Respiratory'],
  ['PRD-0005', 'Neurexa', 'lacosamide', 'Neurology'],
  ['PRD-0006', 'Immunolar', 'adalimumab', 'Immunology'],
  ['PRD-0007', 'Lipidor', 'rosuvastatin calcium', 'Cardiology'],
  ['PRD-0008', 'Hepavance', 'sofosbuvir/velpatasvir', 'Hepatology'],
  ['PRD-0009', 'Dermalis', 'dupilumab', 'Dermatology'],
  ['PRD-0010', 'Migralex', 'erenumab', 'Neurology'],
  ['PRD-0011', 'Osteova', 'denosumab', 'Bone Health'],
  ['PRD-0012', 'Hemoclar', 'emicizumab', 'Haematology'],
] as const

const DEMO_ACCOUNT_COUNT_DEFAULT = 300
const DEMO_INQUIRY_COUNT = 10
/** Share of accounts that get a second (non-primary) address. */
const SECOND_ADDRESS_RATE = 0.35

/** Locales that give names and addresses of the right country; others fall back to English. */
const LOCALES_BY_COUNTRY: Readonly<Record<string, LocaleDefinition>> = {
  US: en_US,
  CA: en_CA,
  MX: es_MX,
  GB: en_GB,
  IE: en_IE,
  DE: de,
  AT: de_AT,
  CH: de_CH,
  FR: fr,
  ES: es,
  IT: it,
  JP: ja,
  BR: pt_BR,
  PT: pt_PT,
  NL: nl,
  BE: nl_BE,
  PL: pl,
  SE: sv,
  AU: en_AU,
  IN: en_IN,
}

const CREDENTIALS_US = ['MD', 'DO', 'PharmD', 'NP', 'PA-C'] as const
const CREDENTIALS_OTHER = ['MD', 'MBBS', 'PharmD', 'PhD', 'RN'] as const
const SPECIALTIES = [
  'Cardiology',
  'Endocrinology',
  'Medical Oncology',
  'Hematology',
  'Pulmonology',
  'Neurology',
  'Rheumatology',
  'Dermatology',
  'Gastroenterology',
  'Hepatology',
  'Internal Medicine',
  'Family Medicine',
  'Hospital Pharmacy',
] as const
const INSTITUTION_KINDS = [
  'General Hospital',
  'University Hospital',
  'Medical Center',
  'Community Clinic',
  'Cancer Center',
  'Heart Institute',
] as const
const DELIVERY_METHODS = ['mail__v', 'email__v', 'phone__v', 'fax__v'] as const
/** Inquiry questions; `{product}` is the brand and `{generic}` the generic name. */
const INQUIRY_TEMPLATES = [
  'Is a dose adjustment of {product} ({generic}) needed in patients with moderate renal impairment?',
  'What data are available on the use of {product} during pregnancy and breastfeeding?',
  'Can {product} be taken together with a strong CYP3A4 inhibitor such as clarithromycin?',
  'What is the stability of {generic} once removed from the refrigerator?',
  'Please send the latest published data on long-term safety of {product}.',
  'Are there head-to-head studies comparing {product} with other treatments in this class?',
  'What should a patient do after missing a dose of {product}?',
  'Is there information on the use of {generic} in patients over 75 years of age?',
  'How should {product} be switched from a previous therapy? Please include washout periods.',
  'What is known about hepatic adverse events reported with {generic}?',
] as const

interface DemoAccount {
  readonly country: string
  readonly firstName: string
  readonly lastName: string
  readonly email: string
  readonly phone: string
  readonly fax: string
  readonly addresses: readonly DemoAddress[]
}

interface DemoAddress {
  readonly line1: string
  readonly line2: string | undefined
  readonly city: string
  readonly state: string
  readonly postalCode: string
}

function alpha2Of(countryCda: string): string {
  return countryCda.replace(/__v$/, '').toUpperCase()
}

function assertCountries(countries: readonly string[]): void {
  if (countries.length === 0)
    throw new LiaisonError('PARAMETER_MISSING', 'CRM demo data needs at least one country, e.g. ["us__v"].')
  const known = new Set(ISO_COUNTRIES.map((c) => c.code))
  for (const country of countries)
    if (!/^[a-z]{2}__v$/.test(country) || !known.has(alpha2Of(country)))
      throw new LiaisonError(
        'PICKLIST_VALUE_UNKNOWN',
        `"${country}" is not a country_cda__v value; use lower-case ISO 3166 alpha-2 plus __v, e.g. "us__v".`,
      )
}

/**
 * A code that never repeats within one data set: `{prefix}` plus random digits. Veeva IDs start
 * with the country's position in the ISO list, so two CRMs' accounts rarely share one by chance
 * (the Medical Vault would take them for the same person, B7a).
 */
function uniqueCodeOf(faker: Faker, prefix: string, digits: number, used: Set<string>): string {
  for (;;) {
    const code = `${prefix}${faker.string.numeric({ length: digits, allowLeadingZeros: true })}`
    if (!used.has(code)) {
      used.add(code)
      return code
    }
  }
}

function countryNumberOf(country: string): string {
  return String(ISO_COUNTRIES.findIndex((c) => c.code === alpha2Of(country))).padStart(3, '0')
}

/** Seeds a Vault CRM's demo records; the same options give the same records. */
export async function seedCrmDemoData(
  writer: RecordWriter,
  options: { seed: number; countries: readonly string[]; accounts?: number },
): Promise<void> {
  assertCountries(options.countries)
  const faker = new Faker({ locale: [en, base], seed: options.seed })
  const localFakers = new Map(
    options.countries.map((country, i) => {
      const locale = LOCALES_BY_COUNTRY[alpha2Of(country)]
      const chain = locale === undefined ? [en, base] : [locale, en, base]
      return [country, new Faker({ locale: chain, seed: options.seed * 1_000 + i + 1 })] as const
    }),
  )

  const productIds = await writer.create(
    'product__v',
    CRM_DEMO_PRODUCTS.map(([externalId, name, genericName, area]) => ({
      name__v: name,
      external_id__v: externalId,
      generic_name__v: genericName,
      therapeutic_area__v: area,
    })),
  )

  const usedCodes = new Set<string>()
  const accountCount = options.accounts ?? DEMO_ACCOUNT_COUNT_DEFAULT
  const accounts: DemoAccount[] = []
  const accountRecords: Record<string, unknown>[] = []
  for (let i = 0; i < accountCount; i++) {
    const country = faker.helpers.arrayElement(options.countries)
    const local = localFakers.get(country)!
    const firstName = local.person.firstName()
    const lastName = local.person.lastName()
    const addresses = Array.from({ length: faker.datatype.boolean(SECOND_ADDRESS_RATE) ? 2 : 1 }, () => ({
      line1: local.location.streetAddress(),
      line2: faker.datatype.boolean(0.3) ? local.location.secondaryAddress() : undefined,
      city: local.location.city(),
      state: local.location.state(),
      postalCode: local.location.zipCode(),
    }))
    const account: DemoAccount = {
      country,
      firstName,
      lastName,
      email: local.internet.email({ firstName, lastName, provider: 'example.com' }).toLowerCase(),
      phone: local.phone.number({ style: 'national' }),
      fax: local.phone.number({ style: 'national' }),
      addresses,
    }
    accounts.push(account)
    accountRecords.push({
      name__v: `${firstName} ${lastName}`,
      account_type__v: 'professional__v',
      first_name__v: firstName,
      last_name__v: lastName,
      credentials__v: faker.helpers.arrayElement(country === 'us__v' ? CREDENTIALS_US : CREDENTIALS_OTHER),
      specialty__v: faker.helpers.arrayElement(SPECIALTIES),
      institution__v: `${addresses[0]!.city} ${faker.helpers.arrayElement(INSTITUTION_KINDS)}`,
      veeva_id__v: uniqueCodeOf(faker, `V${countryNumberOf(country)}`, 9, usedCodes),
      external_id__v: uniqueCodeOf(faker, `HCP-${alpha2Of(country)}-`, 8, usedCodes),
      country__v: country,
      email__v: account.email,
      phone__v: account.phone,
    })
  }
  const accountIds = await writer.create('account__v', accountRecords)

  await writer.create(
    'address__v',
    accounts.flatMap((account, i) =>
      account.addresses.map((address, n) => ({
        name__v: address.line1,
        account__v: accountIds[i],
        address_line_1__v: address.line1,
        ...(address.line2 === undefined ? {} : { address_line_2__v: address.line2 }),
        city__v: address.city,
        state_province__v: address.state,
        postal_code__v: address.postalCode,
        country__v: account.country,
        phone__v: account.phone,
        fax__v: account.fax,
        primary__v: n === 0,
      })),
    ),
  )

  // Drafts: transfer_status__v stays empty until a rep uses transfer_to_medical__v (B5).
  const inquirers = faker.helpers.arrayElements(
    accounts.map((account, i) => ({ account, id: accountIds[i]! })),
    Math.min(DEMO_INQUIRY_COUNT, accounts.length),
  )
  await writer.create(
    'medical_inquiry__v',
    inquirers.map(({ account, id }) => {
      const productIndex = faker.number.int({ min: 0, max: CRM_DEMO_PRODUCTS.length - 1 })
      const [, product, generic] = CRM_DEMO_PRODUCTS[productIndex]!
      const method = faker.helpers.arrayElement(DELIVERY_METHODS)
      const address = account.addresses[0]!
      const delivery =
        method === 'mail__v'
          ? {
              address_line_1__v: address.line1,
              ...(address.line2 === undefined ? {} : { address_line_2__v: address.line2 }),
              city__v: address.city,
              state_province__v: address.state,
              postal_code__v: address.postalCode,
            }
          : method === 'email__v'
            ? { email__v: account.email }
            : method === 'phone__v'
              ? { phone__v: account.phone }
              : { fax__v: account.fax }
      return {
        account__v: id,
        first_name__v: account.firstName,
        last_name__v: account.lastName,
        inquiry_text__v: faker.helpers
          .arrayElement(INQUIRY_TEMPLATES)
          .replace('{product}', product)
          .replace('{generic}', generic),
        product__v: productIds[productIndex],
        country__v: account.country,
        delivery_method__v: method,
        ...delivery,
      }
    }),
  )
}
