import { Type } from 'typebox'
import { NULLABLE_TEXT, openObject } from './envelope-schema.js'
import { pathParams } from './request-schemas.js'

/** The route schemas of connections.routes.ts: signed vault-to-vault traffic and the admin's calls. */

/** A connection in API shape (connectionBody): field names as on `connection__sys`, plus its queues. */
export const CONNECTION_PROPERTIES = {
  id: Type.String(),
  name__v: Type.String(),
  api_name__sys: Type.String(),
  connection_type__sys: Type.String(),
  status__v: Type.String({ enum: ['pending__sys', 'active__v', 'inactive__v'] }),
  remote_vault_id__sys: NULLABLE_TEXT,
  remote_vault_url__sys: NULLABLE_TEXT,
  remote_vault_name__sys: NULLABLE_TEXT,
  remote_environment__sys: Type.Union([
    Type.String({ enum: ['production__sys', 'sandbox__sys'] }),
    Type.Null(),
  ]),
  authorized_connection_user__sys: NULLABLE_TEXT,
  authorized_connection_username: NULLABLE_TEXT,
  remote_connection_user__sys: NULLABLE_TEXT,
  established_date__sys: NULLABLE_TEXT,
  queues: openObject({ outbound: Type.String(), inbound: Type.String() }),
}

export const CONNECTION = openObject(CONNECTION_PROPERTIES)

/** An example connection, as the answers of this file show it. */
export const CONNECTION_EXAMPLE = {
  id: 'V4C000000000101',
  name__v: 'Medical-CRM connection',
  api_name__sys: 'medical_crm__v',
  connection_type__sys: 'vault_to_vault__sys',
  status__v: 'active__v',
  remote_vault_id__sys: '1002',
  remote_vault_url__sys: 'http://127.0.0.1:4101',
  remote_vault_name__sys: 'crm-na',
  remote_environment__sys: 'production__sys',
  authorized_connection_user__sys: 'V1U000000000003',
  authorized_connection_username: 'integration@medical.liaison.local',
  remote_connection_user__sys: 'integration@crm-na.liaison.local',
  established_date__sys: '2025-05-01T09:30:00.000Z',
  queues: { outbound: 'medical_crm__v_outbound_queue', inbound: 'medical_crm__v_inbound_queue' },
} as const

/** The X-Liaison-* headers of a signed request (B2); the handler verifies them. */
export const SIGNED_HEADERS = Type.Object({
  'x-liaison-vault-id': Type.Optional(Type.String({ description: 'Vault id of the sender.' })),
  'x-liaison-recipient-id': Type.Optional(
    Type.String({ description: 'Vault id of the receiver; a request signed for another vault is refused.' }),
  ),
  'x-liaison-timestamp': Type.Optional(
    Type.String({ description: 'UTC ISO-8601 with milliseconds; ±5 minutes.' }),
  ),
  'x-liaison-message-id': Type.Optional(
    Type.String({ description: 'A fresh id per request; replays are refused.' }),
  ),
  'x-liaison-signature': Type.Optional(
    Type.String({
      description:
        'Base64 Ed25519 signature of "LIAISON-ED25519-V2\\nMETHOD\\nPATH?QUERY\\nTIMESTAMP\\nMESSAGE-ID\\nVAULT-ID\\nRECIPIENT-ID\\nSHA256-HEX(BODY)".',
    }),
  ),
})

