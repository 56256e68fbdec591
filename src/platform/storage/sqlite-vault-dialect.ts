import type BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'

/** Prepared statements kept per connection; a vault runs a few hundred distinct statements. */
const STATEMENT_CACHE_SIZE = 1_000

export interface SqliteVaultDialectConfig {
  /** Opens the connection that writes (and runs every transaction). */
  readonly openWriter: () => BetterSqlite3.Database
  /** Opens a read-only connection to the same file; absent for an in-memory database. */
  readonly openReader?: () => BetterSqlite3.Database
}

/** One better-sqlite3 handle with a bounded cache of prepared statements. */
class StatementRunner {
  readonly #db: BetterSqlite3.Database
  readonly #statements = new Map<string, BetterSqlite3.Statement>()

  constructor(db: BetterSqlite3.Database) {
    this.#db = db
  }

  run<R>(query: CompiledQuery): QueryResult<R> {
    let statement = this.#statements.get(query.sql)
    if (statement === undefined) {
      statement = this.#db.prepare(query.sql)
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.clear()
      this.#statements.set(query.sql, statement)
    }
    const parameters = query.parameters as unknown[]
    if (statement.reader) return { rows: statement.all(parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  /** Whether SQLite still has a transaction open (it rolls back by itself on SQLITE_FULL, SQLITE_IOERR, …). */
  get inTransaction(): boolean {
    return this.#db.inTransaction
  }

  close(): void {
    this.#statements.clear()
    this.#db.close()
  }
}

/** Hands the single writing connection to one user at a time. */
class WriterMutex {
  #held = false
  readonly #waiting: (() => void)[] = []

  async lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  unlock(): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#held = false
    else next()
  }
}

/**
 * A connection as Kysely sees it. Statements outside a transaction that only read go to the
 * read-only connection at once; everything else waits for the writer. Reads therefore never
 * queue behind transactions, and code that reads through the root handle while its own
 * transaction is open (in the same async flow) gets an answer instead of waiting forever on a
 * connection it holds itself: better-sqlite3 is synchronous, so the two cannot interleave.
 */
class RoutedConnection implements DatabaseConnection {
  readonly #driver: SqliteVaultDriver
  #holdsWriter = false
  #inTransaction = false
  /** The first statement failure of the open transaction: the error a failed rollback must not hide. */
  #failure: unknown

  constructor(driver: SqliteVaultDriver) {
    this.#driver = driver
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const reader = this.#driver.reader
    if (!this.#inTransaction && reader !== undefined && SelectQueryNode.is(query.query))
      return reader.run<R>(query)
    await this.holdWriter()
    try {
      return this.#driver.writer.run<R>(query)
    } catch (error) {
      if (this.#inTransaction && this.#failure === undefined) this.#failure = error
      throw error
    }
  }

  /** The transaction's first statement failure, forgotten once taken. */
  takeFailure(): unknown {
    const failure = this.#failure
    this.#failure = undefined
    return failure
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by Liaison; Kysely's interface requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported by the vault SQLite driver.')
  }

  async holdWriter(): Promise<void> {
    if (this.#holdsWriter) return
    await this.#driver.mutex.lock()
    this.#holdsWriter = true
  }

  set inTransaction(value: boolean) {
    this.#inTransaction = value
    this.#failure = undefined
  }

  release(): void {
    this.#inTransaction = false
    this.#failure = undefined
    if (!this.#holdsWriter) return
    this.#holdsWriter = false
    this.#driver.mutex.unlock()
  }
}

class SqliteVaultDriver implements Driver {
  readonly #config: SqliteVaultDialectConfig
  readonly mutex = new WriterMutex()
  #writer: StatementRunner | undefined
  #reader: StatementRunner | undefined

  constructor(config: SqliteVaultDialectConfig) {
    this.#config = config
  }

  get writer(): StatementRunner {
    if (this.#writer === undefined) throw new Error('The vault SQLite driver is not initialised.')
    return this.#writer
  }

  get reader(): StatementRunner | undefined {
    return this.#reader
  }

  async init(): Promise<void> {
    this.#writer = new StatementRunner(this.#config.openWriter())
    // The writer creates the file and switches it to WAL before a reader opens it.
    if (this.#config.openReader !== undefined) this.#reader = new StatementRunner(this.#config.openReader())
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this)
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const routed = connection as RoutedConnection
    await routed.holdWriter()
    routed.inTransaction = true
    await routed.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  /**
   * When the rollback fails too (after SQLITE_FULL SQLite has already rolled back: "cannot rollback
   * - no transaction is active"), the statement's own error is thrown, the rollback's as its cause;
   * otherwise Kysely would report only the rollback's.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const routed = connection as RoutedConnection
    try {
      await routed.executeQuery(CompiledQuery.raw('rollback'))
    } catch (rollbackError) {
      const failure = routed.takeFailure()
      if (!(failure instanceof Error)) throw rollbackError
      failure.cause ??= rollbackError
      throw failure
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    ;(connection as RoutedConnection).release()
  }

  async destroy(): Promise<void> {
    this.#reader?.close()
    this.#writer?.close()
  }
}

/** Kysely's SQLite dialect with a read-only connection beside the writer and cached statements. */
export class SqliteVaultDialect implements Dialect {
  readonly #config: SqliteVaultDialectConfig

  constructor(config: SqliteVaultDialectConfig) {
    this.#config = Object.freeze({ ...config })
  }

  createDriver(): Driver {
    return new SqliteVaultDriver(this.#config)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}
