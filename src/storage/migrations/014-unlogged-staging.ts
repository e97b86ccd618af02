import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * The sync staging tables hold a run's records only until it applies them, and a crashed run's rows
 * are cleared when the source runs next: nothing in them needs to survive a crash. Where the dialect
 * has unlogged tables (PostgreSQL), they leave the write-ahead log, so a million staged rows are no
 * longer written twice and shipped to every standby. (SQLite stages in temporary tables already.)
 */
export async function up(db: Kysely<any>, dialect: StorageDialect): Promise<void> {
  if (!dialect.unlogged) return;
  await dialect.unlogged(db, 'source_staging');
  await dialect.unlogged(db, 'source_staging_numbers');
}
