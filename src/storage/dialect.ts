/**
 * The storage dialect seam. Everything outside `storage/dialects/` works through this interface and
 * branches only on declared capabilities, never on which database it is.
 */
import type { ColumnDefinitionBuilder, CompiledQuery, CreateTableBuilder, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.ts';

/** Runs a compiled query at once on the connection the caller's transaction holds (runInTransaction). */
export type DirectExecutor = (query: CompiledQuery) => QueryResult<unknown>;

/** The dialect's `broadcast`. */
export type Broadcast = {
  /** Sends `payload` on `channel` with the transaction (or statement) of `db`. */
  send(db: Kysely<any>, channel: string, payload: string): Promise<void>;
  /**
   * Calls `onMessage` with every payload sent on `channel` from now on, over the one listening
   * connection all listeners share (outside any pool), opened again when it breaks. Resolves once
   * listening; the result stops it.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** The largest payload in UTF-8 bytes. */
  readonly maxPayloadBytes: number;
};

export type DialectCapabilities = {
  /** `SELECT … FOR UPDATE` locks rows (PostgreSQL). Without it the dialect serializes writers itself. */
  readonly rowLocks: boolean;
  /** `FOR UPDATE SKIP LOCKED` lets several instances claim work side by side. */
  readonly skipLocked: boolean;
  /** Several processes may serve from this store at once. */
  readonly multiInstance: boolean;
  /**
   * One connection serves the whole store for its lifetime, so `create temp table` makes scratch
   * tables that shadow the persistent ones of the same name: private to this process, gone with it,
   * and never written to the journal (a sync run stages a million rows there without paying for
   * their durability twice).
   */
  readonly connectionScratch: boolean;
  /**
   * The database engine runs inside this process (SQLite): its statements cost no round trip, but
   * what they are fed lives on this process's heap.
   */
  readonly inProcess: boolean;
};

export interface StorageDialect {
  /** For logs and `/readyz`; code must not branch on it. */
  readonly label: string;
  readonly capabilities: DialectCapabilities;
  /** The Kysely instance over this database. Created once; `close()` destroys it. */
  readonly db: Kysely<Database>;
  /**
   * Declares an auto-incrementing 64-bit integer primary key column (`seq`), whose values increase
   * in commit order within one process.
   */
  autoIncrement(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The SQL type of an auto-incrementing key, for `addColumn(name, type)`. */
  readonly autoIncrementType: 'integer' | 'bigserial';
  /**
   * After rows were inserted with explicit values of an auto-increment column (a restore), makes the
   * next generated value larger than every stored one. Runs on `db`, which may be a transaction.
   */
  syncAutoIncrement(db: Kysely<any>, table: string, column: string): Promise<void>;
  /**
   * True when `err` is a transient conflict between concurrent transactions (a deadlock, a
   * serialization failure) that running the whole transaction again can cure.
   */
  isTransientConflict(err: unknown): boolean;
  /**
   * Runs a compiled query at once on the connection that a transaction of `db` holds, without
   * Kysely's asynchronous executor (a chain of promises and closures per query: on the ingest hot
   * path, about a quarter of the garbage per event). Only dialects whose single connection serves
   * every transaction have it (SQLite); the caller must be inside a transaction of `db`.
   */
  readonly runInTransaction?: DirectExecutor;
  /**
   * Stores a new table's rows inside its primary key's B-tree (SQLite: `WITHOUT ROWID`), so that a
   * row costs one B-tree insert instead of two (the table and its key). Only for tables with small
   * rows that are read by their key. Dialects whose tables are always separate from their indexes
   * (PostgreSQL) leave it out; migrations rebuild a table with it only where it exists.
   */
  readonly clusterByPrimaryKey?: <T extends string, C extends string>(table: CreateTableBuilder<T, C>) => CreateTableBuilder<T, C>;
  /**
   * After a bulk change (a sync that wrote thousands of rows), brings the planner's statistics of
   * these tables up to date, so that the next reads are planned for what the tables hold now
   * (PostgreSQL: `ANALYZE`; until autovacuum got to it, a paged read of a freshly imported million
   * rows was planned as if the table were empty: 10 s instead of 1 s). Dialects that plan without
   * statistics (SQLite here) leave it out.
   */
  readonly analyze?: (tables: readonly string[]) => Promise<void>;
  /**
   * Makes a persistent table whose rows need not survive a crash cheaper to write (PostgreSQL:
   * `UNLOGGED`, kept out of the write-ahead log and so also out of replication; emptied after a
   * crash). For the sync staging tables; dialects with `connectionScratch` use temporary tables
   * instead and leave it out.
   */
  readonly unlogged?: (db: Kysely<any>, table: string) => Promise<void>;
  /**
   * Inserts many rows as one array per column in a single small statement (PostgreSQL: `insert …
   * select * from unnest($1::text[], …)`), instead of a VALUES list of thousands of bound values
   * that the server parses and plans every time (200,000 staged rows: 1.2 s instead of 8 s).
   * `columns[i]` names the column and its SQL type; `values[i]` holds its value for every row.
   * Dialects that prepare a multi-row statement once (SQLite) leave it out.
   */
  readonly insertColumns?: (db: Kysely<any>, table: string, columns: ReadonlyArray<{ name: string; type: 'text' | 'integer' }>, values: unknown[][]) => Promise<void>;
  /**
   * Scratch databases: files that another thread writes with its own connection and this store's
   * connection then reads by attaching them under a schema name (SQLite: `ATTACH`). A sync run's
   * record mapper threads stage into them, off the thread that serves requests, and the apply reads
   * them in its transaction. `dir` is where the files go. Dialects without it (PostgreSQL, an
   * in-memory SQLite store) stage on their own connection.
   */
  readonly scratchDatabases?: {
    readonly dir: string;
    /** Outside any transaction. `name` must be a plain identifier. */
    attach(name: string, file: string): Promise<void>;
    detach(name: string): Promise<void>;
  };
  /**
   * Messages to every process serving from this store, this one included: a message sent on a
   * transaction reaches them once that transaction commits, never if it rolls back, in commit order
   * (PostgreSQL: NOTIFY and LISTEN). For what must reach whichever instance holds a client but is not
   * stored (an agent's screen pop). A process whose listening connection is down misses what is sent
   * meanwhile. Dialects of one process (SQLite) leave it out.
   */
  readonly broadcast?: Broadcast;
  /** Quick liveness probe for `/readyz`; resolves or rejects within a second or two. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
