/**
 * PostgreSQL through node-postgres. Row locks and SKIP LOCKED make several Callbridge instances on one
 * database safe. int8 columns are parsed as numbers (sequence values stay far below 2^53).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type ColumnDefinitionBuilder } from 'kysely';
import type { StorageDialect } from '../../dialect.ts';
import type { Database } from '../../schema.ts';
import { postgresBroadcast } from './postgres-broadcast.ts';

export type PostgresOptions = {
  connectionString: string;
  /** Pool size; defaults to 10. */
  max?: number;
};

const INT8_OID = 20;

export function createPostgresDialect(options: PostgresOptions): StorageDialect {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client whose session ends (server restart, failover, pg_terminate_backend) makes the pool
  // emit 'error'; unheard, that kills the process. The pool drops the client and reconnects on demand.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const url = new URL(options.connectionString);
  return {
    label: `postgres://${url.host}${url.pathname}`,
    capabilities: { rowLocks: true, skipLocked: true, multiInstance: true, connectionScratch: false, inProcess: false },
    db,
    autoIncrementType: 'bigserial',
    autoIncrement: (col: ColumnDefinitionBuilder) => col.primaryKey(),
    // A bigserial's sequence does not see explicit values: move it past the largest one.
    async syncAutoIncrement(on: Kysely<any>, table: string, column: string) {
      await sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(on);
    },
    // 40P01 deadlock_detected, 40001 serialization_failure.
    isTransientConflict: (err: unknown) => ['40P01', '40001'].includes((err as { code?: string } | null)?.code ?? ''),
    async insertColumns(on: Kysely<any>, table: string, columns: ReadonlyArray<{ name: string; type: 'text' | 'integer' }>, values: unknown[][]) {
      const names = sql.join(columns.map((c) => sql.ref(c.name)));
      const arrays = sql.join(columns.map((c, i) => sql`${values[i]}::${sql.raw(c.type === 'integer' ? 'integer' : 'text')}[]`));
      await sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays})`.execute(on);
    },
    async unlogged(on: Kysely<any>, table: string) {
      await sql`alter table ${sql.table(table)} set unlogged`.execute(on);
    },
    async analyze(tables: readonly string[]) {
      await sql`analyze ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
    },
    broadcast: postgresBroadcast(options.connectionString),
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    },
    close: () => db.destroy(),
  };
}
