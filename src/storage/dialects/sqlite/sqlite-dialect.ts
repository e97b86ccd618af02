/**
 * Embedded SQLite through `node:sqlite` (no native addon). WAL with synchronous=NORMAL: a committed
 * transaction survives a crash of the process (kill -9); only an OS crash or power loss may lose the
 * last commits. `CALLBRIDGE_SQLITE_SYNC=full` trades speed for that too.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type ColumnDefinitionBuilder,
  type Dialect,
} from 'kysely';
import type { StorageDialect } from '../../dialect.ts';
import type { Database } from '../../schema.ts';
import { SqliteDriver } from './sqlite-driver.ts';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';

export type SqliteOptions = {
  /** File path, or `:memory:`. */
  file: string;
  synchronous?: 'normal' | 'full';
};

export function createSqliteDialect(options: SqliteOptions): StorageDialect {
  let checkpointer: WalCheckpointer | undefined;
  const open = () => {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    const db = new DatabaseSync(options.file);
    db.exec('pragma journal_mode = wal');
    db.exec(`pragma synchronous = ${options.synchronous ?? 'normal'}`);
    db.exec('pragma busy_timeout = 5000');
    db.exec('pragma foreign_keys = on');
    // 64 MB of page cache (the default is 2 MB): a million-contact phonebook's indexes then stay in
    // memory while a sync writes them, instead of re-reading pages for every random insert.
    db.exec('pragma cache_size = -65536');
    // Scratch tables (connectionScratch) in a temporary file, not in memory.
    db.exec('pragma temp_store = file');
    if (options.file !== ':memory:') {
      // Checkpoints happen in a worker (wal-checkpointer.ts), not in the commit of whoever crossed the
      // threshold; after a large sync the log file is cut back to 64 MB once checkpointed.
      db.exec('pragma wal_autocheckpoint = 0');
      db.exec('pragma journal_size_limit = 67108864');
      checkpointer = startWalCheckpointer(options.file);
    }
    return db;
  };
  let driver: SqliteDriver | undefined;
  const dialect: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => (driver = new SqliteDriver(open)),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
  const db = new Kysely<Database>({ dialect });
  return {
    label: `sqlite:${options.file}`,
    capabilities: { rowLocks: false, skipLocked: false, multiInstance: false, connectionScratch: true, inProcess: true },
    db,
    autoIncrementType: 'integer',
    autoIncrement: (col: ColumnDefinitionBuilder) => col.primaryKey().autoIncrement(),
    // AUTOINCREMENT keeps sqlite_sequence at the largest key ever inserted, explicit ones included.
    syncAutoIncrement: async () => {},
    // One writer at a time (BEGIN IMMEDIATE, busy_timeout): transactions never deadlock.
    isTransientConflict: () => false,
    clusterByPrimaryKey: (table) => table.modifyEnd(sql`without rowid`),
    // Inside a transaction the caller holds the driver's one connection (its mutex), so it may use it directly.
    runInTransaction: (query) => {
      if (!driver) throw new Error('SQLite store used before it was opened');
      return driver.connection.executeSync(query);
    },
    // Beside the database file (the same disk; the temp dir may be memory), made when first used.
    scratchDatabases:
      options.file === ':memory:'
        ? undefined
        : {
            dir: `${options.file}.scratch`,
            async attach(name, file) {
              if (!/^\w+$/.test(name)) throw new Error(`not a schema name: ${name}`);
              await sql`attach database ${file} as ${sql.raw(name)}`.execute(db);
            },
            async detach(name) {
              if (!/^\w+$/.test(name)) throw new Error(`not a schema name: ${name}`);
              await sql`detach database ${sql.raw(name)}`.execute(db);
            },
          },
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    },
    async close() {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}
