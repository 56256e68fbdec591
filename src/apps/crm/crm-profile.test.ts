import { describe, expect, it } from 'vitest'
import { CheckingWriter, profileChecks } from '../../../test/support/profile-checks.js'
import { compileMetadata, PLATFORM_OBJECTS } from '../../platform/metadata/index.js'
// The one place the two apps meet: prefixes and demo products must agree across both profiles.
import { medicalProfile, seedMedicalDemoData } from '../medical/index.js'
import { seedCrmDemoData } from './crm-demo-data.js'
import { crmProfile } from './crm-profile.js'

const { metadata, issues } = compileMetadata(crmProfile, [])

const { objectOf, expectFields, picklistValues } = profileChecks(metadata)

async function seeded(options: { seed: number; countries: readonly string[]; accounts?: number }) {
  const writer = new CheckingWriter(metadata)
  await seedCrmDemoData(writer, options)
  return writer
}

const NA = ['us__v', 'ca__v'] as const

describe('crm profile', () => {
  it('compiles without issues', () => {
    expect(issues).toEqual([])
    expect(metadata.profile).toBe('crm')
  })

  it('is deeply frozen', () => {
    expect(Object.isFrozen(crmProfile.objects)).toBe(true)
    const inquiry = crmProfile.objects.find((o) => o.name === 'medical_inquiry__v')
    expect(Object.isFrozen(inquiry?.fields[0])).toBe(true)
    expect(Object.isFrozen(crmProfile.permissions['medical_inquiry__v']?.rep__v)).toBe(true)
  })

  it('contains every platform object', () => {
    for (const platformObject of PLATFORM_OBJECTS)
      expect(crmProfile.objects.find((o) => o.name === platformObject.name)).toEqual(platformObject)
  })

  it('gives every record the contract fields', () => {
    for (const object of metadata.objects) {
      for (const name of ['id', 'name__v', 'status__v', 'external_id__v', 'global_id__sys', 'link__sys'])
        expect(object.fieldByName.has(name), `${object.name}.${name}`).toBe(true)
      expect(object.fieldByName.has('object_type__v')).toBe(object.definition.objectTypes !== undefined)
    }
  })

  it('has the contract CRM objects and fields', () => {
    expectFields('account__v', {
      first_name__v: 'String',
      last_name__v: 'String',
      credentials__v: 'String',
      specialty__v: 'String',
      veeva_id__v: 'String',
      external_id__v: 'String',
      country__v: ['Picklist', 'country_cda__v'],
      institution__v: 'String',
    })
    expect(objectOf('account__v').fieldByName.get('veeva_id__v')?.indexed).toBe(true)
    expect(objectOf('account__v').fieldByName.get('country__v')?.multiValue).not.toBe(true)
    expectFields('address__v', {
      account__v: ['Object', 'account__v'],
      address_line_1__v: 'String',
      address_line_2__v: 'String',
      city__v: 'String',
      state_province__v: 'String',
      postal_code__v: 'String',
      country__v: ['Picklist', 'country_cda__v'],
      primary__v: 'Boolean',
    })
    expectFields('medical_inquiry__v', {
      account__v: ['Object', 'account__v'],
      inquiry_text__v: 'LongText',
      product__v: ['Object', 'product__v'],
      country__v: ['Picklist', 'country_cda__v'],
      delivery_method__v: ['Picklist', 'delivery_method__v'],
      first_name__v: 'String',
      last_name__v: 'String',
      address_line_1__v: 'String',
      address_line_2__v: 'String',
      city__v: 'String',
      state_province__v: 'String',
      postal_code__v: 'String',
      email__v: 'String',
      phone__v: 'String',
      fax__v: 'String',
      transfer_status__v: ['Picklist', 'transfer_status__v'],
      transfer_error__v: 'String',
      medical_inquiry_case_status__v: ['Picklist', 'medical_inquiry_case_status__v'],
      case_number__v: 'String',
      response_notes__v: 'LongText',
      response_package_link__v: 'String',
      transferred_date__v: 'DateTime',
      case_closed_date__v: 'DateTime',
    })
    const inquiry = objectOf('medical_inquiry__v')
    expect(inquiry.definition.numbering?.format).toBe('MI-{000000}')
    expect(inquiry.fieldByName.get('transfer_error__v')?.maxLength).toBe(1500)
    expect(inquiry.fieldByName.get('response_package_link__v')?.maxLength).toBe(1500)
    expect(picklistValues('delivery_method__v')).toEqual(['mail__v', 'email__v', 'phone__v', 'fax__v'])
    expect(picklistValues('transfer_status__v')).toEqual(['pending__v', 'success__v', 'failure__v'])
    expect(picklistValues('medical_inquiry_case_status__v')).toEqual([
      'new__v',
      'in_progress__v',
      'closed__v',
      'cancelled__v',
    ])
    expectFields('product__v', { external_id__v: 'String' })
    expectFields('connection_settings__v', {
      object_type__v: ['Picklist', 'connection_settings__v.object_type__v'],
      connection__sys: ['Object', 'connection__sys'],
      country_filter__v: ['Picklist', 'country_cda__v'],
    })
    expect(objectOf('connection_settings__v').fieldByName.get('country_filter__v')?.multiValue).toBe(true)
    expect(picklistValues('connection_settings__v.object_type__v')).toEqual([
      'medical_inquiry_settings__v',
      'clm_integration_settings__v',
      'approved_email_integration_settings__v',
      'document_transfer_settings__v',
    ])
    expectFields('clm_presentation__v', {
      link__v: 'String',
      crosslink_document__v: 'Document',
      product__v: ['Object', 'product__v'],
      status__v: ['Picklist', 'clm_status__v'],
      version__v: 'String',
    })
    expect(picklistValues('clm_status__v')).toEqual(['active__v', 'withdrawn__v'])
    expectFields('key_message__v', {
      link__v: 'String',
      crosslink_document__v: 'Document',
      media_file_name__v: 'String',
      status__v: 'Picklist',
    })
    expectFields('clm_presentation_slide__v', {
      clm_presentation__v: ['Object', 'clm_presentation__v'],
      key_message__v: ['Object', 'key_message__v'],
      display_order__v: 'Number',
    })
    expectFields('call2__v', {
      account__v: ['Object', 'account__v'],
      call_date__v: 'Date',
      country__v: ['Picklist', 'country_cda__v'],
      status__v: 'Picklist',
    })
    expectFields('call2_key_message__v', {
      call2__v: ['Object', 'call2__v'],
      account__v: ['Object', 'account__v'],
      key_message__v: ['Object', 'key_message__v'],
      clm_presentation__v: ['Object', 'clm_presentation__v'],
      display_order__v: 'Number',
      duration__v: 'Number',
      reaction__v: ['Picklist', 'reaction__v'],
      custom_presentation__v: 'Boolean',
      country__v: ['Picklist', 'country_cda__v'],
      start_time__v: 'DateTime',
    })
    expect(picklistValues('reaction__v')).toEqual(['positive__v', 'neutral__v', 'negative__v'])
    expectFields('multichannel_activity_line__v', {
      event_type__v: ['Picklist', 'multichannel_event_type__v'],
      clm_presentation__v: ['Object', 'clm_presentation__v'],
      key_message__v: ['Object', 'key_message__v'],
      account__v: ['Object', 'account__v'],
      country__v: ['Picklist', 'country_cda__v'],
      event_datetime__v: 'DateTime',
    })
    expect(picklistValues('multichannel_event_type__v')).toEqual([
      'preview__v',
      'link_sent__v',
      'link_opened__v',
      'link_clicked__v',
    ])
    expectFields('clm_content_metrics__v', {
      object_type__v: ['Picklist', 'clm_content_metrics__v.object_type__v'],
      clm_presentation__v: ['Object', 'clm_presentation__v'],
      key_message__v: ['Object', 'key_message__v'],
      times_shown__v: 'Number',
      total_duration_seconds__v: 'Number',
      average_duration_seconds__v: 'Number',
      times_sent_as_link__v: 'Number',
      link_click_rate__v: 'Number',
      custom_presentation_uses__v: 'Number',
      previews__v: 'Number',
      average_view_order__v: 'Number',
      reactions_positive__v: 'Number',
      reactions_neutral__v: 'Number',
      reactions_negative__v: 'Number',
      last_calculated__v: 'DateTime',
    })
    expectFields('approved_document__v', {
      document_type__v: ['Picklist', 'approved_document_type__v'],
      product__v: ['Object', 'product__v'],
      link__v: 'String',
      crosslink_document__v: 'Document',
      status__v: ['Picklist', 'approved_document_status__v'],
      hidden__v: 'Boolean',
      country__v: ['Picklist', 'country_cda__v'],
    })
    expect(picklistValues('approved_document_type__v')).toEqual([
      'email_template__v',
      'email_fragment__v',
      'template_fragment__v',
    ])
    expect(picklistValues('approved_document_status__v')).toEqual(['staged__v', 'approved__v', 'expired__v'])
  })

  it('uses the CRM country codes of the contract', () => {
    const values = picklistValues('country_cda__v')
    for (const code of [
      'us__v',
      'ca__v',
      'mx__v',
      'gb__v',
      'de__v',
      'fr__v',
      'es__v',
      'it__v',
      'jp__v',
      'br__v',
    ])
      expect(values).toContain(code)
  })

  it('names the inbound relationships of the contract', () => {
    const inbound = (name: string) => objectOf(name).inbound.map((r) => r.relationship_name)
    expect(inbound('account__v')).toEqual(expect.arrayContaining(['medical_inquiries__vr', 'addresses__vr']))
    expect(inbound('clm_presentation__v')).toContain('clm_presentation_slides__vr')
    expect(objectOf('medical_inquiry__v').outbound.map((r) => r.relationship_name)).toEqual(
      expect.arrayContaining(['account__vr', 'product__vr']),
    )
  })

  it('gives each object one prefix across both profiles', () => {
    const medical = compileMetadata(medicalProfile, [])
    expect(medical.issues).toEqual([])
    const objectOfPrefix = new Map<string, string>()
    for (const object of [...medical.metadata.objects, ...metadata.objects]) {
      expect(object.prefix).toMatch(/^[0-9A-Z]{3}$/)
      const owner = objectOfPrefix.get(object.prefix)
      // The same object in both profiles (product__v, clm_content_metrics__v, platform objects) keeps its prefix.
      expect(owner ?? object.name, `prefix ${object.prefix}`).toBe(object.name)
      objectOfPrefix.set(object.prefix, object.name)
    }
    for (const object of medical.metadata.objects) {
      const crmObject = metadata.objectByName.get(object.name)
      if (crmObject !== undefined) expect(crmObject.prefix).toBe(object.prefix)
    }
  })

  it('keeps index names within PostgreSQL identifier length', () => {
    for (const object of metadata.objects)
      for (const field of object.fields)
        expect(`ix_${object.name}_${field.name}`.length).toBeLessThanOrEqual(63)
  })

  it('grants reps and the integration user what they need', () => {
    const grants = crmProfile.permissions
    for (const name of [
      'account__v',
      'address__v',
      'medical_inquiry__v',
      'call2__v',
      'call2_key_message__v',
      'multichannel_activity_line__v',
    ])
      expect(grants[name]?.rep__v).toEqual(expect.arrayContaining(['create', 'edit']))
    expect(grants['medical_inquiry__v']?.integration_user__sys).toContain('edit')
    for (const name of [
      'clm_presentation__v',
      'key_message__v',
      'clm_presentation_slide__v',
      'clm_content_metrics__v',
      'approved_document__v',
      'connection_settings__v',
      'exception_message__sys',
      'exception_item__sys',
    ])
      expect(grants[name]?.integration_user__sys).toEqual(expect.arrayContaining(['create', 'edit']))
    for (const object of Object.keys(grants))
      expect(metadata.objectByName.has(object) || object === 'documents', object).toBe(true)
  })
})

