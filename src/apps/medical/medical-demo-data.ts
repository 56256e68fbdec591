import { base, en, Faker } from '@faker-js/faker'
import { ISO_COUNTRIES } from '../../platform/metadata/index.js'
import type { RecordWriter } from '../../platform/records/index.js'

/**
 * Demo data of a Medical Vault: every ISO country plus Global, the product catalogue (the same
 * external ids as the CRMs' demo products, so they match) and a few call-centre case contacts. The
 * connection seeds the document type group it transfers (B17) itself.
 */

/** The demo product catalogue: external id, brand name, generic name, therapeutic area. */
const MEDICAL_DEMO_PRODUCTS = [
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

/** How many case contacts the call centre already knows. */
const CASE_CONTACT_COUNT = 6
const CASE_CONTACT_COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'JP'] as const
const CREDENTIALS = ['MD', 'DO', 'PharmD', 'NP', 'RN', 'MBBS'] as const
const SPECIALTIES = [
  'Cardiology',
  'Endocrinology',
  'Oncology',
  'Pulmonology',
  'Neurology',
  'Rheumatology',
  'Dermatology',
  'Hematology',
  'Internal Medicine',
  'Pharmacy',
] as const
const INSTITUTION_KINDS = [
  'General Hospital',
  'University Hospital',
  'Medical Center',
  'Family Practice',
] as const

/** Seeds the Medical Vault's demo records; the same seed gives the same records. */
export async function seedMedicalDemoData(writer: RecordWriter, options: { seed: number }): Promise<void> {
  const faker = new Faker({ locale: [en, base], seed: options.seed })

  const countryIds = await writer.create('country__v', [
    ...ISO_COUNTRIES.map((c) => ({ name__v: c.name, abbreviation__v: c.code, external_id__v: c.code })),
    // B15/B16: content for Global goes to every connection.
    { name__v: 'Global', abbreviation__v: 'GLOBAL', external_id__v: 'GLOBAL' },
  ])
  const countryIdByCode = new Map(ISO_COUNTRIES.map((c, i) => [c.code, countryIds[i]!]))

  await writer.create(
    'product__v',
    MEDICAL_DEMO_PRODUCTS.map(([externalId, name, genericName, area]) => ({
      name__v: name,
      external_id__v: externalId,
      generic_name__v: genericName,
      therapeutic_area__v: area,
    })),
  )

  const contacts = Array.from({ length: CASE_CONTACT_COUNT }, (_, i) => {
    const firstName = faker.person.firstName()
    const lastName = faker.person.lastName()
    const countryCode = CASE_CONTACT_COUNTRIES[i % CASE_CONTACT_COUNTRIES.length]!
    return {
      firstName,
      lastName,
      countryId: countryIdByCode.get(countryCode)!,
      email: faker.internet.email({ firstName, lastName, provider: 'example.org' }).toLowerCase(),
      phone: faker.phone.number({ style: 'international' }),
      credentials: faker.helpers.arrayElement(CREDENTIALS),
      specialty: faker.helpers.arrayElement(SPECIALTIES),
      institution: `${faker.location.city()} ${faker.helpers.arrayElement(INSTITUTION_KINDS)}`,
    }
  })
  const contactIds = await writer.create(
    'case_contact__v',
    contacts.map((c) => ({
      name__v: `${c.firstName} ${c.lastName}`,
      first_name__v: c.firstName,
      last_name__v: c.lastName,
      credentials__v: c.credentials,
      specialty__v: c.specialty,
      institution__v: c.institution,
      country__v: c.countryId,
    })),
  )
  await writer.create(
    'person_information__v',
    contacts.flatMap((c, i) => [
      { case_contact__v: contactIds[i], type__v: 'email__v', email__v: c.email, primary__v: true },
      { case_contact__v: contactIds[i], type__v: 'phone__v', phone__v: c.phone, primary__v: false },
    ]),
  )
}
