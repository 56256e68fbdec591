import { type Driver, PostgresDialect, type PostgresDialectConfig, PostgresDriver } from 'kysely'

/**
 * Kysely's PostgreSQL driver, except that a failed rollback does not replace the error that
 * caused it. Kysely rolls back when a transaction's callback throws and rethrows the callback's
 * error once the rollback returns; when the rollback throws instead (the server ended the
 * connection: `pg_terminate_backend`, a restart, a network cut), only the rollback's "Connection
 * terminated unexpectedly" would reach the caller, hiding the statement's own error (57P01 …).
 */
class PostgresVaultDriver extends PostgresDriver {
  override async rollbackTransaction(
    connection: Parameters<PostgresDriver['rollbackTransaction']>[0],
  ): Promise<void> {
    try {
      await super.rollbackTransaction(connection)
    } catch {
      // Kysely's driver has already marked the connection for discard: the pool closes it, and a
      // transaction whose connection is closed is rolled back by the server. Nothing can commit.
    }
  }
}

/** Kysely's PostgreSQL dialect with the driver above. */
export class PostgresVaultDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig

  constructor(config: PostgresDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new PostgresVaultDriver(this.#config)
  }
}
