import { CompiledQuery, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import type { SqliteDatabase } from './sqlite-database.ts';
import { SqliteConnection } from './sqlite-connection.ts';

/**
 * Kysely driver over one synchronous SQLite handle. SQLite has one writer; the driver hands the single
 * connection to one user at a time (a FIFO mutex), so a transaction is never interleaved with another
 * request's statements. Write transactions start with BEGIN IMMEDIATE so a second process (the CLI)
 * waits on busy_timeout instead of failing mid-transaction. A read-only transaction begins deferred: a
 * snapshot that never blocks the writer (WAL), for a consistent backup while the server runs.
 */
export class SqliteDriver implements Driver {
  #open: () => SqliteDatabase;
  #db: SqliteDatabase | undefined;
  #connection: SqliteConnection | undefined;
  #queue: Array<() => void> = [];
  #busy = false;

  constructor(open: () => SqliteDatabase) {
    this.#open = open;
  }

  /** The one connection, for a caller that holds it (inside a transaction); throws before init(). */
  get connection(): SqliteConnection {
    if (!this.#connection) throw new Error('SQLite driver used before init or after destroy');
    return this.#connection;
  }

  async init(): Promise<void> {
    this.#db = this.#open();
    this.#connection = new SqliteConnection(this.#db);
  }

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#connection!);
    }
    return new Promise((resolve) => this.#queue.push(() => resolve(this.#connection!)));
  }

  async releaseConnection(): Promise<void> {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }

  async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === 'read only' ? 'begin deferred' : 'begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#connection = undefined;
  }
}
