/**
 * `callbridge restore`: loads a backup (backup-format.ts) into a database of either dialect, in one
 * transaction: a restore that fails half-way (a damaged file, a full disk) leaves the database as it
 * was. Refuses a database that holds data unless told to replace it, a backup of another schema
 * version, and (unless told otherwise) a secret key that cannot open the backup's sealed secrets.
 */
import type { Transaction } from 'kysely';
import type { SecretBox } from '../storage/secret-box.ts';
import type { Store } from '../storage/store.ts';
import { BackupFileError, KEY_CHECK_TEXT, parseHeader, readLines, type BackupHeader, type TableEnd, type TableStart } from './backup-format.ts';
import { AUTO_INCREMENT, BACKUP_TABLES, TRANSIENT_TABLES } from './backup-tables.ts';
import { currentSchema } from './backup.ts';

export type RestoreOptions = {
  /** Replace whatever the database holds. */
  force?: boolean;
  /** The secret key here; checked against the backup's keyCheck. */
  secrets?: SecretBox;
  /** Restore although the key here cannot open the backup's secrets (they must be entered again). */
  ignoreSecretKey?: boolean;
};

export type RestoreSummary = { header: BackupHeader; rows: Record<string, number>; replaced: boolean };

/** Why a restore did not start; the message says what to do. */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

/** The outcome of comparing the backup's key check with the key here. */
export function checkSecretKey(header: BackupHeader, secrets: SecretBox | undefined): 'same' | 'different' | 'unknown' {
  if (!header.keyCheck || !secrets) return 'unknown';
  try {
    return secrets.open(header.keyCheck) === KEY_CHECK_TEXT ? 'same' : 'different';
  } catch {
    return 'different';
  }
}

export async function restoreBackup(store: Store, file: string, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const lines = readLines(file);
  const first = await lines.next();
  const header = parseHeader(first.done ? undefined : first.value, file);
  try {
    const schema = await currentSchema(store.dialect.db);
    if (header.schema !== schema) {
      throw new RestoreRefused(
        header.schema > schema
          ? `the backup has schema ${header.schema}, newer than this Callbridge's ${schema}; upgrade Callbridge, then restore`
          : `the backup has schema ${header.schema}, this Callbridge has ${schema}; restore it with the Callbridge release that made it, then start this version to upgrade the database`,
      );
    }
    const key = checkSecretKey(header, options.secrets);
    if (key !== 'same' && header.keyCheck && !options.ignoreSecretKey) {
      throw new RestoreRefused(
        (key === 'different' ? 'the secret key here is not the one the backup was made with' : 'there is no secret key here to check against the backup') +
          ': its sealed secrets (PBX, source, CRM and webhook credentials) could not be opened. Set CALLBRIDGE_SECRET_KEY, or put the old secret.key into the data directory; or pass --ignore-secret-key and enter those secrets again after the restore',
      );
    }
    const rows: Record<string, number> = {};
    let replaced = false;
    await store.dialect.db.transaction().execute(async (trx) => {
      const occupied = await firstNonEmpty(trx);
      if (occupied && !options.force) {
        throw new RestoreRefused(`the database is not empty (table ${occupied} has rows); restore into a new database, or pass --force to replace everything in it`);
      }
      if (occupied) {
        replaced = true;
        for (const name of [...TRANSIENT_TABLES, ...BACKUP_TABLES.map((t) => t.name).reverse()]) await trx.deleteFrom(name).execute();
      }
      await load(trx, lines, file, rows);
      for (const { table, column } of AUTO_INCREMENT) await store.dialect.syncAutoIncrement(trx, table, column);
    });
    // The tables were filled in bulk: plan the first reads for what they hold now, not for empty tables.
    await store.dialect.analyze?.(BACKUP_TABLES.map((t) => t.name));
    return { header, rows, replaced };
  } finally {
    await lines.return(undefined);
  }
}

async function firstNonEmpty(trx: Transaction<any>): Promise<string | undefined> {
  for (const { name } of BACKUP_TABLES) {
    if (await trx.selectFrom(name).select((eb) => eb.lit(1).as('one')).limit(1).executeTakeFirst()) return name;
  }
  return undefined;
}

/** Reads table after table and inserts the rows in batches (the parameter count stays under every driver's limit). */
async function load(trx: Transaction<any>, lines: AsyncGenerator<string>, file: string, rows: Record<string, number>): Promise<void> {
  const known = new Set(BACKUP_TABLES.map((t) => t.name as string));
  let table: TableStart | undefined;
  let batch: Record<string, unknown>[] = [];
  let batchSize = 0;
  let count = 0;
  let lineNo = 1;
  const flush = async () => {
    if (table && batch.length) await trx.insertInto(table.table).values(batch).execute();
    batch = [];
  };
  const damaged = (what: string) => new BackupFileError(`${file} is damaged: line ${lineNo}: ${what}`);
  for await (const line of lines) {
    lineNo++;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw damaged('not JSON');
    }
    if (Array.isArray(record)) {
      if (!table) throw damaged('a row outside a table');
      if (record.length !== table.columns.length) throw damaged(`${record.length} values for ${table.columns.length} columns of ${table.table}`);
      batch.push(Object.fromEntries(table.columns.map((c, i) => [c, record[i]])));
      count++;
      if (batch.length >= batchSize) await flush();
      continue;
    }
    const r = record as Partial<TableStart & TableEnd>;
    if (typeof r.table === 'string' && Array.isArray(r.columns)) {
      if (table) throw damaged(`table ${r.table} begins before ${table.table} ended`);
      if (!known.has(r.table)) throw damaged(`unknown table ${r.table}`);
      table = { table: r.table, columns: r.columns };
      batchSize = Math.max(1, Math.floor(8_000 / table.columns.length));
      count = 0;
    } else if (r.end === 'backup') {
      if (table) throw damaged(`the backup ends inside table ${table.table}`);
      return;
    } else if (typeof r.end === 'string') {
      if (!table || r.end !== table.table) throw damaged(`end of ${r.end} without its beginning`);
      if (r.rows !== count) throw damaged(`table ${table.table} should have ${r.rows} rows, has ${count}`);
      await flush();
      rows[table.table] = count;
      table = undefined;
    } else {
      throw damaged('not a row, a table or an end');
    }
  }
  throw new BackupFileError(`${file} is incomplete (it ends before its last line): was the backup cut short? Nothing was restored`);
}
