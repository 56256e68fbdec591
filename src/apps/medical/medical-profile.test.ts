import { describe, expect, it } from 'vitest'
import { CheckingWriter, profileChecks } from '../../../test/support/profile-checks.js'
import { compileMetadata, PLATFORM_OBJECTS } from '../../platform/metadata/index.js'
import { seedMedicalDemoData } from './medical-demo-data.js'
import { medicalProfile } from './medical-profile.js'

const { metadata, issues } = compileMetadata(medicalProfile, [])

const { objectOf, expectFields, picklistValues } = profileChecks(metadata)

async function seeded(seed: number): Promise<CheckingWriter> {
  const writer = new CheckingWriter(metadata)
  await seedMedicalDemoData(writer, { seed })
  return writer
}

describe('medical profile', () => {
  it('compiles without issues', () => {
    expect(issues).toEqual([])
    expect(metadata.profile).toBe('medical')
  })

  it('is deeply frozen', () => {
    expect(Object.isFrozen(medicalProfile)).toBe(true)
    expect(Object.isFrozen(medicalProfile.objects)).toBe(true)
    const caseRequest = medicalProfile.objects.find((o) => o.name === 'case_request__v')
    expect(Object.isFrozen(caseRequest?.fields[0])).toBe(true)
    expect(Object.isFrozen(caseRequest?.lifecycle?.actions[0]?.from)).toBe(true)
    expect(Object.isFrozen(medicalProfile.permissions['case__v'])).toBe(true)
  })

  it('contains every platform object', () => {
    for (const platformObject of PLATFORM_OBJECTS)
      expect(medicalProfile.objects.find((o) => o.name === platformObject.name)).toEqual(platformObject)
  })

  it('gives every record the contract fields', () => {
    for (const object of metadata.objects) {
      for (const name of [
        'id',
        'name__v',
        'status__v',
        'external_id__v',
        'created_date__v',
        'created_by__v',
        'modified_date__v',
        'modified_by__v',
        'global_id__sys',
        'link__sys',
      ])
        expect(object.fieldByName.has(name), `${object.name}.${name}`).toBe(true)
      expect(object.fieldByName.has('state__v')).toBe(object.lifecycle !== undefined)
      expect(object.fieldByName.has('object_type__v')).toBe(object.definition.objectTypes !== undefined)
    }
  })

  it('has the contract platform objects and fields', () => {
    expectFields('user__sys', {
      username__sys: 'String',
      email__sys: 'String',
      security_profile__sys: ['Picklist', 'security_profile__sys'],
      status__v: ['Picklist', 'status__v'],
    })
    expect(objectOf('user__sys').fieldByName.get('username__sys')?.unique).toBe(true)
    expectFields('connection__sys', {
      api_name__sys: 'String',
      connection_type__sys: 'Picklist',
      remote_vault_id__sys: 'String',
      remote_vault_url__sys: 'String',
      remote_vault_name__sys: 'String',
      remote_environment__sys: 'Picklist',
      authorized_connection_user__sys: ['Object', 'user__sys'],
      status__v: ['Picklist', 'connection_status__sys'],
    })
    expect(objectOf('connection__sys').fieldByName.get('api_name__sys')?.unique).toBe(true)
    expect(picklistValues('connection_status__sys')).toEqual(['pending__sys', 'active__v', 'inactive__v'])
    expect(picklistValues('connection_type__sys')).toEqual(['vault_to_vault__sys'])
    expect(picklistValues('environment__sys')).toEqual(['production__sys', 'sandbox__sys'])
    expectFields('integration__sys', {
      integration_api_name__sys: 'String',
      connection__sys: ['Object', 'connection__sys'],
      status__v: ['Picklist', 'status__v'],
    })
    expectFields('integration_point__sys', {
      integration_point_api_name__sys: 'String',
      integration__sys: ['Object', 'integration__sys'],
      direction__sys: ['Picklist', 'direction__sys'],
      last_successful_run_time__sys: 'DateTime',
      status__v: 'Picklist',
    })
    expect(picklistValues('direction__sys')).toEqual(['inbound__sys', 'outbound__sys'])
    expectFields('integration_rule__sys', {
      integration_rule_api_name__sys: 'String',
      connection__sys: ['Object', 'connection__sys'],
      integration_point__sys: ['Object', 'integration_point__sys'],
      primary_query_object__sys: 'String',
      status__v: 'Picklist',
    })
    expectFields('field_rule__sys', {
      integration_rule__sys: ['Object', 'integration_rule__sys'],
      target_object__sys: 'String',
      target_object_field__sys: 'String',
      query_object__sys: 'String',
      query_field__sys: 'String',
      field_default__sys: 'String',
      reference_lookup__sys: 'String',
    })
    expectFields('reference_lookup__sys', {
      reference_lookup_type__sys: 'String',
      source_key__sys: 'String',
      target_key__sys: 'String',
    })
    expectFields('query_object_rule__sys', {
      integration_rule__sys: ['Object', 'integration_rule__sys'],
      query_object__sys: 'String',
      filter_clause__sys: 'String',
    })
    expectFields('exception_message__sys', {
      integration__sys: ['Object', 'integration__sys'],
      integration_point__sys: ['Object', 'integration_point__sys'],
      connection__sys: ['Object', 'connection__sys'],
      error_type__sys: 'String',
      error_message__sys: 'String',
      message_body_json__sys: 'LongText',
      message_items_received__sys: 'Number',
      message_items_failed__sys: 'Number',
      state__v: 'String',
    })
    expectFields('exception_item__sys', {
      exception_message__sys: ['Object', 'exception_message__sys'],
      item_key__sys: 'String',
      error_status__sys: 'Picklist',
      error_message__sys: 'String',
    })
    expectFields('document_type_group__v', {
      api_name__v: 'String',
      document_types__v: ['Picklist', 'medical_document_type__v'],
    })
    expect(objectOf('document_type_group__v').fieldByName.get('document_types__v')?.multiValue).toBe(true)
    expect(picklistValues('medical_document_type__v')).toEqual([
      'medical_response__v',
      'multichannel_presentation__v',
      'multichannel_slide__v',
      'email_template__v',
      'email_fragment__v',
      'template_fragment__v',
      'reference_document__v',
    ])
  })

  it('runs user exception messages through open, reprocessing and resolved', () => {
    const lifecycle = objectOf('exception_message__sys').lifecycle
    expect(lifecycle?.initialState.name).toBe('open__sys')
    expect(lifecycle?.states.map((s) => [s.name, s.stateType])).toEqual([
      ['open__sys', 'initial_state__sys'],
      ['reprocessing__sys', 'in_progress_state__sys'],
      ['resolved__sys', 'complete_state__sys'],
    ])
    expect(lifecycle?.actionByName.get('reprocess__sys')?.from).toEqual(['open__sys'])
  })

  it('has the contract Medical objects and fields', () => {
    expectFields('country__v', { abbreviation__v: 'String', country_cda__v: ['Picklist', 'country_cda__v'] })
    expect(objectOf('country__v').fieldByName.get('abbreviation__v')?.unique).toBe(true)
    expect(objectOf('country__v').fieldByName.get('country_cda__v')?.multiValue).toBe(true)
    expectFields('connection_country__v', {
      connection__sys: ['Object', 'connection__sys'],
      country__v: ['Object', 'country__v'],
    })
    expectFields('product__v', { external_id__v: 'String', generic_name__v: 'String' })
    expectFields('case_contact__v', {
      first_name__v: 'String',
      last_name__v: 'String',
      credentials__v: 'String',
      specialty__v: 'String',
      institution__v: 'String',
      veeva_id__v: 'String',
      external_id__v: 'String',
      crm_org__v: 'String',
      crm_id__v: 'String',
      link__v: 'String',
      country__v: ['Object', 'country__v'],
    })
    expectFields('case_contact_source_data__v', {
      case_contact__v: ['Object', 'case_contact__v'],
      connection__sys: ['Object', 'connection__sys'],
      crm_org__v: 'String',
      crm_id__v: 'String',
      data_source__v: ['Picklist', 'data_source__v'],
      source_payload__v: 'LongText',
    })
    expect(picklistValues('data_source__v')).toEqual(['account__v', 'inquiry__v'])
    expectFields('person_information__v', {
      case_contact__v: ['Object', 'case_contact__v'],
      type__v: ['Picklist', 'person_information_type__v'],
      address_line_1__v: 'String',
      address_line_2__v: 'String',
      city__v: 'String',
      state_province__v: 'String',
      postal_code__v: 'String',
      country__v: ['Object', 'country__v'],
      email__v: 'String',
      phone__v: 'String',
      fax__v: 'String',
      primary__v: 'Boolean',
    })
    expect(picklistValues('person_information_type__v')).toEqual([
      'address__v',
      'email__v',
      'phone__v',
      'fax__v',
    ])
    expectFields('case__v', {
      case_contact__v: ['Object', 'case_contact__v'],
      preferred_contact_information__v: ['Object', 'person_information__v'],
      country__v: ['Object', 'country__v'],
      channel__v: ['Picklist', 'channel__v'],
      crm_org__v: 'String',
      crm_id__v: 'String',
      link__v: 'String',
      connection__sys: ['Object', 'connection__sys'],
      received_date__v: 'DateTime',
      response_notes__v: 'LongText',
      response_package__v: 'Document',
      state__v: 'String',
    })
    expect(picklistValues('channel__v')).toEqual(expect.arrayContaining(['crm__v', 'phone__v', 'email__v']))
    expectFields('case_request__v', {
      case__v: ['Object', 'case__v'],
      question__v: 'LongText',
      product__v: ['Object', 'product__v'],
      origin__v: ['Picklist', 'origin__v'],
      crm_org__v: 'String',
      crm_id__v: 'String',
      link__v: 'String',
      connection__sys: ['Object', 'connection__sys'],
      response_notes__v: 'LongText',
      response_package_link__v: 'String',
      closed_date__v: 'DateTime',
      state__v: 'String',
    })
    expect(objectOf('case_request__v').fieldByName.get('response_package_link__v')?.maxLength).toBe(1500)
    expect(picklistValues('origin__v')).toEqual(expect.arrayContaining(['crm__v', 'call_center__v']))
    expectFields('clm_content_metrics__v', {
      object_type__v: ['Picklist', 'clm_content_metrics__v.object_type__v'],
      document__v: 'Document',
      connection__sys: ['Object', 'connection__sys'],
      crm_org__v: 'String',
      country__v: ['Object', 'country__v'],
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
    expect(picklistValues('clm_content_metrics__v.object_type__v')).toEqual([
      'pres_level_metrics__v',
      'slide_level_metrics__v',
    ])
  })

  it('numbers cases and case requests', () => {
    expect(objectOf('case__v').definition.numbering?.format).toBe('CASE-{000000}')
    expect(objectOf('case_request__v').definition.numbering?.format).toBe('CR-{000000}')
    expect(objectOf('case__v').fieldByName.get('name__v')?.required).toBe(false)
  })

  it.each(['case__v', 'case_request__v'])('gives %s the contract lifecycle', (name) => {
    const lifecycle = objectOf(name).lifecycle
    expect(lifecycle?.initialState.name).toBe('new_state__v')
    expect(lifecycle?.states.map((s) => [s.name, s.stateType])).toEqual([
      ['new_state__v', 'initial_state__sys'],
      ['in_progress_state__v', 'in_progress_state__sys'],
      ['closed_state__v', 'complete_state__sys'],
      ['cancelled_state__v', 'cancelled_state__sys'],
    ])
    const action = (n: string) => lifecycle?.actionByName.get(n)
    expect(action('start__v')).toMatchObject({ from: ['new_state__v'], to: 'in_progress_state__v' })
    expect(action('close__v')).toMatchObject({ from: ['in_progress_state__v'], to: 'closed_state__v' })
    expect(action('close__v')?.from).not.toContain('new_state__v')
    expect(action('cancel__v')).toMatchObject({
      from: ['new_state__v', 'in_progress_state__v'],
      to: 'cancelled_state__v',
    })
    expect(action('reopen__v')).toMatchObject({ from: ['closed_state__v'], to: 'in_progress_state__v' })
  })

  it('names the inbound relationships of the contract', () => {
    const inbound = (name: string) => objectOf(name).inbound.map((r) => r.relationship_name)
    expect(inbound('case__v')).toContain('case_requests__vr')
    expect(inbound('case_contact__v')).toEqual(
      expect.arrayContaining(['cases__vr', 'person_information__vr']),
    )
    expect(objectOf('case__v').outbound.map((r) => r.relationship_name)).toContain('case_contact__vr')
  })

  it('derives country_cda__v from every ISO 3166 country', () => {
    const values = metadata.picklistByName.get('country_cda__v')?.values ?? []
    expect(values).toHaveLength(249)
    expect(values.every((v) => /^[a-z]{2}__v$/.test(v.name))).toBe(true)
    expect(values.find((v) => v.name === 'us__v')?.label).toBe('United States')
    expect(values.find((v) => v.name === 'ca__v')?.label).toBe('Canada')
  })

  it('keeps index names within PostgreSQL identifier length', () => {
    for (const object of metadata.objects)
      for (const field of object.fields)
        expect(`ix_${object.name}_${field.name}`.length).toBeLessThanOrEqual(63)
  })

  it('grants agents, content managers and the integration user what they need', () => {
    const grants = medicalProfile.permissions
    for (const name of [
      'case__v',
      'case_request__v',
      'case_contact__v',
      'person_information__v',
      'case_contact_source_data__v',
    ]) {
      expect(grants[name]?.medical_information_agent__v).toEqual(expect.arrayContaining(['create', 'edit']))
      expect(grants[name]?.integration_user__sys).toEqual(expect.arrayContaining(['create', 'edit']))
    }
    for (const name of ['product__v', 'country__v', 'document_type_group__v'])
      expect(grants[name]?.content_manager__v).toEqual(expect.arrayContaining(['create', 'edit']))
    for (const name of [
      'connection_country__v',
      'country__v',
      'clm_content_metrics__v',
      'exception_message__sys',
      'exception_item__sys',
    ])
      expect(grants[name]?.integration_user__sys).toEqual(expect.arrayContaining(['create', 'edit']))
    expect(grants.integration_point__sys?.integration_user__sys).toContain('edit')
    // Finding 1: the handshake writes connections as the vault; the integration user may not.
    for (const name of ['connection__sys', 'user__sys'])
      expect(grants[name]?.integration_user__sys ?? []).not.toContain('edit')
    for (const [object, byProfile] of Object.entries(grants)) {
      expect(metadata.objectByName.has(object) || object === 'documents', object).toBe(true)
      expect(byProfile.read_only__v).toBeUndefined()
    }
  })
})

describe('medical demo data', () => {
  it('writes only valid fields, values and references', async () => {
    const writer = await seeded(42)
    expect(writer.problems).toEqual([])
  })

  it('is the same for the same seed and differs for another', async () => {
    const a = await seeded(7)
    const b = await seeded(7)
    const c = await seeded(8)
    expect(b.calls).toEqual(a.calls)
    expect(c.recordsOf('case_contact__v')).not.toEqual(a.recordsOf('case_contact__v'))
  })

  it('seeds every ISO country plus Global', async () => {
    const countries = (await seeded(1)).recordsOf('country__v')
    expect(countries).toHaveLength(250)
    expect(countries).toContainEqual({ name__v: 'Canada', abbreviation__v: 'CA', external_id__v: 'CA' })
    expect(countries).toContainEqual({
      name__v: 'Global',
      abbreviation__v: 'GLOBAL',
      external_id__v: 'GLOBAL',
    })
  })

  it('seeds the products, case contacts and the connection document type group', async () => {
    const writer = await seeded(1)
    const products = writer.recordsOf('product__v')
    expect(products).toHaveLength(12)
    expect(products[0]).toMatchObject({
      external_id__v: 'PRD-0001',
      name__v: 'Cardiora',
      generic_name__v: 'apixaban',
    })
    expect(products.every((p) => typeof p['generic_name__v'] === 'string')).toBe(true)
    expect(writer.recordsOf('case_contact__v').length).toBeGreaterThanOrEqual(3)
  })
})
