import { CLM_METRIC_FIELDS } from '../../platform/metadata/index.js'

/**
 * The standard configuration seeded per connection, as typed data (STYLE §5): integrations, their
 * points, and on the target side the integration rules with their field rules. Admins edit the
 * seeded records; the engine compiles the records, never this file, so there is one path from
 * configuration to behaviour.
 */

export const CONNECTION_SIDES = ['medical', 'crm'] as const
export type ConnectionSide = (typeof CONNECTION_SIDES)[number]

export interface FieldRuleDefinition {
  readonly targetObject: string
  readonly targetField: string
  readonly queryObject?: string
  /** A field of the query object, or a lookup through its outbound relationships (`account__vr.first_name__v`). */
  readonly queryField?: string
  readonly fieldDefault?: string
  /** A `reference_lookup_type__sys` to map the source value through. */
  readonly referenceLookup?: string
}

export interface IntegrationRuleDefinition {
  readonly apiName: string
  readonly integrationPoint: string
  readonly primaryQueryObject: string
  readonly active: boolean
  readonly description: string
  readonly fieldRules: readonly FieldRuleDefinition[]
}

export interface IntegrationPointDefinition {
  readonly apiName: string
  readonly direction: 'inbound__sys' | 'outbound__sys'
  readonly description: string
}

export interface IntegrationDefinition {
  readonly apiName: string
  readonly name: string
  readonly points: readonly IntegrationPointDefinition[]
}

export interface SideConfiguration {
  readonly integrations: readonly IntegrationDefinition[]
  readonly rules: readonly IntegrationRuleDefinition[]
}

/** Integration point API names shared by both sides of a message. */
export const INTEGRATION_POINTS = {
  inquiryOutbound: 'medical_inquiry_outbound__v',
  inquiryInbound: 'medical_inquiry_inbound__v',
  inquiryResultOutbound: 'medical_inquiry_result_outbound__v',
  inquiryResultInbound: 'medical_inquiry_result_inbound__v',
  accountInbound: 'account_inbound__v',
  caseRequestOutbound: 'case_request_outbound__v',
  caseRequestInbound: 'case_request_inbound__v',
  /** B15: the CRM's nudge that a Connection Settings record changed (the Medical Vault processes it). */
  connectionSettingsOutbound: 'connection_settings_outbound__v',
  /** B15: the Medical Vault's pull of the CRM's country filters into Connection Countries. */
  connectionSettingsInbound: 'connection_settings_inbound__v',
  /** B16, B17: the Medical Vault's notice that routed documents changed. */
  documentTransferOutbound: 'document_transfer_outbound__v',
  /** B17: the CRM's CrossLinks built from those documents. */
  documentTransferInbound: 'document_transfer_inbound__v',
  /** B19: the Medical Vault's notice that routed Approved Email content changed. */
  approvedEmailOutbound: 'approved_email_outbound__v',
  /** B19: the CRM's CrossLinks and Approved Documents built from that content (and its scheduled pull). */
  approvedEmailInbound: 'approved_email_inbound__v',
  /** B18: the Medical Vault's notice that routed multichannel presentations (or their slides) changed. */
  clmOutbound: 'clm_outbound__v',
  /** B18: the CRM's CLM presentations, key messages and slide order built from them. */
  clmInbound: 'clm_inbound__v',
  /** B21: the CRM's CLM Content Metrics records whose figures changed (the Medical Vault calls back). */
  clmMetricsOutbound: 'clm_content_metrics_outbound__v',
  /** B21: the Medical Vault's CLM Content Metrics, against its own documents. */
  clmMetricsInbound: 'clm_content_metrics_inbound__v',
} as const

/** B18: the CRM's integration rule whose field rules map a presentation's and its slides' metadata. */
export const CLM_RULE = 'clm_integration_rule__v'

/** B21: the Medical Vault's integration rule mapping a CRM's metrics record onto its own. */
export const CLM_METRICS_RULE = 'clm_content_metrics_integration_rule__v'

