/**
 * One ordered list of migrations for every dialect, run on start and by `callbridge migrate`.
 * A migration is append-only once released: fix forward with a new one.
 */
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import type { StorageDialect } from './dialect.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-connectors.ts';
import * as m003 from './migrations/003-phonebook.ts';
import * as m004 from './migrations/004-delivery.ts';
import * as m005 from './migrations/005-sources.ts';
import * as m006 from './migrations/006-actions.ts';
import * as m007 from './migrations/007-crm.ts';
import * as m008 from './migrations/008-web-sessions.ts';
import * as m009 from './migrations/009-web-preferences.ts';
import * as m010 from './migrations/010-retention.ts';
import * as m011 from './migrations/011-contacts-source-index.ts';
import * as m012 from './migrations/012-contacts-tenant-id.ts';
import * as m013 from './migrations/013-lean-phonebook-tables.ts';
import * as m014 from './migrations/014-unlogged-staging.ts';

const MIGRATIONS = [
  ['001-initial', m001],
  ['002-connectors', m002],
  ['003-phonebook', m003],
  ['004-delivery', m004],
  ['005-sources', m005],
  ['006-actions', m006],
  ['007-crm', m007],
  ['008-web-sessions', m008],
  ['009-web-preferences', m009],
  ['010-retention', m010],
  ['011-contacts-source-index', m011],
  ['012-contacts-tenant-id', m012],
  ['013-lean-phonebook-tables', m013],
  ['014-unlogged-staging', m014],
] as const;

export async function migrateToLatest(dialect: StorageDialect): Promise<MigrationResultSet> {
  return run(migrator(dialect).migrateToLatest());
}

/** Brings the schema to the named migration (up only as far as it, or down from later ones): for upgrade tests. */
export async function migrateTo(dialect: StorageDialect, name: (typeof MIGRATIONS)[number][0]): Promise<MigrationResultSet> {
  return run(migrator(dialect).migrateTo(name));
}

function migrator(dialect: StorageDialect): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const [name, mod] of MIGRATIONS) migrations[name] = { up: (db) => mod.up(db, dialect) };
  return new Migrator({ db: dialect.db, provider: { getMigrations: async () => migrations } });
}

async function run(migration: Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  const result = await migration;
  if (result.error) throw result.error;
  return result;
}
