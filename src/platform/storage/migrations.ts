import { type Kysely, sql } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { Storage } from './database.js'
import type { StorageDialect } from './storage-dialect.js'
import type { VaultDb } from './vault-db.js'

export interface Migration {
  readonly version: number
  readonly name: string
  up(db: Kysely<VaultDb>, dialect: StorageDialect): Promise<void>
}

/** Forward-only system-table migrations. Object tables come from metadata (see metadata/object-tables). */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'platform core',
    async up(db, dialect) {
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table vault_setting (key text primary key, value text not null)`.execute(db)
      await sql`create table id_sequence (name text primary key, next_value bigint not null)`.execute(db)
      await sql`create table custom_field (
        object_name text not null, field_name text not null, definition text not null, created_date text not null,
        primary key (object_name, field_name))`.execute(db)
      await sql`create table audit_trail (
        id ${serial}, grouping_id text not null, timestamp text not null, user_id text, user_name text not null,
        action text not null, object_name text not null, record_id text not null, field_name text,
        old_value text, new_value text, event_description text not null, connection text, message_id text)`.execute(
        db,
      )
      await sql`create index audit_trail_record on audit_trail (object_name, record_id, id)`.execute(db)
      await sql`create index audit_trail_time on audit_trail (timestamp)`.execute(db)
      await sql`create table user_credential (user_id text primary key, password_hash text not null, changed_date text not null)`.execute(
        db,
      )
      await sql`create table api_session (
        id_hash text primary key, user_id text not null, created_date text not null, last_used_date text not null,
        ended_date text)`.execute(db)
      await sql`create index api_session_user on api_session (user_id)`.execute(db)
      await sql`create table login_attempt (id ${serial}, username text not null, attempted_date text not null, succeeded integer not null)`.execute(
        db,
      )
      await sql`create index login_attempt_user on login_attempt (username, attempted_date)`.execute(db)
      // B22: the audit trail is append-only, enforced by the database itself.
      if (dialect.kind === 'postgres') {
        await sql`create function audit_trail_append_only() returns trigger language plpgsql as $$
          begin raise exception 'the audit trail is append-only'; end $$`.execute(db)
        await sql`create trigger audit_trail_no_update before update or delete on audit_trail
          for each row execute function audit_trail_append_only()`.execute(db)
      } else {
        await sql`create trigger audit_trail_no_update before update on audit_trail
          begin select raise(abort, 'the audit trail is append-only'); end`.execute(db)
        await sql`create trigger audit_trail_no_delete before delete on audit_trail
          begin select raise(abort, 'the audit trail is append-only'); end`.execute(db)
      }
    },
  },
  {
    version: 2,
    name: 'vql cursors',
    async up(db) {
      // next_page links stay valid for 72 h after their last use, across processes (VQL paging).
      await sql`create table vql_cursor (
        id text primary key, query text not null, user_id text not null, api_version text not null,
        created_date text not null, last_used_date text not null)`.execute(db)
      await sql`create index vql_cursor_last_used on vql_cursor (last_used_date)`.execute(db)
    },
  },
  {
    version: 3,
    name: 'jobs',
    async up(db, dialect) {
      // The embedded job runner's table (platform/jobs TableJobQueue). PostgreSQL vaults normally
      // run jobs on graphile-worker, but the table costs nothing there and lets the same runner be tested.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table job (
        id ${serial}, task text not null, payload text not null, queue_name text, job_key text,
        run_at text not null, attempts integer not null, max_attempts integer not null,
        locked_at text, locked_by text, last_error text, created_date text not null,
        state text not null check (state in ('waiting', 'running', 'dead')))`.execute(db)
      // At most one waiting job per key; a running job keeps its key so a successor waits for it.
      await sql`create unique index job_waiting_key on job (job_key) where state = 'waiting'`.execute(db)
      await sql`create index job_key_state on job (job_key, state)`.execute(db)
      await sql`create index job_ready on job (state, run_at)`.execute(db)
      await sql`create index job_queue on job (queue_name, state, id)`.execute(db)
    },
  },
  {
    version: 4,
    name: 'messaging',
    async up(db, dialect) {
      // platform/messaging: the vault's signing key, the outbound and inbound queues, replay protection.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table vault_signing_key (
        id text primary key, public_key text not null, private_key text not null, created_date text not null)`.execute(
        db,
      )
      // seq orders messages of one ordering key; id is the message id the receiver de-duplicates on.
      await sql`create table outbound_message (
        seq ${serial}, id text not null unique, connection_id text not null, integration_point text not null,
        ordering_key text not null, items text not null, attributes text not null,
        state text not null check (state in ('pending', 'delivered', 'dead')),
        attempts integer not null, next_attempt_date text, last_attempt_date text, last_error text,
        last_error_code text, created_date text not null, delivered_date text)`.execute(db)
      await sql`create index outbound_message_key on outbound_message (connection_id, ordering_key, state, seq)`.execute(
        db,
      )
      await sql`create index outbound_message_state on outbound_message (connection_id, state, seq)`.execute(
        db,
      )
      await sql`create table inbound_message (
        seq ${serial}, message_id text not null unique, connection_id text not null, integration_point text not null,
        ordering_key text not null, items text not null, attributes text not null,
        state text not null check (state in ('received', 'processed', 'failed')),
        attempts integer not null, received_date text not null, enqueued_date text, processed_date text,
        last_attempt_date text, last_error text, last_error_code text)`.execute(db)
      await sql`create index inbound_message_key on inbound_message (connection_id, ordering_key, state, seq)`.execute(
        db,
      )
      await sql`create index inbound_message_state on inbound_message (connection_id, state, seq)`.execute(db)
      await sql`create table signed_request_seen (
        vault_id text not null, message_id text not null, expires_date text not null,
        primary key (vault_id, message_id))`.execute(db)
      await sql`create index signed_request_seen_expiry on signed_request_seen (expires_date)`.execute(db)
      await sql`create table outbound_delivery_pause (
        connection_id text primary key, paused_date text not null, paused_by text not null)`.execute(db)
    },
  },
  {
    version: 5,
    name: 'documents',
    async up(db, dialect) {
      // platform/documents: a document (integer id) and its versions; files live in the BlobStore by SHA-256.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table document (
        id ${serial}, type__v text not null, lifecycle__v text not null,
        latest_major integer not null, latest_minor integer not null,
        crosslink__v integer not null default 0, source_vault_id__v text, source_document_id__v text,
        source_binding_rule__v text, bound_source_major_version__v integer, bound_source_minor_version__v integer,
        created_date text not null, created_by text not null)`.execute(db)
      await sql`create index document_source on document (source_vault_id__v, source_document_id__v)`.execute(
        db,
      )
      await sql`create table document_version (
        document_id bigint not null, major integer not null, minor integer not null,
        name__v text not null, fields text not null, state__v text not null, state_type text,
        file_sha256 text, file_name text, file_size bigint, file_mime text,
        created_date text not null, created_by text not null, modified_date text not null, modified_by text not null,
        primary key (document_id, major, minor))`.execute(db)
      await sql`create index document_version_file on document_version (file_sha256)`.execute(db)
    },
  },
  {
    version: 6,
    name: 'binders and document relationships',
    async up(db, dialect) {
      // platform/documents: a binder is a document (same ids, versions and lifecycle) with binder__v = 1
      // and ordered nodes, each pointing to a document; relationships link one version to a document.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`alter table document add column binder__v integer not null default 0`.execute(db)
      await sql`create index document_binder on document (binder__v, id)`.execute(db)
      // One document per position: order__v is unique inside a binder, so two clients adding at the
      // same position cannot both win.
      await sql`create table binder_node (
        id ${serial}, binder_id bigint not null, document_id bigint not null, order__v integer not null,
        created_date text not null, created_by text not null,
        unique (binder_id, order__v))`.execute(db)
      await sql`create index binder_node_document on binder_node (document_id)`.execute(db)
      // Columns carry the VQL field names of the relationships target, so it reads the table directly.
      await sql`create table document_relationship (
        id ${serial}, source_doc_id__v bigint not null, source_major_version__v integer not null,
        source_minor_version__v integer not null, target_doc_id__v bigint not null,
        relationship_type__v text not null, created_date__v text not null, created_by__v text not null,
        unique (source_doc_id__v, source_major_version__v, source_minor_version__v, relationship_type__v, target_doc_id__v))`.execute(
        db,
      )
      await sql`create index document_relationship_target on document_relationship (target_doc_id__v)`.execute(
        db,
      )
    },
  },
  {
    version: 7,
    name: 'document_change',
    async up(db, dialect) {
      // The routing queue of Document Transfer (B16): one row per document change, written in the
      // change's transaction and claimed by the router in the transaction that enqueues the messages.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table document_change (
        seq ${serial}, document_id bigint not null, change_kind text not null, type__v text not null,
        countries text not null, connection_id text, created_date text not null, routed_date text)`.execute(
        db,
      )
      await sql`create index document_change_pending on document_change (routed_date, seq)`.execute(db)
    },
  },
  {
    version: 8,
    name: 'login attempts by address',
    async up(db) {
      // The login throttle counts failures per username and source address, so guesses from one
      // address slow that address and not the user logging in from elsewhere.
      await sql`alter table login_attempt add column address text not null default ''`.execute(db)
      await sql`create index login_attempt_source on login_attempt (username, address, attempted_date)`.execute(
        db,
      )
    },
  },
  {
    version: 9,
    name: 'signing key out of the database',
    async up(db, dialect) {
      // The private key moves to a key file readable by the vault's owner alone (messaging/vault-keys):
      // the table keeps the public key. A key an older release stored waits in the legacy table until
      // the vault, which knows its key file, moves it there and deletes the row.
      await sql`alter table vault_signing_key rename to legacy_signing_key`.execute(db)
      // PostgreSQL names the primary key's index after the table, and the new table needs that name.
      if (dialect.kind === 'postgres')
        await sql`alter index vault_signing_key_pkey rename to legacy_signing_key_pkey`.execute(db)
      await sql`create table vault_signing_key (id text primary key, public_key text not null, created_date text not null)`.execute(
        db,
      )
      await sql`insert into vault_signing_key (id, public_key, created_date)
        select id, public_key, created_date from legacy_signing_key`.execute(db)
    },
  },
  {
    version: 10,
    name: 'login audit trail',
    async up(db, dialect) {
      // Every login attempt, successful or not (Vault's login audit trail). The throttle's
      // login_attempt rows are deleted on success, so they cannot serve as the trail.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table login_audit (
        id ${serial}, timestamp text not null, user_name text not null, user_id text, source_ip text not null,
        status text not null)`.execute(db)
      await sql`create index login_audit_time on login_audit (timestamp, id)`.execute(db)
      if (dialect.kind === 'postgres') {
        await sql`create trigger login_audit_no_update before update or delete on login_audit
          for each row execute function audit_trail_append_only()`.execute(db)
      } else {
        await sql`create trigger login_audit_no_update before update on login_audit
          begin select raise(abort, 'the audit trail is append-only'); end`.execute(db)
        await sql`create trigger login_audit_no_delete before delete on login_audit
          begin select raise(abort, 'the audit trail is append-only'); end`.execute(db)
      }
    },
  },
  {
    version: 11,
    name: 'document search',
    async up(db, dialect) {
      // FIND on documents (platform/documents document-search): per document, the text of its
      // latest version's fields and, for a text file, its content, under a full-text index. The
      // index is made here, not at every start as object tables' are: its columns never change.
      await sql`create table document_search (
        document_id bigint primary key, properties text not null, content text not null, file_sha256 text)`.execute(
        db,
      )
      await dialect.fullText.syncIndex(db, 'document_search', ['properties', 'content'])
    },
  },
  {
    version: 12,
    name: 'document files in the database',
    async up(db, dialect) {
      // platform/documents database-blob-store: document files by SHA-256 inside the vault's own
      // database (the default on PostgreSQL), one row per content and its bytes in parts of 1 MiB,
      // written in the same transaction as the version that refers to them.
      const bytes = sql.raw(dialect.kind === 'postgres' ? 'bytea' : 'blob')
      await sql`create table document_blob (sha256 text primary key, size bigint not null, parts integer not null)`.execute(
        db,
      )
      await sql`create table document_blob_part (
        sha256 text not null, part integer not null, bytes ${bytes} not null, primary key (sha256, part))`.execute(
        db,
      )
      // Documents are mostly compressed already (PDF, images): PostgreSQL need not try again.
      if (dialect.kind === 'postgres')
        await sql`alter table document_blob_part alter column bytes set storage external`.execute(db)
    },
  },
  {
    version: 13,
    name: 'activity statistics',
    async up(db, dialect) {
      // Running sums that a higher layer keeps over activity records (B21's CLM Content Metrics):
      // a feed of the activity rows written since the last fold, written in the writing transaction,
      // and one row of sums per (level, target record, country; '' = all countries). The names
      // carry no object: the connection decides what is summed.
      const serial = sql.raw(dialect.serialPrimaryKey)
      await sql`create table activity_change (
        seq ${serial}, object_name text not null, record_id text not null, change_kind text not null)`.execute(
        db,
      )
      // A fold tells the rows it has not summed yet from those it has by their pending entry.
      await sql`create index activity_change_record on activity_change (record_id)`.execute(db)
      await sql`create table activity_sum (
        level text not null, target_id text not null, country text not null,
        shown bigint not null, calls bigint not null, duration bigint not null, order_sum bigint not null,
        order_count bigint not null, custom_rows bigint not null, custom_calls bigint not null,
        positive bigint not null, neutral bigint not null, negative bigint not null,
        previews bigint not null, links_sent bigint not null, links_clicked bigint not null,
        primary key (level, target_id, country))`.execute(db)
    },
  },
])

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version))