/** `document_type_group__v.api_name__v` of the group whose types Document Transfer sends (B17). */
export const DOCUMENT_TRANSFER_GROUP = 'medical_crm_connection__v'

const INQUIRY = 'medical_inquiry__v'
const ACCOUNT_VIA_INQUIRY = (field: string) => `account__vr.${field}`

/** Case Contact fields from the Account (B6, account_integration_rule__v). */
const CONTACT_FROM_ACCOUNT: readonly FieldRuleDefinition[] = [
  ['first_name__v', 'first_name__v'],
  ['last_name__v', 'last_name__v'],
  ['credentials__v', 'credentials__v'],
  ['specialty__v', 'specialty__v'],
  ['institution__v', 'institution__v'],
  ['veeva_id__v', 'veeva_id__v'],
  ['external_id__v', 'external_id__v'],
].map(([target, source]) => ({
  targetObject: 'case_contact__v',
  targetField: target!,
  queryObject: INQUIRY,
  queryField: ACCOUNT_VIA_INQUIRY(source!),
}))

/** Case Contact names from the Inquiry only (B6, do_not_pull_from_accounts_integration_rule__v). */
const CONTACT_FROM_INQUIRY: readonly FieldRuleDefinition[] = [
  {
    targetObject: 'case_contact__v',
    targetField: 'first_name__v',
    queryObject: INQUIRY,
    queryField: 'first_name__v',
  },
  {
    targetObject: 'case_contact__v',
    targetField: 'last_name__v',
    queryObject: INQUIRY,
    queryField: 'last_name__v',
  },
]

/** Case and Case Request from the Inquiry (B8). */
const CASE_FROM_INQUIRY: readonly FieldRuleDefinition[] = [
  { targetObject: 'case__v', targetField: 'channel__v', fieldDefault: 'crm__v' },
  {
    targetObject: 'case__v',
    targetField: 'country__v',
    queryObject: INQUIRY,
    queryField: 'country__v',
    referenceLookup: 'crm_country_to_country__v',
  },
  {
    targetObject: 'case_request__v',
    targetField: 'question__v',
    queryObject: INQUIRY,
    queryField: 'inquiry_text__v',
  },
  {
    targetObject: 'case_request__v',
    targetField: 'product__v',
    queryObject: INQUIRY,
    queryField: 'product__vr.external_id__v',
    referenceLookup: 'crm_product_to_product__v',
  },
  { targetObject: 'case_request__v', targetField: 'origin__v', fieldDefault: 'crm__v' },
]

/** Inquiry status fields from the Case Request (B13). */
const INQUIRY_FROM_CASE_REQUEST: readonly FieldRuleDefinition[] = [
  {
    targetObject: INQUIRY,
    targetField: 'medical_inquiry_case_status__v',
    queryObject: 'case_request__v',
    queryField: 'state__v',
    referenceLookup: 'case_state_to_inquiry_status__v',
  },
  {
    targetObject: INQUIRY,
    targetField: 'case_number__v',
    queryObject: 'case_request__v',
    queryField: 'case__vr.name__v',
  },
  {
    targetObject: INQUIRY,
    targetField: 'response_notes__v',
    queryObject: 'case_request__v',
    queryField: 'response_notes__v',
  },
  {
    targetObject: INQUIRY,
    targetField: 'response_package_link__v',
    queryObject: 'case_request__v',
    queryField: 'response_package_link__v',
  },
  {
    targetObject: INQUIRY,
    targetField: 'case_closed_date__v',
    queryObject: 'case_request__v',
    queryField: 'closed_date__v',
  },
]