describe('crm demo data', () => {
  it('uses a checking writer that reports bad records', async () => {
    const writer = new CheckingWriter(metadata)
    await writer.create('account__v', [{ name__v: 'A', bogus__v: 1, country__v: ['us__v', 'ca__v'] }])
    await writer.create('address__v', [{ name__v: 'B', account__v: 'V0U000000000001', primary__v: 'yes' }])
    expect(writer.problems).toEqual([
      'account__v[0]: bogus__v is not a writable field',
      expect.stringContaining('country__v'),
      expect.stringContaining('country__v should be a single name'),
      expect.stringContaining('is not a account__v id'),
      expect.stringContaining('primary__v'),
    ])
  })

  it('writes only valid fields, values and references', async () => {
    const writer = await seeded({ seed: 42, countries: ['us__v', 'ca__v', 'de__v', 'jp__v', 'nz__v'] })
    expect(writer.problems).toEqual([])
  })

  it('is the same for the same options and differs for another seed', async () => {
    const a = await seeded({ seed: 3, countries: NA, accounts: 40 })
    const b = await seeded({ seed: 3, countries: NA, accounts: 40 })
    const c = await seeded({ seed: 4, countries: NA, accounts: 40 })
    expect(b.calls).toEqual(a.calls)
    expect(c.recordsOf('account__v')).not.toEqual(a.recordsOf('account__v'))
  })

  it('seeds the same products as the Medical Vault, with the same external ids', async () => {
    const medicalWriter = new CheckingWriter(compileMetadata(medicalProfile, []).metadata)
    await seedMedicalDemoData(medicalWriter, { seed: 1 })
    const crm = (await seeded({ seed: 2, countries: NA, accounts: 5 })).recordsOf('product__v')
    const medical = medicalWriter.recordsOf('product__v')
    expect(crm.length).toBeGreaterThanOrEqual(10)
    expect(crm.map((p) => [p['external_id__v'], p['name__v']])).toEqual(
      medical.map((p) => [p['external_id__v'], p['name__v']]),
    )
  })

  it('seeds 300 HCP accounts by default, each with one or two addresses in its country', async () => {
    const writer = await seeded({ seed: 5, countries: NA })
    const accounts = writer.recordsOf('account__v')
    expect(accounts).toHaveLength(300)
    for (const account of accounts) {
      expect(NA).toContain(account['country__v'])
      expect(account['veeva_id__v']).toMatch(/^V\d+$/)
      expect(account['external_id__v']).toEqual(expect.any(String))
      expect(account['credentials__v']).toEqual(expect.any(String))
      expect(account['specialty__v']).toEqual(expect.any(String))
      expect(account['institution__v']).toEqual(expect.any(String))
    }
    expect(new Set(accounts.map((a) => a['veeva_id__v'])).size).toBe(300)
    expect(new Set(accounts.map((a) => a['country__v']))).toEqual(new Set(NA))

    const accountIds = writer.calls.filter((c) => c.objectName === 'account__v')
    expect(accountIds).toHaveLength(1)
    const addresses = writer.recordsOf('address__v')
    const byAccount = new Map<unknown, Readonly<Record<string, unknown>>[]>()
    for (const address of addresses)
      byAccount.set(address['account__v'], [...(byAccount.get(address['account__v']) ?? []), address])
    expect(byAccount.size).toBe(300)
    for (const list of byAccount.values()) {
      expect(list.length).toBeGreaterThanOrEqual(1)
      expect(list.length).toBeLessThanOrEqual(2)
      expect(list.filter((a) => a['primary__v'] === true)).toHaveLength(1)
      expect(new Set(list.map((a) => a['country__v'])).size).toBe(1)
    }
  })

  it('respects the accounts option', async () => {
    const writer = await seeded({ seed: 5, countries: ['gb__v'], accounts: 12 })
    expect(writer.recordsOf('account__v')).toHaveLength(12)
    expect(writer.problems).toEqual([])
  })

  it('seeds draft inquiries with the delivery detail their method needs', async () => {
    const writer = await seeded({ seed: 9, countries: ['gb__v', 'de__v', 'fr__v'] })
    const inquiries = writer.recordsOf('medical_inquiry__v')
    expect(inquiries.length).toBeGreaterThanOrEqual(8)
    const detailOf: Record<string, string> = {
      mail__v: 'address_line_1__v',
      email__v: 'email__v',
      phone__v: 'phone__v',
      fax__v: 'fax__v',
    }
    for (const inquiry of inquiries) {
      expect(inquiry['transfer_status__v']).toBeUndefined()
      expect(writer.objectOfId(inquiry['account__v'])).toBe('account__v')
      expect(writer.objectOfId(inquiry['product__v'])).toBe('product__v')
      expect(inquiry['inquiry_text__v']).toEqual(expect.any(String))
      expect(['gb__v', 'de__v', 'fr__v']).toContain(inquiry['country__v'])
      const method = String(inquiry['delivery_method__v'])
      expect(inquiry[detailOf[method]!], method).toEqual(expect.any(String))
      if (method === 'mail__v') {
        expect(inquiry['city__v']).toEqual(expect.any(String))
        expect(inquiry['postal_code__v']).toEqual(expect.any(String))
      }
    }
  })

  it('refuses countries that are not country_cda__v values', async () => {
    await expect(seeded({ seed: 1, countries: [] })).rejects.toThrow(/at least one country/)
    await expect(seeded({ seed: 1, countries: ['US'] })).rejects.toThrow(/not a country_cda__v value/)
    await expect(seeded({ seed: 1, countries: ['zz__v'] })).rejects.toThrow(/not a country_cda__v value/)
  })
})