/**
 * Brings the system tables up to date. Safe when several processes start at once: the schema lock
 * lets one migrate while the others wait and then find nothing to do. Refuses a database that a
 * newer Liaison has migrated.
 */
export async function migrateToLatest(storage: Storage): Promise<{ applied: number[] }> {
  const { db, dialect } = storage
  return dialect.withSchemaLock(db, async (trx) => {
    await sql`create table if not exists liaison_migration (version integer primary key, name text not null, applied_date text not null)`.execute(
      trx,
    )
    const rows = await trx.selectFrom('liaison_migration').select('version').execute()
    const done = new Set(rows.map((r) => Number(r.version)))
    const newest = Math.max(0, ...done)
    if (newest > LATEST_SCHEMA_VERSION)
      throw new LiaisonError(
        'SCHEMA_TOO_NEW',
        `The database is at schema version ${newest} but this Liaison knows only up to ${LATEST_SCHEMA_VERSION}; upgrade Liaison before starting it on this database.`,
      )
    const applied: number[] = []
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue
      await migration.up(trx, dialect)
      await trx
        .insertInto('liaison_migration')
        .values({ version: migration.version, name: migration.name, applied_date: new Date().toISOString() })
        .execute()
      applied.push(migration.version)
    }
    return { applied }
  })
}

/** The schema version the database is at (0 before the first migration); fails when the database does not answer. */
export async function schemaVersion(storage: Storage): Promise<number> {
  try {
    const result = await sql<{
      version: number | null
    }>`select max(version) as version from liaison_migration`.execute(storage.db)
    return Number(result.rows[0]?.version ?? 0)
  } catch {
    // No migration table yet is version 0, if the database answers at all; if not, this throws.
    await sql`select 1`.execute(storage.db)
    return 0
  }
}