/** CrossLink metadata from the Medical document (B17; spec/data-model.md, the default set). */
const CROSSLINK_FROM_DOCUMENT: readonly FieldRuleDefinition[] = [
  ['name__v', 'name__v'],
  ['title__v', 'title__v'],
  ['product__v', 'product__v', 'medical_product_to_product__v'],
  ['crm_fax__v', 'crm_fax__v'],
  ['crm_media_type__v', 'crm_media_type__v'],
  ['crm_hidden__v', 'crm_hidden__v'],
].map(([target, source, lookup]) => ({
  targetObject: 'documents',
  targetField: target!,
  queryObject: 'documents',
  queryField: source!,
  ...(lookup === undefined ? {} : { referenceLookup: lookup }),
}))

/**
 * B19: what an Approved Email source gives its CrossLink (as B17) and each of its
 * `approved_document__v` records. The flow adds `link__v`, `crosslink_document__v`, `status__v` and
 * `country__v` (the routed countries' codes), and makes one record per mapped product.
 */
const APPROVED_EMAIL_FROM_DOCUMENT: readonly FieldRuleDefinition[] = [
  ...CROSSLINK_FROM_DOCUMENT,
  ...[
    ['name__v', 'name__v'],
    ['document_type__v', 'type__v'],
    ['product__v', 'product__v', 'medical_product_to_product__v'],
    ['hidden__v', 'crm_hidden__v'],
  ].map(([target, source, lookup]) => ({
    targetObject: 'approved_document__v',
    targetField: target!,
    queryObject: 'documents',
    queryField: source!,
    ...(lookup === undefined ? {} : { referenceLookup: lookup }),
  })),
]

/** B18: CLM Presentation fields from the binder, beside the CrossLink metadata of binder and slides. */
const CLM_FROM_DOCUMENT: readonly FieldRuleDefinition[] = [
  ...CROSSLINK_FROM_DOCUMENT,
  {
    targetObject: 'clm_presentation__v',
    targetField: 'product__v',
    queryObject: 'documents',
    queryField: 'product__v',
    referenceLookup: 'medical_product_to_product__v',
  },
]

/**
 * B21: the Medical Vault's CLM Content Metrics from a CRM's record: the figures as they are, the
 * country through the CRM country lookup. The flow adds the document, object type, connection and
 * CRM org, which come from the link and the connection rather than from a field.
 */
const METRICS_FROM_CRM: readonly FieldRuleDefinition[] = CLM_METRIC_FIELDS.map((f) => f.name)
  .map(
    (field): FieldRuleDefinition => ({
      targetObject: 'clm_content_metrics__v',
      targetField: field,
      queryObject: 'clm_content_metrics__v',
      queryField: field,
    }),
  )
  .concat({
    targetObject: 'clm_content_metrics__v',
    targetField: 'country__v',
    queryObject: 'clm_content_metrics__v',
    queryField: 'country__v',
    referenceLookup: 'crm_country_to_country__v',
  })

/** B21: CLM Content Metrics on each side (CRM → Medical, the one content flow that way). */
const CLM_METRICS_INTEGRATION: Readonly<Record<ConnectionSide, IntegrationDefinition>> = {
  medical: {
    apiName: 'clm_content_metrics_integration__v',
    name: 'CLM Content Metrics',
    points: [
      {
        apiName: INTEGRATION_POINTS.clmMetricsInbound,
        direction: 'inbound__sys',
        description:
          'CLM statistics of presentations and slides from Vault CRM, against the Medical documents',
      },
    ],
  },
  crm: {
    apiName: 'clm_content_metrics_integration__v',
    name: 'CLM Content Metrics',
    points: [
      {
        apiName: INTEGRATION_POINTS.clmMetricsOutbound,
        direction: 'outbound__sys',
        description:
          'CLM statistics calculated from calls and email activity, per presentation, slide and country',
      },
    ],
  },
}

/** B18: the CLM integration on each side (one point each way of the notice). */
const CLM_INTEGRATION: Readonly<Record<ConnectionSide, IntegrationDefinition>> = {
  medical: {
    apiName: 'clm_integration__v',
    name: 'CLM',
    points: [
      {
        apiName: INTEGRATION_POINTS.clmOutbound,
        direction: 'outbound__sys',
        description: 'Multichannel presentations and their slides, routed to Vault CRM by country',
      },
    ],
  },
  crm: {
    apiName: 'clm_integration__v',
    name: 'CLM',
    points: [
      {
        apiName: INTEGRATION_POINTS.clmInbound,
        direction: 'inbound__sys',
        description: 'CLM Presentations, Key Messages and slide order from Medical Vault presentations',
      },
    ],
  },
}

