/**
 * `callbridge backup`: every Callbridge table, read in one read-only snapshot transaction, written as
 * the portable format of backup-format.ts. Consistent while the server runs: on SQLite a deferred
 * (WAL snapshot) transaction that never blocks the server's writer; on PostgreSQL REPEATABLE READ.
 * Rows are read in keyset pages and streamed through gzip, so memory stays flat at any size.
 */
import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DEFAULT_MIGRATION_TABLE } from 'kysely/migration';
import type { SecretBox } from '../storage/secret-box.ts';
import type { Store } from '../storage/store.ts';
import { BACKUP_FORMAT, BACKUP_VERSION, KEY_CHECK_TEXT, type BackupHeader } from './backup-format.ts';
import { BACKUP_TABLES, type BackupTable } from './backup-tables.ts';

const PAGE = 1_000;

export type BackupSummary = { file: string; schema: string; source: string; rows: Record<string, number> };

/** Writes the backup to `file` (through `file.partial`, renamed when complete). */
export type BackupOptions = {
  /** Sealed into the header's key check, so a restore can tell whether it has the same key. */
  secrets?: SecretBox;
  now?: Date;
  /** Called after each table is written (progress; tests write to the database meanwhile). */
  onTableDone?: (table: string, rows: number) => void | Promise<void>;
};

export async function writeBackup(store: Store, file: string, options: BackupOptions = {}): Promise<BackupSummary> {
  const columns = await tableColumns(store.dialect.db);
  const source = store.dialect.label.replace(/:.*/, '');
  const rows: Record<string, number> = {};
  let schema = '';
  const partial = `${file}.partial`;
  try {
    await store.dialect.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        schema = await currentSchema(trx);
        const header: BackupHeader = {
          format: BACKUP_FORMAT,
          version: BACKUP_VERSION,
          schema,
          createdAt: (options.now ?? new Date()).toISOString(),
          source,
          tables: BACKUP_TABLES.map((t) => t.name),
          keyCheck: options.secrets ? options.secrets.seal(KEY_CHECK_TEXT) : null,
        };
        async function* lines(): AsyncGenerator<string> {
          yield JSON.stringify(header) + '\n';
          for (const table of BACKUP_TABLES) {
            const cols = columns.get(table.name);
            if (!cols) throw new Error(`table ${table.name} is missing from the database; is its schema up to date?`);
            yield JSON.stringify({ table: table.name, columns: cols }) + '\n';
            let n = 0;
            for await (const page of pages(trx, table, cols)) {
              let chunk = '';
              for (const row of page) chunk += JSON.stringify(cols.map((c) => portable(row[c], table.name, c))) + '\n';
              n += page.length;
              yield chunk;
            }
            rows[table.name] = n;
            yield JSON.stringify({ end: table.name, rows: n }) + '\n';
            await options.onTableDone?.(table.name, n);
          }
          yield JSON.stringify({ end: 'backup', tables: BACKUP_TABLES.length }) + '\n';
        }
        // 0600: the file holds personal data (calls, contacts) and the sealed secrets.
        await pipeline(Readable.from(lines()), createGzip(), createWriteStream(partial, { mode: 0o600 }));
      });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return { file, schema, source, rows };
}

/** The last migration run on this database: the schema version a backup is made at. */
export async function currentSchema(db: Kysely<any> | Transaction<any>): Promise<string> {
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)} order by name desc limit 1`.execute(db);
  if (!rows[0]) throw new Error('the database has no Callbridge schema; run `callbridge migrate` first');
  return rows[0].name;
}

/** Column names of every table, in the database's order. Read outside the snapshot (SQLite has one connection). */
async function tableColumns(db: Kysely<any>): Promise<Map<string, string[]>> {
  const tables = await db.introspection.getTables();
  return new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
}

/** The table's rows in primary-key order, a page at a time (keyset paging: no OFFSET rescans). */
async function* pages(trx: Transaction<any>, table: BackupTable, columns: string[]): AsyncGenerator<Record<string, unknown>[]> {
  let after: unknown[] | undefined;
  for (;;) {
    let q = trx.selectFrom(table.name).select(columns);
    if (after) {
      const last = after;
      q = q.where(sql<boolean>`(${sql.join(table.key.map((k) => sql.ref(k)))}) > (${sql.join(last)})`);
    }
    for (const k of table.key) q = q.orderBy(k);
    const page = (await q.limit(PAGE).execute()) as Record<string, unknown>[];
    if (page.length) yield page;
    if (page.length < PAGE) return;
    const lastRow = page[page.length - 1];
    after = table.key.map((k) => lastRow[k]);
  }
}

/** JSON-safe and the same from either database: strings, numbers and nulls. */
function portable(value: unknown, table: string, column: string): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  throw new Error(`${table}.${column} holds a value a backup cannot store (${typeof value})`);
}