export const HANDSHAKE_BODY = Type.Object(
  {
    format: Type.Optional(Type.String()),
    connection_id: Type.String({ description: 'The issuing vault connection id from the token.' }),
    secret: Type.String({ description: 'The token secret.' }),
    vault_id: Type.String(),
    vault_name: Type.String(),
    url: Type.String({ description: 'Origin of the accepting vault.' }),
    environment: Type.String({ enum: ['production', 'sandbox'] }),
    public_key: Type.String({ description: 'PEM of the accepting vault Ed25519 public key.' }),
    integration_user: Type.Optional(Type.String()),
    remote_connection_id: Type.Optional(Type.String()),
    api_name: Type.Optional(Type.String()),
  },
  {
    examples: [
      {
        connection_id: 'V4C000000000101',
        secret: 'the token secret',
        vault_id: '1002',
        vault_name: 'crm-na',
        url: 'http://127.0.0.1:4101',
        environment: 'production',
        public_key: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n',
        integration_user: 'integration@crm-na.liaison.local',
      },
    ],
  },
)

export const HANDSHAKE_ANSWER = openObject({
  connection_id: Type.String(),
  api_name: Type.String(),
  vault_id: Type.String(),
  vault_name: Type.String(),
  environment: Type.String(),
  integration_user: Type.String(),
})

export const INBOUND_BODY = Type.Object(
  {
    message_id: Type.String({ description: 'UUID; the receiver de-duplicates on it.' }),
    vault_id: Type.Optional(Type.String()),
    vault_name: Type.Optional(Type.String()),
    integration_point: Type.String(),
    ordering_key: Type.String(),
    enter_queue_timestamp: Type.Optional(Type.String()),
    send_message_timestamp: Type.Optional(Type.String()),
    send_attempt: Type.Optional(Type.Integer()),
    message: Type.Object({
      items: Type.Array(Type.String(), { maxItems: 500 }),
      attributes: Type.Optional(Type.Object({}, { additionalProperties: true })),
    }),
  },
  {
    examples: [
      {
        message_id: '0f8e6c1a-6b1e-4d43-9d2e-0c7f1a2b3c4d',
        vault_id: '1002',
        vault_name: 'crm-na',
        integration_point: 'inquiry_transfer__v',
        ordering_key: 'V0M000000001001',
        message: { items: ['V0M000000001001'], attributes: {} },
      },
    ],
  },
)

/** Optional text of the admin's forms; blank reads as absent. */
const TEXT = Type.Optional(Type.String())

export const CREATE_CONNECTION_BODY = Type.Object(
  {
    api_name__sys: Type.Optional(Type.String({ description: 'Default: medical_crm__v, or a free variant.' })),
    name__v: TEXT,
    remote_vault_url__sys: TEXT,
    remote_vault_id__sys: Type.Optional(
      Type.String({ description: 'Only this vault may accept the token.' }),
    ),
    integration_user: Type.Optional(Type.String({ description: 'Username the remote vault calls back as.' })),
    url: Type.Optional(
      Type.String({
        description:
          'This vault origin as the remote reaches it. Default: the vault public URL (--public-url) or the address it listens on.',
      }),
    ),
  },
  { examples: [{ name__v: 'Medical-CRM connection', remote_vault_url__sys: 'http://127.0.0.1:4101' }] },
)

export const ACCEPT_CONNECTION_BODY = Type.Object(
  {
    connection_token: TEXT,
    connection_file: Type.Optional(
      Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()], {
        description: 'the connection file, as a JSON object or as its text',
      }),
    ),
    api_name__sys: TEXT,
    name__v: TEXT,
    integration_user: TEXT,
    url: Type.Optional(
      Type.String({
        description:
          'This vault origin as the remote reaches it. Default: the vault public URL (--public-url) or the address it listens on.',
      }),
    ),
  },
  { examples: [{ connection_token: 'eyJmb3JtYXQiOiJsaWFpc29uLWNvbm5lY3Rpb24tMSIs…' }] },
)

export const API_NAME = Type.String({
  description: 'api_name__sys of the connection in this vault.',
  examples: ['medical_crm__v'],
})

export const RUN_PULL_PARAMS = pathParams({
  api_name: API_NAME,
  integration_point: Type.String({
    description: 'The integration point to pull, e.g. case_request_inbound__v.',
    examples: ['case_request_inbound__v'],
  }),
})
