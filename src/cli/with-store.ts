/**
 * Opens the store the way the server would (same config rules), for commands that need it.
 * The storage modules (Kysely, the dialects) are imported on first use: they are most of the CLI's
 * start-up time, and `--help`, `version` and `calls tail` never need them.
 */
import { join } from 'node:path';
import type { MigrationResultSet } from 'kysely/migration';
import { loadConfig } from '../config/config.ts';
import { CallbridgeError } from '../core/errors.ts';
import { DEFAULT_TENANT } from '../core/tenant.ts';
import type { StoreLocation } from '../storage/open-store.ts';
import type { Tenant } from '../storage/repositories/tenants-repository.ts';
import type { Store } from '../storage/store.ts';
import type { StoreFlags } from './command.ts';
import { describeError } from './describe-error.ts';

export { DEFAULT_TENANT };

/** Flags over environment over defaults, as for `serve`. */
export function storeLocation(flags: StoreFlags): StoreLocation {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.database });
  return { databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteSync: config.sqliteSync };
}

/** Where the data is, for messages; a PostgreSQL password is masked. */
export function describeLocation(location: StoreLocation): string {
  const url = location.databaseUrl;
  if (!url) return join(location.dataDir, 'callbridge.db');
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** Opens the store (bringing its schema up to date), runs `fn` and closes it, also on failure. */
export async function withStore<T>(flags: StoreFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const location = storeLocation(flags);
  const { openStore } = await import('../storage/store.ts');
  let store: Store;
  try {
    store = await openStore(location);
  } catch (err) {
    throw new Error(`cannot open the database at ${describeLocation(location)}: ${describeError(err)}`, { cause: err });
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Runs the migrations that have not run yet, and says which. */
export async function migrateStore(flags: StoreFlags): Promise<{ location: string; result: MigrationResultSet }> {
  const location = storeLocation(flags);
  const [{ openDialect }, { migrateToLatest }] = await Promise.all([import('../storage/open-store.ts'), import('../storage/migrate.ts')]);
  const dialect = openDialect(location);
  try {
    return { location: describeLocation(location), result: await migrateToLatest(dialect) };
  } catch (err) {
    throw new Error(`migrating ${describeLocation(location)} failed: ${describeError(err)}`, { cause: err });
  } finally {
    await dialect.close();
  }
}

export async function requireTenant(store: Store, tenantId: string): Promise<Tenant> {
  const tenant = await store.tenants.get(tenantId);
  if (!tenant) {
    if (tenantId === DEFAULT_TENANT) {
      throw new CallbridgeError(
        'CB_NOT_FOUND',
        `tenant "${DEFAULT_TENANT}" does not exist yet; the first \`callbridge serve\` creates it, or create it now: callbridge tenants create ${DEFAULT_TENANT}`,
        'tenant',
      );
    }
    throw new CallbridgeError('CB_NOT_FOUND', `tenant "${tenantId}" does not exist; create it first: callbridge tenants create ${tenantId}`, 'tenant');
  }
  return tenant;
}