export const STANDARD_CONFIGURATION: Readonly<Record<ConnectionSide, SideConfiguration>> = Object.freeze({
  medical: {
    integrations: [
      {
        apiName: 'medical_inquiry_integration__v',
        name: 'Medical Inquiry',
        points: [
          {
            apiName: INTEGRATION_POINTS.inquiryInbound,
            direction: 'inbound__sys',
            description: 'Inquiries transferred from Vault CRM',
          },
          {
            apiName: INTEGRATION_POINTS.inquiryResultOutbound,
            direction: 'outbound__sys',
            description: 'Tells Vault CRM which transfers succeeded or failed',
          },
          {
            apiName: INTEGRATION_POINTS.accountInbound,
            direction: 'inbound__sys',
            description: 'Account changes pulled into Case Contacts',
          },
          {
            apiName: INTEGRATION_POINTS.caseRequestOutbound,
            direction: 'outbound__sys',
            description: 'Nudges Vault CRM to pull Case Request changes',
          },
        ],
      },
      {
        apiName: 'country_integration__v',
        name: 'Country',
        points: [
          {
            apiName: INTEGRATION_POINTS.connectionSettingsInbound,
            direction: 'inbound__sys',
            description: 'Country filters of Vault CRM Connection Settings pulled into Connection Countries',
          },
        ],
      },
      {
        apiName: 'document_transfer_integration__v',
        name: 'Document Transfer',
        points: [
          {
            apiName: INTEGRATION_POINTS.documentTransferOutbound,
            direction: 'outbound__sys',
            description: 'Documents of the Medical-CRM Connection type group, routed to Vault CRM by country',
          },
        ],
      },
      {
        apiName: 'approved_email_integration__v',
        name: 'Approved Email',
        points: [
          {
            apiName: INTEGRATION_POINTS.approvedEmailOutbound,
            direction: 'outbound__sys',
            description:
              'Staged and approved email templates, email fragments and template fragments (with their related documents), routed to Vault CRM by country',
          },
        ],
      },
      CLM_INTEGRATION.medical,
      CLM_METRICS_INTEGRATION.medical,
    ],
    rules: [
      {
        apiName: 'account_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.inquiryInbound,
        primaryQueryObject: INQUIRY,
        active: true,
        description: 'Case Contacts are built from the CRM Account (data usage agreement: accounts).',
        fieldRules: CONTACT_FROM_ACCOUNT,
      },
      {
        apiName: 'do_not_pull_from_accounts_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.inquiryInbound,
        primaryQueryObject: INQUIRY,
        active: false,
        description: 'Case Contacts are built from the Inquiry only; no Account field is read.',
        fieldRules: CONTACT_FROM_INQUIRY,
      },
      {
        apiName: 'only_accounts_with_inquiries_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.accountInbound,
        primaryQueryObject: 'account__v',
        active: true,
        description: 'Only accounts that already have a transferred inquiry update their Case Contact.',
        fieldRules: CONTACT_FROM_ACCOUNT.map((r) => ({
          ...r,
          queryObject: 'account__v',
          queryField: r.queryField?.replace('account__vr.', ''),
        })),
      },
      {
        apiName: 'medical_inquiries_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.inquiryInbound,
        primaryQueryObject: INQUIRY,
        active: true,
        description: 'Cases and Case Requests are built from Medical Inquiries.',
        fieldRules: CASE_FROM_INQUIRY,
      },
      {
        apiName: CLM_METRICS_RULE,
        integrationPoint: INTEGRATION_POINTS.clmMetricsInbound,
        primaryQueryObject: 'clm_content_metrics__v',
        active: true,
        description:
          'CLM Content Metrics figures and country from the CRM, against the Medical presentation or slide.',
        fieldRules: METRICS_FROM_CRM,
      },
    ],
  },
  crm: {
    integrations: [
      {
        apiName: 'medical_inquiry_integration__v',
        name: 'Medical Inquiry',
        points: [
          {
            apiName: INTEGRATION_POINTS.inquiryOutbound,
            direction: 'outbound__sys',
            description: 'Transfer to Medical',
          },
          {
            apiName: INTEGRATION_POINTS.inquiryResultInbound,
            direction: 'inbound__sys',
            description: 'Transfer results from the Medical Vault',
          },
          {
            apiName: INTEGRATION_POINTS.caseRequestInbound,
            direction: 'inbound__sys',
            description: 'Case Request changes pulled since the Last Successful Run Time',
          },
        ],
      },
      {
        apiName: 'country_integration__v',
        name: 'Country',
        points: [
          {
            apiName: INTEGRATION_POINTS.connectionSettingsOutbound,
            direction: 'outbound__sys',
            description: 'Nudges the Medical Vault to pull Connection Settings country filter changes',
          },
        ],
      },
      {
        apiName: 'document_transfer_integration__v',
        name: 'Document Transfer',
        points: [
          {
            apiName: INTEGRATION_POINTS.documentTransferInbound,
            direction: 'inbound__sys',
            description: 'CrossLinks to Medical Vault documents, up-versioned with their source',
          },
        ],
      },
      {
        apiName: 'approved_email_integration__v',
        name: 'Approved Email',
        points: [
          {
            apiName: INTEGRATION_POINTS.approvedEmailInbound,
            direction: 'inbound__sys',
            description:
              'Approved Email content as CrossLinks and Approved Documents (one per product); pulled since the Last Successful Run Time as a safety net',
          },
        ],
      },
      CLM_INTEGRATION.crm,
      CLM_METRICS_INTEGRATION.crm,
    ],
    rules: [
      {
        apiName: 'case_request_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.caseRequestInbound,
        primaryQueryObject: 'case_request__v',
        active: true,
        description: 'Inquiry status, notes and response package link from Case Requests.',
        fieldRules: INQUIRY_FROM_CASE_REQUEST,
      },
      {
        apiName: 'document_transfer_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.documentTransferInbound,
        primaryQueryObject: 'documents',
        active: true,
        description: 'CrossLink metadata from the Medical document; add field rules to transfer more fields.',
        fieldRules: CROSSLINK_FROM_DOCUMENT,
      },
      {
        apiName: 'approved_email_integration_rule__v',
        integrationPoint: INTEGRATION_POINTS.approvedEmailInbound,
        primaryQueryObject: 'documents',
        active: true,
        description:
          'CrossLink metadata and Approved Document fields from email templates and fragments (one Approved Document per product).',
        fieldRules: APPROVED_EMAIL_FROM_DOCUMENT,
      },
      {
        apiName: CLM_RULE,
        integrationPoint: INTEGRATION_POINTS.clmInbound,
        primaryQueryObject: 'documents',
        active: true,
        description:
          'CLM Presentation product and the CrossLink metadata of a presentation and its slides, from the Medical documents.',
        fieldRules: CLM_FROM_DOCUMENT,
      },
    ],
  },
})

/** Standard reference lookups seeded once per vault (connection left empty: they apply to all). */
export const STANDARD_REFERENCE_LOOKUPS: Readonly<
  Record<ConnectionSide, readonly (readonly [string, string, string])[]>
> = {
  medical: [],
  crm: [
    ['case_state_to_inquiry_status__v', 'new_state__v', 'new__v'],
    ['case_state_to_inquiry_status__v', 'in_progress_state__v', 'in_progress__v'],
    ['case_state_to_inquiry_status__v', 'closed_state__v', 'closed__v'],
    ['case_state_to_inquiry_status__v', 'cancelled_state__v', 'cancelled__v'],
  ],
}
