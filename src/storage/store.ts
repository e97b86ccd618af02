/**
 * The store: one dialect and the repositories over it. Created by the composition root; everything
 * else receives it.
 */
import type { StorageDialect } from './dialect.ts';
import { migrateToLatest } from './migrate.ts';
import { useScratchStaging } from './repositories/source-sync-repository.ts';
import { openDialect, type StoreLocation } from './open-store.ts';
import { ActionsRepository } from './repositories/actions-repository.ts';
import { ApiKeysRepository } from './repositories/api-keys-repository.ts';
import { EmployeeIntegrationsRepository } from './repositories/employee-integrations-repository.ts';
import { CallsRepository } from './repositories/calls-repository.ts';
import { ConnectorsRepository } from './repositories/connectors-repository.ts';
import { ContactsRepository } from './repositories/contacts-repository.ts';
import { CrmRepository } from './repositories/crm-repository.ts';
import { DeliveriesRepository } from './repositories/deliveries-repository.ts';
import { DeliveryEndpointsRepository } from './repositories/delivery-endpoints-repository.ts';
import { SourcesRepository } from './repositories/sources-repository.ts';
import { TenantsRepository } from './repositories/tenants-repository.ts';
import { UsersRepository } from './repositories/users-repository.ts';
import { WebSessionsRepository } from './repositories/web-sessions-repository.ts';

export type Store = {
  readonly dialect: StorageDialect;
  readonly tenants: TenantsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly users: UsersRepository;
  readonly calls: CallsRepository;
  readonly connectors: ConnectorsRepository;
  readonly contacts: ContactsRepository;
  readonly sources: SourcesRepository;
  readonly deliveries: DeliveriesRepository;
  readonly deliveryEndpoints: DeliveryEndpointsRepository;
  readonly actions: ActionsRepository;
  readonly employeeIntegrations: EmployeeIntegrationsRepository;
  /** Web UI logins (passwords, roles) and sessions. */
  readonly webSessions: WebSessionsRepository;
  readonly crm: CrmRepository;
  close(): Promise<void>;
};

export function createStore(dialect: StorageDialect): Store {
  const db = dialect.db;
  return {
    dialect,
    tenants: new TenantsRepository(db),
    apiKeys: new ApiKeysRepository(db),
    users: new UsersRepository(db),
    calls: new CallsRepository(db, dialect.capabilities, dialect.runInTransaction),
    connectors: new ConnectorsRepository(db),
    contacts: new ContactsRepository(db),
    sources: new SourcesRepository(db),
    deliveries: new DeliveriesRepository(db, dialect.capabilities),
    deliveryEndpoints: new DeliveryEndpointsRepository(db),
    actions: new ActionsRepository(db),
    employeeIntegrations: new EmployeeIntegrationsRepository(db),
    webSessions: new WebSessionsRepository(db),
    crm: new CrmRepository(db),
    close: () => dialect.close(),
  };
}

/** Opens the configured database and brings its schema up to date. */
export async function openStore(location: StoreLocation): Promise<Store> {
  const dialect = openDialect(location);
  try {
    await migrateToLatest(dialect);
    if (dialect.capabilities.connectionScratch) await useScratchStaging(dialect.db);
  } catch (err) {
    await dialect.close().catch(() => {});
    throw err;
  }
  return createStore(dialect);
}
