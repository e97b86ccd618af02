/**
 * Chooses the dialect from configuration. This file and the dialect folders are the only places
 * that know which databases exist.
 */
import { join } from 'node:path';
import type { StorageDialect } from './dialect.ts';
import { createPostgresDialect } from './dialects/postgres/postgres-dialect.ts';
import { createSqliteDialect } from './dialects/sqlite/sqlite-dialect.ts';

export type StoreLocation = {
  /** `postgres://…`, `postgresql://…`, `sqlite:<file>`, or undefined for the embedded default. */
  databaseUrl?: string;
  dataDir: string;
  sqliteSync?: 'normal' | 'full';
};

export function openDialect(location: StoreLocation): StorageDialect {
  const url = location.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) return createPostgresDialect({ connectionString: url });
  const file = url?.startsWith('sqlite:') ? url.slice('sqlite:'.length) : join(location.dataDir, 'callbridge.db');
  return createSqliteDialect({ file, synchronous: location.sqliteSync });
}
