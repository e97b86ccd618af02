/**
 * The store: one dialect and the repositories over it. Created by the composition root; everything
 * else receives it.
 */
import type { StorageDialect } from './dialect.ts';
import { migrateToLatest } from './migrate.ts';
import { openDialect, type StoreLocation } from './open-store.ts';
import { ApiKeysRepository } from './repositories/api-keys-repository.ts';
import { CallsRepository } from './repositories/calls-repository.ts';
import { ConnectorsRepository } from './repositories/connectors-repository.ts';
import { ContactsRepository } from './repositories/contacts-repository.ts';
import { TenantsRepository } from './repositories/tenants-repository.ts';
import { UsersRepository } from './repositories/users-repository.ts';

export type Store = {
  readonly dialect: StorageDialect;
  readonly tenants: TenantsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly users: UsersRepository;
  readonly calls: CallsRepository;
  readonly connectors: ConnectorsRepository;
  readonly contacts: ContactsRepository;
  close(): Promise<void>;
};

export function createStore(dialect: StorageDialect): Store {
  const db = dialect.db;
  return {
    dialect,
    tenants: new TenantsRepository(db),
    apiKeys: new ApiKeysRepository(db),
    users: new UsersRepository(db),
    calls: new CallsRepository(db, dialect.capabilities),
    connectors: new ConnectorsRepository(db),
    contacts: new ContactsRepository(db),
    close: () => dialect.close(),
  };
}

/** Opens the configured database and brings its schema up to date. */
export async function openStore(location: StoreLocation): Promise<Store> {
  const dialect = openDialect(location);
  try {
    await migrateToLatest(dialect);
  } catch (err) {
    await dialect.close().catch(() => {});
    throw err;
  }
  return createStore(dialect);
}
